//! The scenario file format, as deserialized from YAML with spans kept on everything a
//! diagnostic may need to point at. `docs/scenario-format.md` documents it for people and
//! `specs/scenario.schema.json` for editors; this is the definition the loader enforces.

pub mod duration;
pub mod embedded;
pub mod load;
pub mod source;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

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

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDoc {
    pub name: Spanned<String>,
    /// The API pack the steps speak (src/api/); default `medusa-v1-store-auth`.
    #[serde(default)]
    pub api: Option<Spanned<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// Cells of the pack's coverage map this scenario covers, as `clause/class`
    /// (see `src/coverage.rs` and `docs/coverage.md`).
    #[serde(default)]
    pub covers: Vec<Spanned<String>>,
    #[serde(default)]
    pub requires: Option<Requires>,
    /// `contract` (the default) or `exact`: a scenario entirely about 1.20.11 wire fidelity,
    /// run only under `--strict` (docs/levels.md).
    #[serde(default)]
    pub level: Option<Spanned<String>>,
    #[serde(default)]
    pub known_bug: Option<Spanned<KnownBugDoc>>,
    #[serde(default)]
    pub vars: SpannedMap<SValue>,
    /// Extra variable names whose values must be masked.
    #[serde(default)]
    pub secrets: Vec<Spanned<String>>,
    #[serde(default)]
    pub setup: Vec<Spanned<StepDoc>>,
    pub steps: Vec<Spanned<StepDoc>>,
    #[serde(default)]
    pub teardown: Vec<Spanned<StepDoc>>,
    /// Whole-scenario time limit, e.g. `60s`.
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
}

/// Preconditions; unmet ones skip the scenario with the reason shown.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    #[serde(default)]
    pub env: Vec<Spanned<String>>,
    /// `http` or `https`: the target's scheme (a development server is served over http, a
    /// production deployment over https, and their cookies differ).
    #[serde(default)]
    pub scheme: Option<Spanned<String>>,
    /// `true`: the scenario checks what a client library does, and needs a driver.
    #[serde(default)]
    pub driver: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownBugDoc {
    pub issue: String,
    pub reason: String,
    #[serde(default)]
    pub url: Option<String>,
    /// The step in which the bug must show itself.
    #[serde(default)]
    pub step: Option<Spanned<String>>,
    /// A client library's bug: applies only when run through a driver whose client has this
    /// name (e.g. `@medusajs/medusa-js`); elsewhere the scenario is judged as usual.
    #[serde(default)]
    pub client: Option<String>,
}

/// One step: exactly one operation plus what to send, expect and capture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default, rename = "as")]
    pub actor: Option<Spanned<String>>,
    #[serde(default, deserialize_with = "present")]
    pub authenticate: Option<SValue>,
    #[serde(default, deserialize_with = "present")]
    pub get_session: Option<SValue>,
    #[serde(default, deserialize_with = "present")]
    pub exists: Option<SValue>,
    #[serde(default, deserialize_with = "present")]
    pub get_token: Option<SValue>,
    #[serde(default, deserialize_with = "present")]
    pub delete_session: Option<SValue>,
    #[serde(default, deserialize_with = "present")]
    pub register: Option<SValue>,
    #[serde(default)]
    pub request: Option<Spanned<RequestDoc>>,
    /// An operation of the scenario's API table (src/api/), by name; arguments in `with:`.
    #[serde(default)]
    pub call: Option<Spanned<String>>,
    #[serde(default, rename = "with")]
    pub args: Option<SValue>,
    #[serde(default)]
    pub cookies: Option<Spanned<bool>>,
    #[serde(default, deserialize_with = "present")]
    pub bearer: Option<SValue>,
    #[serde(default)]
    pub headers: SpannedMap<SValue>,
    #[serde(default)]
    pub retry: Option<Spanned<RetryDoc>>,
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub expect: Option<Spanned<ExpectDoc>>,
    #[serde(default)]
    pub capture: SpannedMap<SValue>,
}

/// A raw HTTP request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    pub method: Spanned<String>,
    pub path: SValue,
    #[serde(default)]
    pub query: SpannedMap<SValue>,
    #[serde(default)]
    pub headers: SpannedMap<SValue>,
    #[serde(default)]
    pub json: Option<SValue>,
    #[serde(default)]
    pub body: Option<SValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryDoc {
    pub times: u32,
    #[serde(default)]
    pub interval: Option<Spanned<String>>,
}

/// What a response must look like.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    #[serde(default)]
    pub status: Option<SValue>,
    #[serde(default)]
    pub content_type: Option<SValue>,
    #[serde(default)]
    pub headers: SpannedMap<SValue>,
    #[serde(default)]
    pub cookies: SpannedMap<SValue>,
    #[serde(default)]
    pub json: SpannedMap<SValue>,
    #[serde(default)]
    pub body: Option<SValue>,
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    #[serde(default)]
    pub jwt: Option<Spanned<JwtExpectDoc>>,
    /// What the client put on the wire: method, path, cookie, bearer, body_keys.
    #[serde(default)]
    pub sent: Option<SValue>,
    /// Whether the call resolved or rejected (`resolved` / `rejected`): as the client surfaced
    /// it through a driver; over direct HTTP, as an HTTP client library would (2xx resolves).
    #[serde(default)]
    pub outcome: Option<SValue>,
    /// The same keys again, checked only under `--strict`: fidelity to the 1.20.11 wire that
    /// no client relies on (docs/levels.md).
    #[serde(default)]
    pub exact: Option<Spanned<Box<ExpectDoc>>>,
}

/// The values of a scenario's `level:`.
pub const LEVELS: &[&str] = &["contract", "exact"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtExpectDoc {
    pub from: Spanned<String>,
    #[serde(default)]
    pub header: SpannedMap<SValue>,
    #[serde(default)]
    pub claims: SpannedMap<SValue>,
    #[serde(default)]
    pub lifetime: Option<SValue>,
    #[serde(default)]
    pub issued_within: Option<Spanned<u64>>,
}
