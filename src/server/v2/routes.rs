//! The routes and their `authenticate(actor_types, auth_types, {allowUnregistered})` options,
//! as Medusa 2.21.2 registers them; each handler's behaviour is the observed clause named
//! in its doc (`medusa-v2-observed.md` §4).

use super::body::{Fields, Parsed};
use super::session::{self, SessionIn};
use super::store::{Customer, new_id, now_iso};
use super::{Inner, Shared, errors, tokens};
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const PROVIDER: &str = "emailpass";

pub(crate) fn router(st: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/auth/session", post(session_create).delete(session_delete))
        .route("/auth/token/refresh", post(refresh))
        .route("/auth/mfa/factors", get(mfa_factors))
        .route("/auth/{actor}/providers", get(providers))
        .route("/auth/{actor}/{provider}", post(login).get(login))
        .route("/auth/{actor}/{provider}/register", post(register))
        .route(
            "/auth/{actor}/{provider}/reset-password",
            post(reset_password),
        )
        .route("/auth/{actor}/{provider}/update", post(update))
        .route("/store/customers", post(customer_create))
        .route("/store/customers/me", get(me))
        .route("/store/customers/me/addresses", post(address_create))
        .route("/admin/users/me", get(admin_me))
        .with_state(st)
}

async fn health() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::ETAG, crate::server::express::weak_etag(b"OK"))
        .body(Body::from("OK"))
        .unwrap()
}

/// Where `authenticate` may look.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    Session,
    Bearer,
}

/// One route's `authenticate(actor_types, auth_types, {allowUnregistered})` options.
struct Authenticate {
    /// Accepted `actor_type`s (`*` = any).
    actors: &'static [&'static str],
    /// Where it may look, in order.
    via: &'static [Via],
    /// An actor-less context (a registration token) passes too.
    allow_unregistered: bool,
}

/// `authenticate("*", ["session", "bearer"], {allowUnregistered: true})`.
const ANYONE: Authenticate = Authenticate {
    actors: &["*"],
    via: &[Via::Session, Via::Bearer],
    allow_unregistered: true,
};

/// `authenticate("customer", ["session", "bearer"])`.
const CUSTOMER: Authenticate = Authenticate {
    actors: &["customer"],
    via: &[Via::Session, Via::Bearer],
    allow_unregistered: false,
};

