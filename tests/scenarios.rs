//! `cargo test` runs the project's own scenarios through the same runner as the CLI, as a
//! `harness = false` test target: against `MEDUSA_URL` when it is set (CI sets it to the real
//! Medusa 1.20.11 that `tests/targets/medusa-v1/up` starts), else against the embedded
//! reference server. libtest flags (`--list`, filters, `--exact`, `--test-threads`) work.
//! `--strict` (`cargo test --test scenarios -- --strict`) or `MEDUSA_CONFORM_STRICT=1` also
//! checks the exact-wire level (docs/levels.md).

use medusa_conform::options::RunOptions;
use std::path::PathBuf;

fn main() {
    let mut strict = std::env::var("MEDUSA_CONFORM_STRICT").is_ok_and(|v| v == "1");
    let args = std::env::args().filter(|a| {
        let flag = a == "--strict";
        strict |= flag;
        !flag
    });
    let args = libtest_mimic::Arguments::from_iter(args.collect::<Vec<_>>());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let env: std::collections::HashMap<String, String> = std::env::vars().collect();
    let opts = RunOptions {
        target: env.get("MEDUSA_URL").filter(|u| !u.is_empty()).cloned(),
        paths: vec![root.join("scenarios")],
        specs_dir: root.join("specs"),
        junit: env.get("MEDUSA_CONFORM_JUNIT").map(PathBuf::from),
        json: env.get("MEDUSA_CONFORM_JSON").map(PathBuf::from),
        seed: env.get("MEDUSA_CONFORM_SEED").and_then(|s| s.parse().ok()),
        env,
        repeat: 1,
        strict,
        filter: args.filter.clone(),
        exact: args.exact,
        skip: args.skip.clone(),
        list: args.list,
        ignored: args.ignored,
        include_ignored: args.include_ignored,
        test_threads: args.test_threads,
        quiet: args.quiet,
        ..RunOptions::default()
    };
    match medusa_conform::harness::run(opts) {
        Ok(code) => std::process::exit(code.code()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(e.exit_code().code());
        }
    }
}
