//! Masks secrets before anything reaches a reporter. Two rules: header values that always
//! carry credentials (Cookie, Set-Cookie values, Authorization) are masked by name, and every
//! value the run learned is secret (passwords, tokens, cookies, captures derived from them) is
//! masked wherever it appears, also in its URL-encoded and JSON-escaped forms.

use crate::report::event::StepReport;
use std::sync::{Arc, RwLock};

pub const MASK: &str = "***";

/// Shared by a scenario's run; the set of secrets only grows.
#[derive(Clone, Default, Debug)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Registers a secret value (and the forms it takes on the wire).
    pub fn add(&self, secret: &str) {
        // Very short values would mask unrelated text; they are also not worth stealing.
        if secret.len() < 4 {
            return;
        }
        let mut forms = vec![secret.to_string(), crate::percent::encode_component(secret)];
        let json = serde_json::to_string(secret).unwrap_or_default();
        forms.push(json.trim_matches('"').to_string());
        let mut s = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        for f in forms {
            if !s.contains(&f) {
                s.push(f);
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    }

    /// How many secret forms are known (it only grows).
    pub fn len(&self) -> usize {
        self.secrets.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Masks every known secret in `text`.
    pub fn text(&self, text: &str) -> String {
        let s = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_string();
        for secret in s.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Masks a header value: credentials by name, then known secrets.
    pub fn header(&self, name: &str, value: &str) -> String {
        match name.to_ascii_lowercase().as_str() {
            "authorization" | "proxy-authorization" => match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {MASK}"),
                None => MASK.to_string(),
            },
            "cookie" => value
                .split(';')
                .map(|c| match c.split_once('=') {
                    Some((n, _)) => format!("{}={MASK}", n.trim()),
                    None => MASK.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            "set-cookie" => {
                let (first, rest) = value.split_once(';').unwrap_or((value, ""));
                let name = first.split_once('=').map(|(n, _)| n).unwrap_or(first);
                if rest.is_empty() {
                    format!("{name}={MASK}")
                } else {
                    format!("{name}={MASK};{}", self.text(rest))
                }
            }
            _ => self.text(value),
        }
    }
}

impl StepReport {
    /// Masks every secret `r` knows in every string the record holds: the error, the replay,
    /// the request and response, and each failure's message, diff and violations. Masking is
    /// idempotent, so a record masked when it was made can be masked again once later secrets
    /// are known.
    pub fn redact(&mut self, r: &Redactor) {
        let text = |s: &mut String| *s = r.text(s);
        let headers = |hs: &mut Vec<(String, String)>| {
            hs.iter_mut().for_each(|(k, v)| *v = r.header(k, v));
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
