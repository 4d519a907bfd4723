//! The shapes of the scenario sub-documents that the loader keeps as `serde_json::Value`s
//! (operation bodies, predicates, cookie expectations, captures, built JWTs, `sent:`), written
//! as types so that the generated editor schema ([`super::schema`]) describes them and the
//! planner's did-you-mean key lists ([`CAPTURE_KEYS`], [`JWT_KEYS`], …) are read from the same
//! definition. They are never built: the planner compiles those values itself and checks their
//! keys against these lists.
//!
//! Leaf shapes that serde cannot express (a value that is a scalar or a list, a status in three
//! forms) implement `JsonSchema` by hand below; everything else is derived, and a field's doc
//! comment becomes its `description` in the schema (what an editor shows on hover).

// Shape types exist to be described, never built or read. `allow`, not `expect`: under the
// tests-only `internals` feature these items are `pub` and the lint does not fire.
#![allow(dead_code)]

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The keys a capture's map form may have.
pub static CAPTURE_KEYS: LazyLock<Vec<&'static str>> =
    LazyLock::new(super::schema::keys_of::<CaptureObject>);
/// The keys of `bearer: {jwt: {...}}`.
pub static JWT_KEYS: LazyLock<Vec<&'static str>> =
    LazyLock::new(super::schema::keys_of::<JwtBuild>);
/// The keys of a cookie expectation (its attributes and `absent`).
pub static COOKIE_ATTRS: LazyLock<Vec<&'static str>> =
    LazyLock::new(super::schema::keys_of::<CookieExpectation>);
/// The fields of a `sent:` expectation.
pub static SENT_FIELDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(super::schema::keys_of::<SentExpectation>);
/// The arguments of `exists:`.
pub static EXISTS_KEYS: LazyLock<Vec<&'static str>> =
    LazyLock::new(super::schema::keys_of::<ExistsArgs>);
/// The predicate keywords.
pub static PREDICATE_KEYWORDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(super::schema::keys_of::<PredicateKeywords>);

/// Every key of these maps is optional (the derive would require each field).
fn no_key_required(s: &mut Schema) {
    s.remove("required");
}

fn email_required(s: &mut Schema) {
    s.insert("required".into(), serde_json::json!(["email"]));
}

/// Writes a by-hand `JsonSchema` impl: `inline` shapes are written out where used, the others
/// become a `$defs` entry under `name`.
macro_rules! shape {
    ($ty:ident, $name:literal, inline = $inline:literal, |$g:ident| $body:expr) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn inline_schema() -> bool {
                $inline
            }
            fn json_schema($g: &mut SchemaGenerator) -> Schema {
                $body
            }
        }
    };
}

/// What the template language offers, for the descriptions of the fields that take templates.
macro_rules! templates_help {
    () => {
        "Strings may contain `{{ expr }}` templates: variables, captures, `env.NAME`, the \
         built-ins `target_url`, `target_https` and `publishable_key`, functions \
         `unique_email()`, `uuid()`, `random_string(n)`, `now()`, `now_unix(offset)`, \
         `jwt_claims(token)`, `jwt_claim(token, name)`, `add(a, b)` and filters `lower`, `upper`, `urlencode`, `base64`, `trim`."
    };
}
pub(crate) use templates_help;

/// A duration such as `500ms`, `5s` or `2m` (a bare number is seconds): what
/// `scenario::duration::parse` reads.
pub struct DurationText;
shape!(DurationText, "duration", inline = true, |_g| json_schema!({
    "type": "string",
    "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*(ms|s|m)?\\s*$",
    "examples": ["500ms", "5s", "2m"]
}));

/// An RFC 9535 JSONPath, starting with `$`.
pub struct JsonPath;
shape!(JsonPath, "jsonPath", inline = false, |_g| json_schema!({
    "type": "string",
    "pattern": "^\\$",
    "description": "An RFC 9535 JSONPath, starting with `$`, e.g. `$.customer.id`."
}));

/// A map sent as a JSON body, any keys (so validation can be tested).
pub struct Body;
shape!(Body, "body", inline = true, |_g| json_schema!({
    "type": "object",
    "additionalProperties": true
}));

