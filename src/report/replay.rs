//! A `curl` command that replays a step's request, built from the (already masked) record.

use crate::report::event::RequestRecord;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

pub fn command(r: &RequestRecord) -> String {
    let mut out = format!("curl -i -X {} {}", r.method, quote(&r.url));
    for (k, v) in &r.headers {
        out.push_str(&format!(" -H {}", quote(&format!("{k}: {v}"))));
    }
    if let Some(b) = &r.body {
        out.push_str(&format!(" --data-raw {}", quote(b)));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_single_quotes() {
        let r = crate::report::event::RequestRecord {
            method: "POST".into(),
            url: "http://h/store/auth".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(r#"{"a":"it's"}"#.into()),
        };
        assert_eq!(
            super::command(&r),
            r#"curl -i -X POST 'http://h/store/auth' -H 'content-type: application/json' --data-raw '{"a":"it'\''s"}'"#
        );
    }
}
