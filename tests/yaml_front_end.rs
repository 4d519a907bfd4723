//! The hand-written YAML front end (src/scenario/yaml/) against serde-saphyr, the crate it
//! replaced for speed: every checked-in scenario and coverage map, and a set of awkward
//! documents, must read as the same values (YAML 1.2 core schema, strict booleans).

use medusa_conform::scenario::yaml;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every YAML file under `dir`, through the crate's own walker.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let found = medusa_conform::walk::files(dir, &["yaml", "yml"]);
    out.extend(found.unwrap_or_else(|e| panic!("read {}: {e}", dir.display())));
}

fn saphyr(text: &str) -> Value {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn ours(text: &str) -> Value {
    yaml::from_str(text).unwrap_or_else(|e| panic!("{e} at {:?}\n{text}", e.loc))
}

#[test]
fn every_checked_in_file_reads_as_serde_saphyr_reads_it() {
    let mut files = Vec::new();
    yaml_files(&root().join("scenarios"), &mut files);
    yaml_files(&root().join("docs/coverage"), &mut files);
    assert!(files.len() > 150, "only {} files found", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert_eq!(ours(&text), saphyr(&text), "{}", f.display());
    }
}

#[test]
fn awkward_documents_read_the_same() {
    let docs = [
        "b: '007'\nc: 0x1F\nd: 0o17\ne: 1e3\nf: .5\n",
        "a: yes\nb: No\nc: on\nd: TRUE\ne: False\nf: ~\ng:\nh: null\ni: 'null'\n",
        "a: |\n  two\n  lines\nb: >\n  folded\n  text\nc: \"esc\\u00e9\\n\"\nd: 'it''s'\n",
        "base: &b {x: 1, y: [1, 2]}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n",
        "list:\n- a\n- {b: c}\n- [d, e]\n- - nested\n",
        "unicode: héllo wörld ✓\nkey with spaces: v\n\"quoted key\": 1\n",
        "n: -12\nbig: 18446744073709551615\nf: 3.14\nexp: -2.5E-3\n",
        "{flow: map, with: [a, list]}\n",
    ];
    for d in docs {
        assert_eq!(ours(d), saphyr(d), "{d}");
    }
}

/// Where serde-saphyr reads YAML 1.1 (`1_000` a number, `007` a float), the front end keeps to
/// the 1.2 core schema the format documents.
#[test]
fn numbers_follow_yaml_1_2() {
    let v = ours("a: 007\nb: 1_000\n");
    assert_eq!(v, serde_json::json!({"a": 7, "b": "1_000"}));
}

#[test]
fn bad_documents_are_errors_with_a_place() {
    for (text, fragment, line) in [
        ("a: 1\na: 2\n", "appears twice", 2),
        ("a: {b: 1\n", "unclosed bracket", 1),
        ("a: [1, 2\n", "unclosed bracket", 1),
        ("a: *nowhere\n", "unknown anchor", 1),
        ("a: 1\n---\nb: 2\n", "second YAML document", 2),
        ("a: !custom x\n", "not supported", 1),
        ("", "no YAML document", 1),
        ("a: b: c\n", "invalid YAML", 1),
        ("a: -.inf\n", "not a finite number", 1),
    ] {
        let e = yaml::from_str::<Value>(text).expect_err(text);
        assert!(e.message.contains(fragment), "{text:?}: {e}");
        assert_eq!(e.loc.map(|l| l.line), Some(line), "{text:?}: {e}");
    }
}

/// Cut and corrupted scenario files are errors, never a panic.
#[test]
fn damaged_files_never_panic() {
    let mut files = Vec::new();
    yaml_files(&root().join("scenarios/store-auth"), &mut files);
    files.sort();
    for f in files.iter().take(20) {
        let text = std::fs::read_to_string(f).unwrap();
        let cuts = (0..text.len())
            .step_by(7)
            .filter(|&i| text.is_char_boundary(i));
        for cut in cuts {
            let damaged = [
                text[..cut].to_string(),
                format!("{}{{[\"'&*!|>\t{}", &text[..cut], &text[cut..]),
            ];
            for d in damaged {
                let r = std::panic::catch_unwind(|| {
                    let _ = yaml::from_str::<medusa_conform::scenario::ScenarioDoc>(&d);
                });
                assert!(r.is_ok(), "{} cut at {cut} panicked", f.display());
            }
        }
    }
}
