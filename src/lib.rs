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

// The crate's own modules: private, or hidden-`pub` under the `internals` feature, which only
// this package's tests and benchmarks turn on (through the dev-dependency on itself in
// Cargo.toml), so they can reach the engine without it being API. Written out rather than made
// by a macro: `cargo fmt` only formats the files of modules it can see declared.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod api;
#[cfg(not(feature = "internals"))]
mod api;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod diagnostic;
#[cfg(not(feature = "internals"))]
mod diagnostic;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod engine;
#[cfg(not(feature = "internals"))]
mod engine;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod lang;
#[cfg(not(feature = "internals"))]
mod lang;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod plan;
#[cfg(not(feature = "internals"))]
mod plan;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod scenario;
#[cfg(not(feature = "internals"))]
mod scenario;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod specs;
#[cfg(not(feature = "internals"))]
mod specs;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod suggest;
#[cfg(not(feature = "internals"))]
mod suggest;

// Decisions several folders share, each made in one place.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod clock;
#[cfg(not(feature = "internals"))]
mod clock;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod parallel;
#[cfg(not(feature = "internals"))]
mod parallel;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod percent;
#[cfg(not(feature = "internals"))]
mod percent;
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod walk;
#[cfg(not(feature = "internals"))]
mod walk;

pub use crate::diagnostic::Diagnostic;
pub use crate::engine::harness::{lint, run};
pub use crate::engine::http::ClientOptions;
pub use crate::suggest::path as suggest_path;

/// The scenario format's JSON Schema, generated from the scenario types (what
/// `specs/scenario.schema.json` holds; `tests/scenario_schema.rs` keeps that copy current).
pub fn scenario_schema() -> String {
    scenario::schema::text()
}
