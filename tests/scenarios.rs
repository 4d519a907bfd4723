//! `cargo test` runs the project's own scenarios through the same runner as the CLI, as a
//! `harness = false` test target: against `MEDUSA_URL` when it is set (CI sets it to the real
//! Medusa 1.20.11 that `tests/targets/medusa-v1/up` starts), else against the embedded
//! reference server. libtest flags (`--list`, filters, `--exact`, `--test-threads`) work, and
//! so do the CLI's rules: a selection that leaves nothing to run fails (exit 5), and under `CI`
//! a scenario skipped for a missing input fails unless `--no-fail-on-skip` is passed.
//! `--strict` (`cargo test --test scenarios -- --strict`) or `MEDUSA_CONFORM_STRICT=1` also
//! checks the exact-wire level (docs/levels.md).

use clap::Parser;
use medusa_conform::error::{Error, Selector};
use medusa_conform::options::RunOptions;
use std::path::PathBuf;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    libtest: libtest_mimic::Arguments,
    /// A scenario skipped for a missing input fails the run (default: on when CI is set).
    #[arg(long, overrides_with = "no_fail_on_skip")]
    fail_on_skip: bool,
    #[arg(long, overrides_with = "fail_on_skip")]
    no_fail_on_skip: bool,
    /// Also check exact-wire expectations (docs/levels.md); or MEDUSA_CONFORM_STRICT=1.
    #[arg(long)]
    strict: bool,
}

fn main() {
    let args = Args::parse();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let env: std::collections::HashMap<String, String> = std::env::vars().collect();
    let fail_on_skip = if args.fail_on_skip || args.no_fail_on_skip {
        args.fail_on_skip
    } else {
        medusa_conform::options::fail_on_skip_default(env.get("CI").map(String::as_str))
    };
    let strict = args.strict || env.get("MEDUSA_CONFORM_STRICT").is_some_and(|v| v == "1");
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
        libtest: args.libtest,
        fail_on_skip,
        ..RunOptions::default()
    };
    match medusa_conform::engine::harness::run(opts) {
        Ok(code) => std::process::exit(code.code()),
        // `cargo test NAME` hands the same filter to every test target: a filter meant for an
        // engine test matching no scenario is not this target's failure (libtest's rule). Every
        // other selector (--skip, --exact with --skip, --ignored) and a run where nothing ran
        // still fail here as they do in the CLI.
        Err(Error::NothingSelected {
            selector: Selector::NameFilter,
            message,
        }) => {
            eprintln!(
                "{message}\n(not an error under cargo test: the filter is for other targets)"
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(e.exit_code().code());
        }
    }
}
