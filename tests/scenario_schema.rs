//! `specs/scenario.schema.json` (the editor schema for scenario files): generated from the
//! scenario types and checked in, so it must equal what the generator gives today
//! (`UPDATE_SCHEMA=1 cargo test --test scenario_schema` refreshes it); checked against the real
//! scenarios, a few documents the loader rejects, the docs and what `medusa-conform schema` prints.

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

/// Every YAML file under `dir`, through the crate's own walker.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let found = medusa_conform::walk::files(dir, &["yaml", "yml"]);
    out.extend(found.unwrap_or_else(|e| panic!("read {}: {e}", dir.display())));
}

/// The checked-in file is the generator's output; `UPDATE_SCHEMA=1` writes it.
#[test]
fn checked_in_schema_is_generated() {
    let generated = medusa_conform::scenario::schema::text();
    let path = root().join("specs/scenario.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write specs/scenario.schema.json");
        return;
    }
    let current = schema_text();
    if current != generated {
        let diff: Vec<String> = line_diff(&current, &generated);
        panic!(
            "specs/scenario.schema.json is not what the scenario types generate \
             (src/scenario/mod.rs, src/scenario/shape.rs).\n\
             Refresh it with: UPDATE_SCHEMA=1 cargo test --test scenario_schema\n\
             First differences (- checked in, + generated):\n{}",
            diff.join("\n")
        );
    }
}

/// The first differing block with a little context, `-` checked in, `+` generated.
fn line_diff(old: &str, new: &str) -> Vec<String> {
    let (o, n): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let first = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let (o_rest, n_rest) = (&o[first..], &n[first..]);
    let same_tail = o_rest
        .iter()
        .rev()
        .zip(n_rest.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(o_rest.len().min(n_rest.len()));
    let mut out: Vec<String> = o[first.saturating_sub(3)..first]
        .iter()
        .map(|l| format!("  {l}"))
        .collect();
    let changed = |lines: &[&str], sign: char| -> Vec<String> {
        lines[..lines.len() - same_tail]
            .iter()
            .take(12)
            .map(|l| format!("{sign} {l}"))
            .collect()
    };
    out.extend(changed(o_rest, '-'));
    out.extend(changed(n_rest, '+'));
    out
}

/// Every key the schema names appears in docs/scenario-format.md, so the people's page keeps up.
#[test]
fn every_key_is_documented() {
    fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(p)) = m.get("properties") {
                    out.extend(p.keys().cloned());
                }
                m.values().for_each(|v| keys(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let schema: Value = serde_json::from_str(&schema_text()).unwrap();
    let mut all = std::collections::BTreeSet::new();
    keys(&schema, &mut all);
    let doc = std::fs::read_to_string(root().join("docs/scenario-format.md")).unwrap();
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}")) && !doc.contains(&format!("{k}:")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/scenario-format.md does not mention these scenario keys: {missing:?}"
    );
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
            "unknown capture option",
            "name: x\nsteps:\n  - get_session: {}\n    capture: {id: {json: $.id, secrte: true}}\n",
        ),
        (
            "unknown sent field",
            "name: x\nsteps:\n  - get_session: {}\n    expect: {sent: {metod: GET}}\n",
        ),
        (
            "unknown predicate keyword in outcome",
            "name: x\nsteps:\n  - get_session: {}\n    expect: {outcome: {equal: rejected}}\n",
        ),
        (
            "unknown API",
            "name: x\napi: medusa-v3\nsteps:\n  - get_session: {}\n",
        ),
        (
            "unknown coverage class",
            "name: x\ncovers: [get-session.by-cookie/speed]\nsteps:\n  - get_session: {}\n",
        ),
        (
            "request with json and body",
            "name: x\nsteps:\n  - request: {method: POST, path: /, json: {}, body: x}\n",
        ),
    ];
    for (what, yaml) in cases {
        let doc: Value = serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!v.is_valid(&doc), "{what}: the schema accepts\n{yaml}");
        // The schema and the loader agree: the loader (or the planner) refuses it too.
        assert!(
            !loader_accepts(yaml),
            "{what}: the schema refuses it but the loader accepts\n{yaml}"
        );
    }
    assert!(
        loader_accepts(ok),
        "the loader accepts the control document"
    );
}

/// Whether `medusa-conform lint` would pass this document.
fn loader_accepts(yaml: &str) -> bool {
    use medusa_conform::{plan, scenario::load, specs::Specs};
    load::parse("x".into(), "x.yaml".into(), yaml.into())
        .is_ok_and(|l| plan::plan(&l, &Specs::default(), &[]).is_ok())
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
