//! Resolved options: everything the runner needs, decided by the CLI (or the cargo test
//! entry point) from flags and environment. The library never reads either itself.

use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Base URL of the server under test; `None` starts the embedded reference server.
    pub target: Option<String>,
    pub paths: Vec<PathBuf>,
    pub specs_dir: PathBuf,
    /// `--var k=v`, visible to every scenario.
    pub vars: Vec<(String, String)>,
    /// The environment snapshot templates may read as `env.NAME`.
    pub env: HashMap<String, String>,
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    /// `--html FILE`: the self-contained HTML report.
    pub html: Option<PathBuf>,
    /// `--summary FILE`: the Markdown summary for a CI job summary.
    pub summary: Option<PathBuf>,
    pub seed: Option<u64>,
    pub repeat: u32,
    /// Also check exact-wire expectations (`--strict`).
    pub strict: bool,
    pub client: crate::engine::http::ClientOptions,
    /// libtest-style selection and output (`--exact`, `--skip`, `--list`, `--format`, …), as
    /// libtest-mimic parsed and validated them.
    pub libtest: libtest_mimic::Arguments,
    /// A scenario skipped for a missing input (an unset variable it requires) fails the run.
    /// Not-applicable scenarios never do.
    pub fail_on_skip: bool,
    /// Driver mode: run client operations through this driver process (`--driver`, `--client`).
    pub driver: Option<crate::driver::DriverSpec>,
    /// Medusa v2: the publishable API key API calls send on `/store` routes (`--publishable-key`).
    pub publishable_key: Option<String>,
    /// Medusa v2: the JSON-lines file the deployment writes reset tokens to (`--events`).
    pub events: Option<PathBuf>,
    /// The API the target speaks (`--api`); scenarios of another API are not applicable.
    /// `None`: the one API every selected scenario speaks, else (a mix) `medusa-v1-store-auth`;
    /// always v1 against the embedded reference server.
    pub api: Option<String>,
}

/// `--fail-on-skip`'s default, decided by whoever reads the environment (the CLI, the cargo
/// test entry point): on when the `CI` variable is set to anything but empty, `0` or `false`.
pub fn fail_on_skip_default(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}
