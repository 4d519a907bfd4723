//! `medusa-conform import curl '<command>'`: turns a pasted curl command line (from a bug report,
//! a browser's "Copy as cURL", a terminal history) into a scenario step, so reproducing a report
//! takes a minute instead of hand-translating headers and bodies.
//!
//! The pipeline is pure text → text, no I/O, no environment:
//! 1. [`shell_words`] splits the command like a POSIX shell would (quotes, `$'…'`, escapes, line
//!    continuations), because pasted commands are shell text, not argv.
//! 2. The curl options are interpreted (method, URL, headers, cookies, data, `--json`, `-G`, `-u`);
//!    options that only change curl's output or transport are accepted and reported as warnings;
//!    anything else is an error naming the option, so nothing is silently mistranslated.
//! 3. The request is mapped to the high-level operation (`authenticate`, `exists`, …) when it
//!    matches one exactly, otherwise to a raw `request:` step.
//! 4. Secrets (passwords, tokens, cookies, basic credentials) are moved into variables whose
//!    scenario values are placeholders (`{{ env.MEDUSA_PASSWORD }}`, `CHANGE-ME`): bug reports get
//!    pasted into issues and commits, and the generated file must never carry the original values.
//!    [`Imported::vars`] still holds them for a caller that needs them; it is never rendered.
//!
//! The YAML is written by hand (the crate only depends on a YAML *reader*): [`yaml_scalar`]
//! quotes every string a YAML 1.1 or 1.2 reader could take for something else.

use serde_json::{Map, Value};
use std::fmt;

/// Why a command could not be imported. Messages never contain header values or bodies, since
/// those may hold secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the command is empty")]
    Empty,
    #[error("`{0}` is not a curl command (expected it to start with `curl`)")]
    NotCurl(String),
    #[error("unterminated {quote} quote starting at character {position}")]
    UnterminatedQuote { quote: char, position: usize },
    #[error("unknown curl option `{0}`")]
    UnknownOption(String),
    #[error("curl option `{0}` needs an argument")]
    MissingArgument(String),
    #[error("curl option `{option}` is not supported: {reason}")]
    Unsupported { option: String, reason: String },
    #[error("no URL in the curl command")]
    NoUrl,
    #[error("{0} URLs in the curl command; import one request at a time")]
    SeveralUrls(usize),
    #[error("unsupported URL scheme `{0}`: only http and https requests can become a step")]
    Scheme(String),
}

/// A step imported from curl, plus everything needed to write a scenario around it.
#[derive(Clone, PartialEq)]
pub struct Imported {
    /// The step as a YAML mapping (no leading `- `), ending with comment lines (original host,
    /// notes, an `expect` placeholder).
    pub yaml: String,
    /// Values moved out of the request into variables: name → original value. Secret ones must
    /// not be printed; [`Imported::placeholders`] is what goes into a scenario.
    pub vars: Vec<(String, String)>,
    /// name → the value [`render_scenario`] writes under `vars:` (a placeholder for secrets, the
    /// original for e-mails and user names).
    pub placeholders: Vec<(String, String)>,
    /// Names of the variables that hold secrets.
    pub secret_vars: Vec<String>,
    /// Environment variables the placeholders read (`requires: env:` in the scenario).
    pub requires_env: Vec<String>,
    /// Options that were ignored and headers that were dropped (no values).
    pub warnings: Vec<String>,
    /// `scheme://host[:port]` of the pasted URL (without credentials).
    pub host: String,
    /// `METHOD /path`, used as the step and scenario name.
    pub title: String,
}

// Hand-written so that `{:?}` (in a panic, a log line) cannot leak the extracted secrets.
impl fmt::Debug for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imported")
            .field("yaml", &self.yaml)
            .field(
                "vars",
                &self
                    .vars
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("placeholders", &self.placeholders)
            .field("secret_vars", &self.secret_vars)
            .field("requires_env", &self.requires_env)
            .field("warnings", &self.warnings)
            .field("host", &self.host)
            .field("title", &self.title)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Shell words
// ---------------------------------------------------------------------------------------------

struct Words {
    words: Vec<String>,
    /// The shell operator (`|`, `;`, `>`, …) where the command was cut, if any.
    cut_at: Option<String>,
}

/// Splits `input` into words like a POSIX shell: `'…'` literal, `"…"` with `\` escaping
/// `$ \` " \ newline`, `$'…'` ANSI-C escapes, `\x` outside quotes, backslash-newline (and cmd.exe
/// caret-newline) continuations, `#` comments. Stops at the first unquoted `|`, `;`, `&&`, `<`
/// or `>`: what follows (`| jq .`, `> out.json`) is not part of the request. No expansion:
/// `$TOKEN` stays literal, which is what a placeholder needs anyway.
pub fn shell_words(input: &str) -> Result<Vec<String>, ImportError> {
    tokenize(input).map(|w| w.words)
}

fn tokenize(input: &str) -> Result<Words, ImportError> {
    let chars: Vec<char> = input.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    // Separate from `cur.is_empty()` so that `''` is an (empty) word.
    let mut in_word = false;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
                i += 1;
            }
            '\\' | '^' if at(i + 1) == Some('\n') => i += 2,
            '\\' | '^' if at(i + 1) == Some('\r') && at(i + 2) == Some('\n') => i += 3,
            '\\' => {
                if let Some(n) = at(i + 1) {
                    cur.push(n);
                    in_word = true;
                }
                i += 2;
            }
            '\'' => {
                let end = (i + 1..chars.len()).find(|&j| chars[j] == '\'').ok_or(
                    ImportError::UnterminatedQuote {
                        quote: '\'',
                        position: i + 1,
                    },
                )?;
                cur.extend(&chars[i + 1..end]);
                in_word = true;
                i = end + 1;
            }
            '"' => {
                i = double_quoted(&chars, i + 1, &mut cur).ok_or(
                    ImportError::UnterminatedQuote {
                        quote: '"',
                        position: i + 1,
                    },
                )?;
                in_word = true;
            }
            '$' if at(i + 1) == Some('\'') => {
                i = ansi_c_quoted(&chars, i + 2, &mut cur).ok_or(
                    ImportError::UnterminatedQuote {
                        quote: '\'',
                        position: i + 2,
                    },
                )?;
                in_word = true;
            }
            // `$"…"` is a locale-translated string: the same as `"…"` here.
            '$' if at(i + 1) == Some('"') => {
                i = double_quoted(&chars, i + 2, &mut cur).ok_or(
                    ImportError::UnterminatedQuote {
                        quote: '"',
                        position: i + 2,
                    },
                )?;
                in_word = true;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '|' | ';' | '<' | '>' => {
                return Ok(Words {
                    words: finish(words, cur, in_word),
                    cut_at: Some(c.to_string()),
                });
            }
            // A lone `&` is kept: unquoted URLs with `&` are a common paste, and a background
            // job makes no sense here. `&&` chains another command.
            '&' if at(i + 1) == Some('&') => {
                return Ok(Words {
                    words: finish(words, cur, in_word),
                    cut_at: Some("&&".into()),
                });
            }
            _ => {
                cur.push(c);
                in_word = true;
                i += 1;
            }
        }
    }
    Ok(Words {
        words: finish(words, cur, in_word),
        cut_at: None,
    })
}