impl Authenticate {
    /// The middleware: the session first (if allowed), then the bearer; the context's
    /// `actor_type` must be one of `actors`; an actor-less context passes only with
    /// `allow_unregistered`. `None` = its bare 401.
    fn context(
        &self,
        st: &Inner,
        headers: &HeaderMap,
        sess: &SessionIn,
    ) -> Option<Map<String, Value>> {
        let fits = |c: &Map<String, Value>| {
            self.actors.contains(&"*")
                || c.get("actor_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| self.actors.contains(&t))
        };
        let mut ctx = None;
        if self.via.contains(&Via::Session) {
            ctx = sess.context.clone().filter(|c| fits(c));
        }
        if ctx.is_none() && self.via.contains(&Via::Bearer) {
            ctx = tokens::bearer(headers)
                .and_then(|t| tokens::verify(&t, &st.jwt_secret))
                .filter(|c| fits(c));
        }
        let ctx = ctx?;
        let has_actor = ctx
            .get("actor_id")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        (has_actor || self.allow_unregistered).then_some(ctx)
    }
}

fn unknown_provider(provider: &str) -> Response {
    errors::unauthorized(&format!(
        "\nUnable to retrieve the auth provider with id: {provider}\nPlease make sure that the provider is registered in the container and it is configured correctly in your project configuration file."
    ))
}

/// emailpass's checks: a known provider, then password first (R4, L3).
fn credentials(provider: &str, body: &Value) -> Result<(String, String), Box<Response>> {
    if provider != PROVIDER {
        return Err(Box::new(unknown_provider(provider)));
    }
    let Some(password) = body.get("password").and_then(Value::as_str) else {
        return Err(Box::new(errors::unauthorized(
            "Password should be a string",
        )));
    };
    let Some(email) = body.get("email").and_then(Value::as_str) else {
        return Err(Box::new(errors::unauthorized("Email should be a string")));
    };
    Ok((email.to_string(), password.to_string()))
}

fn token_response(token: String) -> Response {
    errors::json_response(StatusCode::OK, json!({ "token": token }))
}

/// R1–R9: a new identity gets an actor-less token; the same e-mail and password again, while
/// the identity has no actor of any type yet, gets a new token for it; otherwise 401
/// (observed: the admin's credentials on the customer route are refused).
async fn register(
    State(st): State<Shared>,
    Path((actor, provider)): Path<(String, String)>,
    Extension(Parsed(body)): Extension<Parsed>,
) -> Response {
    let (email, password) = match credentials(&provider, &body) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut store = st.store.write().unwrap();
    let now = crate::clock::now_secs();
    let claims = match store.identity_by_email(&email) {
        Some(i) if i.app_metadata.is_empty() && i.password_is(&password) => {
            tokens::auth_claims(i, &actor, &provider, now)
        }
        Some(_) => return errors::unauthorized("Identity with email already exists"),
        None => {
            let i = store.add_identity(&email, &password);
            tokens::auth_claims(i, &actor, &provider, now)
        }
    };
    token_response(tokens::sign(&claims, &st.jwt_secret))
}

/// L1–L6: the same 401 body for a wrong password, an unknown e-mail and another case.
async fn login(
    State(st): State<Shared>,
    Path((actor, provider)): Path<(String, String)>,
    Extension(Parsed(body)): Extension<Parsed>,
) -> Response {
    let (email, password) = match credentials(&provider, &body) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let store = st.store.read().unwrap();
    match store.identity_by_email(&email) {
        Some(i) if i.password_is(&password) => {
            let claims = tokens::auth_claims(i, &actor, &provider, crate::clock::now_secs());
            token_response(tokens::sign(&claims, &st.jwt_secret))
        }
        _ => errors::unauthorized("Invalid email or password"),
    }
}

/// X2.
async fn providers(Path(_actor): Path<String>) -> Response {
    errors::json_response(
        StatusCode::OK,
        json!({"providers": [{"id": "emailpass", "identifier": "emailpass",
            "display_name": "Email/Password Authentication", "flow": "credentials"}]}),
    )
}

/// X3: no MFA factors are ever enrolled here.
async fn mfa_factors(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    headers: HeaderMap,
) -> Response {
    match ANYONE.context(&st, &headers, &sess) {
        Some(_) => errors::json_response(StatusCode::OK, json!({"mfa_factors": []})),
        None => errors::bare_401(),
    }
}

/// A 200 with `body` that sets (or clears) the session cookie.
fn with_cookie(body: Value, cookie: HeaderValue) -> Response {
    let mut r = errors::json_response(StatusCode::OK, body);
    r.headers_mut().append(header::SET_COOKIE, cookie);
    r
}

/// S1/S3/S9: bearer only (an actor-less token too); the session takes the claims as they are.
async fn session_create(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    headers: HeaderMap,
) -> Response {
    let bearer_only = Authenticate {
        via: &[Via::Bearer],
        ..ANYONE
    };
    let Some(ctx) = bearer_only.context(&st, &headers, &sess) else {
        return errors::bare_401();
    };
    let cookie = session::save(&st, &ctx);
    with_cookie(json!({ "user": ctx }), cookie)
}

/// S5/S6: the session only.
async fn session_delete(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    headers: HeaderMap,
) -> Response {
    let session_only = Authenticate {
        via: &[Via::Session],
        ..ANYONE
    };
    if session_only.context(&st, &headers, &sess).is_none() {
        return errors::bare_401();
    }
    let cookie = session::destroy(&st, &sess);
    with_cookie(json!({"success": true}), cookie)
}

/// T1–T4: a new token from the identity as it is now (so a registration token becomes an
/// actor token once the customer exists); the old one stays valid.
async fn refresh(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    headers: HeaderMap,
) -> Response {
    let Some(ctx) = ANYONE.context(&st, &headers, &sess) else {
        return errors::bare_401();
    };
    let Some(provider) = ctx.get("auth_provider").and_then(Value::as_str) else {
        return errors::unauthorized("The auth provider is not set while refreshing token");
    };
    let actor = ctx.get("actor_type").and_then(Value::as_str).unwrap_or("");
    let id = ctx
        .get("auth_identity_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let store = st.store.read().unwrap();
    let Some(identity) = store.identity(id) else {
        return errors::error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("AuthIdentity with id: {id} was not found"),
        );
    };
    let claims = tokens::auth_claims(identity, actor, provider, crate::clock::now_secs());
    token_response(tokens::sign(&claims, &st.jwt_secret))
}

/// P1/P2: 201 `Created` for any identifier; a token (invalidating earlier ones) and an
/// `auth.password_reset` event only for a known one.
async fn reset_password(
    State(st): State<Shared>,
    Path((actor, provider)): Path<(String, String)>,
    Extension(Parsed(body)): Extension<Parsed>,
) -> Response {
    let fields = Fields {
        strings: &["identifier"],
        objects: &["metadata"],
        booleans: &[],
        required: &["identifier"],
        emails: &[],
        strict: true,
    };
    if let Err(r) = fields.check(&body) {
        return *r;
    }
    // Observed: an unknown provider is not checked here (201, no event).
    let identifier = body["identifier"].as_str().unwrap_or("").to_string();
    let token = {
        let mut store = st.store.write().unwrap();
        let known = provider == PROVIDER;
        store
            .identity_by_email_mut(&identifier)
            .filter(|_| known)
            .map(|i| {
                let jti = uuid::Uuid::new_v4().to_string();
                i.reset_jti = Some(jti.clone());
                let claims = tokens::reset_claims(
                    &identifier,
                    &provider,
                    &actor,
                    &jti,
                    crate::clock::now_secs(),
                );
                tokens::sign(&claims, &st.jwt_secret)
            })
    };
    if let Some(t) = token {
        st.events.password_reset(&identifier, &actor, &t);
    }
    errors::text_response(StatusCode::CREATED, "Created")
}

/// U1–U4: the reset token (bearer) must be the newest one issued for its identity, for this
/// actor type and provider; it is burnt before the body is looked at.
async fn update(
    State(st): State<Shared>,
    Path((actor, provider)): Path<(String, String)>,
    headers: HeaderMap,
    Extension(Parsed(body)): Extension<Parsed>,
) -> Response {
    let invalid = || errors::unauthorized("Invalid token");
    let Some(claims) = tokens::bearer(&headers).and_then(|t| tokens::verify(&t, &st.jwt_secret))
    else {
        return invalid();
    };
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
    if s("actor_type") != actor || s("provider") != provider || s("jti").is_empty() {
        return invalid();
    }
    let mut store = st.store.write().unwrap();
    let Some(identity) = store.identity_by_email_mut(s("entity_id")) else {
        return invalid();
    };
    if identity.reset_jti.as_deref() != Some(s("jti")) {
        return invalid();
    }
    identity.reset_jti = None;
    let Some(password) = body.get("password").and_then(Value::as_str) else {
        return errors::unauthorized("Unauthorized");
    };
    identity.set_password(password);
    errors::json_response(StatusCode::OK, json!({"success": true}))
}

/// `?fields=a,b`: only those keys in that order, then `id` if not asked for (observed:
/// `fields=email` → `{email, id}`); with only `+`/`-` prefixes, the defaults plus or minus those.
fn select(mut c: Map<String, Value>, q: &HashMap<String, String>) -> Map<String, Value> {
    let Some(fields) = q.get("fields") else {
        return c;
    };
    let list: Vec<&str> = fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    if list
        .iter()
        .all(|f| f.starts_with('+') || f.starts_with('-'))
    {
        for f in list.iter().filter_map(|f| f.strip_prefix('-')) {
            c.shift_remove(f);
        }
        return c;
    }
    let mut out = Map::new();
    for f in list.iter().chain(std::iter::once(&"id")) {
        let f = f.trim_start_matches('+');
        if let Some(v) = c.shift_remove(f) {
            out.insert(f.to_string(), v);
        }
    }
    out
}

fn customer_response(c: &Customer, q: &HashMap<String, String>) -> Response {
    errors::json_response(StatusCode::OK, json!({ "customer": select(c.json(), q) }))
}

/// The customer of an actor context, or M7's 404.
fn actor_customer(st: &Inner, ctx: &Map<String, Value>) -> Result<Customer, Box<Response>> {
    let id = ctx.get("actor_id").and_then(Value::as_str).unwrap_or("");
    st.store
        .read()
        .unwrap()
        .customer(id)
        .cloned()
        .ok_or_else(|| {
            Box::new(errors::error(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("Customer with id: {id} was not found"),
            ))
        })
}

/// C3–C9: registration token (actor-less) or session; strict body; the customer's e-mail is
/// not tied to the identity's.
async fn customer_create(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    Extension(Parsed(body)): Extension<Parsed>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let registering = Authenticate {
        allow_unregistered: true,
        ..CUSTOMER
    };
    let Some(ctx) = registering.context(&st, &headers, &sess) else {
        return errors::bare_401();
    };
    let fields = Fields {
        strings: &["email", "company_name", "first_name", "last_name", "phone"],
        objects: &["metadata", "additional_data"],
        booleans: &[],
        required: &[],
        emails: &["email"],
        strict: true,
    };
    if let Err(r) = fields.check(&body) {
        return *r;
    }
    let Some(email) = body.get("email").and_then(Value::as_str).map(String::from) else {
        return errors::invalid("Email is required to create a customer");
    };
    let identity_id = ctx
        .get("auth_identity_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut store = st.store.write().unwrap();
    if store.customers.iter().any(|c| c.email == email) {
        return errors::json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"code": "invalid_request_error", "type": "duplicate_error",
                "message": "Customer with this email already has an account"}),
        );
    }
    if store
        .identity(&identity_id)
        .is_some_and(|i| i.app_metadata.contains_key("customer_id"))
    {
        // Observed: the workflow fails setting `app_metadata.customer_id` a second time.
        return errors::json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": "unknown_error", "type": "unknown_error",
                "message": "An unknown error occurred."}),
        );
    }
    let field = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    let c = Customer {
        id: new_id("cus"),
        email,
        company_name: field("company_name"),
        first_name: field("first_name"),
        last_name: field("last_name"),
        phone: field("phone"),
        metadata: field("metadata"),
        created_at: now_iso(),
        addresses: Vec::new(),
    };
    if let Some(i) = store.identity_mut(&identity_id) {
        i.app_metadata
            .insert("customer_id".into(), json!(c.id.clone()));
    }
    store.customers.push(c.clone());
    customer_response(&c, &q)
}

