//! Compact JWTs: decode (for claim checks), build and sign (for forged, expired and tampered
//! tokens in scenarios), and verify (for the reference server). HS256/384/512 and `none` only:
//! that is all Medusa v1 store tokens use.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Map, Value};

/// A decoded token.
#[derive(Debug, Clone)]
pub struct Parts {
    pub header: Value,
    pub claims: Value,
    pub signature: String,
}

fn decode_part(p: &str, what: &str) -> Result<Value, String> {
    let bytes = B64
        .decode(p.trim_end_matches('='))
        .map_err(|_| format!("the {what} is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| format!("the {what} is not JSON"))
}

/// Splits and decodes a compact JWT (no signature check).
pub fn decode(token: &str) -> Result<Parts, String> {
    let mut it = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err("not a compact JWT (three dot-separated parts)".into());
    };
    Ok(Parts {
        header: decode_part(h, "header")?,
        claims: decode_part(c, "payload")?,
        signature: s.to_string(),
    })
}

fn algorithm(alg: &str) -> Option<hmac::Algorithm> {
    match alg {
        "HS256" => Some(hmac::HMAC_SHA256),
        "HS384" => Some(hmac::HMAC_SHA384),
        "HS512" => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

fn sign_input(input: &str, alg: &str, secret: &[u8]) -> Result<String, String> {
    let a = algorithm(alg).ok_or_else(|| format!("unsupported alg `{alg}`"))?;
    let key = hmac::Key::new(a, secret);
    Ok(B64.encode(hmac::sign(&key, input.as_bytes()).as_ref()))
}

/// What a scenario asks for in `bearer: {jwt: {...}}`.
#[derive(Debug, Default, Clone)]
pub struct Build {
    pub from: Option<String>,
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub alg: Option<String>,
    pub secret: Option<String>,
    pub keep_signature: bool,
    pub tamper_signature: bool,
}

/// Builds a token as described; see `docs/scenario-format.md`.
pub fn build(b: &Build) -> Result<String, String> {
    let (mut header, mut claims, orig_sig) = match &b.from {
        Some(t) => {
            let p = decode(t)?;
            let h = p
                .header
                .as_object()
                .cloned()
                .ok_or("the header is not an object")?;
            let c = p
                .claims
                .as_object()
                .cloned()
                .ok_or("the payload is not an object")?;
            (h, c, Some(p.signature))
        }
        None => {
            let mut h = Map::new();
            h.insert("alg".into(), Value::from("HS256"));
            h.insert("typ".into(), Value::from("JWT"));
            (h, Map::new(), None)
        }
    };
    if let Some(alg) = &b.alg {
        header.insert("alg".into(), Value::from(alg.clone()));
    }
    for (k, v) in &b.header {
        header.insert(k.clone(), v.clone());
    }
    for (k, v) in &b.claims {
        if v.is_null() {
            claims.remove(k);
        } else {
            claims.insert(k.clone(), v.clone());
        }
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("HS256")
        .to_string();
    let input = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(&header).unwrap_or_default()),
        B64.encode(serde_json::to_vec(&claims).unwrap_or_default())
    );
    // Tampering a copied token without a secret keeps (then breaks) its own signature.
    let keep = b.keep_signature || (b.tamper_signature && b.secret.is_none() && b.from.is_some());
    let mut sig = if keep {
        orig_sig.ok_or("keep_signature needs `from`")?
    } else if alg.eq_ignore_ascii_case("none") {
        String::new()
    } else {
        let secret = b
            .secret
            .as_deref()
            .ok_or("signing needs `secret` (or keep_signature)")?;
        sign_input(&input, &alg, secret.as_bytes())?
    };
    if b.tamper_signature {
        sig = tamper(&sig);
    }
    Ok(format!("{input}.{sig}"))
}

/// Changes the signature's first character so the token no longer verifies.
fn tamper(sig: &str) -> String {
    let mut chars: Vec<char> = sig.chars().collect();
    match chars.first_mut() {
        Some(c) => *c = if *c == 'A' { 'B' } else { 'A' },
        None => chars.push('A'),
    }
    chars.into_iter().collect()
}

/// Signs claims with HS256 (the reference server's token issuer).
pub fn sign_hs256(claims: &Value, secret: &[u8]) -> String {
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let input = format!(
        "{header}.{}",
        B64.encode(serde_json::to_vec(claims).unwrap_or_default())
    );
    let sig = sign_input(&input, "HS256", secret).unwrap_or_default();
    format!("{input}.{sig}")
}

/// Verifies an HS256/384/512 token like jsonwebtoken 9 does for a string secret: `none` is
/// refused, the signature must match, and `exp`, when present, must be in the future.
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Value, String> {
    let p = decode(token)?;
    let alg = p.header.get("alg").and_then(Value::as_str).unwrap_or("");
    let a = algorithm(alg).ok_or("unsupported alg")?;
    let (input, _) = token.rsplit_once('.').ok_or("no signature")?;
    let sig = B64
        .decode(&p.signature)
        .map_err(|_| "bad signature encoding")?;
    hmac::verify(&hmac::Key::new(a, secret), input.as_bytes(), &sig)
        .map_err(|_| "invalid signature")?;
    if let Some(exp) = p.claims.get("exp") {
        let exp = exp.as_f64().ok_or("exp is not a number")?;
        if (now as f64) >= exp {
            return Err("jwt expired".into());
        }
    }
    Ok(p.claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_verify_roundtrip() {
        let t = sign_hs256(
            &json!({"customer_id": "cus_1", "domain": "store", "exp": 4_000_000_000u64}),
            b"s",
        );
        assert_eq!(verify(&t, b"s", 0).unwrap()["customer_id"], "cus_1");
        assert!(verify(&t, b"other", 0).is_err());
    }

    #[test]
    fn forged_tokens_fail_verification() {
        let t = sign_hs256(&json!({"customer_id": "cus_1", "domain": "store"}), b"s");
        let none = build(&Build {
            from: Some(t.clone()),
            alg: Some("none".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(none.ends_with('.'));
        assert!(verify(&none, b"s", 0).is_err());
        let mut claims = Map::new();
        claims.insert("customer_id".into(), json!("cus_2"));
        let swapped = build(&Build {
            from: Some(t.clone()),
            claims,
            keep_signature: true,
            ..Default::default()
        })
        .unwrap();
        assert!(verify(&swapped, b"s", 0).is_err());
        let tampered = build(&Build {
            from: Some(t),
            tamper_signature: true,
            keep_signature: true,
            ..Default::default()
        })
        .unwrap();
        assert!(verify(&tampered, b"s", 0).is_err());
    }

    #[test]
    fn expired_is_rejected() {
        let t = sign_hs256(&json!({"exp": 10}), b"s");
        assert_eq!(verify(&t, b"s", 20).unwrap_err(), "jwt expired");
    }
}
