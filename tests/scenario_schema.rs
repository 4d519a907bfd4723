//! `specs/scenario.schema.json` (the editor schema for scenario files) against the real
//! scenarios, a few documents the loader rejects, and what `medusa-conform schema` prints.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_text() -> String {
    std::fs::read_to_string(root().join("specs/scenario.schema.json"))
        .expect("read specs/scenario.schema.json")
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&schema_text()).expect("specs/scenario.schema.json is valid JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("specs/scenario.schema.json compiles")
}

/// Every violation as `instance path: message` (empty when valid).
fn violations(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| {
            let path = e.instance_path().to_string();
            format!("{}: {e}", if path.is_empty() { "/" } else { &path })
        })
        .collect()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

#[test]
fn every_scenario_matches_the_schema() {
    let v = validator();
    let mut files = Vec::new();
    yaml_files(&root().join("scenarios"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no scenarios found");
    let mut failures = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root()).unwrap_or(f).display().to_string();
        let text = std::fs::read_to_string(f).unwrap();
        let doc = match serde_saphyr::from_str::<Value>(&text) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{rel}: not YAML: {e}"));
                continue;
            }
        };
        for problem in violations(&v, &doc) {
            failures.push(format!("{rel}: {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} schema violation(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn wrong_documents_are_rejected() {
    let v = validator();
    let ok = "name: ok\nsteps:\n  - get_session: {}\n    expect: {status: 200, json: {$.customer.id: {not: {absent: true}}}}\n";
    let doc: Value = serde_saphyr::from_str(ok).unwrap();
    assert_eq!(
        violations(&v, &doc),
        Vec::<String>::new(),
        "the control document must pass"
    );

    let cases = [
        (
            "unknown step key",
            "name: x\nsteps:\n  - get_session: {}\n    expct: {status: 200}\n",
        ),
        (
            "two operations in one step",
            "name: x\nsteps:\n  - get_session: {}\n    register: {email: a@b.c}\n",
        ),
        ("no operation", "name: x\nsteps:\n  - name: nothing\n"),
        (
            "status in words",
            "name: x\nsteps:\n  - get_session: {}\n    expect: {status: two hundred}\n",
        ),
        (
            "unknown predicate keyword",
            "name: x\nsteps:\n  - get_session: {}\n    expect:\n      json: {$.a: {equal: 1}}\n",
        ),
        (
            "unknown keyword under not",
            "name: x\nsteps:\n  - get_session: {}\n    expect:\n      json: {$.a: {not: {equal: 1}}}\n",
        ),
        (
            "unknown top-level key",
            "name: x\nstep:\n  - get_session: {}\n",
        ),
        ("missing steps", "name: x\n"),
        (
            "unknown cookie attribute",
            "name: x\nsteps:\n  - get_session: {}\n    expect: {cookies: {connect.sid: {httponly: true}}}\n",
        ),
        (
            "unknown jwt key",
            "name: x\nsteps:\n  - get_session: {}\n    bearer: {jwt: {sig: x}}\n",
        ),
        ("exists without email", "name: x\nsteps:\n  - exists: {}\n"),
        (
            "request with json and body",
            "name: x\nsteps:\n  - request: {method: POST, path: /, json: {}, body: x}\n",
        ),
    ];
    for (what, yaml) in cases {
        let doc: Value = serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!v.is_valid(&doc), "{what}: the schema accepts\n{yaml}");
    }
}

#[test]
fn schema_command_prints_the_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medusa-conform"))
        .arg("schema")
        .output()
        .expect("run medusa-conform schema");
    assert!(
        out.status.success(),
        "medusa-conform schema failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), schema_text());
}