/// M1–M7, S2, S7–S9.
async fn me(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(ctx) = CUSTOMER.context(&st, &headers, &sess) else {
        return errors::bare_401();
    };
    match actor_customer(&st, &ctx) {
        Ok(c) => customer_response(&c, &q),
        Err(r) => *r,
    }
}

const ADDRESS_FIELDS: &[&str] = &[
    "address_name",
    "company",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "country_code",
    "province",
    "postal_code",
    "phone",
];

/// A1: `POST /store/customers/me/addresses` answers the customer with its addresses.
async fn address_create(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    Extension(Parsed(body)): Extension<Parsed>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(ctx) = CUSTOMER.context(&st, &headers, &sess) else {
        return errors::bare_401();
    };
    let fields = Fields {
        strings: ADDRESS_FIELDS,
        objects: &["metadata", "additional_data"],
        booleans: &["is_default_shipping", "is_default_billing"],
        required: &[],
        emails: &[],
        strict: true,
    };
    if let Err(r) = fields.check(&body) {
        return *r;
    }
    let customer = match actor_customer(&st, &ctx) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let field = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    let flag = |k: &str| json!(body.get(k).and_then(Value::as_bool).unwrap_or(false));
    let now = now_iso();
    let mut a = Map::new();
    a.insert("id".into(), json!(new_id("cuaddr")));
    a.insert("address_name".into(), field("address_name"));
    a.insert("is_default_shipping".into(), flag("is_default_shipping"));
    a.insert("is_default_billing".into(), flag("is_default_billing"));
    for k in &ADDRESS_FIELDS[1..] {
        a.insert((*k).into(), field(k));
    }
    a.insert("metadata".into(), field("metadata"));
    a.insert("customer_id".into(), json!(customer.id));
    a.insert("created_at".into(), json!(now));
    a.insert("updated_at".into(), json!(now));
    a.insert("deleted_at".into(), Value::Null);
    let mut store = st.store.write().unwrap();
    let Some(c) = store.customer_mut(&customer.id) else {
        return errors::bare_401();
    };
    c.addresses.push(a);
    let c = c.clone();
    customer_response(&c, &q)
}

/// L6: an actor-less `user` token is refused; the seeded admin's token is answered.
async fn admin_me(
    State(st): State<Shared>,
    Extension(sess): Extension<SessionIn>,
    headers: HeaderMap,
) -> Response {
    let user = Authenticate {
        actors: &["user"],
        ..CUSTOMER
    };
    let Some(ctx) = user.context(&st, &headers, &sess) else {
        return errors::bare_401();
    };
    let id = ctx.get("actor_id").and_then(Value::as_str).unwrap_or("");
    let store = st.store.read().unwrap();
    match store.users.iter().find(|u| u.0 == id) {
        Some((id, email, at)) => errors::json_response(
            StatusCode::OK,
            json!({"user": {"id": id, "first_name": null, "last_name": null, "email": email,
                "avatar_url": null, "metadata": null, "created_at": at, "updated_at": at,
                "deleted_at": null}}),
        ),
        None => errors::error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("User with id: {id} was not found"),
        ),
    }
}
