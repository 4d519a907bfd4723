//! The engine: carries out planned scenarios against a target. [`harness`] runs the selection
//! as libtest-mimic trials; [`run`] runs one scenario (vars, setup, steps, teardown) as its
//! [`actor`]s; [`seam`] is where a step is carried out, over direct HTTP ([`operation`],
//! [`http`]) or through a client driver (`crate::driver`); [`check`] and [`capture`] read the
//! answer.

pub mod actor;
pub mod capture;
pub mod check;
pub mod harness;
pub mod http;
pub mod jwt;
pub mod operation;
pub mod run;
pub mod seam;
