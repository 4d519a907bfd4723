//! The embedded reference server for Medusa v2 (2.21.2) customer auth: an in-process
//! implementation of the contract observed on a real server
//! (`../shared/reference/medusa-v2-observed.md` §4, `tests/targets/medusa-v2/samples`):
//! auth identities under `/auth/{actor}/{provider}/…` (register, login, reset-password, update),
//! the customer actor under `/store/customers` (publishable key + registration token), HS*
//! JWTs with v2's claims, the opt-in `connect.sid` cookie session (`POST` / `DELETE
//! /auth/session`, nothing else sets a cookie), token refresh, and the reset token handed to the
//! harness the way the project's real v2 test server does it (an `auth.password_reset` JSON line
//! appended to an events file, see [`events`]), or in process ([`Server::reset_token`]).
//!
//! It reuses the v1 server's pieces: scrypt hashing, the signed-cookie format, the bounded
//! session store, the JWT verifier, Express's 404 page and weak ETag, `parseCorsOrigins`.
//!
//! Layout: [`pipeline`] (Express's app-level middleware: body parsing, CORS, the publishable
//! key, the 404 page), [`routes`] (the route handlers and their `authenticate` options),
//! [`store`] (identities, customers, reset tokens), [`tokens`] (claims, bearer, verification),
//! [`session`] (the cookie session), [`body`] (body-parser and the validators' messages),
//! [`errors`] (the response shapes).

mod body;
mod errors;
pub mod events;
mod pipeline;
mod routes;
mod session;
mod store;
mod tokens;

use axum::Router;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Session lifetime: express-session's `maxAge` in Medusa v2 (10 h).
const SESSION_TTL: Duration = Duration::from_secs(36_000);
/// At most this many cookie sessions are kept (as the v1 server).
const MAX_SESSIONS: usize = 10_000;
/// `http.jwtExpiresIn` default (1 day).
const TOKEN_TTL: i64 = 86_400;
/// Reset-token lifetime (15 min).
const RESET_TTL: i64 = 900;
/// Medusa v2's default `store_cors`/`auth_cors` of the starter, plus `http://localhost`.
pub const DEFAULT_CORS: &str = "http://localhost:8000,http://localhost";

/// How to run the v2 server; filled by the CLI or the harness.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    /// `http.jwtSecret` (random by default).
    pub jwt_secret: Option<String>,
    /// `http.cookieSecret` (random by default).
    pub cookie_secret: Option<String>,
    /// The publishable API key `/store` routes require (`pk_` + random hex by default).
    pub publishable_key: Option<String>,
    /// Append `auth.password_reset` events here, one JSON object per line (the format of
    /// `tests/targets/medusa-v2/src/subscribers/capture-auth-events.ts`).
    pub events: Option<PathBuf>,
    /// `store_cors` = `auth_cors` = `admin_cors` (comma-separated); `None`: [`DEFAULT_CORS`].
    pub cors: Option<String>,
    /// An admin user (`user` actor) to seed, as `up` does for the real server: its identity is
    /// shared with every actor type (clauses L5/L6).
    pub admin: Option<(String, String)>,
}

pub(crate) struct Inner {
    store: RwLock<store::Store>,
    sessions: Mutex<crate::server::v1::sessions::Sessions>,
    jwt_secret: String,
    cookie_secret: String,
    publishable_key: String,
    cors: crate::server::v1::cors::StoreCors,
    events: events::Events,
}

type Shared = Arc<Inner>;

fn router(st: Shared) -> Router {
    // Around the whole router (not each route), so preflights and unknown paths see it too.
    Router::new()
        .fallback_service(routes::router(st.clone()))
        .layer(axum::middleware::from_fn_with_state(st, pipeline::layer))
}

/// A running v2 server; dropping it stops it.
pub struct Server {
    pub url: String,
    pub jwt_secret: String,
    pub publishable_key: String,
    inner: Shared,
    _listening: crate::server::listen::Listening,
}

impl Server {
    /// Binds and serves in the background on the current tokio runtime.
    pub async fn start(cfg: ServerConfig) -> std::io::Result<Server> {
        let secret = |s: &Option<String>| {
            s.clone()
                .unwrap_or_else(|| crate::server::v1::random_text(24))
        };
        let jwt_secret = secret(&cfg.jwt_secret);
        let publishable_key = cfg.publishable_key.clone().unwrap_or_else(|| {
            let mut b = [0u8; 32];
            rand::fill(&mut b);
            format!(
                "pk_{}",
                b.iter().map(|x| format!("{x:02x}")).collect::<String>()
            )
        });
        let mut store = store::Store::default();
        if let Some((email, password)) = &cfg.admin {
            store.seed_user(email, password);
        }
        let inner = Arc::new(Inner {
            store: RwLock::new(store),
            sessions: Mutex::new(crate::server::v1::sessions::Sessions::new(
                SESSION_TTL.as_secs() as i64,
                MAX_SESSIONS,
            )),
            jwt_secret: jwt_secret.clone(),
            cookie_secret: secret(&cfg.cookie_secret),
            publishable_key: publishable_key.clone(),
            cors: crate::server::v1::cors::StoreCors::parse(
                cfg.cors.as_deref().unwrap_or(DEFAULT_CORS),
            ),
            events: events::Events::new(cfg.events.clone()),
        });
        let listening =
            crate::server::listen::listen(&cfg.host, cfg.port, router(inner.clone())).await?;
        Ok(Server {
            url: listening.url.clone(),
            jwt_secret,
            publishable_key,
            inner,
            _listening: listening,
        })
    }

    /// On an ephemeral loopback port, with random secrets and key.
    pub async fn start_ephemeral() -> std::io::Result<Server> {
        Server::start(ServerConfig {
            host: "127.0.0.1".into(),
            ..Default::default()
        })
        .await
    }

    /// The newest reset token emitted for `identifier` (as written, case-sensitive), if any:
    /// the in-process twin of the events file.
    pub fn reset_token(&self, identifier: &str) -> Option<String> {
        self.inner.events.newest_token(identifier)
    }

    /// How many cookie sessions the server holds now.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// `medusa-conform serve --api medusa-v2`: runs until Ctrl-C.
pub fn serve_blocking(cfg: ServerConfig) -> Result<(), crate::error::Error> {
    let (port, events) = (cfg.port, cfg.events.clone());
    crate::server::listen::serve_until_ctrl_c(port, Server::start(cfg), |s: &Server| {
        let mut lines = vec![
            format!(
                "medusa-conform reference server (Medusa v2 customer auth) listening on {}",
                s.url
            ),
            format!("export MEDUSA_V2_URL={}", s.url),
            // A publishable key is sent in the clear by every storefront: not a secret.
            format!("export MEDUSA_V2_PUBLISHABLE_KEY={}", s.publishable_key),
        ];
        if let Some(e) = events {
            lines.push(format!("export MEDUSA_V2_EVENTS={}", e.display()));
        }
        lines
    })
}
