//! Actors: each has its own cookie jar and bearer token, as separate browsers (or JS clients)
//! would. Also parses `Set-Cookie` lines, so expectations see exactly what *this response* set.

use cookie_store::CookieStore;
use url::Url;

/// One client identity inside a scenario.
#[derive(Default)]
pub struct Actor {
    pub jar: CookieStore,
    /// Kept by `get_token`, sent as `Authorization: Bearer` by later steps (the JS client's way).
    pub token: Option<String>,
}

impl Actor {
    /// The `Cookie` header the jar would send to `url`.
    pub fn cookie_header(&self, url: &Url) -> Option<String> {
        let v: Vec<String> = self
            .jar
            .get_request_values(url)
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        (!v.is_empty()).then(|| v.join("; "))
    }

    /// Stores every `Set-Cookie` of a response.
    pub fn store(&mut self, set_cookies: &[String], url: &Url) {
        for c in set_cookies {
            let _ = self.jar.parse(c, url);
        }
    }

    /// The jar's value of a cookie, for `{cookie: name, jar: true}` captures.
    pub fn jar_value(&self, name: &str) -> Option<String> {
        self.jar
            .iter_any()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }
}

/// A parsed `Set-Cookie` line: name, raw value and attributes (names lower-cased).
#[derive(Debug, Clone, PartialEq)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub attrs: Vec<(String, Option<String>)>,
}

impl SetCookie {
    pub fn parse(line: &str) -> Option<SetCookie> {
        let mut parts = line.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let attrs = parts
            .filter(|p| !p.trim().is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
                None => (p.trim().to_ascii_lowercase(), None),
            })
            .collect();
        Some(SetCookie {
            name: name.trim().to_string(),
            value: value.trim().to_string(),
            attrs,
        })
    }

    pub fn attr(&self, name: &str) -> Option<&Option<String>> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The attribute as a JSON value for predicates: flags are booleans, the rest strings
    /// (absent when not set), `expires_in` is seconds from now.
    pub fn attr_value(&self, attr: &str) -> Option<serde_json::Value> {
        use serde_json::Value;
        match attr {
            "value" => Some(Value::from(self.value.clone())),
            "http_only" => Some(Value::from(self.attr("httponly").is_some())),
            "secure" => Some(Value::from(self.attr("secure").is_some())),
            "same_site" => self
                .attr("samesite")
                .map(|v| Value::from(v.clone().unwrap_or_default())),
            "path" | "domain" | "expires" => self
                .attr(attr)
                .map(|v| Value::from(v.clone().unwrap_or_default())),
            "max_age" => self.attr("max-age").map(|v| {
                let s = v.clone().unwrap_or_default();
                s.parse::<i64>().map(Value::from).unwrap_or(Value::from(s))
            }),
            "expires_in" => {
                let v = self.attr("expires")?.clone()?;
                let t = httpdate::parse_http_date(&v).ok()?;
                let now = std::time::SystemTime::now();
                let secs = match t.duration_since(now) {
                    Ok(d) => d.as_secs_f64().round() as i64,
                    Err(e) => -(e.duration().as_secs_f64().round() as i64),
                };
                Some(Value::from(secs))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_medusa_cookie() {
        let c = SetCookie::parse(
            "connect.sid=s%3Aabc.def; Path=/; Expires=Sat, 28 Nov 2026 15:23:33 GMT; HttpOnly",
        )
        .unwrap();
        assert_eq!(c.name, "connect.sid");
        assert_eq!(c.value, "s%3Aabc.def");
        assert_eq!(
            c.attr_value("http_only"),
            Some(serde_json::Value::from(true))
        );
        assert_eq!(c.attr_value("secure"), Some(serde_json::Value::from(false)));
        assert_eq!(c.attr_value("same_site"), None);
        assert_eq!(c.attr_value("path"), Some(serde_json::Value::from("/")));
    }

    #[test]
    fn actors_have_separate_jars() {
        let url = Url::parse("http://127.0.0.1:9000/store/auth").unwrap();
        let mut a = Actor::default();
        let b = Actor::default();
        a.store(&["connect.sid=s%3Ax; Path=/; HttpOnly".into()], &url);
        assert_eq!(a.cookie_header(&url).as_deref(), Some("connect.sid=s%3Ax"));
        assert_eq!(b.cookie_header(&url), None);
    }
}
