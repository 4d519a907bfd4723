//! medusa-conform: a contract/conformance harness for Medusa's auth APIs.
//!
//! Data flows one way (docs/architecture.md): `scenario` loads YAML files (keeping spans) →
//! `plan` compiles them (templates and predicates of `lang`, JSONPaths, schema names of
//! `specs`, operations of an `api` pack) → `engine` carries them out against a target, over
//! HTTP or through a client [`driver`] → [`report::event`] records what happened, masked by
//! [`report::redact`] → [`report`] renders it (human, JUnit, JSON, HTML, summary). The CLI
//! (`main.rs`) only turns flags and environment into [`options::RunOptions`].
//!
//! # The public API
//! [`run`] and [`lint`] with [`options::RunOptions`]; [`error::Error`] and its
//! [`error::ExitCode`]s; the report types in [`report`] (the JSON report is versioned, with its
//! schema in `specs/report/`); the reference servers in [`server`] (what `serve` starts); the
//! importers in [`import`]; [`driver::check`]; [`coverage`]. Everything else is the crate's own.

pub mod coverage;
pub mod driver;
pub mod error;
pub mod import;
pub mod options;
pub mod report;
pub mod server;

/// Declares the crate's own modules: `pub(crate)`, or hidden-`pub` under the `internals` feature,
/// which only this package's tests and benchmarks turn on (through the dev-dependency on itself
/// in Cargo.toml), so they can reach the engine without it being API.
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        pub(crate) mod $name;
    )*};
}
internal_modules!(
    api, diagnostic, engine, lang, plan, scenario, specs, suggest
);

// Decisions several folders share, each made in one place.
internal_modules!(clock, parallel, percent, walk);

// `cargo fmt` does not look inside macros: this module, which the compiler never sees, shows
// it the files of the modules above (tests/layout.rs checks that the two lists agree).
#[cfg(rustfmt)]
#[path = "."]
mod shown_to_cargo_fmt {
    mod api;
    mod clock;
    mod diagnostic;
    mod engine;
    mod lang;
    mod parallel;
    mod percent;
    mod plan;
    mod scenario;
    mod specs;
    mod suggest;
    mod walk;
}

pub use crate::diagnostic::Diagnostic;
pub use crate::engine::harness::{lint, run};
pub use crate::engine::http::ClientOptions;
pub use crate::suggest::path as suggest_path;

/// The scenario format's JSON Schema, generated from the scenario types (what
/// `specs/scenario.schema.json` holds; `tests/scenario_schema.rs` keeps that copy current).
pub fn scenario_schema() -> String {
    scenario::schema::text()
}
