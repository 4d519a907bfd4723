//! The scenario file format, as deserialized from YAML with spans kept on everything a
//! diagnostic may need to point at. This is the definition the loader enforces; the editor
//! schema `specs/scenario.schema.json` is generated from these types ([`schema`]), with the
//! shapes of the sub-documents kept as values in [`shape`], and their doc comments are what
//! editors show. `docs/scenario-format.md` documents the format for people.

pub mod duration;
pub mod embedded;
pub mod load;
pub mod schema;
pub mod shape;
pub mod source;
pub mod yaml;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use shape::templates_help;
pub use yaml::Spanned;

/// An ordered map whose keys and values keep their YAML locations.
#[derive(Debug, Clone)]
pub struct SpannedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for SpannedMap<V> {
    fn default() -> Self {
        SpannedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = SpannedMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Spanned<String>>()? {
                    let v = m.next_value::<V>()?;
                    out.push((k, v));
                }
                Ok(SpannedMap(out))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

/// A YAML value with its location.
pub type SValue = Spanned<Value>;

/// A key that is present with a null value (`get_session:`) is `Some(null)`, not absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SValue>, D::Error> {
    SValue::deserialize(d).map(Some)
}

/// One medusa-conform scenario file: a named sequence of steps against a Medusa auth API, each
/// sending one request and checking the response. The loader (src/scenario/mod.rs,
/// src/plan/) is the authoritative definition and this schema is generated from it;
/// docs/scenario-format.md documents it for people. Put
/// `# yaml-language-server: $schema=<relative path to specs/scenario.schema.json>` on the
/// first line for editor completion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "medusa-conform scenario")]
pub struct ScenarioDoc {
    /// Human title shown in reports (required). The stable test name comes from the file path.
    #[schemars(with = "String", length(min = 1))]
    pub name: Spanned<String>,
    /// The API pack the steps speak (src/api/): its operations are what `call:` may name. A
    /// run speaks one API (`--api`, default: the selected scenarios' own); scenarios of another
    /// API are not applicable.
    #[serde(default)]
    #[schemars(with = "shape::ApiName", extend("default" = crate::api::DEFAULT_API))]
    pub api: Option<Spanned<String>>,
    /// Which contract clause the scenario checks.
    #[serde(default)]
    #[schemars(with = "String")]
    pub description: Option<String>,
    /// Tags for `--tag` / `--skip-tag` selection.
    #[serde(default)]
    #[schemars(with = "Vec<String>", example = ["session", "cookie"])]
    pub tags: Vec<Spanned<String>>,
    /// Cells of the pack's coverage map (docs/coverage/<pack>.yaml) this scenario covers, each
    /// `clause/class`; the classes are those of src/coverage.rs. `medusa-conform coverage`
    /// prints the map. See docs/coverage.md.
    #[serde(default)]
    #[schemars(
        with = "Vec<shape::Cover>",
        extend("uniqueItems" = true),
        example = ["authenticate.credentials/error-paths"]
    )]
    pub covers: Vec<Spanned<String>>,
    /// Preconditions; when one is unmet the scenario is skipped with the reason shown.
    #[serde(default)]
    #[schemars(with = "Requires")]
    pub requires: Option<Requires>,
    /// `contract` (default): checked by every run. `exact`: the whole scenario is about Medusa
    /// 1.20.11 wire fidelity that no client relies on; it runs only under `--strict` and is
    /// reported as not applicable otherwise (docs/levels.md).
    #[serde(default)]
    #[schemars(with = "shape::LevelName", extend("default" = LEVELS[0]))]
    pub level: Option<Spanned<String>>,
    /// Marks a scenario that states the correct behaviour but fails while a known bug is
    /// there: reported as 'known bug (reproduces)' while an expectation in `steps` fails, and
    /// as a failure once everything passes.
    #[serde(default)]
    #[schemars(with = "KnownBugDoc")]
    pub known_bug: Option<Spanned<KnownBugDoc>>,
    #[doc = concat!(
        "Variables, evaluated in order; each may use earlier ones. Names mentioning token, ",
        "password, secret or cookie are masked. ",
        templates_help!()
    )]
    #[serde(default)]
    #[schemars(with = "shape::VarMap")]
    pub vars: SpannedMap<SValue>,
    /// Extra variable names whose values must be masked in every output.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub secrets: Vec<Spanned<String>>,
    /// Steps run before `steps`; a failure here is a setup failure, not a test failure.
    #[serde(default)]
    #[schemars(with = "Vec<StepDoc>")]
    pub setup: Vec<Spanned<StepDoc>>,
    /// The steps under test (at least one).
    #[schemars(with = "Vec<StepDoc>", length(min = 1))]
    pub steps: Vec<Spanned<StepDoc>>,
    /// Steps that always run at the end.
    #[serde(default)]
    #[schemars(with = "Vec<StepDoc>")]
    pub teardown: Vec<Spanned<StepDoc>>,
    /// Whole-scenario time limit (default 120s), e.g. `60s`.
    #[serde(default)]
    #[schemars(with = "shape::DurationText")]
    pub timeout: Option<Spanned<String>>,
}

