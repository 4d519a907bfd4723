//! The curl option table and the argument parser: which options the importer interprets, which
//! it accepts and ignores (they change only curl's output or transport), and which it refuses
//! (they change the request in a way a step cannot express). A table rather than clap (as Hurl
//! uses): the Ignore/Refuse actions are richer than what clap would give.

use super::ImportError;

/// What the importer does with an option.
#[derive(Clone, Copy, PartialEq)]
enum Act {
    /// Interpreted by [`apply`], by its long name.
    Use,
    /// Changes only curl's output or transport: accepted, reported as a warning.
    Ignore,
    /// Changes the request in a way a step cannot express.
    Refuse(&'static str),
}

/// One curl option.
#[derive(Clone, Copy)]
struct CurlOption {
    /// The long name, without `--`: also the name [`apply`] knows it by.
    long: &'static str,
    short: Option<char>,
    /// Whether the option reads an argument (`-X POST`); else it is a flag (`-s`).
    takes_arg: bool,
    act: Act,
}

const fn opt(long: &'static str, short: Option<char>, act: Act) -> CurlOption {
    CurlOption {
        long,
        short,
        takes_arg: true,
        act,
    }
}

const fn flag(long: &'static str, short: Option<char>, act: Act) -> CurlOption {
    CurlOption {
        long,
        short,
        takes_arg: false,
        act,
    }
}

/// The options the importer knows: every one is interpreted, ignored or refused; any other is
/// an error, so nothing is silently mistranslated.
const OPTIONS: &[CurlOption] = &[
    opt("request", Some('X'), Act::Use),
    opt("url", None, Act::Use),
    opt("header", Some('H'), Act::Use),
    opt("cookie", Some('b'), Act::Use),
    opt("data", Some('d'), Act::Use),
    opt("data-raw", None, Act::Use),
    opt("data-binary", None, Act::Use),
    opt("data-ascii", None, Act::Use),
    opt("data-urlencode", None, Act::Use),
    opt("json", None, Act::Use),
    flag("get", Some('G'), Act::Use),
    flag("head", Some('I'), Act::Use),
    opt("user", Some('u'), Act::Use),
    opt("user-agent", Some('A'), Act::Use),
    opt("referer", Some('e'), Act::Use),
    opt("oauth2-bearer", None, Act::Use),
    opt("max-time", Some('m'), Act::Use),
    opt(
        "form",
        Some('F'),
        Act::Refuse("multipart bodies cannot be written as a step"),
    ),
    opt(
        "form-string",
        None,
        Act::Refuse("multipart bodies cannot be written as a step"),
    ),
    opt(
        "upload-file",
        Some('T'),
        Act::Refuse("it reads the body from a file"),
    ),
    opt(
        "config",
        Some('K'),
        Act::Refuse("it reads options from a file"),
    ),
    opt(
        "request-target",
        None,
        Act::Refuse("steps always send the URL's path"),
    ),
    opt(
        "unix-socket",
        None,
        Act::Refuse("the target is always a URL"),
    ),
    opt(
        "abstract-unix-socket",
        None,
        Act::Refuse("the target is always a URL"),
    ),
    flag("compressed", None, Act::Ignore),
    flag("include", Some('i'), Act::Ignore),
    flag("silent", Some('s'), Act::Ignore),
    flag("show-error", Some('S'), Act::Ignore),
    flag("verbose", Some('v'), Act::Ignore),
    flag("insecure", Some('k'), Act::Ignore),
    flag("location", Some('L'), Act::Ignore),
    flag("location-trusted", None, Act::Ignore),
    flag("fail", Some('f'), Act::Ignore),
    flag("fail-with-body", None, Act::Ignore),
    flag("fail-early", None, Act::Ignore),
    flag("globoff", Some('g'), Act::Ignore),
    flag("http1.0", Some('0'), Act::Ignore),
    flag("http1.1", None, Act::Ignore),
    flag("http2", None, Act::Ignore),
    flag("http2-prior-knowledge", None, Act::Ignore),
    flag("http3", None, Act::Ignore),
    flag("no-buffer", Some('N'), Act::Ignore),
    flag("progress-bar", Some('#'), Act::Ignore),
    flag("no-progress-meter", None, Act::Ignore),
    flag("ipv4", Some('4'), Act::Ignore),
    flag("ipv6", Some('6'), Act::Ignore),
    flag("path-as-is", None, Act::Ignore),
    flag("raw", None, Act::Ignore),
    flag("tr-encoding", None, Act::Ignore),
    flag("junk-session-cookies", Some('j'), Act::Ignore),
    flag("disable", Some('q'), Act::Ignore),
    flag("netrc", Some('n'), Act::Ignore),
    flag("netrc-optional", None, Act::Ignore),
    flag("keepalive", None, Act::Ignore),
    flag("sessionid", None, Act::Ignore),
    flag("basic", None, Act::Ignore),
    flag("digest", None, Act::Ignore),
    flag("ntlm", None, Act::Ignore),
    flag("anyauth", None, Act::Ignore),
    flag("tcp-nodelay", None, Act::Ignore),
    flag("ssl-no-revoke", None, Act::Ignore),
    flag("styled-output", None, Act::Ignore),
    flag("remote-name", Some('O'), Act::Ignore),
    flag("remote-name-all", None, Act::Ignore),
    flag("remote-header-name", Some('J'), Act::Ignore),
    flag("create-dirs", None, Act::Ignore),
    flag("trace-time", None, Act::Ignore),
    flag("alpn", None, Act::Ignore),
    opt("output", Some('o'), Act::Ignore),
    opt("write-out", Some('w'), Act::Ignore),
    opt("connect-timeout", None, Act::Ignore),
    opt("retry", None, Act::Ignore),
    opt("retry-delay", None, Act::Ignore),
    opt("retry-max-time", None, Act::Ignore),
    flag("retry-all-errors", None, Act::Ignore),
    flag("retry-connrefused", None, Act::Ignore),
    opt("cookie-jar", Some('c'), Act::Ignore),
    opt("dump-header", Some('D'), Act::Ignore),
    opt("resolve", None, Act::Ignore),
    opt("connect-to", None, Act::Ignore),
    opt("cacert", None, Act::Ignore),
    opt("capath", None, Act::Ignore),
    opt("cert", Some('E'), Act::Ignore),
    opt("cert-type", None, Act::Ignore),
    opt("key", None, Act::Ignore),
    opt("key-type", None, Act::Ignore),
    opt("proxy", Some('x'), Act::Ignore),
    opt("proxy-user", Some('U'), Act::Ignore),
    opt("noproxy", None, Act::Ignore),
    opt("limit-rate", None, Act::Ignore),
    opt("max-redirs", None, Act::Ignore),
    opt("trace", None, Act::Ignore),
    opt("trace-ascii", None, Act::Ignore),
    opt("stderr", None, Act::Ignore),
    opt("interface", None, Act::Ignore),
    opt("local-port", None, Act::Ignore),
    opt("dns-servers", None, Act::Ignore),
    opt("max-filesize", None, Act::Ignore),
    opt("expect100-timeout", None, Act::Ignore),
    opt("keepalive-time", None, Act::Ignore),
    opt("proto", None, Act::Ignore),
    opt("proto-redir", None, Act::Ignore),
    opt("proto-default", None, Act::Ignore),
];

fn long_option(name: &str) -> Option<CurlOption> {
    OPTIONS
        .iter()
        .find(|o| o.long == name)
        .copied()
        // curl accepts `--no-X` for every boolean `--X` (`--no-compressed`).
        .or_else(|| {
            let base = name.strip_prefix("no-")?;
            OPTIONS
                .iter()
                .find(|o| o.long == base && !o.takes_arg)
                .map(|o| flag(o.long, None, Act::Ignore))
        })
}

fn short_option(c: char) -> Option<CurlOption> {
    OPTIONS.iter().find(|o| o.short == Some(c)).copied()
}

/// The request as curl would send it, before it becomes a step.
#[derive(Default)]
pub(crate) struct CurlRequest {
    pub(crate) method: Option<String>,
    pub(crate) urls: Vec<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) cookies: Vec<String>,
    /// Data pieces and whether they came from `--json` (joined without `&`).
    pub(crate) data: Vec<(String, bool)>,
    pub(crate) json: bool,
    pub(crate) get: bool,
    pub(crate) head: bool,
    pub(crate) user: Option<String>,
    pub(crate) bearer: Option<String>,
    pub(crate) timeout: Option<String>,
    pub(crate) warnings: Vec<String>,
}