/// The arguments of a `call:`.
pub struct CallArgs;
shape!(CallArgs, "callArgs", inline = true, |_g| json_schema!({
    "type": ["object", "null"]
}));

/// A header or query value.
pub struct Scalar;
shape!(Scalar, "scalar", inline = true, |_g| json_schema!({
    "type": ["string", "number", "boolean"]
}));

/// Any value, e.g. a variable's.
pub struct AnyValue;
shape!(AnyValue, "anyValue", inline = true, |_g| json_schema!({
    "description": "A value or template; a string that is exactly one `{{ expr }}` keeps the value's type."
}));

/// The API packs built in (`src/api/`).
pub struct ApiName;
shape!(ApiName, "apiName", inline = true, |_g| {
    let names: Vec<&str> = crate::api::APIS.iter().map(|a| a.name).collect();
    json_schema!({
        "type": "string",
        "enum": names
    })
});

/// `contract` or `exact` ([`super::LEVELS`]).
pub struct LevelName;
shape!(LevelName, "level", inline = true, |_g| json_schema!({
    "enum": super::LEVELS
}));

/// A coverage cell, `clause/class`, with the classes of `src/coverage.rs`.
pub struct Cover;
shape!(Cover, "cover", inline = true, |_g| {
    let classes: Vec<&str> = crate::coverage::CLASSES.iter().map(|c| c.0).collect();
    json_schema!({
        "type": "string",
        "pattern": format!(
            "^[a-z0-9]+(-[a-z0-9]+)*\\.[a-z0-9]+(-[a-z0-9]+)*/({})$",
            classes.join("|")
        )
    })
});

/// `http` or `https`.
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase", inline)]
pub enum Scheme {
    Http,
    Https,
}

/// A response status: a code, a list of codes or a class.
pub struct Status;
shape!(Status, "status", inline = true, |_g| {
    let code = json_schema!({"type": "integer", "minimum": 100, "maximum": 599});
    json_schema!({
        "anyOf": [
            code,
            {"type": "array", "minItems": 1, "items": code},
            {"type": "string", "enum": ["1xx", "2xx", "3xx", "4xx", "5xx"]}
        ]
    })
});

/// A check on a value.
pub struct Predicate;
shape!(Predicate, "predicate", inline = false, |g| json_schema!({
    "description": "A check on a value. A scalar or a list means \"equals\" (templates allowed); \
                    a map holds one or more predicate keywords, all of which must hold.",
    "anyOf": [
        {
            "type": ["string", "number", "boolean", "null", "array"],
            "description": "Equals this value."
        },
        g.subschema_for::<PredicateKeywords>()
    ]
}));

/// A number, or a template giving one.
pub struct NumberOrTemplate;
shape!(
    NumberOrTemplate,
    "numberOrTemplate",
    inline = true,
    |_g| json_schema!({
        "type": ["number", "string"]
    })
);

/// Text (a number is compared as its text).
pub struct Text;
shape!(Text, "text", inline = true, |_g| json_schema!({
    "type": ["string", "number"]
}));

/// A JSON type name (`crate::lang::predicate::TYPES`).
pub struct JsonTypeName;
shape!(JsonTypeName, "jsonType", inline = true, |_g| json_schema!({
    "enum": crate::lang::predicate::TYPES
}));

/// Predicate keywords; every one given must hold. To compare with an object write
/// `{equals: {...}}`.
#[derive(JsonSchema)]
#[schemars(rename = "predicateObject", deny_unknown_fields, transform = no_key_required)]
pub struct PredicateKeywords {
    /// Equal to this value (objects and arrays compared structurally; templates allowed). Use
    /// it to compare with an object.
    equals: Value,
    /// Negates a predicate (a scalar/list means equals).
    not: Predicate,
    /// A regex (Rust `regex` syntax) the text must match.
    matches: String,
    /// The JSON type of the value.
    r#type: JsonTypeName,
    /// `true`: the value must be absent; `false`: it must be present.
    absent: bool,
    /// The opposite of `absent`: `true` means the value must be present.
    exists: bool,
    /// Length of a string, array or object: a number or a predicate, e.g. `{gte: 1}`.
    length: Predicate,
    /// A substring, an array element or an object key.
    contains: Value,
    /// Equal to one of these values.
    one_of: Vec<Value>,
    /// Greater than (a number or a template giving one).
    gt: NumberOrTemplate,
    /// Greater than or equal.
    gte: NumberOrTemplate,
    /// Less than.
    lt: NumberOrTemplate,
    /// Less than or equal.
    lte: NumberOrTemplate,
    /// The text starts with this.
    starts_with: Text,
    /// The text ends with this.
    ends_with: Text,
    /// The exact set of object keys, in any order.
    keys: Vec<Scalar>,
}