/// Preconditions; unmet ones skip the scenario with the reason shown.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "requires")]
pub struct Requires {
    /// Environment variables that must be set, e.g. `MEDUSA_JWT_SECRET`.
    #[serde(default)]
    #[schemars(with = "Vec<String>", example = ["MEDUSA_JWT_SECRET"])]
    pub env: Vec<Spanned<String>>,
    /// Run only against an `http` (development server) or `https` (production deployment)
    /// target; skipped otherwise, with the reason shown. (A development server is served over
    /// http, a production deployment over https, and their cookies differ.)
    #[serde(default)]
    #[schemars(with = "shape::Scheme")]
    pub scheme: Option<Spanned<String>>,
    /// `true`: the scenario checks what a client library does and only runs through a driver
    /// (`--client`, `--driver`); without one it is reported as not applicable.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub driver: Option<Spanned<bool>>,
}

/// A known bug the scenario reproduces.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "knownBug")]
pub struct KnownBugDoc {
    /// The issue, e.g. `medusajs/medusa#5930` (turned into its GitHub URL unless `url` is
    /// given).
    #[schemars(example = &"medusajs/medusa#5930")]
    pub issue: String,
    /// What the bug is, in a few words.
    pub reason: String,
    /// Link to the issue (default: derived from `issue`).
    #[serde(default)]
    #[schemars(with = "String")]
    pub url: Option<String>,
    /// Name of the step in `steps` where the bug must reproduce (default: any step).
    #[serde(default)]
    #[schemars(with = "String")]
    pub step: Option<Spanned<String>>,
    /// A client library's bug: applies only when the run goes through a driver whose client
    /// has this name (the hello's client.name, e.g. `@medusajs/medusa-js`); otherwise the
    /// scenario is judged as usual.
    #[serde(default)]
    #[schemars(with = "String", example = &"@medusajs/medusa-js")]
    pub client: Option<String>,
}