fn finish(mut words: Vec<String>, cur: String, in_word: bool) -> Vec<String> {
    if in_word {
        words.push(cur);
    }
    words
}

/// Reads a `"…"` body starting after the quote; returns the index after the closing quote.
fn double_quoted(chars: &[char], mut i: usize, out: &mut String) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '"' => return Some(i + 1),
            '\\' => match chars.get(i + 1) {
                Some('\n') => i += 2,
                Some('\r') if chars.get(i + 2) == Some(&'\n') => i += 3,
                Some(&n @ ('$' | '`' | '"' | '\\')) => {
                    out.push(n);
                    i += 2;
                }
                // Elsewhere a backslash is literal inside double quotes.
                _ => {
                    out.push('\\');
                    i += 1;
                }
            },
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// Reads a `$'…'` body starting after the quote; returns the index after the closing quote.
fn ansi_c_quoted(chars: &[char], mut i: usize, out: &mut String) -> Option<usize> {
    let hex = |from: usize, max: usize| -> (u32, usize) {
        let mut v = 0u32;
        let mut n = 0;
        while n < max {
            match chars.get(from + n).and_then(|c| c.to_digit(16)) {
                Some(d) => {
                    v = v * 16 + d;
                    n += 1;
                }
                None => break,
            }
        }
        (v, n)
    };
    while i < chars.len() {
        match chars[i] {
            '\'' => return Some(i + 1),
            '\\' => {
                let &e = chars.get(i + 1)?;
                i += 2;
                let simple = match e {
                    'a' => Some('\u{7}'),
                    'b' => Some('\u{8}'),
                    'e' | 'E' => Some('\u{1b}'),
                    'f' => Some('\u{c}'),
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    'v' => Some('\u{b}'),
                    '\\' | '\'' | '"' | '?' => Some(e),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    continue;
                }
                match e {
                    '0'..='7' => {
                        let mut v = e.to_digit(8).unwrap_or(0);
                        let mut n = 0;
                        while n < 2 {
                            match chars.get(i).and_then(|c| c.to_digit(8)) {
                                Some(d) => {
                                    v = v * 8 + d;
                                    i += 1;
                                    n += 1;
                                }
                                None => break,
                            }
                        }
                        out.push(char::from_u32(v & 0xff).unwrap_or('\u{fffd}'));
                    }
                    'x' | 'u' | 'U' => {
                        let max = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let (v, n) = hex(i, max);
                        if n == 0 {
                            out.push('\\');
                            out.push(e);
                        } else {
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                            i += n;
                        }
                    }
                    'c' => {
                        if let Some(&x) = chars.get(i) {
                            out.push(char::from_u32(x as u32 & 0x1f).unwrap_or('\u{fffd}'));
                            i += 1;
                        }
                    }
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// curl options
// ---------------------------------------------------------------------------------------------

/// What the importer does with an option.
#[derive(Clone, Copy, PartialEq)]
enum Act {
    /// Interpreted below, by its long name.
    Use,
    /// Changes only curl's output or transport: accepted, reported as a warning.
    Ignore,
    /// Changes the request in a way a step cannot express.
    Refuse(&'static str),
}

/// (long name, short letter, takes an argument, action).
const OPTIONS: &[(&str, Option<char>, bool, Act)] = &[
    ("request", Some('X'), true, Act::Use),
    ("url", None, true, Act::Use),
    ("header", Some('H'), true, Act::Use),
    ("cookie", Some('b'), true, Act::Use),
    ("data", Some('d'), true, Act::Use),
    ("data-raw", None, true, Act::Use),
    ("data-binary", None, true, Act::Use),
    ("data-ascii", None, true, Act::Use),
    ("data-urlencode", None, true, Act::Use),
    ("json", None, true, Act::Use),
    ("get", Some('G'), false, Act::Use),
    ("head", Some('I'), false, Act::Use),
    ("user", Some('u'), true, Act::Use),
    ("user-agent", Some('A'), true, Act::Use),
    ("referer", Some('e'), true, Act::Use),
    ("oauth2-bearer", None, true, Act::Use),
    ("max-time", Some('m'), true, Act::Use),
    (
        "form",
        Some('F'),
        true,
        Act::Refuse("multipart bodies cannot be written as a step"),
    ),
    (
        "form-string",
        None,
        true,
        Act::Refuse("multipart bodies cannot be written as a step"),
    ),
    (
        "upload-file",
        Some('T'),
        true,
        Act::Refuse("it reads the body from a file"),
    ),
    (
        "config",
        Some('K'),
        true,
        Act::Refuse("it reads options from a file"),
    ),
    (
        "request-target",
        None,
        true,
        Act::Refuse("steps always send the URL's path"),
    ),
    (
        "unix-socket",
        None,
        true,
        Act::Refuse("the target is always a URL"),
    ),
    (
        "abstract-unix-socket",
        None,
        true,
        Act::Refuse("the target is always a URL"),
    ),
    ("compressed", None, false, Act::Ignore),
    ("include", Some('i'), false, Act::Ignore),
    ("silent", Some('s'), false, Act::Ignore),
    ("show-error", Some('S'), false, Act::Ignore),
    ("verbose", Some('v'), false, Act::Ignore),
    ("insecure", Some('k'), false, Act::Ignore),
    ("location", Some('L'), false, Act::Ignore),
    ("location-trusted", None, false, Act::Ignore),
    ("fail", Some('f'), false, Act::Ignore),
    ("fail-with-body", None, false, Act::Ignore),
    ("fail-early", None, false, Act::Ignore),
    ("globoff", Some('g'), false, Act::Ignore),
    ("http1.0", Some('0'), false, Act::Ignore),
    ("http1.1", None, false, Act::Ignore),
    ("http2", None, false, Act::Ignore),
    ("http2-prior-knowledge", None, false, Act::Ignore),
    ("http3", None, false, Act::Ignore),
    ("no-buffer", Some('N'), false, Act::Ignore),
    ("progress-bar", Some('#'), false, Act::Ignore),
    ("no-progress-meter", None, false, Act::Ignore),
    ("ipv4", Some('4'), false, Act::Ignore),
    ("ipv6", Some('6'), false, Act::Ignore),
    ("path-as-is", None, false, Act::Ignore),
    ("raw", None, false, Act::Ignore),
    ("tr-encoding", None, false, Act::Ignore),
    ("junk-session-cookies", Some('j'), false, Act::Ignore),
    ("disable", Some('q'), false, Act::Ignore),
    ("netrc", Some('n'), false, Act::Ignore),
    ("netrc-optional", None, false, Act::Ignore),
    ("keepalive", None, false, Act::Ignore),
    ("sessionid", None, false, Act::Ignore),
    ("basic", None, false, Act::Ignore),
    ("digest", None, false, Act::Ignore),
    ("ntlm", None, false, Act::Ignore),
    ("anyauth", None, false, Act::Ignore),
    ("tcp-nodelay", None, false, Act::Ignore),
    ("ssl-no-revoke", None, false, Act::Ignore),
    ("styled-output", None, false, Act::Ignore),
    ("remote-name", Some('O'), false, Act::Ignore),
    ("remote-name-all", None, false, Act::Ignore),
    ("remote-header-name", Some('J'), false, Act::Ignore),
    ("create-dirs", None, false, Act::Ignore),
    ("trace-time", None, false, Act::Ignore),
    ("alpn", None, false, Act::Ignore),
    ("output", Some('o'), true, Act::Ignore),
    ("write-out", Some('w'), true, Act::Ignore),
    ("connect-timeout", None, true, Act::Ignore),
    ("retry", None, true, Act::Ignore),
    ("retry-delay", None, true, Act::Ignore),
    ("retry-max-time", None, true, Act::Ignore),
    ("retry-all-errors", None, false, Act::Ignore),
    ("retry-connrefused", None, false, Act::Ignore),
    ("cookie-jar", Some('c'), true, Act::Ignore),
    ("dump-header", Some('D'), true, Act::Ignore),
    ("resolve", None, true, Act::Ignore),
    ("connect-to", None, true, Act::Ignore),
    ("cacert", None, true, Act::Ignore),
    ("capath", None, true, Act::Ignore),
    ("cert", Some('E'), true, Act::Ignore),
    ("cert-type", None, true, Act::Ignore),
    ("key", None, true, Act::Ignore),
    ("key-type", None, true, Act::Ignore),
    ("proxy", Some('x'), true, Act::Ignore),
    ("proxy-user", Some('U'), true, Act::Ignore),
    ("noproxy", None, true, Act::Ignore),
    ("limit-rate", None, true, Act::Ignore),
    ("max-redirs", None, true, Act::Ignore),
    ("trace", None, true, Act::Ignore),
    ("trace-ascii", None, true, Act::Ignore),
    ("stderr", None, true, Act::Ignore),
    ("interface", None, true, Act::Ignore),
    ("local-port", None, true, Act::Ignore),
    ("dns-servers", None, true, Act::Ignore),
    ("max-filesize", None, true, Act::Ignore),
    ("expect100-timeout", None, true, Act::Ignore),
    ("keepalive-time", None, true, Act::Ignore),
    ("proto", None, true, Act::Ignore),
    ("proto-redir", None, true, Act::Ignore),
    ("proto-default", None, true, Act::Ignore),
];

fn long_option(name: &str) -> Option<(&'static str, bool, Act)> {
    OPTIONS
        .iter()
        .find(|o| o.0 == name)
        .map(|o| (o.0, o.2, o.3))
        // curl accepts `--no-X` for every boolean `--X` (`--no-compressed`).
        .or_else(|| {
            let base = name.strip_prefix("no-")?;
            OPTIONS
                .iter()
                .find(|o| o.0 == base && !o.2)
                .map(|o| (o.0, false, Act::Ignore))
        })
}

fn short_option(c: char) -> Option<(&'static str, bool, Act)> {
    OPTIONS
        .iter()
        .find(|o| o.1 == Some(c))
        .map(|o| (o.0, o.2, o.3))
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

fn parse_args(words: &[String]) -> Result<CurlRequest, ImportError> {
    let mut r = CurlRequest::default();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if let Some(long) = w.strip_prefix("--") {
            if long.is_empty() {
                continue;
            }
            // `--opt=value` is not curl syntax, but harmless to accept.
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) if long_option(n).is_some_and(|o| o.1) => (n, Some(v.to_string())),
                _ => (long, None),
            };
            let (canon, takes, act) =
                long_option(name).ok_or_else(|| ImportError::UnknownOption(format!("--{name}")))?;
            let arg = if takes {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        let v = words
                            .get(i)
                            .ok_or_else(|| ImportError::MissingArgument(format!("--{name}")))?;
                        i += 1;
                        Some(v.clone())
                    }
                }
            } else {
                None
            };
            apply(&mut r, &format!("--{name}"), canon, act, arg)?;
        } else if w.len() > 1 && w.starts_with('-') {
            let cluster: Vec<char> = w[1..].chars().collect();
            let mut j = 0;
            while j < cluster.len() {
                let c = cluster[j];
                j += 1;
                let (canon, takes, act) =
                    short_option(c).ok_or_else(|| ImportError::UnknownOption(format!("-{c}")))?;
                let arg = if takes {
                    // `-XPOST`: the rest of the cluster is the argument; else the next word.
                    let rest: String = cluster[j..].iter().collect();
                    j = cluster.len();
                    if rest.is_empty() {
                        let v = words
                            .get(i)
                            .ok_or_else(|| ImportError::MissingArgument(format!("-{c}")))?;
                        i += 1;
                        Some(v.clone())
                    } else {
                        Some(rest)
                    }
                } else {
                    None
                };
                apply(&mut r, &format!("-{c}"), canon, act, arg)?;
            }
        } else {
            r.urls.push(w.clone());
        }
    }
    Ok(r)
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

fn apply(
    r: &mut CurlRequest,
    given: &str,
    canon: &str,
    act: Act,
    arg: Option<String>,
) -> Result<(), ImportError> {
    match act {
        Act::Refuse(reason) => {
            return Err(ImportError::Unsupported {
                option: given.into(),
                reason: reason.into(),
            });
        }
        Act::Ignore => {
            // Only the option's name: an argument (`--proxy-user u:p`) may be a secret.
            let msg = if given == format!("--{canon}") {
                format!("ignored {given}")
            } else {
                format!("ignored {given} (--{canon})")
            };
            if !r.warnings.contains(&msg) {
                r.warnings.push(msg);
            }
            return Ok(());
        }
        Act::Use => {}
    }
    let arg = arg.unwrap_or_default();
    match canon {
        "request" => r.method = Some(arg.to_ascii_uppercase()),
        "url" => r.urls.push(arg),
        "header" => {
            if arg.starts_with('@') {
                return Err(ImportError::Unsupported {
                    option: given.into(),
                    reason: "`@file` reads headers from a file; paste them as -H options".into(),
                });
            }
            if let Some((name, value)) = arg.split_once(':') {
                let value = value.trim();
                if value.is_empty() {
                    // `-H 'Accept:'` tells curl not to send its default header.
                    r.warnings.push(format!(
                        "ignored `-H '{}:'` (removes a curl default)",
                        name.trim()
                    ));
                } else {
                    r.headers.push((name.trim().to_string(), value.to_string()));
                }
            } else if let Some(name) = arg.strip_suffix(';') {
                // `-H 'X-Empty;'` sends the header with an empty value.
                r.headers.push((name.trim().to_string(), String::new()));
            } else {
                r.warnings
                    .push("ignored a -H without `:` (not a header)".to_string());
            }
        }
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
        "max-time" => match crate::scenario::duration::parse(&arg) {
            Some(d) if !d.is_zero() && arg.trim().parse::<f64>().is_ok() => {
                r.timeout = Some(format!("{}s", arg.trim()))
            }
            _ => r
                .warnings
                .push(format!("ignored {given}: not a number of seconds")),
        },
        _ => unreachable!("option table and apply() disagree on `{canon}`"),
    }
    Ok(())
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
    let enc = crate::lang::template::urlencode;
    Ok(match eq {
        Some(0) => enc(&arg[1..]),
        Some(e) => format!("{}={}", &arg[..e], enc(&arg[e + 1..])),
        None => enc(arg),
    })
}

// ---------------------------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// Not a secret: the scenario keeps the original (e-mails, user names).
    Plain,
    /// Read from `MEDUSA_<NAME>` in the environment.
    Env,
    /// Session-bound (cookies): a `CHANGE-ME` placeholder, logging in first is the real fix.
    ChangeMe,
    /// Computed from other variables.
    Derived,
}

pub(crate) struct VarDef {
    pub(crate) base: String,
    pub(crate) name: String,
    pub(crate) original: String,
    pub(crate) kind: Kind,
    pub(crate) placeholder: String,
}

#[derive(Default)]
pub(crate) struct Vars {
    pub(crate) defs: Vec<VarDef>,
}

/// A variable name the template language accepts and that collides with nothing built in.
fn var_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_string();
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("v_{out}");
    }
    if out == "env" || crate::plan::BUILTIN_VARS.contains(&out.as_str()) {
        out.push_str("_value");
    }
    out
}

