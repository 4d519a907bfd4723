//! Reporters. Each reads only `ScenarioReport`s, which `run` has already redacted.

pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod summary;