/// One step: exactly one operation (authenticate, get_session, exists, get_token,
/// delete_session, register, request, or an API `call`) plus what to send, expect and
/// capture.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "step", transform = schema::one_operation)]
pub struct StepDoc {
    /// Shown in reports (default: the operation's name). `known_bug.step` refers to it.
    #[serde(default)]
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// The actor (default `default`). Each actor has its own cookie jar and bearer token.
    #[serde(default, rename = "as")]
    #[schemars(with = "String", example = &"bob")]
    pub actor: Option<Spanned<String>>,
    #[doc = concat!(
        "`POST /store/auth`. The map is sent as the JSON body, any keys (so validation can be ",
        "tested). ",
        templates_help!()
    )]
    #[serde(default, deserialize_with = "present")]
    #[schemars(
        with = "shape::Body",
        extend("markdownDescription" = "`POST /store/auth`. The map is sent as the JSON body, any keys (so validation can be tested).\n\n```yaml\nauthenticate: {email: \"{{ email }}\", password: \"{{ password }}\"}\n```")
    )]
    pub authenticate: Option<SValue>,
    /// `GET /store/auth`. Takes an empty map: `get_session: {}`.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "shape::Body")]
    pub get_session: Option<SValue>,
    /// `GET /store/auth/{email}`.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "shape::ExistsArgs")]
    pub exists: Option<SValue>,
    #[doc = concat!(
        "`POST /store/auth/token`. The map is sent as the JSON body, any keys (so validation ",
        "can be tested); on a 200 with `access_token` the token is kept for the actor and sent ",
        "as `Authorization: Bearer` by its later steps. ",
        templates_help!()
    )]
    #[serde(default, deserialize_with = "present")]
    #[schemars(
        with = "shape::Body",
        extend("markdownDescription" = "`POST /store/auth/token`. The map is sent as the JSON body, any keys (so validation can be tested); on a 200 with `access_token` the token is kept for the actor and sent as `Authorization: Bearer` by its later steps.\n\n```yaml\nget_token: {email: \"{{ email }}\", password: \"{{ password }}\"}\n```")
    )]
    pub get_token: Option<SValue>,
    /// `DELETE /store/auth`. Takes an empty map: `delete_session: {}`.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "shape::Body")]
    pub delete_session: Option<SValue>,
    #[doc = concat!(
        "`POST /store/customers`. The map is sent as the JSON body, any keys (so validation ",
        "can be tested). ",
        templates_help!()
    )]
    #[serde(default, deserialize_with = "present")]
    #[schemars(
        with = "shape::Body",
        extend("markdownDescription" = "`POST /store/customers`. The map is sent as the JSON body, any keys (so validation can be tested).\n\n```yaml\nregister: {email: \"{{ email }}\", password: \"{{ password }}\"}\n```")
    )]
    pub register: Option<SValue>,
    /// A raw HTTP request.
    #[serde(default)]
    #[schemars(with = "RequestDoc")]
    pub request: Option<Spanned<RequestDoc>>,
    /// An operation of the scenario's API (`api:`, src/api/) by name, e.g. for medusa-v2-auth:
    /// register, login, create_customer, me, start_session, end_session, refresh,
    /// request_reset, update_password, providers, reset_token. Arguments in `with:`.
    #[serde(default)]
    #[schemars(with = "String")]
    pub call: Option<Spanned<String>>,
    /// The arguments of a `call:`: path placeholders (`actor_type`, `provider`), the token
    /// argument (`token` for update_password), the rest is the JSON body (or the query, for
    /// calls without a body).
    #[serde(default, rename = "with")]
    #[schemars(with = "shape::CallArgs")]
    pub args: Option<SValue>,
    /// `false`: send no cookie from the actor's jar for this step (the response still updates
    /// the jar).
    #[serde(default)]
    #[schemars(with = "bool", extend("default" = true))]
    pub cookies: Option<Spanned<bool>>,
    /// What to send as a bearer token.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "shape::Bearer")]
    pub bearer: Option<SValue>,
    /// Extra request headers, `Name: value` (templates). A `Cookie` header here replaces the
    /// jar's.
    #[serde(default)]
    #[schemars(with = "shape::ScalarMap")]
    pub headers: SpannedMap<SValue>,
    /// Re-send until the expectations hold, e.g. `{times: 3, interval: 500ms}`.
    #[serde(default)]
    #[schemars(with = "RetryDoc")]
    pub retry: Option<Spanned<RetryDoc>>,
    /// Per-request timeout (default 10s).
    #[serde(default)]
    #[schemars(with = "shape::DurationText")]
    pub timeout: Option<Spanned<String>>,
    /// What the response must look like.
    #[serde(default)]
    #[schemars(with = "ExpectDoc")]
    pub expect: Option<Spanned<ExpectDoc>>,
    /// Values taken from the response for later steps: `name: source`.
    #[serde(default)]
    #[schemars(with = "shape::CaptureMap")]
    pub capture: SpannedMap<SValue>,
}

/// A raw HTTP request: any method and path relative to the target. Has `json` or `body`, not
/// both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "request", transform = schema::json_or_body)]
pub struct RequestDoc {
    /// HTTP method (case-insensitive).
    #[schemars(
        with = "String",
        example = &"GET",
        example = &"POST",
        example = &"PUT",
        example = &"PATCH",
        example = &"DELETE",
        example = &"HEAD",
        example = &"OPTIONS"
    )]
    pub method: Spanned<String>,
    /// Path relative to the target base URL, e.g. `/store/auth` (a template).
    #[schemars(with = "String")]
    pub path: SValue,
    /// Query parameters, `name: value`.
    #[serde(default)]
    #[schemars(with = "shape::ScalarMap")]
    pub query: SpannedMap<SValue>,
    /// Request headers, `Name: value`.
    #[serde(default)]
    #[schemars(with = "shape::ScalarMap")]
    pub headers: SpannedMap<SValue>,
    /// Any value, sent as the JSON body (with `Content-Type: application/json`).
    #[serde(default)]
    #[schemars(with = "Value")]
    pub json: Option<SValue>,
    /// Raw body text, sent as is.
    #[serde(default)]
    #[schemars(with = "String")]
    pub body: Option<SValue>,
}

/// Re-sending a step until its expectations hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "retry")]
pub struct RetryDoc {
    /// How many times to re-send.
    pub times: u32,
    /// Pause between attempts (default 500ms).
    #[serde(default)]
    #[schemars(with = "shape::DurationText")]
    pub interval: Option<Spanned<String>>,
}

