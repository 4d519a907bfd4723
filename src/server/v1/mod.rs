//! The embedded reference server: an in-process implementation of Medusa v1.20's Store Auth
//! API, faithful to what a real 1.20.11 answers (status codes, the three kinds of 401, the
//! express-session `connect.sid` cookie and its attributes, HS256 store JWTs with a 30-day
//! lifetime, case-insensitive emails, guests, registration logging in, the error bodies).
//! It is the zero-setup default target and a fast server for client-library CI.
//!
//! Layout: [`routes`] (the route table, served by [`crate::server::express`]), [`handlers`],
//! [`store`] (customers and passwords), [`passport`] (who is asking), [`validate`]
//! (body-parser and class-validator), [`respond`] (the response shapes), [`express_session`]
//! (the session cookie and its signature) over [`sessions`] (the bounded session store),
//! [`cors`], and [`variation`] (conformant differences, `--variation`). This file holds the
//! configuration, the middleware stack and start-up, and the small helpers v2 shares (random
//! text, the clock, ULIDs, scrypt).

use axum::Router;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub mod cors;
mod express_session;
mod handlers;
mod passport;
mod respond;
mod routes;
pub mod sessions;
mod store;
mod validate;
pub mod variation;

pub(crate) use express_session::{cookie_value, sign_sid, unsign_cookie};
pub(crate) use respond::{html_error, json_response};
pub(crate) use validate::{BODY_LIMIT, is_json, parse_body};

use crate::server::express;

/// Session lifetime, as Medusa's default `ttl` (10 h).
const SESSION_TTL: Duration = Duration::from_secs(36_000);
/// At most this many sessions are kept (see `sessions`): plenty for any test run, and flat
/// memory under a soak test.
const MAX_SESSIONS: usize = 10_000;
/// Store JWT lifetime (30 days).
const TOKEN_TTL: i64 = 2_592_000;

/// How to run the server; filled by the CLI.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub jwt_secret: Option<String>,
    pub cookie_secret: Option<String>,
    /// NODE_ENV=production behaviour: `Secure; SameSite=None`, cookies only over https.
    pub production: bool,
    /// Not Medusa's behaviour: logout also revokes the customer's bearer tokens (medusajs/medusa#5930 fixed).
    pub revoke_tokens_on_logout: bool,
    /// Conformant differences from the 1.20.11 wire (`--variation`, src/server/v1/variation.rs).
    pub variations: Vec<crate::server::v1::variation::Variation>,
    /// Medusa's `store_cors` (comma-separated origins); `None`: `cors::DEFAULT_STORE_CORS`.
    pub store_cors: Option<String>,
}

struct Inner {
    store: RwLock<store::Store>,
    sessions: Mutex<crate::server::v1::sessions::Sessions>,
    /// customer id → tokens issued at or before this second are revoked (only with the switch).
    revoked: Mutex<HashMap<String, i64>>,
    jwt_secret: String,
    cookie_secret: String,
    cfg: ServerConfig,
}

type Shared = Arc<Inner>;

pub(crate) fn random_text(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn ulid_like() -> String {
    const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // A ULID: 48-bit millisecond time then 80 random bits, so the first character is 0-7.
    let ms = crate::clock::now_millis() & ((1 << 48) - 1);
    let random: u128 = rand::rng().random::<u128>() & ((1 << 80) - 1);
    let v = (ms << 80) | random;
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((v >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// scrypt with a per-customer salt (Medusa uses scrypt too).
pub(crate) fn hash_password(pw: &str, salt: &[u8]) -> Vec<u8> {
    let params = scrypt::Params::new(10, 8, 1, 32).expect("valid scrypt params");
    let mut out = vec![0u8; 32];
    scrypt::scrypt(pw.as_bytes(), salt, &params, &mut out).expect("scrypt output length");
    out
}

/// The routes inside Express's app-wide middleware.
fn router(st: Shared) -> Router {
    let variations = Arc::new(crate::server::v1::variation::Variations {
        on: st.cfg.variations.clone(),
        jwt_secret: st.jwt_secret.clone(),
    });
    let routes = express::router(routes::table(), st.clone());
    // Session, then body-parser, then CORS, then Express's routing, around the whole router
    // (not each route), in Express's order: body-parser is app-wide, cors() sits on the `/store`
    // router before its routes, so a preflight is answered before any route and an unknown
    // route's 404 page still carries the CORS headers, while body-parser errors carry none.
    let cors = crate::server::v1::cors::StoreCors::parse(
        st.cfg
            .store_cors
            .as_deref()
            .unwrap_or(crate::server::v1::cors::DEFAULT_STORE_CORS),
    );
    routes
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(cors),
            crate::server::v1::cors::layer,
        ))
        .layer(axum::middleware::from_fn(express::body_parser))
        .layer(axum::middleware::from_fn_with_state(
            st,
            express_session::layer,
        ))
        // Conformant variations rewrite what the whole server answers (src/server/v1/variation.rs).
        .layer(axum::middleware::from_fn_with_state(
            variations,
            crate::server::v1::variation::layer,
        ))
}

/// A running server; dropping it stops it.
pub struct Server {
    pub url: String,
    pub jwt_secret: String,
    inner: Shared,
    _listening: crate::server::listen::Listening,
}

impl Server {
    /// Binds and serves in the background on the current tokio runtime.
    pub async fn start(cfg: ServerConfig) -> std::io::Result<Server> {
        let secret = |s: &Option<String>| s.clone().unwrap_or_else(|| random_text(24));
        let jwt_secret = secret(&cfg.jwt_secret);
        let (host, port) = (cfg.host.clone(), cfg.port);
        let inner = Arc::new(Inner {
            store: RwLock::new(store::Store::default()),
            sessions: Mutex::new(crate::server::v1::sessions::Sessions::new(
                SESSION_TTL.as_secs() as i64,
                MAX_SESSIONS,
            )),
            revoked: Mutex::new(HashMap::new()),
            jwt_secret: jwt_secret.clone(),
            cookie_secret: secret(&cfg.cookie_secret),
            cfg,
        });
        let listening = crate::server::listen::listen(&host, port, router(inner.clone())).await?;
        Ok(Server {
            url: listening.url.clone(),
            jwt_secret,
            inner,
            _listening: listening,
        })
    }

    /// How many sessions the server holds now (for the memory tests and the bench).
    pub fn session_count(&self) -> usize {
        self.inner.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// On an ephemeral loopback port, with random secrets.
    pub async fn start_ephemeral() -> std::io::Result<Server> {
        Server::start(ServerConfig {
            host: "127.0.0.1".into(),
            ..Default::default()
        })
        .await
    }
}

/// `medusa-conform serve`: runs until Ctrl-C.
pub fn serve_blocking(cfg: ServerConfig) -> Result<(), crate::error::Error> {
    crate::server::listen::serve_until_ctrl_c(cfg.port, Server::start(cfg), |s: &Server| {
        vec![
            format!("medusa-conform reference server listening on {}", s.url),
            format!("export MEDUSA_URL={}", s.url),
        ]
    })
}
