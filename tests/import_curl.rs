//! `import curl`: real-world curl command lines (browser "Copy as cURL", terminal pastes, bug
//! reports) become steps that load and plan, with every secret replaced by a variable.

use medusa_conform::import::curl::{
    ImportError, Imported, curl_to_step, render_scenario, shell_words, yaml_scalar,
};

/// Imports `cmd`, checks the scenario loads and plans, and that none of `secrets` appears in
/// anything the importer renders (scenario, step, warnings, `Debug`).
fn import(cmd: &str, secrets: &[&str]) -> (Imported, String) {
    let i = curl_to_step(cmd).unwrap_or_else(|e| panic!("import failed: {e}\n{cmd}"));
    let text = render_scenario(&i);
    let loaded = medusa_conform::scenario::load::parse(
        "imported".into(),
        "imported.yaml".into(),
        text.clone(),
    )
    .unwrap_or_else(|d| panic!("generated YAML does not load:\n{d}\n{text}"));
    if let Err(ds) =
        medusa_conform::plan::plan(&loaded, &medusa_conform::specs::Specs::default(), &[])
    {
        let msgs: Vec<String> = ds.iter().map(|d| d.to_string()).collect();
        panic!(
            "generated scenario does not plan:\n{}\n{text}",
            msgs.join("\n")
        );
    }
    let everything = format!("{text}\n{}\n{:?}\n{:?}", i.yaml, i.warnings, i);
    for s in secrets {
        assert!(
            !everything.contains(s),
            "secret `{s}` leaked into the output:\n{everything}"
        );
    }
    (i, text)
}

fn var<'a>(i: &'a Imported, name: &str) -> &'a str {
    i.vars
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no var `{name}` in {:?}", i.vars))
}

fn err(cmd: &str) -> ImportError {
    match curl_to_step(cmd) {
        Ok(i) => panic!("expected an error, got:\n{}", i.yaml),
        Err(e) => e,
    }
}

#[test]
fn chrome_copy_as_curl_becomes_authenticate() {
    let cmd = r#"curl 'http://localhost:9000/store/auth' -H 'accept: application/json, text/plain, */*' -H 'content-type: application/json' --data-raw '{"email":"a@b.com","password":"x-S3cret!"}' --compressed"#;
    let (i, text) = import(cmd, &["x-S3cret!"]);
    assert_eq!(var(&i, "password"), "x-S3cret!");
    assert_eq!(var(&i, "email"), "a@b.com");
    assert_eq!(i.host, "http://localhost:9000");
    assert!(i.warnings.iter().any(|w| w.contains("--compressed")));
    insta::assert_snapshot!("chrome_authenticate", text);
}

#[test]
fn firefox_copy_as_curl_with_cookie_becomes_get_session() {
    let cmd = "curl 'http://localhost:9000/store/auth' \
        -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' \
        -H 'Accept: application/json, text/plain, */*' -H 'Accept-Language: en-US,en;q=0.5' \
        -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Origin: http://localhost:8000' \
        -H 'Connection: keep-alive' -H 'Referer: http://localhost:8000/' \
        -H 'Cookie: connect.sid=s%3AhUm4nS3ss10n.AbCdEf; _ga=GA1.1.42' \
        -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-site' \
        -H 'Priority: u=0'";
    let (i, text) = import(cmd, &["hUm4nS3ss10n", "GA1.1.42"]);
    assert_eq!(var(&i, "session_cookie"), "s%3AhUm4nS3ss10n.AbCdEf");
    assert!(text.contains("get_session: {}"), "{text}");
    assert!(text.contains("session_cookie: CHANGE-ME"), "{text}");
    assert!(text.contains("Cookie: \"connect.sid={{ session_cookie }}; _ga={{ ga_cookie }}\""));
    insta::assert_snapshot!("firefox_get_session_cookie", text);
}

