//! Typed errors and the one table that maps them to documented exit codes.

use crate::diagnostic::Diagnostic;

/// The process exit codes, documented in the README. This is the only place they are defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every selected scenario passed (known bugs that reproduce count as passed).
    Success = 0,
    /// At least one scenario failed.
    Failed = 1,
    /// Invalid input: a scenario, a spec or the command line.
    InvalidInput = 2,
    /// The target could not be reached, or does not speak HTTP.
    Unreachable = 3,
    /// A bug in medusa-conform itself.
    Internal = 4,
    /// Nothing to run: the paths, tags or name filters selected no scenario, or every selected
    /// scenario was skipped or not applicable to the target.
    NothingSelected = 5,
    /// The client driver failed: did not start, spoke another protocol version, printed
    /// garbage, hung or died (driver mode).
    DriverFailed = 6,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Everything that can stop a run before or outside the scenarios themselves.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in scenarios or specs, each with its location.
    #[error("{}", render_all(.0))]
    Invalid(Vec<Diagnostic>),
    /// A bad command line or option value.
    #[error("{0}")]
    Usage(String),
    /// A file that cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The target does not answer HTTP.
    #[error(
        "target {target} is unreachable: {reason}\n  help: start the server, or pass --target URL (or MEDUSA_URL) pointing at a running Medusa"
    )]
    Unreachable { target: String, reason: String },
    /// Something that should not happen.
    #[error("internal error: {0}")]
    Internal(String),
    /// The selection left nothing to run (the message names the selector), or nothing ran.
    #[error("{message}")]
    NothingSelected { selector: Selector, message: String },
    /// The client driver failed (driver mode).
    #[error("{0}")]
    Driver(crate::driver::DriverError),
}

/// What left a run with nothing to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// The paths hold no scenario file.
    Paths,
    Tag,
    SkipTag,
    /// The positional name filter (with or without `--exact`).
    NameFilter,
    Skip,
    Ignored,
    /// Everything selected was skipped or not applicable.
    NothingRan,
}

fn render_all(ds: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in ds {
        out.push_str(&d.render_plain());
        out.push('\n');
    }
    out
}

impl Error {
    /// The table: error kind → exit code.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Invalid(_) | Error::Usage(_) | Error::Io { .. } => ExitCode::InvalidInput,
            Error::Unreachable { .. } => ExitCode::Unreachable,
            Error::Internal(_) => ExitCode::Internal,
            Error::NothingSelected { .. } => ExitCode::NothingSelected,
            Error::Driver(_) => ExitCode::DriverFailed,
        }
    }

    pub fn invalid(d: Diagnostic) -> Error {
        Error::Invalid(vec![d])
    }
}
