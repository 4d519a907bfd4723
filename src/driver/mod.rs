//! Driver mode: scenarios run through a client library instead of raw HTTP. A driver is a
//! process speaking the JSON-lines protocol of `docs/driver-protocol.md` ([`protocol`]);
//! [`process`] runs it, [`client`] is the per-run handle, [`seam`] turns a step into a call
//! and the answer into the response expectations check, [`applicable`] decides (at plan time)
//! which scenarios a client API can express, and [`check`] is `medusa-conform driver check`.

pub mod applicable;
pub mod check;
pub mod client;
pub mod process;
pub mod protocol;

pub use client::{CallError, Driver};

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The handshake must be answered within this (a browser driver launches Chromium first).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// A call without an answer within this is a hung driver.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Which driver to run, resolved by the CLI.
#[derive(Debug, Clone)]
pub struct DriverSpec {
    pub program: String,
    pub args: Vec<String>,
    /// Sent as the hello's `options` (e.g. `client_package`).
    pub options: Map<String, Value>,
    pub handshake_timeout: Duration,
    pub call_timeout: Duration,
}

impl DriverSpec {
    /// `--driver 'CMD ARGS'`: split like a POSIX shell would (quotes, backslashes), no
    /// expansion.
    pub fn from_command_line(cmd: &str) -> Result<DriverSpec, crate::error::Error> {
        let words = shlex::split(cmd).ok_or_else(|| {
            crate::error::Error::Usage(format!(
                "--driver `{cmd}`: unbalanced quotes; write the command as a shell would, e.g. --driver 'python3 drivers/python/driver.py'"
            ))
        })?;
        let Some((program, args)) = words.split_first() else {
            return Err(crate::error::Error::Usage(
                "--driver needs a command, e.g. --driver 'python3 drivers/python/driver.py'".into(),
            ));
        };
        Ok(DriverSpec {
            program: program.clone(),
            args: args.to_vec(),
            options: Map::new(),
            handshake_timeout: HANDSHAKE_TIMEOUT,
            call_timeout: CALL_TIMEOUT,
        })
    }

    /// The command as a person would type it.
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .map(|w| {
                shlex::try_quote(w)
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| w.into())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A driver that failed: which one, during which call, what went wrong, its last stderr lines.
#[derive(Debug, Clone)]
pub struct DriverError {
    pub driver: String,
    pub call: String,
    pub problem: String,
    pub stderr_tail: Vec<String>,
}

impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "driver {} failed during {}: {}",
            self.driver, self.call, self.problem
        )?;
        if self.stderr_tail.is_empty() {
            write!(f, "\n  (its stderr was empty)")?;
        } else {
            write!(f, "\n  last lines of its stderr:")?;
            for l in &self.stderr_tail {
                write!(f, "\n    | {l}")?;
            }
        }
        write!(
            f,
            "\n  help: `medusa-conform driver check '<command>'` shows what a driver gets wrong about the protocol"
        )
    }
}

/// What the command line asked for; [`resolve`] turns it into a [`DriverSpec`].
#[derive(Debug, Clone, Default)]
pub struct DriverChoice {
    /// `--driver 'CMD ARGS'`
    pub command: Option<String>,
    /// `--client NAME` (a shipped driver: `medusa-js`).
    pub client: Option<String>,
    /// `--client-package PATH` (a package directory or an `npm pack` tarball).
    pub client_package: Option<PathBuf>,
    /// `MEDUSA_CONFORM_DRIVERS`, when set.
    pub drivers_dir: Option<PathBuf>,
    /// Where to look for a `drivers/` folder (the scenario paths' ancestors, the current
    /// directory), in order.
    pub search_from: Vec<PathBuf>,
}

/// The shipped drivers, by `--client` name: (name, path under the drivers dir, program).
pub const SHIPPED: &[(&str, &str, &str)] = &[("medusa-js", "medusa-js/driver.mjs", "node")];

/// Finds the shipped drivers folder: `MEDUSA_CONFORM_DRIVERS`, else a `drivers/` next to the
/// scenarios or in the current directory (or one of their ancestors).
pub fn find_drivers_dir(choice: &DriverChoice) -> Option<PathBuf> {
    if let Some(d) = &choice.drivers_dir {
        return Some(d.clone());
    }
    for start in &choice.search_from {
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.clone());
        for dir in start.ancestors() {
            let d = dir.join("drivers");
            if d.is_dir() {
                return Some(d);
            }
        }
    }
    None
}