/// What the response must look like.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "expect")]
pub struct ExpectDoc {
    /// A code (`200`), a list of codes (`[200, 204]`) or a class (`"4xx"`).
    #[serde(default)]
    #[schemars(with = "shape::Status")]
    pub status: Option<SValue>,
    /// The media type without parameters, e.g. `application/json`, or any predicate
    /// (`{absent: true}` for no Content-Type).
    #[serde(default)]
    #[schemars(with = "shape::Predicate")]
    pub content_type: Option<SValue>,
    /// Response headers: `Name: predicate`.
    #[serde(default)]
    #[schemars(with = "shape::PredicateMap")]
    pub headers: SpannedMap<SValue>,
    /// Set-Cookie checks on this response: `name: {...}`.
    #[serde(default)]
    #[schemars(with = "shape::CookieMap")]
    pub cookies: SpannedMap<SValue>,
    /// `JSONPath: predicate`; each path must select at most one value (`{absent: true}` when
    /// it selects none).
    #[serde(default)]
    #[schemars(with = "shape::JsonExpectations")]
    pub json: SpannedMap<SValue>,
    /// A predicate on the body text.
    #[serde(default)]
    #[schemars(with = "shape::Predicate")]
    pub body: Option<SValue>,
    /// Name (file stem) of a JSON Schema in specs/ the body must validate against.
    #[serde(default)]
    #[schemars(
        with = "String",
        example = &"StoreAuthRes",
        example = &"StoreCustomersRes",
        example = &"StoreBearerAuthRes",
        example = &"StoreGetAuthEmailRes",
        example = &"Error",
        example = &"CustomerAuth",
        example = &"CustomerMe"
    )]
    pub schema: Option<Spanned<String>>,
    /// Decodes a JWT from the body and checks it, e.g. `{from: $.access_token, header: {alg:
    /// HS256}, claims: {domain: store}, lifetime: 2592000, issued_within: 300}`.
    #[serde(default)]
    #[schemars(with = "JwtExpectDoc")]
    pub jwt: Option<Spanned<JwtExpectDoc>>,
    /// What the client put on the wire: method, path, cookie, bearer, body_keys.
    #[serde(default)]
    #[schemars(with = "shape::SentExpectation")]
    pub sent: Option<SValue>,
    /// Whether the call resolved or rejected (`resolved` / `rejected`), a predicate: through a
    /// driver, as the client surfaced it; over direct HTTP, as an HTTP client library would
    /// (2xx resolves).
    #[serde(default)]
    #[schemars(with = "shape::Predicate")]
    pub outcome: Option<SValue>,
    /// The same keys again, checked only under `--strict`: fidelity to the 1.20.11 wire beyond
    /// what clients rely on (absent headers, exact cookie attributes, message texts, claim
    /// sets, closed schemas). See docs/levels.md.
    #[serde(default)]
    #[schemars(with = "ExpectDoc")]
    pub exact: Option<Spanned<Box<ExpectDoc>>>,
}

/// The values of a scenario's `level:`.
pub const LEVELS: &[&str] = &["contract", "exact"];

/// Decodes a JWT from the body and checks it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "jwtExpectation")]
pub struct JwtExpectDoc {
    /// JSONPath of the token in the body, e.g. `$.access_token`.
    #[schemars(with = "shape::JsonPath")]
    pub from: Spanned<String>,
    /// JOSE header fields: `name: predicate` (or a JSONPath into the header).
    #[serde(default)]
    #[schemars(with = "shape::PredicateMap")]
    pub header: SpannedMap<SValue>,
    /// Claims: `name: predicate` (or a JSONPath, e.g. `$: {keys: [...]}` pins the claim set).
    #[serde(default)]
    #[schemars(with = "shape::PredicateMap")]
    pub claims: SpannedMap<SValue>,
    /// `exp - iat` in seconds (a number or a predicate).
    #[serde(default)]
    #[schemars(with = "shape::Predicate")]
    pub lifetime: Option<SValue>,
    /// Upper bound on `|iat - now|` in seconds.
    #[serde(default)]
    #[schemars(with = "u64")]
    pub issued_within: Option<Spanned<u64>>,
}

/// The step keys that name an operation: a step has exactly one of them (the schema's `oneOf`
/// and the planner's "use exactly one of" both read this list).
pub const OPERATIONS: &[&str] = &[
    "authenticate",
    "get_session",
    "exists",
    "get_token",
    "delete_session",
    "register",
    "request",
    "call",
];
