//! The embedded reference servers (`medusa-conform serve`, and the default target of `run`):
//! [`v1`] speaks Medusa 1.20's Store Auth API, [`v2`] Medusa 2.21's customer auth. Both run on
//! axum behind [`express`], which answers the way Express does (routing, 404 page, ETags), as
//! both Medusa versions run on Express; [`background`] serves either on the caller's runtime,
//! `listen` binds it and runs `serve`'s foreground loop, and `embedded` picks and starts the
//! one `run` uses when no `--target` is given.

pub mod background;
pub(crate) mod embedded;
pub mod express;
mod listen;
pub mod v1;
pub mod v2;