/// `--driver`, `--client` and `--client-package` → the driver to start (or none).
pub fn resolve(choice: &DriverChoice) -> Result<Option<DriverSpec>, crate::error::Error> {
    use crate::error::Error;
    let mut spec = match (&choice.command, &choice.client) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "give either --driver 'CMD' or --client NAME, not both".into(),
            ));
        }
        (None, None) => {
            if choice.client_package.is_some() {
                return Err(Error::Usage(
                    "--client-package selects the build a client driver loads: add --client medusa-js".into(),
                ));
            }
            return Ok(None);
        }
        (Some(cmd), None) => DriverSpec::from_command_line(cmd)?,
        (None, Some(name)) => {
            let Some((_, script, program)) = SHIPPED.iter().find(|(n, _, _)| n == name) else {
                let names: Vec<&str> = SHIPPED.iter().map(|s| s.0).collect();
                return Err(Error::Usage(format!(
                    "--client `{name}`: no such shipped driver (known: {}); for another client pass --driver 'CMD ARGS'",
                    names.join(", ")
                )));
            };
            let dir = find_drivers_dir(choice).ok_or_else(|| {
                Error::Usage(format!(
                    "--client {name}: cannot find the `drivers/` folder (looked next to the scenarios and in the current directory); \
                     run from a medusa-conform checkout or set MEDUSA_CONFORM_DRIVERS=/path/to/drivers"
                ))
            })?;
            shipped_spec(&dir, name, script, program)?
        }
    };
    if let Some(p) = &choice.client_package {
        if !p.exists() {
            return Err(Error::Usage(format!(
                "--client-package {}: no such file or directory (give a package directory or an `npm pack` tarball)",
                p.display()
            )));
        }
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        // The shipped driver takes it as an argument; every driver also finds it in the hello.
        if choice.client.is_some() {
            spec.args.push("--client-package".into());
            spec.args.push(abs.display().to_string());
        }
        spec.options.insert(
            "client_package".into(),
            Value::String(abs.display().to_string()),
        );
    }
    Ok(Some(spec))
}

fn shipped_spec(
    dir: &Path,
    name: &str,
    script: &str,
    program: &str,
) -> Result<DriverSpec, crate::error::Error> {
    use crate::error::Error;
    let path = dir.join(script);
    let folder = path.parent().unwrap_or(dir);
    let install = folder.join("install");
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "--client {name}: {} does not exist (is MEDUSA_CONFORM_DRIVERS right?)",
            path.display()
        )));
    }
    if !folder.join("node_modules").is_dir() {
        return Err(Error::Usage(format!(
            "--client {name}: the driver's dependencies are not installed ({} is missing)\n  help: run {}",
            folder.join("node_modules").display(),
            install.display()
        )));
    }
    Ok(DriverSpec {
        program: program.into(),
        args: vec![path.display().to_string()],
        options: Map::new(),
        handshake_timeout: HANDSHAKE_TIMEOUT,
        call_timeout: CALL_TIMEOUT,
    })
}

/// Starts the run's driver on `rt`, prints what it is, and makes Ctrl-C (or SIGTERM) kill its
/// whole process tree before the harness exits with 130.
pub fn start_for_run(
    rt: &tokio::runtime::Runtime,
    spec: &DriverSpec,
    target: &str,
) -> Result<std::sync::Arc<Driver>, crate::error::Error> {
    let d = std::sync::Arc::new(
        rt.block_on(Driver::start(spec, target))
            .map_err(crate::error::Error::Driver)?,
    );
    eprintln!(
        "medusa-conform: driver {} {} (protocol {}), client {} {}",
        d.hello.driver.name,
        d.hello.driver.version,
        d.hello.protocol,
        d.hello.client.name,
        d.hello.client.version
    );
    let weak = std::sync::Arc::downgrade(&d);
    // Registered now (not when the task is first polled), so no signal slips past.
    let signals = rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    });
    rt.spawn(async move {
        let (mut int, mut term) = signals;
        let int = async {
            match int.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let term = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = int => {}
            _ = term => {}
        }
        if let Some(d) = weak.upgrade() {
            d.kill_now();
        }
        eprintln!("medusa-conform: interrupted; the driver and its processes were stopped");
        std::process::exit(130);
    });
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        let s = DriverSpec::from_command_line("python3 'my driver.py' --x \"a b\"").unwrap();
        assert_eq!(s.program, "python3");
        assert_eq!(s.args, ["my driver.py", "--x", "a b"]);
        assert_eq!(s.command_line(), "python3 'my driver.py' --x 'a b'");
        assert!(DriverSpec::from_command_line("python3 'open").is_err());
        assert!(DriverSpec::from_command_line("  ").is_err());
    }

    #[test]
    fn shipped_driver_needs_its_dependencies() {
        let tmp = std::env::temp_dir().join(format!("mc-drivers-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("medusa-js")).unwrap();
        std::fs::write(tmp.join("medusa-js/driver.mjs"), "").unwrap();
        let choice = DriverChoice {
            client: Some("medusa-js".into()),
            drivers_dir: Some(tmp.clone()),
            ..Default::default()
        };
        let e = resolve(&choice).unwrap_err().to_string();
        assert!(e.contains("medusa-js/install"), "{e}");
        std::fs::create_dir_all(tmp.join("medusa-js/node_modules")).unwrap();
        let s = resolve(&choice).unwrap().unwrap();
        assert_eq!(s.program, "node");
        let _ = std::fs::remove_dir_all(&tmp);
        let e = resolve(&DriverChoice {
            client: Some("nope".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("medusa-js"), "{e}");
    }
}
