//! The coverage maps stay whole: `medusa-conform coverage scenarios/<pack>` must show, for each
//! pack with a map (store-auth, medusa-v2), no cell that is neither covered by a scenario nor
//! explained in docs/coverage/<map>.yaml, and no scenario of the pack without `covers:`. Also the
//! command's behaviour on a tiny map (exit 1 and the list of empty cells, exit 2 with file:line:col
//! and a hint for an unknown clause or class), and the planner's check of `covers:`.

use std::path::Path;
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cli(args: &[&str], dir: &Path) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_medusa-conform"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn map_is_whole(pack: &str, map: &str) {
    let o = cli(
        &["coverage", &format!("scenarios/{pack}")],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    println!("{}", o.stdout);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .starts_with(&format!("coverage of {pack} (docs/coverage/{map}.yaml)")),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains(" 0 EMPTY"), "{}", o.stdout);
    assert!(!o.stdout.contains("declare no `covers:`"), "{}", o.stdout);
}

#[test]
fn store_auth_map_has_no_unexplained_cell() {
    map_is_whole("store-auth", "store-auth");
}

#[test]
fn medusa_v2_map_has_no_unexplained_cell() {
    map_is_whole("medusa-v2", "medusa-v2-auth");
}

/// Every pack with a built-in map is checked above, and both maps print from one call.
#[test]
fn every_built_in_map_is_enforced() {
    let packs: Vec<&str> = medusa_conform::coverage::MAPS.iter().map(|m| m.0).collect();
    assert_eq!(
        packs,
        ["store-auth", "medusa-v2"],
        "add a test for the new map"
    );
    let o = cli(
        &["coverage", "scenarios/store-auth", "scenarios/medusa-v2"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(o.stdout.matches("coverage of ").count(), 2, "{}", o.stdout);
}

const TINY_MAP: &str = "pack: tiny
clauses:
  login.works:
    says: a login works
    na:
      time-and-use: no clock here
      credential-location: no credential
      several-actors: one client
      consistency-after-write: writes nothing
      input-normalisation: no input
  logout.ends:
    says: a logout ends the session
    na:
      input-normalisation: no input
      credential-location: no credential
      time-and-use: no clock here
      several-actors: one client
      error-paths: never fails
";

fn tiny(covers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("scenarios/tiny");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(dir.path().join("tiny.yaml"), TINY_MAP).unwrap();
    std::fs::write(
        pack.join("a.yaml"),
        format!("name: a\ncovers: {covers}\nsteps:\n  - get_session: {{}}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn a_complete_tiny_map_passes() {
    let dir = tiny("[login.works/error-paths, logout.ends/consistency-after-write]");
    let o = cli(
        &["coverage", "scenarios", "--map", "tiny.yaml", "--cells"],
        dir.path(),
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    insta::assert_snapshot!(o.stdout);
}

#[test]
fn an_empty_cell_fails_with_exit_1_and_is_named() {
    let dir = tiny("[login.works/error-paths]");
    let o = cli(&["coverage", "scenarios", "--map", "tiny.yaml"], dir.path());
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("1 EMPTY"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("EMPTY cells (cover them with a scenario, or explain them under `na:` in tiny.yaml):\n  logout.ends/consistency-after-write"),
        "{}",
        o.stdout
    );
}

#[test]
fn an_unknown_clause_or_class_is_invalid_input_with_location_and_hint() {
    let dir = tiny("[login.work/error-paths, logout.ends/consistency-after-writes]");
    let o = cli(&["coverage", "scenarios", "--map", "tiny.yaml"], dir.path());
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("scenarios/tiny/a.yaml:2:10"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("did you mean `login.works`?"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("did you mean `consistency-after-write`?"),
        "{}",
        o.stderr
    );
}

#[test]
fn the_planner_rejects_covers_outside_the_built_in_map() {
    let dir = tempfile::tempdir().unwrap();
    let group = dir.path().join("scenarios/store-auth/exists");
    std::fs::create_dir_all(&group).unwrap();
    std::fs::write(
        group.join("bad.yaml"),
        "name: bad\ntags: [exists]\ncovers: [exists.lookup/eror-paths, exists.lokup/error-paths]\nsteps:\n  - exists: {email: a@example.com}\n",
    )
    .unwrap();
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let o = cli(
        &["lint", "scenarios", "--specs", specs.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("unknown class `eror-paths`"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("did you mean `error-paths`?"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("did you mean `exists.lookup`?"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("bad.yaml:3:"), "{}", o.stderr);
}