/// Interprets curl's arguments (after the program name).
pub(crate) fn parse_args(words: &[String]) -> Result<CurlRequest, ImportError> {
    let mut r = CurlRequest::default();
    let mut rest = words.iter();
    while let Some(w) = rest.next() {
        if let Some(long) = w.strip_prefix("--") {
            if !long.is_empty() {
                long_arg(&mut r, long, &mut rest)?;
            }
        } else if w.len() > 1 && w.starts_with('-') {
            short_cluster(&mut r, &w[1..], &mut rest)?;
        } else {
            r.urls.push(w.clone());
        }
    }
    Ok(r)
}

/// `--name`, `--name value` or `--name=value`.
fn long_arg(
    r: &mut CurlRequest,
    long: &str,
    rest: &mut std::slice::Iter<'_, String>,
) -> Result<(), ImportError> {
    // `--opt=value` is not curl syntax, but harmless to accept.
    let (name, inline) = match long.split_once('=') {
        Some((n, v)) if long_option(n).is_some_and(|o| o.takes_arg) => (n, Some(v.to_string())),
        _ => (long, None),
    };
    let given = format!("--{name}");
    let o = long_option(name).ok_or_else(|| ImportError::UnknownOption(given.clone()))?;
    let arg = match (o.takes_arg, inline) {
        (false, _) => None,
        (true, Some(v)) => Some(v),
        (true, None) => Some(next_arg(&given, rest)?),
    };
    apply(r, &given, o, arg)
}

