//! The thin CLI: parses flags and environment into `RunOptions` and maps errors to exit codes.

use clap::{Parser, Subcommand};
use medusa_conform::error::{Error, ExitCode};
use medusa_conform::options::RunOptions;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "medusa-conform",
    version,
    about = "Conformance tests for Medusa's Store Auth API"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// libtest's own flags (`--exact`, `--skip`, `--list`, `--format`, `--color`, …), parsed
    /// and validated by clap exactly as libtest-mimic defines them. Its FILTER positional takes
    /// the first of the positionals; `options` sorts them into paths and the name filter.
    #[command(flatten)]
    libtest: libtest_mimic::Arguments,
    /// Scenario files or directories, and at most one name filter (libtest style), in any order.
    #[arg(value_name = "PATHS")]
    args: Vec<String>,
    /// Base URL of the Medusa server under test (default: the embedded reference server).
    #[arg(long, env = "MEDUSA_URL")]
    target: Option<String>,
    /// Medusa v2: the publishable API key sent as x-publishable-api-key on /store routes
    /// (scenarios that need it are skipped, with the reason, without it).
    #[arg(long, env = "MEDUSA_V2_PUBLISHABLE_KEY")]
    publishable_key: Option<String>,
    /// Medusa v2: the JSON-lines file the deployment's notification subscriber writes
    /// password-reset tokens to (reset scenarios are skipped, with the reason, without it).
    #[arg(long, env = "MEDUSA_V2_EVENTS")]
    events: Option<PathBuf>,
    /// The API the target speaks (medusa-v1-store-auth, medusa-v2-auth); scenarios of another
    /// API are not applicable. Default: the API of the selected scenarios (v1 when mixed).
    #[arg(long)]
    api: Option<String>,
    /// Directory holding the JSON Schemas (the built-in specs when it does not exist).
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// A variable for every scenario: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Only scenarios with this tag (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Leave out scenarios with this tag (repeatable).
    #[arg(long = "skip-tag")]
    skip_tags: Vec<String>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report here (attach it to a bug report).
    #[arg(long)]
    html: Option<PathBuf>,
    /// Write a Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Seed for the generators (printed by every run; replays its data).
    #[arg(long)]
    seed: Option<u64>,
    /// Run the selection N times.
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// Also check exact-wire expectations (fidelity to Medusa 1.20.11 beyond the contract
    /// clients rely on; docs/levels.md).
    #[arg(long)]
    strict: bool,
    /// Send requests through this proxy (none by default, whatever HTTP_PROXY says).
    #[arg(long)]
    proxy: Option<String>,
    /// Accept invalid TLS certificates (self-signed targets).
    #[arg(long)]
    insecure: bool,
    /// A scenario skipped for a missing input (e.g. MEDUSA_JWT_SECRET unset) fails the run
    /// (default: on when the CI environment variable is set).
    #[arg(long, overrides_with = "no_fail_on_skip")]
    fail_on_skip: bool,
    /// Skips for a missing input do not fail the run, even under CI.
    #[arg(long, overrides_with = "fail_on_skip")]
    no_fail_on_skip: bool,
    /// Run client operations through a driver process: --driver 'CMD ARGS' (see docs/driver-protocol.md).
    #[arg(long, value_name = "CMD ARGS")]
    driver: Option<String>,
    /// Run through a shipped client driver: medusa-js (drivers/medusa-js; MEDUSA_CONFORM_DRIVERS overrides where drivers/ is).
    #[arg(long, value_name = "NAME")]
    client: Option<String>,
    /// The client build under test, for --client: a package directory or an `npm pack` tarball.
    #[arg(long, value_name = "PATH")]
    client_package: Option<PathBuf>,
    /// Seconds to wait for each driver answer before the driver counts as hung (default 30).
    #[arg(long, value_name = "SECS")]
    driver_timeout: Option<u64>,
}

/// Whether `--fail-on-skip` is on: the flags, else the `CI` variable.
fn fail_on_skip(on: bool, off: bool) -> bool {
    if on || off {
        on
    } else {
        medusa_conform::options::fail_on_skip_default(std::env::var("CI").ok().as_deref())
    }
}

