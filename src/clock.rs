//! The clock, in one place: "now" as the reference servers, the templates and the checks read
//! it, and RFC 3339 timestamps (formatted by the `time` crate) as Medusa writes them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the Unix epoch (zero for a clock set before 1970).
pub fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Whole seconds since the Unix epoch: JWT `iat`/`exp`, session expiry.
pub fn now_secs() -> i64 {
    since_epoch().as_secs() as i64
}

/// Milliseconds since the Unix epoch (ULIDs).
pub fn now_millis() -> u128 {
    since_epoch().as_millis()
}

/// Now as an RFC 3339 UTC timestamp with milliseconds.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// An RFC 3339 UTC timestamp with milliseconds, like Medusa's (`2026-11-29T05:10:19.500Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from(t)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_milliseconds() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_929_019_500);
        assert_eq!(rfc3339(t), "2026-11-29T05:10:19.500Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(951_782_400 + 86_399);
        assert_eq!(rfc3339(leap_day), "2000-02-29T23:59:59.000Z");
    }

    #[test]
    fn now_is_after_the_epoch_and_consistent() {
        let (s, ms) = (now_secs(), now_millis());
        assert!(s > 1_700_000_000);
        assert!((ms / 1000) as i64 >= s);
        assert!(now_rfc3339().ends_with('Z'));
    }
}