impl Vars {
    /// Returns the variable for `original` under `base`, reusing one with the same value (the
    /// same password twice is one variable) and numbering different values (`password_2`).
    pub(crate) fn get(&mut self, base: &str, original: &str, kind: Kind) -> String {
        let base = var_name(base);
        if let Some(d) = self
            .defs
            .iter()
            .find(|d| d.base == base && d.original == original && d.kind == kind)
        {
            return d.name.clone();
        }
        let mut name = base.clone();
        let mut n = 1;
        while self.defs.iter().any(|d| d.name == name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        let placeholder = match kind {
            Kind::Plain | Kind::Derived => original.to_string(),
            Kind::Env => format!("{{{{ env.MEDUSA_{} }}}}", name.to_ascii_uppercase()),
            Kind::ChangeMe => "CHANGE-ME".into(),
        };
        self.defs.push(VarDef {
            base,
            name: name.clone(),
            original: original.to_string(),
            kind,
            placeholder,
        });
        name
    }

    fn secret(&mut self, base: &str, original: &str) -> String {
        self.get(base, original, Kind::Env)
    }

    /// A variable computed from others: `placeholder` is its template.
    fn derived(&mut self, base: &str, original: &str, placeholder: String) -> String {
        let name = self.get(base, original, Kind::Derived);
        if let Some(d) = self.defs.iter_mut().find(|d| d.name == name) {
            d.placeholder = placeholder;
        }
        name
    }
}

/// `{{ name }}`.
pub(crate) fn tpl(name: &str) -> String {
    format!("{{{{ {name} }}}}")
}

/// A literal for a templated field: `{{` would start an expression, so it becomes `{{ "{{" }}`.
pub fn template_literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// JSON members and query parameters whose values are secrets.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "pass",
        "secret",
        "token",
        "jwt",
        "bearer",
        "cookie",
        "credential",
        "apikey",
        "api_key",
        "private_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// Headers (other than Authorization and Cookie) whose values are secrets.
fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "auth",
        "token",
        "secret",
        "key",
        "pass",
        "cookie",
        "session",
        "jwt",
        "signature",
        "credential",
    ]
    .iter()
    .any(|w| n.contains(w))
}

