//! Human durations in scenarios (`500ms`, `5s`, `2m`).

use std::time::Duration;

/// Parses `250ms`, `5s`, `1.5s`, `2m`; a bare number is seconds.
pub fn parse(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: f64 = num.trim().parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_units() {
        assert_eq!(super::parse("500ms").unwrap().as_millis(), 500);
        assert_eq!(super::parse("2s").unwrap().as_secs(), 2);
        assert_eq!(super::parse("3").unwrap().as_secs(), 3);
        assert_eq!(super::parse("1m").unwrap().as_secs(), 60);
        assert!(super::parse("5 parsecs").is_none());
    }
}
