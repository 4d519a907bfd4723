//! Reporters. Each reads only `ScenarioReport`s, which `run` has already redacted.

pub mod human;
pub mod json;
pub mod junit;
