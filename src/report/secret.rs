//! The one rule for which names hold secrets: variables, environment variables, captures, JSON
//! members, query parameters and headers whose *name* says so have their values masked in every
//! report and moved into variables by the importers.
//!
//! A name is split into words (at `_`, `-`, `.`, other punctuation, lower-to-upper case changes
//! and letter-digit changes: `X-Api-Key`, `accessToken`, `MEDUSA_ADMIN_PASSWORD`, `password2`)
//! and matched word by word, not by substring: `sid` is a secret word, "residence" is not; `auth`
//! is, "author" and "authenticated" are not. Words that glue a secret word to another in one case
//! (`newpassword`, `accesstoken`, `clientsecret`) count by their ending.

/// Words that name a secret on their own (also in the plural).
const WORDS: &[&str] = &[
    "pass",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "jwt",
    "bearer",
    "cookie",
    "sid",
    "auth",
    "authorization",
    "credential",
    "apikey",
    "key",
    "signature",
];

/// Endings that make a one-case compound a secret (`newpassword`, `xsrftoken`).
const ENDINGS: &[&str] = &["password", "passwd", "token", "secret"];

/// Whether a value under this name is a secret. Asked for every key of every JSON response,
/// mostly the same few names: the answers are remembered (up to a bound).
pub fn is_secret_name(name: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{LazyLock, RwLock};
    static KNOWN: LazyLock<RwLock<HashMap<String, bool>>> = LazyLock::new(Default::default);
    const BOUND: usize = 4096;
    if let Some(&answer) = KNOWN.read().unwrap_or_else(|e| e.into_inner()).get(name) {
        return answer;
    }
    let answer = decide(name);
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    if known.len() < BOUND {
        known.insert(name.to_string(), answer);
    }
    answer
}

fn decide(name: &str) -> bool {
    let words = words(name);
    // CORS response headers name flags and header lists (`Access-Control-Allow-Credentials:
    // true`), never a credential.
    if words.starts_with(&["access".to_string(), "control".to_string()]) {
        return false;
    }
    let secret_word = |w: &str| {
        let singular = w.strip_suffix('s').unwrap_or(w);
        WORDS.contains(&w)
            || WORDS.contains(&singular)
            || ENDINGS.iter().any(|e| singular.ends_with(e))
    };
    // A session's id is its credential, though a session is not a secret (`get_session`).
    words.iter().any(|w| secret_word(w) || w == "sessionid")
        || words.windows(2).any(|p| p[0] == "session" && p[1] == "id")
}

/// `accessToken_v2` → `access`, `token`, `v`, `2`; lower case.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            words.extend((!cur.is_empty()).then(|| std::mem::take(&mut cur)));
            prev = None;
            continue;
        }
        let boundary = prev.is_some_and(|p| {
            (p.is_lowercase() && c.is_uppercase())
                || (p.is_alphabetic() != c.is_alphabetic())
                // The last capital of an acronym starts the next word: `JWTSecret`.
                || (p.is_uppercase()
                    && c.is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase()))
        });
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
        prev = Some(c);
    }
    words.extend((!cur.is_empty()).then_some(cur));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_into_words() {
        assert_eq!(words("X-Api-Key"), ["x", "api", "key"]);
        assert_eq!(words("accessToken_v2"), ["access", "token", "v", "2"]);
        assert_eq!(words("JWTSecret"), ["jwt", "secret"]);
        assert_eq!(words("connect.sid"), ["connect", "sid"]);
        assert_eq!(words("$.customer['password']"), ["customer", "password"]);
        assert_eq!(words("--"), Vec::<String>::new());
    }

    #[test]
    fn secret_names() {
        for name in [
            "password",
            "MEDUSA_ADMIN_PASSWORD",
            "new_password_2",
            "newpassword",
            "passwords",
            "token",
            "access_token",
            "accessToken",
            "$.access_token",
            "refreshtoken",
            "x-xsrf-token",
            "tokens",
            "MEDUSA_JWT_SECRET",
            "client_secret",
            "jwt",
            "Authorization",
            "x-auth",
            "auth_token",
            "bearer",
            "Cookie",
            "set-cookie",
            "session_cookie",
            "connect.sid",
            "sid",
            "X-Session-Id",
            "sessionId",
            "x-api-key",
            "apiKey",
            "apikey",
            "private_key",
            "credentials",
            "basic_password",
            "X-Signature",
        ] {
            assert!(is_secret_name(name), "{name} should be a secret name");
        }
    }

    #[test]
    fn ordinary_names() {
        for name in [
            "residence",
            "email",
            "customer_id",
            "first_name",
            "author",
            "authenticated",
            "WWW-Authenticate",
            "unauthorized",
            "monkey",
            "keyword",
            "passport",
            "bypass",
            "considers",
            "get_session",
            "session",
            "$.session.customer_id",
            "Access-Control-Allow-Credentials",
            "access-control-allow-headers",
            "content-type",
            "has_account",
            "",
        ] {
            assert!(!is_secret_name(name), "{name} should not be a secret name");
        }
    }
}
