//! medusa-conform: a contract/conformance harness for Medusa's Store Auth API.
//!
//! Data flows one way: [`load`] reads YAML scenarios (keeping spans) → [`plan`] compiles them
//! (templates, JSONPaths, predicates, schema names) → [`run`] executes them against a target →
//! [`event`] records what happened, already redacted by [`redact`] → [`report`] renders it
//! (human, JUnit, JSON). [`harness`] wires it all into libtest-mimic. The CLI (`main.rs`) only
//! turns flags and environment into [`options::RunOptions`].

pub mod actor;
pub mod api;
pub mod background;
pub mod bound;
pub mod capture;
pub mod coverage;
pub mod curl;
pub mod diagnostic;
pub mod driver;
pub mod duration;
pub mod embedded;
pub mod error;
pub mod event;
pub mod expect;
pub mod harness;
pub mod http;
pub mod import_curl;
pub mod import_har;
pub mod jwt;
pub mod load;
pub mod operation;
pub mod options;
pub mod plan;
pub mod predicate;
pub mod redact;
pub mod report;
pub mod run;
pub mod scenario;
pub mod server;
pub mod server_cors;
pub mod server_v2;
pub mod sessions;
pub mod source;
pub mod specs;
pub mod suggest;
pub mod template;
pub mod variation;

/// The scenario format's JSON Schema (also `specs/scenario.schema.json`).
pub const SCENARIO_SCHEMA: &str = include_str!("../specs/scenario.schema.json");