/// The `Set-Cookie` of this response (not the jar): `{}` = set; `{absent: true}` = not set;
/// otherwise attribute predicates.
#[derive(JsonSchema)]
#[schemars(rename = "cookieExpectation", deny_unknown_fields, transform = no_key_required)]
pub struct CookieExpectation {
    /// The cookie value. A predicate.
    value: Predicate,
    /// The HttpOnly flag (`true`/`false`). A predicate.
    http_only: Predicate,
    /// The Secure flag. A predicate.
    secure: Predicate,
    /// The SameSite attribute, e.g. `Lax`. A predicate.
    same_site: Predicate,
    /// The Path attribute, e.g. `/`. A predicate.
    path: Predicate,
    /// The Domain attribute. A predicate.
    domain: Predicate,
    /// The Max-Age attribute (seconds). A predicate.
    max_age: Predicate,
    /// The Expires attribute (HTTP date text). A predicate.
    expires: Predicate,
    /// Seconds from now until Expires, e.g. `{gte: 35990, lte: 36010}`. A predicate.
    expires_in: Predicate,
    /// `true`: this response must not set the cookie (other attributes are then ignored).
    absent: bool,
}

/// A cookie attribute a capture may take: those of [`CookieExpectation`] but `absent`.
pub struct CookieAttrName;
shape!(CookieAttrName, "cookieAttr", inline = true, |_g| {
    let attrs: Vec<&str> = COOKIE_ATTRS
        .iter()
        .copied()
        .filter(|a| *a != "absent")
        .collect();
    json_schema!({ "enum": attrs })
});

/// `JSONPath: predicate`.
pub struct JsonExpectations;
shape!(
    JsonExpectations,
    "jsonExpectations",
    inline = true,
    |g| json_schema!({
        "type": "object",
        "propertyNames": g.subschema_for::<JsonPath>(),
        "additionalProperties": g.subschema_for::<Predicate>()
    })
);

/// What the client put on the wire for this call (through a driver: the wire record's last
/// request; otherwise the harness's own request). Each field takes a predicate.
#[derive(JsonSchema)]
#[schemars(
    rename = "sent",
    deny_unknown_fields,
    extend("minProperties" = 1),
    transform = no_key_required
)]
pub struct SentExpectation {
    /// The HTTP method, upper case, e.g. `GET`.
    method: Predicate,
    /// The path as sent (not decoded, no query), e.g. `/store/auth`.
    path: Predicate,
    /// Whether a `Cookie` header was sent (`true`/`false`).
    cookie: Predicate,
    /// Whether an `Authorization: Bearer` header was sent (`true`/`false`).
    bearer: Predicate,
    /// The top-level keys of the JSON-object body, in order (`null` without one), e.g.
    /// `[email, password]`.
    body_keys: Predicate,
}

/// `GET /store/auth/{email}`.
#[derive(JsonSchema)]
#[schemars(rename = "exists", deny_unknown_fields, transform = email_required)]
pub struct ExistsArgs {
    /// The e-mail to look up (a template).
    email: String,
    /// Percent-encode what a path segment cannot hold (default true); `false` inserts the
    /// e-mail verbatim, as medusa-js does.
    #[schemars(extend("default" = true))]
    encode: bool,
}

/// What to send as a bearer token.
pub struct Bearer;
shape!(Bearer, "bearer", inline = false, |g| json_schema!({
    "description": "What to send as a bearer token. Default (key absent): the actor's token \
                    from `get_token`, if any. `false`: no token; a string: this token; \
                    `{jwt: {...}}`: build one.",
    "anyOf": [
        {"const": false, "description": "Send no `Authorization` header."},
        {
            "type": "string",
            "description": "Send `Authorization: Bearer <this>` (a template, e.g. `\"{{ token }}\"`)."
        },
        g.subschema_for::<BearerJwt>()
    ]
}));

