//! Percent-encoding, in one place: the sets of characters the harness, the importers and the
//! reference servers encode, over the `percent-encoding` crate. [`decode`] keeps an invalid
//! escape (`%zz`, a lone `%`) as it is and replaces invalid UTF-8, so text a server or a report
//! sent is never lost; `+` means a space only in form encoding ([`decode_form`]). The reference
//! servers imitate Express exactly: [`decode_uri_component`] fails where JavaScript's throws, and
//! [`encode_url`] is the `encodeurl` package finalhandler's 404 page uses.

use percent_encoding::{
    AsciiSet, CONTROLS, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode,
};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`): the templates'
/// `urlencode` filter, form values, express-session's cookie value (`s%3A…`). `+` becomes `%2B`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What one path segment cannot hold: RFC 3986's `pchar` (unreserved, sub-delims, `:`, `@`)
/// stays as browsers send it, so `a+b@x.com` goes out as written.
const SEGMENT: &AsciiSet = &COMPONENT
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// What `encodeurl` encodes: controls, space, `"`, `<`, `>`, `` ` ``, `{`, `}` and a `%` that does
/// not start an escape (every other ASCII character stays).
const URL: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Encodes all but the unreserved characters (`a b+c@d` → `a%20b%2Bc%40d`).
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// Encodes what a single path segment cannot hold (`a/b c` → `a%2Fb%20c`; `@` and `+` stay).
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Decodes `%XX` escapes once; invalid ones are kept as they are.
pub fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// [`decode`] for `application/x-www-form-urlencoded` text, where `+` is a space.
pub fn decode_form(s: &str) -> String {
    decode(&s.replace('+', " "))
}

/// JavaScript's `decodeURIComponent`: `None` where it throws (an invalid escape, invalid UTF-8).
pub fn decode_uri_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if (0..b.len()).any(|i| b[i] == b'%' && !is_escape(b, i)) {
        return None;
    }
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// The `encodeurl` package: encodes what a URL cannot hold, keeping valid escapes as they are.
pub fn encode_url(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        if is_escape(b, i) {
            // `%` is ASCII, so both ends are character boundaries.
            out.extend(utf8_percent_encode(&s[start..i], URL));
            out.push_str(&s[i..i + 3]);
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.extend(utf8_percent_encode(&s[start..], URL));
    out
}

/// Whether a valid `%XX` escape starts at `i`.
fn is_escape(b: &[u8], i: usize) -> bool {
    b[i] == b'%'
        && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_keeps_only_unreserved() {
        assert_eq!(encode_component("aZ0-._~"), "aZ0-._~");
        assert_eq!(encode_component("a b+c@d/é"), "a%20b%2Bc%40d%2F%C3%A9");
        assert_eq!(encode_component("s:x.y"), "s%3Ax.y");
    }

    #[test]
    fn segment_keeps_pchar() {
        assert_eq!(encode_segment("a+b@x.com"), "a+b@x.com");
        assert_eq!(encode_segment("a/b c?#"), "a%2Fb%20c%3F%23");
        assert_eq!(encode_segment("!$&'()*,;=:"), "!$&'()*,;=:");
        assert_eq!(encode_segment("é%"), "%C3%A9%25");
    }

    #[test]
    fn decoding_keeps_invalid_escapes() {
        assert_eq!(decode("a%40b%2Bc%zz%é%4"), "a@b+c%zz%é%4");
        assert_eq!(decode("a%2540b.com"), "a%40b.com");
        assert_eq!(decode("%C3%A9%ff"), "é\u{fffd}");
        assert_eq!(decode("a+b"), "a+b");
        assert_eq!(decode_form("a+b%2B%20c"), "a b+ c");
    }

    #[test]
    fn express_decoding_and_encodeurl() {
        assert_eq!(
            decode_uri_component("a%40b.com").as_deref(),
            Some("a@b.com")
        );
        assert_eq!(decode_uri_component("a%2540b").as_deref(), Some("a%40b"));
        assert_eq!(decode_uri_component("%zz"), None);
        assert_eq!(decode_uri_component("%+1"), None);
        assert_eq!(decode_uri_component("%4"), None);
        assert_eq!(decode_uri_component("%ff"), None);
        assert_eq!(encode_url("/a b/%41%zz<é>"), "/a%20b/%41%25zz%3C%C3%A9%3E");
        assert_eq!(encode_url("/store/auth?x=[1]|~"), "/store/auth?x=[1]|~");
    }
}