fn is_email_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("email")
}

/// Replaces secrets and e-mails in a JSON body by variables and escapes the other strings.
/// `secret` is set below a secret-looking member (`"password"`, `"tokens": [...]`); `key` names
/// the variable.
fn scrub_json(
    v: &Value,
    secret: bool,
    key: &str,
    vars: &mut Vars,
    warnings: &mut Vec<String>,
) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                let new = match val {
                    Value::String(s) if !secret && is_email_key(k) && !s.is_empty() => {
                        Value::String(tpl(&vars.get("email", s, Kind::Plain)))
                    }
                    _ => scrub_json(val, secret || is_secret_key(k), k, vars, warnings),
                };
                out.insert(k.clone(), new);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| scrub_json(x, secret, key, vars, warnings))
                .collect(),
        ),
        // An empty password is a test value (validation), not a secret: kept.
        Value::String(s) if secret && !s.is_empty() => Value::String(tpl(&vars.secret(key, s))),
        Value::Number(n) if secret => {
            let name = vars.secret(key, &n.to_string());
            warnings.push(format!(
                "`{key}` was a number; its placeholder `{name}` is a string"
            ));
            Value::String(tpl(&name))
        }
        Value::String(s) => Value::String(template_literal(s)),
        other => other.clone(),
    }
}