/// Build a JWT and send it as the bearer token.
#[derive(JsonSchema)]
#[schemars(rename = "bearerJwt", deny_unknown_fields)]
pub struct BearerJwt {
    jwt: JwtBuild,
}

/// A map, or a template giving one.
pub struct ObjectOrTemplate;
shape!(
    ObjectOrTemplate,
    "objectOrTemplate",
    inline = true,
    |_g| json_schema!({
        "type": ["object", "string"],
        "additionalProperties": true
    })
);

/// The algorithms `bearer: {jwt: {alg}}` signs with.
#[derive(JsonSchema)]
#[schemars(inline)]
pub enum JwtAlg {
    HS256,
    HS384,
    HS512,
    #[schemars(rename = "none")]
    None,
}

/// Without `from` the header is `{"alg":"HS256","typ":"JWT"}`; `secret` signs (required for
/// HS* unless `keep_signature`).
#[derive(JsonSchema)]
#[schemars(rename = "jwtBuild", deny_unknown_fields, transform = no_key_required)]
pub struct JwtBuild {
    /// A token whose header and claims are copied, e.g. `"{{ token }}"`.
    from: String,
    /// Claims merged into the payload; a null value removes that claim. A string must be a
    /// template giving an object.
    claims: ObjectOrTemplate,
    /// Header fields merged into the JOSE header.
    header: ObjectOrTemplate,
    /// Signing algorithm; `none` gives an unsigned token.
    alg: JwtAlg,
    /// HMAC secret, e.g. `"{{ env.MEDUSA_JWT_SECRET }}"`.
    secret: String,
    /// Keep the original signature of `from` (payload swap).
    #[schemars(extend("default" = false))]
    keep_signature: bool,
    /// Flip the signature.
    #[schemars(extend("default" = false))]
    tamper_signature: bool,
}

/// Where a captured value comes from.
pub struct Capture;
shape!(Capture, "capture", inline = false, |g| json_schema!({
    "description": "Where a captured value comes from: a JSONPath string, or a map with one \
                    source. Tokens, cookie values and names mentioning token/password/secret/cookie \
                    are masked.",
    "anyOf": [g.subschema_for::<JsonPath>(), g.subschema_for::<CaptureObject>()]
}));

/// One source: `json`, `header`, `cookie`, `regex` or `status` (checked in that order).
#[derive(JsonSchema)]
#[schemars(
    rename = "captureObject",
    deny_unknown_fields,
    transform = no_key_required,
    extend(
        "anyOf" = [
            {"required": ["json"]},
            {"required": ["header"]},
            {"required": ["cookie"]},
            {"required": ["regex"]},
            {"required": ["status"]}
        ],
        "dependentRequired" = {"attr": ["cookie"], "jar": ["cookie"], "group": ["regex"]}
    )
)]
pub struct CaptureObject {
    /// JSONPath into the JSON body.
    json: JsonPath,
    /// A response header (case-insensitive).
    header: String,
    /// A cookie name: its value from this response's Set-Cookie (or from the jar with
    /// `jar: true`).
    cookie: String,
    /// With `cookie`: take this attribute instead of the value.
    attr: CookieAttrName,
    /// With `cookie`: read the actor's cookie jar instead of this response.
    #[schemars(extend("default" = false))]
    jar: bool,
    /// A regex (Rust syntax) on the body text.
    regex: String,
    /// With `regex`: the capture group (default 1).
    #[schemars(extend("default" = 1))]
    group: u32,
    /// `true`: capture the status code.
    #[schemars(extend("const" = true))]
    status: bool,
    /// Mask the captured value in every output.
    #[schemars(extend("default" = false))]
    secret: bool,
}

/// `name: predicate`.
pub type PredicateMap = BTreeMap<String, Predicate>;
/// `name: value`.
pub type ScalarMap = BTreeMap<String, Scalar>;
/// `name: value` for variables.
pub type VarMap = BTreeMap<String, AnyValue>;
/// `name: source` for captures.
pub type CaptureMap = BTreeMap<String, Capture>;
/// `cookie name: expectation`.
pub type CookieMap = BTreeMap<String, CookieExpectation>;