#[test]
fn single_quoted_json_with_escaped_quote() {
    // `'\''` is how a shell puts a single quote inside single quotes.
    let cmd = r#"curl -X POST http://localhost:9000/store/auth -H "Content-Type: application/json" -d '{"email":"o'\''brien@example.com","password":"it'\''s-a-secret"}'"#;
    let (i, text) = import(cmd, &["it's-a-secret"]);
    assert_eq!(var(&i, "email"), "o'brien@example.com");
    assert_eq!(var(&i, "password"), "it's-a-secret");
    assert!(text.contains("authenticate:"), "{text}");
    assert!(text.contains(r#"email: "o'brien@example.com""#), "{text}");
}

#[test]
fn double_quoted_json_with_backslash_escapes() {
    let cmd = r#"curl "http://localhost:9000/store/auth/token" -H "Content-Type: application/json" -d "{\"email\":\"ada@example.com\",\"password\":\"pa\\\"ss\\\\w$\"}""#;
    let (i, text) = import(cmd, &["pa\"ss\\w$", "pa\\\"ss"]);
    assert_eq!(var(&i, "password"), r#"pa"ss\w$"#);
    assert!(text.contains("get_token:"), "{text}");
}

#[test]
fn ansi_c_quoted_body_as_browsers_copy_it() {
    // Chrome and Firefox switch to `$'…'` when the body holds a quote or a newline.
    let cmd = r#"curl 'http://localhost:9000/store/customers' -H 'content-type: application/json' --data-raw $'{"email":"ada@example.com","password":"l\'ove\\u00e9","first_name":"No","last_name":"O\'Hara"}'"#;
    let (i, text) = import(cmd, &["l'ove"]);
    assert_eq!(var(&i, "password"), "l'ove\u{e9}");
    assert!(text.contains("register:"), "{text}");
    // `No` would be a boolean to a YAML 1.1 reader: quoted.
    assert!(text.contains("first_name: \"No\""), "{text}");
    assert!(text.contains("last_name: \"O'Hara\""), "{text}");
}

#[test]
fn cookie_option_and_bearer_header() {
    let cmd = "curl -b 'connect.sid=s%3Ac00kieV4lue.sig' -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJjdXN0b21lcl9pZCI6ImN1cyJ9.S1gnatur3' http://localhost:9000/store/auth";
    let (i, text) = import(cmd, &["c00kieV4lue", "eyJhbGciOiJIUzI1NiJ9", "S1gnatur3"]);
    assert!(var(&i, "token").ends_with("S1gnatur3"));
    assert!(text.contains("bearer: \"{{ token }}\""), "{text}");
    assert!(text.contains("token: \"{{ env.MEDUSA_TOKEN }}\""), "{text}");
    assert!(text.contains("- MEDUSA_TOKEN"), "{text}");
    assert!(
        text.contains("Cookie: \"connect.sid={{ session_cookie }}\""),
        "{text}"
    );
    assert!(i.yaml.contains("log in first"), "{}", i.yaml);
}

#[test]
fn bearer_with_another_scheme_spelling_stays_a_raw_header() {
    // A report about the scheme's case must replay that exact header.
    let cmd = "curl -H 'authorization: bearer tok3nValue' http://localhost:9000/store/auth";
    let (_, text) = import(cmd, &["tok3nValue"]);
    assert!(
        text.contains("Authorization: \"bearer {{ authorization }}\""),
        "{text}"
    );
    assert!(!text.contains("bearer: "), "{text}");
}

#[test]
fn data_raw_registration() {
    let cmd = r#"curl --request POST --url http://localhost:9000/store/customers --header 'Content-Type: application/json' --data-raw '{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","password":"n0t-in-output","phone":"0123"}'"#;
    let (_, text) = import(cmd, &["n0t-in-output"]);
    assert!(text.contains("register:"), "{text}");
    assert!(text.contains("phone: \"0123\""), "{text}");
}

#[test]
fn backslash_newline_continuations() {
    let cmd = "curl -X POST \\\n  http://localhost:9000/store/auth/token \\\r\n  -H 'Content-Type: application/json' \\\n  -d '{\"email\": \"ada@example.com\", \"password\": \"multi-line-pw\"}'\n";
    let (i, text) = import(cmd, &["multi-line-pw"]);
    assert_eq!(i.title, "POST /store/auth/token");
    assert!(text.contains("get_token:"), "{text}");
}

#[test]
fn windows_caret_continuations() {
    let cmd = "curl -X DELETE ^\r\n  http://localhost:9000/store/auth ^\n  -H \"Cookie: connect.sid=w1ndowsC00kie\"";
    let (_, text) = import(cmd, &["w1ndowsC00kie"]);
    assert!(text.contains("delete_session: {}"), "{text}");
}

#[test]
fn delete_session_with_combined_short_flags() {
    let (i, text) = import("curl -sSLkX DELETE 'http://localhost:9000/store/auth'", &[]);
    assert!(text.contains("delete_session: {}"), "{text}");
    for f in ["-s", "-S", "-L", "-k"] {
        assert!(
            i.warnings
                .iter()
                .any(|w| w.starts_with(&format!("ignored {f} "))),
            "{f}: {:?}",
            i.warnings
        );
    }
}

#[test]
fn attached_short_option_arguments() {
    let cmd = r#"curl -XPOST -HContent-Type:application/json -d'{"email":"a@b.com","password":"att4ched"}' localhost:9000/store/auth"#;
    let (i, text) = import(cmd, &["att4ched"]);
    assert!(text.contains("authenticate:"), "{text}");
    assert_eq!(i.host, "http://localhost:9000");
}

#[test]
fn get_with_data_urlencode_goes_to_the_query() {
    let cmd = "curl -G https://shop.example.com/store/products --data-urlencode 'q=blue shirt & co' --data-urlencode 'token=qu3ryT0ken' -d limit=5 -u 'ada@example.com:b4sic-pw' -m 30";
    let (i, text) = import(cmd, &["qu3ryT0ken", "b4sic-pw"]);
    assert_eq!(var(&i, "token"), "qu3ryT0ken");
    assert_eq!(var(&i, "basic_password"), "b4sic-pw");
    assert!(text.contains("q: blue shirt & co"), "{text}");
    assert!(text.contains("limit: \"5\""), "{text}");
    assert!(text.contains("timeout: \"30s\""), "{text}");
    assert!(
        text.contains("Authorization: \"Basic {{ basic_auth | base64 }}\""),
        "{text}"
    );
    insta::assert_snapshot!("get_query_basic_auth", text);
}

#[test]
fn json_option_sets_the_content_type() {
    let cmd = r#"curl --json '{"email":"ada@example.com","password":"js0n-pw"}' http://localhost:9000/store/auth"#;
    let (i, text) = import(cmd, &["js0n-pw"]);
    assert_eq!(i.title, "POST /store/auth");
    assert!(text.contains("authenticate:"), "{text}");
    assert!(!text.contains("request:"), "{text}");
}

#[test]
fn exists_with_encoded_and_plain_emails() {
    let (i, text) = import(
        "curl http://localhost:9000/store/auth/ada%40example.com",
        &[],
    );
    assert_eq!(var(&i, "email"), "ada@example.com");
    assert!(
        text.contains("email: \"{{ email | urlencode }}\"\n      encode: false"),
        "{text}"
    );

    let (_, text) = import("curl http://localhost:9000/store/auth/a+b@example.com", &[]);
    assert!(
        text.contains("exists:\n      email: \"{{ email }}\"\n"),
        "{text}"
    );
    assert!(!text.contains("encode"), "{text}");

    // Not an e-mail: the segment is kept literally.
    let (_, text) = import("curl http://localhost:9000/store/auth/token", &[]);
    assert!(text.contains("exists:\n      email: token\n"), "{text}");
}

#[test]
fn unknown_path_is_a_raw_request() {
    let cmd = "curl -X PATCH 'http://localhost:9000/store/customers/me?expand=orders' -H 'X-Request-Id: 1234' -H 'x-api-key: k3yV4lue' -H 'Content-Type: application/json' -d '[1, true, null]'";
    let (i, text) = import(cmd, &["k3yV4lue"]);
    assert_eq!(var(&i, "x_api_key"), "k3yV4lue");
    assert!(text.contains("method: PATCH"), "{text}");
    assert!(text.contains("path: /store/customers/me"), "{text}");
    assert!(text.contains("expand: orders"), "{text}");
    assert!(text.contains("X-Request-Id: \"1234\""), "{text}");
    assert!(
        text.contains("json:\n        - 1\n        - true\n        - null\n"),
        "{text}"
    );
}

#[test]
fn malformed_json_body_stays_raw_without_its_password() {
    let cmd = r#"curl http://localhost:9000/store/auth -H 'Content-Type: application/json' -d '{"email": "ada@example.com", "password": "br0ken-json",}'"#;
    let (i, text) = import(cmd, &["br0ken-json"]);
    assert!(i.warnings.iter().any(|w| w.contains("not valid JSON")));
    insta::assert_snapshot!("malformed_json_raw_body", text);
}

#[test]
fn form_body_without_content_type() {
    let cmd =
        "curl -d 'email=ada%40example.com&password=f0rm%26pw' http://localhost:9000/store/auth";
    let (i, text) = import(cmd, &["f0rm", "f0rm&pw"]);
    assert_eq!(var(&i, "password"), "f0rm&pw");
    assert!(
        text.contains(
            "body: \"email={{ email | urlencode }}&password={{ password | urlencode }}\""
        ),
        "{text}"
    );
    assert!(
        text.contains("Content-Type: application/x-www-form-urlencoded"),
        "{text}"
    );

    // A JSON body sent without a JSON content type: curl sends it as a form, and says so.
    let cmd =
        r#"curl -d '{"email":"a@b.com","password":"f0rgot-ct"}' http://localhost:9000/store/auth"#;
    let (i, text) = import(cmd, &["f0rgot-ct"]);
    assert!(text.contains("request:"), "{text}");
    assert!(i.warnings.iter().any(|w| w.contains("application/json")));
}

#[test]
fn pasted_prompt_pipe_and_template_braces() {
    let cmd = r#"$ curl -s http://localhost:9000/store/auth -H 'Content-Type: application/json' -d '{"email":"a@b.com","password":"pipe-pw","first_name":"{{ not a template }}"}' | jq ."#;
    let (i, text) = import(cmd, &["pipe-pw"]);
    assert!(
        i.warnings.iter().any(|w| w.contains('|')),
        "{:?}",
        i.warnings
    );
    assert!(
        text.contains(r#"first_name: "{{ \"{{\" }} not a template }}""#),
        "{text}"
    );
}

#[test]
fn malformed_commands_are_clear_errors() {
    assert!(matches!(
        err("curl 'http://localhost:9000/store/auth"),
        ImportError::UnterminatedQuote { quote: '\'', .. }
    ));
    assert!(matches!(
        err(r#"curl -d "{\"a\": 1} http://h/store/auth"#),
        ImportError::UnterminatedQuote { quote: '"', .. }
    ));
    assert_eq!(err("curl -X POST -H 'Accept: */*'"), ImportError::NoUrl);
    let e = err("curl --frobnicate http://localhost:9000/store/auth");
    assert_eq!(e, ImportError::UnknownOption("--frobnicate".into()));
    assert!(e.to_string().contains("--frobnicate"));
    assert_eq!(
        err("curl -sZ http://h/").to_string(),
        "unknown curl option `-Z`"
    );
    assert_eq!(
        err("curl http://h/ -H"),
        ImportError::MissingArgument("-H".into())
    );
    assert!(matches!(
        err("curl -d @body.json http://h/store/auth"),
        ImportError::Unsupported { .. }
    ));
    assert!(matches!(
        err("curl -F file=@x.png http://h/upload"),
        ImportError::Unsupported { .. }
    ));
    assert_eq!(err("curl http://a/ http://b/"), ImportError::SeveralUrls(2));
    assert_eq!(
        err("wget http://h/store/auth"),
        ImportError::NotCurl("wget".into())
    );
    assert!(matches!(err("curl ftp://h/x"), ImportError::Scheme(_)));
    assert_eq!(err("   \n"), ImportError::Empty);
}

#[test]
fn errors_do_not_echo_secrets() {
    let e = err("curl -H 'Authorization: Bearer s3cr3tT0k' --bogus http://h/");
    assert!(!e.to_string().contains("s3cr3tT0k"));
}

#[test]
fn credentials_in_the_url_become_basic_auth() {
    let (i, text) = import(
        "curl http://ada:url%2Fpw@localhost:9000/store/auth",
        &["url%2Fpw", "url/pw"],
    );
    assert_eq!(var(&i, "basic_password"), "url/pw");
    assert_eq!(i.host, "http://localhost:9000");
    assert!(text.contains("basic_user: ada"), "{text}");
}

#[test]
fn same_secret_twice_is_one_variable_different_ones_are_numbered() {
    let cmd = r#"curl http://h/store/x -H 'Content-Type: application/json' -d '{"password":"same","confirm_password":"same","old":{"password":"other"}}'"#;
    let (i, text) = import(cmd, &["\"same\"", "other"]);
    assert_eq!(var(&i, "password"), "same");
    assert_eq!(var(&i, "confirm_password"), "same");
    assert_eq!(var(&i, "password_2"), "other");
    assert!(text.contains("password: \"{{ password_2 }}\""), "{text}");
}

#[test]
fn empty_and_numeric_passwords() {
    // An empty password is a validation test value, not a secret.
    let (i, text) = import(
        r#"curl http://h/store/auth -H 'content-type: application/json' -d '{"email":"a@b.com","password":""}'"#,
        &[],
    );
    assert!(text.contains("password: \"\""), "{text}");
    assert!(i.vars.iter().all(|(k, _)| k != "password"));
    let (i, _) = import(
        r#"curl http://h/store/auth -H 'content-type: application/json' -d '{"email":"a@b.com","password":987654}'"#,
        &["987654"],
    );
    assert_eq!(var(&i, "password"), "987654");
}

#[test]
fn shell_words_follows_posix_quoting() {
    let w = |s: &str| shell_words(s).unwrap();
    assert_eq!(
        w(r#"a 'b c' "d \"e\" \$f \x" g\ h"#),
        ["a", "b c", r#"d "e" $f \x"#, "g h"]
    );
    assert_eq!(w("'' \"\" x"), ["", "", "x"]);
    assert_eq!(w(r"$'a\tb\n\x41\101\u00e9\'\\'"), ["a\tb\nAA\u{e9}'\\"]);
    assert_eq!(w("a\\\nb c\\\n  d"), ["ab", "c", "d"]);
    assert_eq!(
        w("\"multi\\\nline\" # a comment\nnext"),
        ["multiline", "next"]
    );
    assert_eq!(w("x=a#b 'it''s'"), ["x=a#b", "its"]);
    assert_eq!(w("a b; c"), ["a", "b"]);
    assert_eq!(w("u?a=1&b=2 && echo"), ["u?a=1&b=2"]);
}

#[test]
fn yaml_scalars_round_trip_as_strings() {
    let tricky = [
        "",
        " lead",
        "trail ",
        "true",
        "False",
        "no",
        "Yes",
        "on",
        "null",
        "~",
        "123",
        "-1",
        "0x1F",
        "1e3",
        ".5",
        ".inf",
        "12:30",
        "a: b",
        "a #b",
        "#x",
        "{a}",
        "[1]",
        "x,y",
        "'q'",
        "\"q\"",
        "back\\slash",
        "line\nbreak",
        "tab\there",
        "- item",
        "? k",
        "*alias",
        "&anchor",
        "!tag",
        "|",
        ">",
        "%dir",
        "@at",
        "`tick",
        "{{ email }}",
        "key:",
        "=",
        "\u{7f}ctl\u{1}",
        "\u{2028}",
        "plain text",
        "a@b.com",
        "/store/auth",
        "ünïcødé",
    ];
    for s in tricky {
        let doc = format!("k: {}\n", yaml_scalar(s));
        for strict in [true, false] {
            let options = serde_saphyr::options! { strict_booleans: strict };
            let v: std::collections::BTreeMap<String, serde_json::Value> =
                serde_saphyr::from_str_with_options(&doc, options)
                    .unwrap_or_else(|e| panic!("{s:?} → {doc}: {e}"));
            assert_eq!(v["k"], serde_json::Value::String(s.into()), "{s:?} → {doc}");
        }
    }
    assert_eq!(yaml_scalar("plain text"), "plain text");
    assert_eq!(yaml_scalar("true"), "\"true\"");
    assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
}

#[test]
fn secret_names_the_harness_would_not_mask_are_listed() {
    // `privateKey` is a secret name; its variable `privatekey` (one word) is not.
    let cmd = r#"curl http://h/store/x -H 'Content-Type: application/json' -d '{"privateKey":"pr1v-value"}'"#;
    let (i, text) = import(cmd, &["pr1v-value"]);
    assert_eq!(var(&i, "privatekey"), "pr1v-value");
    assert!(text.contains("secrets:\n  - privatekey\n"), "{text}");
}