/// A raw text body: literal pieces and template pieces, so literals get escaped exactly once.
enum Seg {
    Lit(String),
    Tpl(String),
}

fn join(segs: Vec<Seg>) -> String {
    segs.into_iter()
        .map(|s| match s {
            Seg::Lit(l) => template_literal(&l),
            Seg::Tpl(t) => t,
        })
        .collect()
}

/// `%XX` decoding; `plus` also turns `+` into a space (form encoding).
pub(crate) fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit() =>
            {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(h, 16).unwrap_or(0));
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A form-encoded string (`a=1&password=x`) with secret and e-mail values replaced by
/// `{{ var | urlencode }}` (same value once the server decodes it).
fn scrub_form(s: &str, vars: &mut Vars) -> Vec<Seg> {
    let mut segs = Vec::new();
    for (n, piece) in s.split('&').enumerate() {
        if n > 0 {
            segs.push(Seg::Lit("&".into()));
        }
        match piece.split_once('=') {
            Some((k, v)) if !v.is_empty() => {
                let key = percent_decode(k, true);
                let value = percent_decode(v, true);
                let var = if is_secret_key(&key) {
                    Some(vars.secret(&key, &value))
                } else if is_email_key(&key) {
                    Some(vars.get("email", &value, Kind::Plain))
                } else {
                    None
                };
                match var {
                    Some(var) => {
                        segs.push(Seg::Lit(format!("{k}=")));
                        segs.push(Seg::Tpl(format!("{{{{ {var} | urlencode }}}}")));
                    }
                    None => segs.push(Seg::Lit(piece.into())),
                }
            }
            _ => segs.push(Seg::Lit(piece.into())),
        }
    }
    segs
}

/// Best effort for text that is not valid JSON (a malformed-JSON report) but still holds
/// `"password": "…"` members: their values become variables.
fn scrub_json_text(s: &str, vars: &mut Vars) -> Vec<Seg> {
    let re = regex::Regex::new(
        r#""((?:[^"\\]|\\.)*)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?[0-9][0-9.eE+-]*))"#,
    )
    .expect("static regex");
    let mut segs = Vec::new();
    let mut last = 0;
    for c in re.captures_iter(s) {
        let key = &c[1];
        let Some(val) = c.get(2).or_else(|| c.get(3)) else {
            continue;
        };
        if val.as_str().is_empty() {
            continue;
        }
        let original = if c.get(2).is_some() {
            serde_json::from_str::<String>(&format!("\"{}\"", val.as_str()))
                .unwrap_or_else(|_| val.as_str().to_string())
        } else {
            val.as_str().to_string()
        };
        let var = if is_secret_key(key) {
            vars.secret(key, &original)
        } else if is_email_key(key) && c.get(2).is_some() {
            vars.get("email", &original, Kind::Plain)
        } else {
            continue;
        };
        segs.push(Seg::Lit(s[last..val.start()].to_string()));
        segs.push(Seg::Tpl(tpl(&var)));
        last = val.end();
    }
    segs.push(Seg::Lit(s[last..].to_string()));
    segs
}

// ---------------------------------------------------------------------------------------------
// Mapping to a step
// ---------------------------------------------------------------------------------------------

/// Headers a browser or curl adds that say nothing about the contract under test.
fn is_noise_header(name: &str, value: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let generic_accept = n == "accept"
        && (value.contains("*/*") || value.trim().eq_ignore_ascii_case("application/json"));
    generic_accept
        || n.starts_with("sec-")
        || [
            "accept-encoding",
            "accept-language",
            "user-agent",
            "connection",
            "dnt",
            "pragma",
            "cache-control",
            "priority",
            "te",
            "host",
            "content-length",
            "upgrade-insecure-requests",
            "referer",
            "origin",
            "if-none-match",
            "if-modified-since",
        ]
        .contains(&n.as_str())
}

fn media_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json_type(ct: &str) -> bool {
    let m = media_type(ct);
    m == "application/json" || m.ends_with("+json")
}

pub(crate) struct Url {
    pub(crate) scheme: String,
    pub(crate) host: String,
    pub(crate) userinfo: Option<String>,
    pub(crate) path: String,
    pub(crate) query: String,
}

/// Splits a URL by hand: the `url` crate would normalize the path (`..`, encodings), and a
/// report's exact path is what must be replayed.
pub(crate) fn split_url(raw: &str) -> Result<Url, ImportError> {
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        // curl assumes http:// when the scheme is missing.
        None => ("http".to_string(), raw),
    };
    if scheme != "http" && scheme != "https" {
        return Err(ImportError::Scheme(scheme));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h.to_string()),
        None => (None, authority.to_string()),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(Url {
        scheme,
        host,
        userinfo,
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        query: query.into(),
    })
}

/// Parses a pasted curl command into a scenario step. Pure: no I/O, no environment.
pub fn curl_to_step(cmd: &str) -> Result<Imported, ImportError> {
    let Words { words, cut_at } = tokenize(cmd)?;
    let mut words = words.as_slice();
    // A pasted prompt: `$ curl …`.
    if words.first().is_some_and(|w| w == "$") {
        words = &words[1..];
    }
    let first = words.first().ok_or(ImportError::Empty)?;
    let program = first.rsplit(['/', '\\']).next().unwrap_or(first);
    if program.eq_ignore_ascii_case("curl") || program.eq_ignore_ascii_case("curl.exe") {
        words = &words[1..];
    } else if !first.starts_with('-') && !first.contains("://") {
        return Err(ImportError::NotCurl(first.clone()));
    }
    let mut r = parse_args(words)?;
    if let Some(op) = cut_at {
        r.warnings.push(format!(
            "ignored everything after the shell operator `{op}`"
        ));
    }
    let raw_url = match r.urls.len() {
        0 => return Err(ImportError::NoUrl),
        1 => r.urls[0].clone(),
        n => return Err(ImportError::SeveralUrls(n)),
    };
    let url = split_url(&raw_url)?;
    build(r, url)
}

