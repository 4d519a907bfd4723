//! Masks secrets before anything reaches a reporter. Two rules: header values that always
//! carry credentials (Cookie, Set-Cookie values, Authorization) are masked by name, and every
//! value the run learned is secret (passwords, tokens, cookies, captures derived from them) is
//! masked wherever it appears, also in its URL-encoded and JSON-escaped forms.

use crate::report::event::StepReport;
use memchr::memmem::Finder;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

pub const MASK: &str = "***";

/// Shared by a scenario's run; the set of secrets only grows.
#[derive(Clone, Default, Debug)]
pub struct Redactor {
    inner: Arc<RwLock<Vec<Form>>>,
}

/// One form of a secret with its searcher, built once: every step's request and response is
/// scanned for every form, and building a substring searcher per scan was the largest part of
/// a step's CPU. (An Aho-Corasick automaton over all forms costs more to rebuild, which it
/// must be each time a step learns a secret, than these scans.)
#[derive(Debug)]
struct Form {
    text: String,
    finder: Finder<'static>,
}

impl Redactor {
    /// Registers a secret value (and the forms it takes on the wire).
    pub fn add(&self, secret: &str) {
        // Very short values would mask unrelated text; they are also not worth stealing.
        if secret.len() < 4 {
            return;
        }
        // Steps register the same cookie and token again and again: its forms are known.
        let known = |s: &Vec<Form>| s.iter().any(|f| f.text == secret);
        if known(&self.inner.read().unwrap_or_else(|e| e.into_inner())) {
            return;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let forms = [
            Cow::Borrowed(secret),
            crate::percent::encode_component(secret).into(),
            json.trim_matches('"').to_string().into(),
        ];
        let mut s = self.inner.write().unwrap_or_else(|e| e.into_inner());
        for f in forms {
            if !s.iter().any(|known| known.text == f) {
                let finder = Finder::new(f.as_bytes()).into_owned();
                s.push(Form {
                    text: f.into_owned(),
                    finder,
                });
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        s.sort_by_key(|f| std::cmp::Reverse(f.text.len()));
    }

    /// How many secret forms are known (it only grows).
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Masks every known secret in `text`.
    pub fn text(&self, text: &str) -> String {
        self.masked(text).into_owned()
    }

    /// `text` with every known secret masked; borrowed when there was none.
    pub fn masked<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let forms = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Cow::Borrowed(text);
        for f in forms.iter() {
            if f.finder.find(out.as_bytes()).is_some() {
                out = Cow::Owned(out.replace(f.text.as_str(), MASK));
            }
        }
        out
    }

    /// Masks a header value: credentials by name, then known secrets.
    pub fn header<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        match () {
            _ if is("authorization") || is("proxy-authorization") => match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {MASK}").into(),
                None => MASK.into(),
            },
            _ if is("cookie") => value
                .split(';')
                .map(|c| match c.split_once('=') {
                    Some((n, _)) => format!("{}={MASK}", n.trim()),
                    None => MASK.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
            _ if is("set-cookie") => {
                let (first, rest) = value.split_once(';').unwrap_or((value, ""));
                let name = first.split_once('=').map(|(n, _)| n).unwrap_or(first);
                if rest.is_empty() {
                    format!("{name}={MASK}").into()
                } else {
                    format!("{name}={MASK};{}", self.masked(rest)).into()
                }
            }
            _ => self.masked(value),
        }
    }
}

impl StepReport {
    /// Masks every secret `r` knows in every string the record holds: the error, the replay,
    /// the request and response, and each failure's message, diff and violations. Masking is
    /// idempotent, so a record masked when it was made can be masked again once later secrets
    /// are known.
    pub fn redact(&mut self, r: &Redactor) {
        let text = |s: &mut String| {
            if let Cow::Owned(masked) = r.masked(s) {
                *s = masked;
            }
        };
        let headers = |hs: &mut Vec<(String, String)>| {
            hs.iter_mut().for_each(|(k, v)| {
                if let Cow::Owned(masked) = r.header(k, v) {
                    *v = masked;
                }
            });
        };
        self.error.iter_mut().for_each(text);
        self.curl.iter_mut().for_each(text);
        if let Some(req) = &mut self.request {
            text(&mut req.url);
            req.body.iter_mut().for_each(text);
            headers(&mut req.headers);
        }
        if let Some(resp) = &mut self.response {
            text(&mut resp.body);
            headers(&mut resp.headers);
        }
        for f in &mut self.failures {
            text(&mut f.message);
            f.diff.iter_mut().for_each(text);
            for v in &mut f.violations {
                text(&mut v.instance_path);
                text(&mut v.message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_values_and_forms() {
        let r = Redactor::default();
        r.add("p@ss+word");
        assert_eq!(r.text("x p@ss+word y p%40ss%2Bword"), "x *** y ***");
        assert_eq!(r.header("Authorization", "Bearer abc.def"), "Bearer ***");
        assert_eq!(
            r.header("cookie", "connect.sid=s%3Aabc; b=c"),
            "connect.sid=***; b=***"
        );
        assert_eq!(
            r.header("set-cookie", "connect.sid=s%3Aabc; Path=/; HttpOnly"),
            "connect.sid=***; Path=/; HttpOnly"
        );
    }
}
