//! The scenario suite and specs compiled into the binary (see `build.rs`): used when no
//! scenario path is given and there is no `scenarios/` directory here, and when the specs
//! directory does not exist. Paths are relative to `scenarios/` and `specs/`.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
