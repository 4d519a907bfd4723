//! Importers: turn what a bug report carries (a curl command line, a browser's HAR export)
//! into a scenario, so reproducing a report takes a minute.

pub mod curl;
pub mod har;