/// One request mapped to a step, before it is written out.
pub(crate) struct BuiltStep {
    pub step: Map<String, Value>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub title: String,
}

fn build(r: CurlRequest, url: Url) -> Result<Imported, ImportError> {
    let mut vars = Vars::default();
    let BuiltStep {
        step,
        notes,
        warnings,
        title,
    } = build_step(r, &url, &mut vars)?;
    let host = format!("{}://{}", url.scheme, url.host);
    let mut yaml = String::new();
    emit_map(&step, 0, &mut yaml);
    yaml.push_str(&format!(
        "# imported from {} (paths are relative to --target)\n",
        comment_text(&host)
    ));
    for n in &notes {
        yaml.push_str(&format!("# {n}\n"));
    }
    yaml.push_str(
        "# TODO: state the response the report expects, e.g.\n# expect:\n#   status: 200\n",
    );

    let secret_vars: Vec<String> = vars
        .defs
        .iter()
        .filter(|d| d.kind != Kind::Plain)
        .map(|d| d.name.clone())
        .collect();
    let mut requires_env = Vec::new();
    for d in vars.defs.iter().filter(|d| d.kind == Kind::Env) {
        requires_env.push(format!("MEDUSA_{}", d.name.to_ascii_uppercase()));
    }
    Ok(Imported {
        yaml,
        vars: vars
            .defs
            .iter()
            .map(|d| (d.name.clone(), d.original.clone()))
            .collect(),
        placeholders: vars
            .defs
            .iter()
            .map(|d| (d.name.clone(), d.placeholder.clone()))
            .collect(),
        secret_vars,
        requires_env,
        warnings,
        host,
        title,
    })
}

/// Maps one request to a step (operation or raw `request:`), its secrets moved into `vars`
/// (shared, so one value used by several steps is one variable).
pub(crate) fn build_step(
    mut r: CurlRequest,
    url: &Url,
    vars: &mut Vars,
) -> Result<BuiltStep, ImportError> {
    let mut warnings = std::mem::take(&mut r.warnings);
    let mut notes: Vec<String> = Vec::new();

    // Body and method, as curl decides them.
    let mut body: Option<String> = None;
    if !r.data.is_empty() {
        let mut joined = String::new();
        for (n, (piece, json)) in r.data.iter().enumerate() {
            if n > 0 && !json {
                joined.push('&');
            }
            joined.push_str(piece);
        }
        body = Some(joined);
    }
    let mut query = url.query.clone();
    if r.get
        && let Some(b) = body.take()
    {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&b);
    }
    let method = r.method.clone().unwrap_or_else(|| {
        if r.head {
            "HEAD".into()
        } else if body.is_some() {
            "POST".into()
        } else {
            "GET".into()
        }
    });

    // Headers: credentials and cookies are pulled out, browser noise dropped, duplicates merged.
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut content_type: Option<String> = None;
    let mut cookie_strings = r.cookies.clone();
    let mut bearer = r.bearer.clone();
    let mut authorization: Option<(String, String)> = None;
    let mut basic = r
        .user
        .clone()
        .or(url.userinfo.as_deref().map(percent_decode_userinfo));
    let mut dropped = Vec::new();
    for (name, value) in &r.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "cookie" {
            cookie_strings.push(value.clone());
        } else if lower == "authorization" {
            match value.split_once(' ') {
                // The step's `bearer:` sends exactly `Bearer <t>`; another spelling of the scheme
                // (a case-sensitivity report) must stay a raw header.
                Some(("Bearer", t)) if !t.starts_with(' ') => bearer = Some(t.to_string()),
                Some((scheme, cred)) if scheme.eq_ignore_ascii_case("basic") => {
                    use base64::Engine;
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(cred.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .filter(|s| s.contains(':'));
                    match decoded {
                        Some(d) if scheme == "Basic" => basic = Some(d),
                        _ => authorization = Some((scheme.to_string(), cred.to_string())),
                    }
                }
                Some((scheme, cred)) => {
                    authorization = Some((scheme.to_string(), cred.to_string()))
                }
                None => authorization = Some((String::new(), value.clone())),
            }
        } else if lower == "content-type" {
            content_type = Some(value.clone());
        } else if is_noise_header(name, value) {
            if !dropped.contains(&lower) {
                dropped.push(lower);
            }
        } else if let Some(h) = headers
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            h.1 = format!("{}, {}", h.1, value);
        } else {
            headers.push((name.clone(), value.clone()));
        }
    }
    if !dropped.is_empty() {
        warnings.push(format!(
            "dropped headers that do not change the request's meaning: {}",
            dropped.join(", ")
        ));
    }
    let implicit_form = content_type.is_none() && body.is_some() && !r.json;
    if r.json && content_type.is_none() {
        content_type = Some("application/json".into());
    }
    if implicit_form {
        content_type = Some("application/x-www-form-urlencoded".into());
        if body
            .as_deref()
            .is_some_and(|b| serde_json::from_str::<Value>(b).is_ok_and(|v| v.is_object()))
        {
            warnings.push(
                "no Content-Type: curl sent the JSON-looking body as application/x-www-form-urlencoded; \
                 add -H 'Content-Type: application/json' if the report meant JSON"
                    .into(),
            );
        }
    }
    let json_body: Option<Value> = match (&body, &content_type) {
        (Some(b), Some(ct)) if is_json_type(ct) => serde_json::from_str(b).ok(),
        _ => None,
    };
    if body.is_some() && json_body.is_none() && content_type.as_deref().is_some_and(is_json_type) {
        warnings.push("the body is not valid JSON; it is kept as raw text".into());
    }
    let plain_json_ct = content_type
        .as_deref()
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"));

    let mut step = Map::new();
    let title = format!("{method} {}", url.path);
    step.insert("name".into(), Value::String(template_literal(&title)));

    // The high-level operation when the request is exactly one; else a raw request.
    let no_extra = query.is_empty();
    let object_body = json_body.as_ref().filter(|v| v.is_object());
    let op: Option<(&str, Value)> = match (method.as_str(), url.path.as_str()) {
        ("POST", p) if no_extra && object_body.is_some() => {
            let name = match p {
                "/store/auth" => Some("authenticate"),
                "/store/auth/token" => Some("get_token"),
                "/store/customers" => Some("register"),
                _ => None,
            };
            name.map(|n| {
                (
                    n,
                    scrub_json(
                        object_body.unwrap_or(&Value::Null),
                        false,
                        "",
                        vars,
                        &mut warnings,
                    ),
                )
            })
        }
        ("GET", "/store/auth") if no_extra && body.is_none() => {
            Some(("get_session", Value::Object(Map::new())))
        }
        ("DELETE", "/store/auth") if no_extra && body.is_none() => {
            Some(("delete_session", Value::Object(Map::new())))
        }
        ("GET", p) if no_extra && body.is_none() => p
            .strip_prefix("/store/auth/")
            .filter(|seg| !seg.is_empty() && !seg.contains('/'))
            .and_then(|seg| exists_arg(seg, vars))
            .map(|a| ("exists", a)),
        _ => None,
    };

    let creds = Credentials {
        cookies: cookie_strings,
        bearer,
        authorization,
        basic,
    };
    let mut step_headers = Map::new();
    match op {
        Some((name, arg)) => {
            step.insert(name.into(), arg);
            // The operation sets `content-type: application/json` itself; any other spelling
            // (`;charset=utf-8`) is kept so the replay stays exact.
            if let Some(ct) = &content_type
                && !plain_json_ct
                && body.is_some()
            {
                headers.push(("Content-Type".into(), ct.clone()));
            }
            step_headers = header_map(&headers, vars);
        }
        None => {
            let mut req = Map::new();
            req.insert("method".into(), Value::String(method.clone()));
            let pairs = query_pairs(&query);
            let mut keys: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
            keys.sort();
            keys.dedup();
            if keys.len() == pairs.len() {
                req.insert("path".into(), Value::String(template_literal(&url.path)));
            } else {
                // Repeated parameters do not fit a map: the query stays in the path.
                let mut segs = vec![Seg::Lit(format!("{}?", url.path))];
                segs.extend(scrub_form(&query, vars));
                req.insert("path".into(), Value::String(join(segs)));
            }
            if !pairs.is_empty() && keys.len() == pairs.len() {
                let mut q = Map::new();
                for (k, v) in &pairs {
                    let val = if is_secret_key(k) && !v.is_empty() {
                        tpl(&vars.secret(k, v))
                    } else if is_email_key(k) && !v.is_empty() {
                        tpl(&vars.get("email", v, Kind::Plain))
                    } else {
                        template_literal(v)
                    };
                    q.insert(k.clone(), Value::String(val));
                }
                req.insert("query".into(), Value::Object(q));
            }
            if let Some(ct) = &content_type
                && body.is_some()
                && !(json_body.is_some() && plain_json_ct)
            {
                // Only `json:` sets a content type; curl's implicit form type must be explicit.
                headers.push(("Content-Type".into(), ct.clone()));
            }
            let h = header_map(&headers, vars);
            if !h.is_empty() {
                req.insert("headers".into(), Value::Object(h));
            }
            if let Some(j) = &json_body {
                req.insert("json".into(), scrub_json(j, false, "", vars, &mut warnings));
            } else if let Some(b) = &body {
                let form = content_type
                    .as_deref()
                    .is_some_and(|ct| media_type(ct) == "application/x-www-form-urlencoded")
                    && !b.trim_start().starts_with(['{', '[']);
                let segs = if form {
                    scrub_form(b, vars)
                } else {
                    scrub_json_text(b, vars)
                };
                req.insert("body".into(), Value::String(join(segs)));
            }
            step.insert("request".into(), Value::Object(req));
        }
    }
    // Cookie and Authorization go to the step's headers (they replace the jar's and the
    // session token's), also for raw requests.
    if let Some(b) = add_credentials(&creds, &mut step_headers, vars, &mut notes) {
        step.insert("bearer".into(), b);
    }
    if !step_headers.is_empty() {
        step.insert("headers".into(), Value::Object(step_headers));
    }
    if let Some(t) = &r.timeout {
        step.insert("timeout".into(), Value::String(t.clone()));
    }
    Ok(BuiltStep {
        step,
        notes,
        warnings,
        title,
    })
}