/// `-sS`, `-X POST`, `-XPOST`: letters, the last of which may take the rest as its argument.
fn short_cluster(
    r: &mut CurlRequest,
    cluster: &str,
    rest: &mut std::slice::Iter<'_, String>,
) -> Result<(), ImportError> {
    let mut chars = cluster.chars();
    while let Some(c) = chars.next() {
        let given = format!("-{c}");
        let o = short_option(c).ok_or_else(|| ImportError::UnknownOption(given.clone()))?;
        let arg = if o.takes_arg {
            // `-XPOST`: the rest of the cluster is the argument; else the next word.
            let inline: String = chars.by_ref().collect();
            Some(if inline.is_empty() {
                next_arg(&given, rest)?
            } else {
                inline
            })
        } else {
            None
        };
        apply(r, &given, o, arg)?;
    }
    Ok(())
}

fn next_arg(given: &str, rest: &mut std::slice::Iter<'_, String>) -> Result<String, ImportError> {
    rest.next()
        .cloned()
        .ok_or_else(|| ImportError::MissingArgument(given.into()))
}

fn from_file(option: &str, arg: &str) -> Result<(), ImportError> {
    if arg.starts_with('@') {
        return Err(ImportError::Unsupported {
            option: option.into(),
            reason: "`@file` reads the body from a file; paste its content with --data-raw".into(),
        });
    }
    Ok(())
}