/// A positional argument that looks like a path: it names a file or directory, never a test.
fn path_like(arg: &str) -> bool {
    arg.contains('/')
        || arg.contains(std::path::MAIN_SEPARATOR)
        || arg.ends_with(".yaml")
        || arg.ends_with(".yml")
}

fn no_such_path(arg: &str) -> Error {
    let mut d =
        medusa_conform::Diagnostic::new(format!("no such scenario file or directory: `{arg}`"));
    d = match medusa_conform::suggest_path(std::path::Path::new(arg)) {
        Some(p) => d.help(format!("did you mean `{}`?", p.display())),
        None => d.help("pass an existing scenario file or directory (a name filter has no `/`)"),
    };
    Error::invalid(d)
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    #[arg(long, default_value_t = 9000)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Secret for store JWTs (random by default).
    #[arg(long, env = "MEDUSA_JWT_SECRET")]
    jwt_secret: Option<String>,
    /// Secret for the connect.sid signature (random by default).
    #[arg(long, env = "MEDUSA_COOKIE_SECRET")]
    cookie_secret: Option<String>,
    /// Behave like NODE_ENV=production (Secure; SameSite=None cookies, only over https).
    #[arg(long)]
    production: bool,
    /// Not Medusa's behaviour: logout revokes bearer tokens (medusajs/medusa#5930 fixed).
    #[arg(long)]
    revoke_tokens_on_logout: bool,
    /// Medusa's store_cors: allowed origins, comma-separated (default http://localhost:8000,http://localhost).
    #[arg(long, value_name = "LIST")]
    store_cors: Option<String>,
    /// A conformant difference from the 1.20.11 wire (repeatable; docs/levels.md):
    /// extra-customer-field, cookie-samesite-lax, security-headers, resend-cookie, session-ttl,
    /// extra-jwt-claims, token-lifetime, other-error-messages, error-extras,
    /// plain-text-content-type, logout-json, extra-response-keys, www-authenticate,
    /// cookie-priority, json-401, proxy, or `all`.
    #[arg(long = "variation", value_name = "NAME", value_parser = parse_variations)]
    variations: Vec<Vec<medusa_conform::server::v1::variation::Variation>>,
    /// Which API to serve: Medusa v1's Store Auth, or Medusa v2's customer auth.
    #[arg(long, value_enum, default_value_t = ServeApi::MedusaV1)]
    api: ServeApi,
    /// v2: the publishable API key `/store` routes require (default: a random `pk_…`, printed).
    #[arg(long, value_name = "KEY")]
    publishable_key: Option<String>,
    /// v2: append each `auth.password_reset` event (with the reset token) to FILE, one JSON
    /// line each, as the project's real v2 server does for MEDUSA_V2_EVENTS.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// v2: seed an admin user with this e-mail (needs --admin-password).
    #[arg(long, env = "MEDUSA_V2_ADMIN_EMAIL", requires = "admin_password")]
    admin_email: Option<String>,
    /// v2: the seeded admin user's password.
    #[arg(long, env = "MEDUSA_V2_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
}