fn percent_decode_userinfo(u: &str) -> String {
    percent_decode(u, false)
}

/// A comment must stay on one line.
pub(crate) fn comment_text(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// `exists`' argument for the raw path segment, when the operation reproduces it exactly.
fn exists_arg(seg: &str, vars: &mut Vars) -> Option<Value> {
    let email = percent_decode(seg, false);
    let value = if email.contains('@') {
        tpl(&vars.get("email", &email, Kind::Plain))
    } else {
        template_literal(&email)
    };
    let mut m = Map::new();
    let same_hex = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if seg == crate::engine::operation::encode_segment(&email) {
        m.insert("email".into(), Value::String(value));
    } else if seg == email {
        m.insert("email".into(), Value::String(value));
        m.insert("encode".into(), Value::Bool(false));
    } else if same_hex(seg, &crate::lang::template::urlencode(&email)) && email.contains('@') {
        // `a%40b.com`: what `| urlencode` produces, sent verbatim.
        let name = vars.get("email", &email, Kind::Plain);
        m.insert(
            "email".into(),
            Value::String(format!("{{{{ {name} | urlencode }}}}")),
        );
        m.insert("encode".into(), Value::Bool(false));
    } else {
        return None;
    }
    Some(Value::Object(m))
}

fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

/// Headers to a YAML map, secret-looking ones moved into variables.
fn header_map(headers: &[(String, String)], vars: &mut Vars) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in headers {
        let val = if is_secret_header(k) && !v.is_empty() {
            tpl(&vars.secret(k, v))
        } else {
            template_literal(v)
        };
        m.insert(k.clone(), Value::String(val));
    }
    m
}

/// Credentials pulled out of the command.
struct Credentials {
    cookies: Vec<String>,
    bearer: Option<String>,
    /// A non-bearer `Authorization` header: scheme (may be empty) and credentials.
    authorization: Option<(String, String)>,
    /// `user:password` from `-u`, the URL or a `Basic` header.
    basic: Option<String>,
}

