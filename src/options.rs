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
    pub seed: Option<u64>,
    pub repeat: u32,
    /// Also check exact-wire expectations (`--strict`).
    pub strict: bool,
    pub client: crate::http::ClientOptions,
    /// libtest-style selection and output.
    pub filter: Option<String>,
    pub exact: bool,
    pub skip: Vec<String>,
    pub list: bool,
    pub ignored: bool,
    pub include_ignored: bool,
    pub test_threads: Option<usize>,
    pub quiet: bool,
    pub format_json: bool,
    pub color: Option<String>,
}
