//! Size limits for what a report records, so a failure's rendering stays a few KB whatever
//! the server sends (a 200 KB header, a 1 MB body). Applied once to every recorded step,
//! after masking, so the human, JUnit and JSON reports all see the same bounded record. Every
//! cut says how much was cut.
//!
//! Checks never see these limits: they run on the full response before it is recorded.

use crate::report::event::{ScenarioReport, StepReport};

/// A header value, a URL, one message or diff line.
pub const LINE: usize = 256;
/// All header lines of one request or response together.
pub const HEADERS: usize = 1024;
/// A request or response body.
pub const BODY: usize = 1024;
/// A check's message, an error, the curl replay.
pub const TEXT: usize = 1024;
/// Diff lines and schema violations per check.
pub const ITEMS: usize = 12;

/// `s` cut to at most `max` bytes (on a character boundary) plus a marker saying how much
/// was cut; `s` itself when it fits.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes cut]", &s[..end], s.len() - end)
}

fn clip_in_place(s: &mut String, max: usize) {
    if s.len() > max {
        *s = clip(s, max);
    }
}

/// Headers with long values cut, and the list cut once their total passes [`HEADERS`].
fn headers(list: &mut Vec<(String, String)>) {
    let mut total = 0;
    let mut keep = list.len();
    for (i, (k, v)) in list.iter_mut().enumerate() {
        clip_in_place(k, LINE);
        clip_in_place(v, LINE);
        total += k.len() + v.len() + 2;
        if total > HEADERS {
            keep = i;
            break;
        }
    }
    if keep < list.len() {
        let cut = list.len() - keep;
        list.truncate(keep);
        list.push(("…".into(), format!("[{cut} more header(s) cut]")));
    }
}

fn items<T>(list: &mut Vec<T>, marker: impl FnOnce(usize) -> T) {
    if list.len() > ITEMS {
        let cut = list.len() - ITEMS;
        list.truncate(ITEMS);
        list.push(marker(cut));
    }
}

impl StepReport {
    /// Cuts every part of the record to the limits above.
    pub fn bound(&mut self) {
        if let Some(e) = &mut self.error {
            clip_in_place(e, TEXT);
        }
        if let Some(c) = &mut self.curl {
            clip_in_place(c, TEXT);
        }
        if let Some(r) = &mut self.request {
            clip_in_place(&mut r.url, LINE);
            headers(&mut r.headers);
            if let Some(b) = &mut r.body {
                clip_in_place(b, BODY);
            }
        }
        if let Some(r) = &mut self.response {
            clip_in_place(&mut r.reason, LINE);
            headers(&mut r.headers);
            if r.body.len() > BODY {
                r.truncated = true;
                clip_in_place(&mut r.body, BODY);
            }
        }
        for f in &mut self.failures {
            clip_in_place(&mut f.check, LINE);
            clip_in_place(&mut f.message, TEXT);
            f.diff.iter_mut().for_each(|d| clip_in_place(d, LINE));
            items(&mut f.diff, |n| format!("… [{n} more diff line(s) cut]"));
            for v in &mut f.violations {
                clip_in_place(&mut v.message, LINE);
                clip_in_place(&mut v.instance_path, LINE);
            }
            if f.violations.len() > ITEMS {
                let cut = f.violations.len() - ITEMS;
                f.violations.truncate(ITEMS);
                f.message
                    .push_str(&format!(" [{cut} more schema violation(s) cut]"));
            }
        }
    }
}

impl ScenarioReport {
    /// Bounds the note and every step.
    pub fn bound(&mut self) {
        if let Some(n) = &mut self.note {
            clip_in_place(n, TEXT);
        }
        self.steps.iter_mut().for_each(StepReport::bound);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_says_how_much_was_cut() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 2), "ab… [4 bytes cut]");
        // Never inside a character.
        assert_eq!(clip("éé", 3), "é… [2 bytes cut]");
    }

    #[test]
    fn headers_are_cut_by_value_and_total() {
        let mut h: Vec<(String, String)> = (0..50)
            .map(|i| (format!("h{i}"), "v".repeat(100)))
            .collect();
        h.push(("big".into(), "x".repeat(200_000)));
        headers(&mut h);
        let total: usize = h.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total < HEADERS + 2 * LINE, "{total}");
        assert_eq!(h.last().unwrap().1, "[42 more header(s) cut]");
    }
}