/// Cookie and Authorization become step headers with variables; a bearer token becomes the
/// step's `bearer:` (returned).
fn add_credentials(
    c: &Credentials,
    headers: &mut Map<String, Value>,
    vars: &mut Vars,
    notes: &mut Vec<String>,
) -> Option<Value> {
    let cookie_strings = &c.cookies;
    if !cookie_strings.is_empty() {
        let mut parts = Vec::new();
        for s in cookie_strings {
            for pair in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let base = if name == "connect.sid" {
                    "session_cookie".to_string()
                } else {
                    format!("{name}_cookie")
                };
                let var = vars.get(&base, value, Kind::ChangeMe);
                parts.push(format!("{}={}", template_literal(name), tpl(&var)));
            }
        }
        headers.insert("Cookie".into(), Value::String(parts.join("; ")));
        notes.push(
            "the Cookie header replays a session from the report: better, log in first \
             (an `authenticate` step) and drop the header, the actor's jar then sends its cookie"
                .into(),
        );
    }
    if let Some((user, pass)) = c
        .basic
        .as_deref()
        .map(|b| b.split_once(':').unwrap_or((b, "")))
    {
        let u = vars.get("basic_user", user, Kind::Plain);
        let p = vars.secret("basic_password", pass);
        // `base64` filters one expression, so the `user:password` pair is its own variable.
        let both = vars.derived(
            "basic_auth",
            &format!("{user}:{pass}"),
            format!("{}:{}", tpl(&u), tpl(&p)),
        );
        headers.insert(
            "Authorization".into(),
            Value::String(format!("Basic {{{{ {both} | base64 }}}}")),
        );
    } else if let Some((scheme, cred)) = &c.authorization {
        let var = vars.secret("authorization", cred);
        let value = if scheme.is_empty() {
            tpl(&var)
        } else {
            format!("{} {}", template_literal(scheme), tpl(&var))
        };
        headers.insert("Authorization".into(), Value::String(value));
    }
    let t = c.bearer.as_deref()?;
    if headers.contains_key("Authorization") {
        return None;
    }
    let var = vars.secret("token", t);
    notes.push(
        "the bearer token comes from the report: a `get_token` step before this one gives \
         the actor a fresh token; then drop `bearer`"
            .into(),
    );
    Some(Value::String(tpl(&var)))
}

// ---------------------------------------------------------------------------------------------
// YAML output
// ---------------------------------------------------------------------------------------------

/// A YAML scalar for `s`: plain when no reader (YAML 1.1 or 1.2) could take it for anything
/// but this string, double-quoted otherwise.
pub fn yaml_scalar(s: &str) -> String {
    if needs_quotes(s) {
        double_quoted_yaml(s)
    } else {
        s.to_string()
    }
}

fn needs_quotes(s: &str) -> bool {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().last()) else {
        return true;
    };
    if first.is_whitespace() || last.is_whitespace() {
        return true;
    }
    // Indicators, and the starts of numbers (`1`, `-1`, `+1`, `.5`, `.inf`).
    if "-?:,[]{}#&*!|>'\"%@`=<+.".contains(first) || first.is_ascii_digit() {
        return true;
    }
    if s.contains(": ") || s.contains(" #") || last == ':' {
        return true;
    }
    if s.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '\u{85}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{feff}'
                    | '"'
                    | '\''
                    | '\\'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | ','
            )
    }) {
        return true;
    }
    matches!(
        s.to_ascii_lowercase().as_str(),
        "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    )
}

fn double_quoted_yaml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02X}"));
                } else {
                    out.push_str(&format!("\\u{n:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_scalar(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn emit_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    for (k, v) in m {
        emit_entry(k, v, indent, out);
    }
}

fn emit_entry(k: &str, v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(&format!("{pad}{}:\n", yaml_scalar(k)));
            emit_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str(&format!("{pad}{}:\n", yaml_scalar(k)));
            for item in a {
                emit_item(item, indent + 2, out);
            }
        }
        _ => out.push_str(&format!("{pad}{}: {}\n", yaml_scalar(k), scalar(v))),
    }
}

/// A sequence item: containers are written one level deeper, then their first indentation is
/// replaced by `- ` (same width), which is the usual compact block style.
pub(crate) fn emit_item(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let mut inner = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => emit_map(m, indent + 2, &mut inner),
        Value::Array(a) if !a.is_empty() => {
            for item in a {
                emit_item(item, indent + 2, &mut inner);
            }
        }
        _ => {
            out.push_str(&format!("{pad}- {}\n", scalar(v)));
            return;
        }
    }
    out.push_str(&pad);
    out.push_str("- ");
    out.push_str(&inner[indent + 2..]);
}

/// A complete minimal scenario around the step: placeholders for every variable (never the
/// original secrets), `requires: env:` for the placeholders that read the environment, and the
/// warnings as comments.
pub fn render_scenario(imported: &Imported) -> String {
    let mut out = String::new();
    out.push_str(
        "# Generated by `medusa-conform import curl`: review it, then state the expectation.\n",
    );
    for w in &imported.warnings {
        out.push_str(&format!("# note: {}\n", comment_text(w)));
    }
    out.push_str(&format!(
        "name: {}\n",
        yaml_scalar(&format!("imported: {}", imported.title))
    ));
    out.push_str(&format!(
        "description: {}\n",
        yaml_scalar("TODO: the contract clause or bug report this reproduces")
    ));
    if !imported.requires_env.is_empty() {
        out.push_str("requires:\n  env:\n");
        for e in &imported.requires_env {
            out.push_str(&format!("    - {}\n", yaml_scalar(e)));
        }
    }
    if !imported.placeholders.is_empty() {
        out.push_str("vars:\n");
        for (k, v) in &imported.placeholders {
            let secret = imported.secret_vars.contains(k);
            let text = if secret {
                v.clone()
            } else {
                // Originals kept in the scenario (e-mails) are literals, not templates.
                template_literal(v)
            };
            out.push_str(&format!("  {}: {}\n", yaml_scalar(k), yaml_scalar(&text)));
        }
    }
    // The harness masks variables by name; list the secret ones its name rule would miss.
    let unmasked: Vec<&String> = imported
        .secret_vars
        .iter()
        .filter(|n| !crate::lang::template::is_secret_name(n))
        .collect();
    if !unmasked.is_empty() {
        out.push_str("secrets:\n");
        for n in unmasked {
            out.push_str(&format!("  - {}\n", yaml_scalar(n)));
        }
    }
    out.push_str("steps:\n");
    for (n, line) in imported.yaml.lines().enumerate() {
        let prefix = if n == 0 { "  - " } else { "    " };
        out.push_str(prefix);
        out.push_str(line);
        out.push('\n');
    }
    out
}
