//! The editor schema for scenario files, `specs/scenario.schema.json`, generated with `schemars`
//! from the types the loader deserializes ([`super::ScenarioDoc`] and what it holds) and the
//! shapes of the sub-documents it keeps as values ([`super::shape`]). Doc comments become the
//! descriptions editors show on hover. `tests/scenario_schema.rs` fails when the checked-in file
//! differs from [`text`] (which `medusa-conform schema` prints); `UPDATE_SCHEMA=1 cargo test
//! --test scenario_schema` rewrites it.
//! The same generator gives the planner its allowed keys ([`keys_of`]), so the loader, the
//! planner's did-you-mean lists and the schema read one definition.

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

/// The schema's `$id`: editors and `$ref`s name it by its file name.
pub const ID: &str = "scenario.schema.json";

/// The scenario schema as JSON.
pub fn generate() -> Value {
    let settings = SchemaSettings::draft2020_12().with_transform(RecursiveTransform(tidy));
    let schema = settings
        .into_generator()
        .into_root_schema_for::<super::ScenarioDoc>();
    let Value::Object(mut generated) = schema.to_value() else {
        unreachable!("a derived struct's schema is an object")
    };
    // `$schema`, `$id`, `title` and `description` first, as a reader expects them.
    let mut root = Map::new();
    for key in ["$schema", "$id", "title", "description"] {
        let value = match key {
            "$id" => Value::from(ID),
            _ => generated.remove(key).unwrap_or_default(),
        };
        root.insert(key.into(), value);
    }
    root.append(&mut generated);
    Value::Object(root)
}

/// The text of `specs/scenario.schema.json`.
pub fn text() -> String {
    let mut s = serde_json::to_string_pretty(&generate()).expect("a JSON value prints");
    s.push('\n');
    s
}

/// The keys a map-shaped part of the format allows: the `properties` of its schema, in field
/// order. Leaked once per list (the lists are `LazyLock` statics that live as long as the run).
pub fn keys_of<T: JsonSchema>() -> Vec<&'static str> {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(|k| &*k.clone().leak()).collect())
        .unwrap_or_default()
}

/// Doc comments arrive with the source's line breaks: join each paragraph's lines. Defaults
/// that tell nothing (`null`, `[]`, an empty map: an absent key means the same) are dropped.
/// Rust's unsigned formats (`uint32`), which editors do not know, become plain bounds.
fn tidy(s: &mut Schema) {
    match s.get("format").and_then(Value::as_str) {
        Some("uint32") => {
            s.remove("format");
            s.insert("maximum".into(), u32::MAX.into());
        }
        Some("uint64") => {
            s.remove("format");
        }
        _ => {}
    }
    if let Some(Value::String(d)) = s.get_mut("description") {
        *d = d
            .split("\n\n")
            .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    let empty = match s.get("default") {
        Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    };
    if empty {
        s.remove("default");
    }
}

/// A step has exactly one operation ([`super::OPERATIONS`]): say so to editors.
pub(super) fn one_operation(s: &mut Schema) {
    let alternatives: Vec<Value> = super::OPERATIONS
        .iter()
        .map(|op| serde_json::json!({"required": [op], "title": op}))
        .collect();
    s.insert("oneOf".into(), Value::Array(alternatives));
}

/// A request has `json` or `body`, not both.
pub(super) fn json_or_body(s: &mut Schema) {
    s.insert(
        "not".into(),
        serde_json::json!({"required": ["json", "body"]}),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_is_a_step_key() {
        let step_keys = super::keys_of::<super::super::StepDoc>();
        for op in super::super::OPERATIONS {
            assert!(step_keys.contains(op), "{op}");
        }
    }

    #[test]
    fn key_lists_follow_the_fields() {
        assert_eq!(
            *super::super::shape::JWT_KEYS,
            [
                "from",
                "claims",
                "header",
                "alg",
                "secret",
                "keep_signature",
                "tamper_signature"
            ]
        );
        assert_eq!(super::super::shape::COOKIE_ATTRS.last(), Some(&"absent"));
    }
}