/// Records option `o` (as the user wrote it: `given`) in the request.
fn apply(
    r: &mut CurlRequest,
    given: &str,
    o: CurlOption,
    arg: Option<String>,
) -> Result<(), ImportError> {
    match o.act {
        Act::Refuse(reason) => {
            return Err(ImportError::Unsupported {
                option: given.into(),
                reason: reason.into(),
            });
        }
        Act::Ignore => {
            // Only the option's name: an argument (`--proxy-user u:p`) may be a secret.
            let msg = if given == format!("--{}", o.long) {
                format!("ignored {given}")
            } else {
                format!("ignored {given} (--{})", o.long)
            };
            if !r.warnings.contains(&msg) {
                r.warnings.push(msg);
            }
            return Ok(());
        }
        Act::Use => {}
    }
    let arg = arg.unwrap_or_default();
    match o.long {
        "request" => r.method = Some(arg.to_ascii_uppercase()),
        "url" => r.urls.push(arg),
        "header" => header(r, given, &arg)?,
        "cookie" => {
            if arg.contains('=') {
                r.cookies.push(arg);
            } else {
                r.warnings.push(format!(
                    "ignored {given} without `=`: curl reads it as a cookie file"
                ));
            }
        }
        "data" | "data-ascii" | "data-binary" => {
            from_file(given, &arg)?;
            r.data.push((arg, false));
        }
        "data-raw" => r.data.push((arg, false)),
        "data-urlencode" => r.data.push((data_urlencode(given, &arg)?, false)),
        "json" => {
            from_file(given, &arg)?;
            r.json = true;
            r.data.push((arg, true));
        }
        "get" => r.get = true,
        "head" => r.head = true,
        "user" => r.user = Some(arg),
        "user-agent" => r.headers.push(("User-Agent".into(), arg)),
        "referer" => r.headers.push(("Referer".into(), arg)),
        "oauth2-bearer" => r.bearer = Some(arg),
        "max-time" => max_time(r, given, &arg),
        other => unreachable!("the option table and apply() disagree on `{other}`"),
    }
    Ok(())
}

/// `-H 'Name: value'`, `-H 'Name:'` (removes a curl default), `-H 'Name;'` (empty value).
fn header(r: &mut CurlRequest, given: &str, arg: &str) -> Result<(), ImportError> {
    if arg.starts_with('@') {
        return Err(ImportError::Unsupported {
            option: given.into(),
            reason: "`@file` reads headers from a file; paste them as -H options".into(),
        });
    }
    if let Some((name, value)) = arg.split_once(':') {
        let value = value.trim();
        if value.is_empty() {
            r.warnings.push(format!(
                "ignored `-H '{}:'` (removes a curl default)",
                name.trim()
            ));
        } else {
            r.headers.push((name.trim().to_string(), value.to_string()));
        }
    } else if let Some(name) = arg.strip_suffix(';') {
        r.headers.push((name.trim().to_string(), String::new()));
    } else {
        r.warnings
            .push("ignored a -H without `:` (not a header)".to_string());
    }
    Ok(())
}

/// `-m SECONDS` becomes the step's `timeout:`.
fn max_time(r: &mut CurlRequest, given: &str, arg: &str) {
    match crate::scenario::duration::parse(arg) {
        Some(d) if !d.is_zero() && arg.trim().parse::<f64>().is_ok() => {
            r.timeout = Some(format!("{}s", arg.trim()))
        }
        _ => r
            .warnings
            .push(format!("ignored {given}: not a number of seconds")),
    }
}

/// `--data-urlencode` forms: `content`, `=content`, `name=content` (content gets encoded);
/// `@file` and `name@file` read files and are refused.
fn data_urlencode(option: &str, arg: &str) -> Result<String, ImportError> {
    let eq = arg.find('=');
    let at = arg.find('@');
    if let Some(a) = at
        && eq.is_none_or(|e| a < e)
    {
        return Err(ImportError::Unsupported {
            option: option.into(),
            reason: "`@file` reads the data from a file; paste it as `name=content`".into(),
        });
    }
    let enc = crate::percent::encode_component;
    Ok(match eq {
        Some(0) => enc(&arg[1..]),
        Some(e) => format!("{}={}", &arg[..e], enc(&arg[e + 1..])),
        None => enc(arg),
    })
}
