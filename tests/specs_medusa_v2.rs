//! The medusa-v2 schemas, compiled by the harness's own loader, accept the responses captured
//! from a real Medusa 2.21.2 (tests/targets/medusa-v2/samples, written by capture.py) and
//! live beside v1's schemas of the same names.

use medusa_conform::specs::{Specs, validate};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn v1_and_v2_schemas_load_side_by_side() {
    let specs = Specs::load(&root().join("specs")).unwrap();
    let names: Vec<&str> = specs.names().collect();
    for n in [
        "Error",
        "StoreAuthRes",
        "medusa-v2/Error",
        "medusa-v2/StoreCustomerRes",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    // Same stem, two schemas: v2 has the `forbidden` type, v1 does not.
    let forbidden = serde_json::json!({"type": "forbidden", "message": "no"});
    assert!(
        specs
            .get("medusa-v2/Error")
            .unwrap()
            .exact()
            .unwrap()
            .is_valid(&forbidden)
    );
    assert!(
        !specs
            .get("Error")
            .unwrap()
            .exact()
            .unwrap()
            .is_valid(&forbidden)
    );
    let bare = serde_json::json!({"message": "Unauthorized"});
    assert!(
        specs
            .get("medusa-v2/Unauthorized")
            .unwrap()
            .exact()
            .unwrap()
            .is_valid(&bare)
    );
    assert!(
        !specs
            .get("medusa-v2/Error")
            .unwrap()
            .exact()
            .unwrap()
            .is_valid(&bare)
    );
}

#[test]
fn captured_v2_samples_match_their_schemas() {
    let specs = Specs::load(&root().join("specs")).unwrap();
    let dir = root().join("tests/targets/medusa-v2/samples");
    let index: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (sample, schema) in &index {
        let text = std::fs::read_to_string(dir.join(format!("{sample}.json"))).unwrap();
        // Redacted bodies (tokens replaced by ***) cannot match a JWT pattern; check-specs.py
        // validates the unredacted ones.
        if text.contains("***") {
            continue;
        }
        let name = format!("medusa-v2/{}", schema.as_str().unwrap());
        let v = specs
            .get(&name)
            .unwrap_or_else(|| panic!("{sample}: no schema {name}"));
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        let violations = validate(v.exact().unwrap(), &body);
        assert!(violations.is_empty(), "{sample} !~ {name}: {violations:?}");
        let mut extra = body.clone();
        extra
            .as_object_mut()
            .unwrap()
            .insert("__unexpected".into(), 1.into());
        assert!(
            !v.exact().unwrap().is_valid(&extra),
            "{name} accepts an extra key ({sample})"
        );
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} samples checked");
}