fn parse_variations(
    s: &str,
) -> Result<Vec<medusa_conform::server::v1::variation::Variation>, String> {
    use medusa_conform::server::v1::variation::Variation;
    if s == "all" {
        return Ok(Variation::ALL.to_vec());
    }
    Variation::parse(s).map(|v| vec![v]).ok_or_else(|| {
        let names: Vec<&str> = Variation::ALL.iter().map(|v| v.name()).collect();
        format!("unknown variation; one of: {}, all", names.join(", "))
    })
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum ServeApi {
    MedusaV1,
    MedusaV2,
}

#[derive(Subcommand)]
enum ImportCmd {
    /// `import curl '<curl command line>'` (or the command on stdin): prints a scenario.
    Curl {
        /// The curl command: one quoted argument, several arguments, or nothing to read stdin.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// `import har FILE.har`: a browser's exported session becomes one scenario (printed).
    Har {
        /// The HAR file (DevTools "Save all as HAR", Playwright `recordHar`).
        file: PathBuf,
        /// Keep the target's other requests too, as `request:` steps.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
enum DriverCmd {
    /// Start a driver, run the handshake and a short script of calls, and list what it gets
    /// wrong about the protocol (docs/driver-protocol.md).
    Check {
        /// The driver's command line, e.g. 'python3 drivers/python/driver.py'.
        command: String,
        /// Run the calls against this server (default: a fresh embedded reference server).
        #[arg(long)]
        target: Option<String>,
        /// Directory holding driver/protocol.schema.json.
        #[arg(long, default_value = "specs")]
        specs: PathBuf,
    },
}

#[derive(Subcommand)]
enum Cmd {
    /// Run scenarios against a target.
    Run(RunArgs),
    /// List the scenarios' test names.
    List(RunArgs),
    /// Check scenarios and specs without sending anything.
    Lint(RunArgs),
    /// Print the scenario format's JSON Schema (for editors).
    Schema,
    /// Turn a pasted request into a scenario (secrets become variables).
    #[command(subcommand)]
    Import(ImportCmd),
    /// Serve the embedded reference Medusa Store Auth API.
    Serve(ServeArgs),
    /// Client drivers (driver mode).
    #[command(subcommand)]
    Driver(DriverCmd),
    /// Print the coverage map (contract clauses x variation classes) filled from the scenarios'
    /// `covers:`; exits 1 when a cell is neither covered nor explained (docs/coverage.md).
    Coverage(CoverageArgs),
}

#[derive(clap::Args, Debug)]
struct CoverageArgs {
    /// Scenario files or directories (default: ./scenarios, else the built-in suite).
    paths: Vec<PathBuf>,
    /// Use this map file instead of the built-in map of its pack.
    #[arg(long)]
    map: Option<PathBuf>,
    /// Also list every cell with the scenarios that cover it, or why it does not apply.
    #[arg(long)]
    cells: bool,
}

fn options(a: RunArgs) -> Result<RunOptions, Error> {
    let mut paths = Vec::new();
    let mut filter = None;
    let mut libtest = a.libtest;
    for arg in libtest.filter.take().into_iter().chain(a.args) {
        if std::path::Path::new(&arg).exists() {
            paths.push(PathBuf::from(arg));
        } else if path_like(&arg) {
            return Err(no_such_path(&arg));
        } else if filter.is_none() {
            filter = Some(arg);
        } else {
            return Err(Error::Usage(format!(
                "`{arg}` is neither a scenario path nor the (single) name filter"
            )));
        }
    }
    // No path: `./scenarios` when there is one, else the suite built into the binary.
    if paths.is_empty() && std::path::Path::new("scenarios").is_dir() {
        paths.push(PathBuf::from("scenarios"));
    }
    let mut vars = Vec::new();
    for v in a.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--var `{v}`: write NAME=VALUE")))?;
        vars.push((k.to_string(), val.to_string()));
    }
    let driver = medusa_conform::driver::resolve(&medusa_conform::driver::DriverChoice {
        command: a.driver,
        client: a.client,
        client_package: a.client_package,
        drivers_dir: std::env::var_os("MEDUSA_CONFORM_DRIVERS").map(PathBuf::from),
        search_from: paths
            .iter()
            .cloned()
            .chain(std::env::current_dir().ok())
            .collect(),
    })?
    .map(|mut d| {
        if let Some(s) = a.driver_timeout {
            d.call_timeout = std::time::Duration::from_secs(s.max(1));
        }
        d
    });
    Ok(RunOptions {
        target: a.target.filter(|t| !t.is_empty()),
        paths,
        specs_dir: a.specs,
        vars,
        env: std::env::vars().collect(),
        tags: a.tags,
        skip_tags: a.skip_tags,
        junit: a.junit,
        json: a.json,
        html: a.html,
        summary: a.summary,
        seed: a.seed,
        repeat: a.repeat,
        strict: a.strict,
        client: medusa_conform::ClientOptions {
            proxy: a.proxy,
            insecure: a.insecure,
            connect_timeout: None,
        },
        libtest: libtest_mimic::Arguments { filter, ..libtest },
        fail_on_skip: fail_on_skip(a.fail_on_skip, a.no_fail_on_skip),
        driver,
        publishable_key: a.publishable_key.filter(|k| !k.is_empty()),
        events: a.events,
        api: a.api,
    })
}

/// One argument is a whole command line; several were split by the shell already and are
/// re-quoted; none means stdin.
fn import_curl(args: Vec<String>) -> Result<ExitCode, Error> {
    let line = match args.len() {
        0 => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| Error::Usage(format!("reading the curl command from stdin: {e}")))?;
            s
        }
        1 => args[0].clone(),
        _ => args
            .iter()
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let imported = medusa_conform::import::curl::curl_to_step(&line)
        .map_err(|e| Error::Usage(format!("import curl: {e}")))?;
    for w in &imported.warnings {
        eprintln!("note: {w}");
    }
    print!(
        "{}",
        medusa_conform::import::curl::render_scenario(&imported)
    );
    Ok(ExitCode::Success)
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run(a) => options(a).and_then(medusa_conform::run),
        Cmd::List(a) => options(a).and_then(|mut o| {
            o.libtest.list = true;
            medusa_conform::run(o)
        }),
        Cmd::Lint(a) => options(a).and_then(|o| medusa_conform::lint(&o)).map(|n| {
            println!("{n} scenario(s) OK");
            ExitCode::Success
        }),
        Cmd::Schema => {
            print!("{}", medusa_conform::scenario_schema());
            Ok(ExitCode::Success)
        }
        Cmd::Import(ImportCmd::Curl { command }) => import_curl(command),
        Cmd::Driver(DriverCmd::Check {
            command,
            target,
            specs,
        }) => medusa_conform::driver::DriverSpec::from_command_line(&command)
            .and_then(|spec| medusa_conform::driver::check::run(&spec, target, &specs)),
        Cmd::Serve(a) if a.api == ServeApi::MedusaV2 => {
            medusa_conform::server::v2::serve_blocking(medusa_conform::server::v2::ServerConfig {
                host: a.host,
                port: a.port,
                jwt_secret: a.jwt_secret,
                cookie_secret: a.cookie_secret,
                publishable_key: a.publishable_key,
                events: a.events,
                cors: a.store_cors,
                admin: a.admin_email.zip(a.admin_password),
            })
            .map(|()| ExitCode::Success)
        }
        Cmd::Coverage(mut a) => {
            if a.paths.is_empty() && std::path::Path::new("scenarios").is_dir() {
                a.paths.push(PathBuf::from("scenarios"));
            }
            medusa_conform::coverage::command(
                &a.paths,
                a.map.as_deref(),
                a.cells,
                &mut std::io::stdout(),
            )
        }
        Cmd::Import(ImportCmd::Har { file, all }) => {
            medusa_conform::import::har::import_file(&file, all)
                .map_err(|e| Error::Usage(format!("import har: {e}")))
                .map(|h| {
                    for w in &h.warnings {
                        eprintln!("note: {w}");
                    }
                    print!("{}", h.scenario);
                    ExitCode::Success
                })
        }
        Cmd::Serve(a) => {
            medusa_conform::server::v1::serve_blocking(medusa_conform::server::v1::ServerConfig {
                host: a.host,
                port: a.port,
                jwt_secret: a.jwt_secret,
                cookie_secret: a.cookie_secret,
                production: a.production,
                revoke_tokens_on_logout: a.revoke_tokens_on_logout,
                variations: a.variations.concat(),
                store_cors: a.store_cors,
            })
            .map(|()| ExitCode::Success)
        }
    };
    exit(result)
}

/// Prints the error, if any, and exits with the code the error table gives it.
fn exit(result: Result<ExitCode, Error>) -> ! {
    let e = match result {
        Ok(code) => std::process::exit(code.code()),
        Err(e) => e,
    };
    match &e {
        Error::Invalid(ds) => {
            for d in ds {
                anstream::eprintln!("{}\n", d.render_styled());
            }
            anstream::eprintln!("medusa-conform: {} problem(s); nothing was sent", ds.len());
        }
        other => anstream::eprintln!("error: {other}"),
    }
    std::process::exit(e.exit_code().code());
}
