//! The seeded request generator: sequences of requests around the Store Auth routes, each a
//! pure function of (seed, sequence number), so any difference can be replayed with
//! `--seed N` alone. A sequence registers its own fresh customer, then mixes state-changing
//! steps (login, token, logout) with variations of method, path, headers and body.
//!
//! Values that depend on a server's state (its cookie, token, ETag, customer id) are
//! [`Part`]s resolved per server when the step is sent, so both servers get the same request
//! "shape" with their own state. Every choice is recorded as a tag (`path:trailing-slash`,
//! `auth:bearer-lower`, …): the allow-list matches differences by these classes.
//!
//! The PRNG is a hand-written SplitMix64 rather than `rand`: replaying a seed must give the
//! same requests whatever `rand` version the lock file holds.

/// SplitMix64: small, fast, and stable forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A piece of a request value, resolved against one server's state when sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    /// The sequence's e-mail (the same on both servers).
    Email,
    /// That e-mail spelled another way.
    EmailAs(EmailAs),
    /// The sequence's password (a secret: masked in every output).
    Password,
    /// The `connect.sid` value this server last set.
    Cookie,
    /// That cookie with its signature altered.
    CookieTampered,
    /// The raw session id without `s:` and signature.
    CookieUnsigned,
    /// A correctly signed cookie for a session id the server never issued.
    CookieForgedSid,
    /// The access token this server last issued.
    Token,
    /// A JWT forged with the shared secret (or deliberately not).
    Forged(Forge),
    /// The ETag of this server's previous response.
    Etag,
}

/// Spellings of the sequence's e-mail in a path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EmailAs {
    Upper,
    /// `@` as `%40`.
    Pct40,
    /// `@` as `%2540` (an encoded `%40`: must be decoded once only).
    Pct2540,
}

/// Kinds of forged bearer tokens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Forge {
    Tampered,
    NoExp,
    Expired,
    AdminDomain,
    NoDomain,
    NoCustomer,
    UnknownCustomer,
    OtherSecret,
    AlgNone,
}

pub type Value = Vec<Part>;

fn lit(s: &str) -> Value {
    vec![Part::Lit(s.to_string())]
}

/// The request body: raw bytes (possibly built from parts) and what produced it.
#[derive(Clone, Debug)]
pub enum Body {
    Parts(Value),
    /// `n` bytes of a JSON object (too large for body-parser's 100 kB limit when n is big).
    Large(usize),
}

#[derive(Clone, Debug)]
pub struct Step {
    pub method: String,
    pub path: Value,
    pub headers: Vec<(String, Value)>,
    pub body: Option<Body>,
    /// The classes this request belongs to.
    pub tags: Vec<String>,
}

impl Step {
    fn new(method: &str, path: Value) -> Step {
        Step {
            method: method.to_string(),
            path,
            headers: Vec::new(),
            body: None,
            tags: Vec::new(),
        }
    }
    fn tag(&mut self, t: impl Into<String>) {
        self.tags.push(t.into());
    }
    fn header(&mut self, name: &str, v: Value) {
        self.headers.push((name.to_string(), v));
    }
    fn json(&mut self, v: Value) {
        self.header("content-type", lit("application/json"));
        self.body = Some(Body::Parts(v));
    }
}

#[derive(Clone, Debug)]
pub struct Sequence {
    pub index: u64,
    pub email: String,
    pub password: String,
    pub steps: Vec<Step>,
}

/// The routes a step aims at (before method and path variations).
#[derive(Clone, Copy, PartialEq)]
enum Route {
    Session,
    Login,
    Logout,
    Token,
    Exists,
}

const METHODS: &[&str] = &["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"];

pub fn sequence(seed: u64, index: u64, run_id: &str) -> Sequence {
    let mut rng = Rng::new(seed, index);
    let email = format!("diff.{run_id}.{index}@example.com");
    let password = format!("pw-{:016x}", rng.next());
    let mut steps = Vec::new();
    // Setup: a registered customer (logged in by registration), sometimes a guest or nobody.
    match rng.below(10) {
        0 => {
            let mut s = Step::new("POST", lit("/store/customers"));
            s.json(join(&[
                lit("{\"email\":\""),
                vec![Part::Email],
                lit("\",\"password\":\"\"}"),
            ]));
            s.tag("setup:guest");
            steps.push(s);
        }
        1 => {}
        _ => {
            let mut s = Step::new("POST", lit("/store/customers"));
            s.json(credentials_body(&EmailForm::Exact, true));
            s.tag("setup:register");
            steps.push(s);
        }
    }
    let n = 3 + rng.below(8);
    for _ in 0..n {
        steps.push(step(&mut rng));
    }
    Sequence {
        index,
        email,
        password,
        steps,
    }
}

fn join(parts: &[Value]) -> Value {
    parts.iter().flatten().cloned().collect()
}

#[derive(Clone, Copy)]
enum EmailForm {
    Exact,
    Upper,
    Unknown,
}

fn credentials_body(form: &EmailForm, right_password: bool) -> Value {
    let email = match form {
        EmailForm::Exact => vec![Part::Email],
        EmailForm::Upper => vec![Part::EmailAs(EmailAs::Upper)],
        EmailForm::Unknown => lit("nobody.diff@example.com"),
    };
    let pw = if right_password {
        vec![Part::Password]
    } else {
        lit("wrong-password")
    };
    join(&[
        lit("{\"email\":\""),
        email,
        lit("\",\"password\":\""),
        pw,
        lit("\"}"),
    ])
}

fn step(rng: &mut Rng) -> Step {
    let route = *rng.pick(&[
        Route::Session,
        Route::Session,
        Route::Login,
        Route::Login,
        Route::Login,
        Route::Logout,
        Route::Token,
        Route::Token,
        Route::Exists,
        Route::Exists,
    ]);
    let (method, base): (&str, Vec<&str>) = match route {
        Route::Session => ("GET", vec!["store", "auth"]),
        Route::Login => ("POST", vec!["store", "auth"]),
        Route::Logout => ("DELETE", vec!["store", "auth"]),
        Route::Token => ("POST", vec!["store", "auth", "token"]),
        Route::Exists => ("GET", vec!["store", "auth"]),
    };
    let method = if rng.chance(15) {
        *rng.pick(METHODS)
    } else {
        method
    };
    let mut s = Step::new(method, Vec::new());
    s.tag(format!(
        "route:{}",
        match route {
            Route::Session => "session",
            Route::Login => "login",
            Route::Logout => "logout",
            Route::Token => "token",
            Route::Exists => "exists",
        }
    ));
    s.tag(format!("method:{method}"));
    let mut segs: Vec<Value> = base.iter().map(|b| lit(b)).collect();
    if route == Route::Exists {
        segs.push(exists_segment(rng, &mut s));
    }
    s.path = path_variant(rng, &mut s, segs);
    auth_variant(rng, &mut s);
    if rng.chance(20) {
        let origin = *rng.pick(&["http://localhost", "http://evil.example", "null"]);
        s.tag(format!("origin:{origin}"));
        s.header("origin", lit(origin));
    }
    if matches!(method, "GET" | "HEAD") && rng.chance(20) {
        conditional_variant(rng, &mut s);
    }
    if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") || rng.chance(5) {
        body_variant(rng, &mut s, route);
    }
    s
}

fn exists_segment(rng: &mut Rng, s: &mut Step) -> Value {
    let (tag, v): (&str, Value) = match rng.below(12) {
        0..=2 => ("exact", vec![Part::Email]),
        3 => ("upper", vec![Part::EmailAs(EmailAs::Upper)]),
        4 => ("pct40", vec![Part::EmailAs(EmailAs::Pct40)]),
        5 => ("pct2540", vec![Part::EmailAs(EmailAs::Pct2540)]),
        6 => ("unknown", lit("nobody.diff@example.com")),
        7 => ("invalid", lit("not-an-email")),
        8 => ("token", lit("token")),
        9 => ("bad-escape", lit("%zz")),
        10 => ("space", lit("a%20b@example.com")),
        _ => ("plus", lit("a+b@example.com")),
    };
    s.tag(format!("email:{tag}"));
    v
}

/// Joins path segments with one of Express's tolerated (or not) spellings.
fn path_variant(rng: &mut Rng, s: &mut Step, mut segs: Vec<Value>) -> Value {
    let variant = if rng.chance(55) {
        "canonical"
    } else {
        *rng.pick(&[
            "trailing-slash",
            "upper",
            "mixed-case",
            "double-trailing-slash",
            "mount-double-slash",
            "triple-slash",
            "leading-double-slash",
            "extra-segment",
            "encoded-letter",
            "encoded-slash",
            "query",
            "prefix-typo",
        ])
    };
    s.tag(format!("path:{variant}"));
    let lit_seg = |v: &Value| match v.as_slice() {
        [Part::Lit(l)] => Some(l.clone()),
        _ => None,
    };
    let mut sep = vec!["/"; segs.len()];
    let mut tail = String::new();
    match variant {
        "trailing-slash" => tail.push('/'),
        "double-trailing-slash" => tail.push_str("//"),
        "upper" | "mixed-case" => {
            let i = 1 + rng.below(segs.len() - 1);
            if let Some(l) = lit_seg(&segs[i]) {
                segs[i] = lit(&if variant == "upper" {
                    l.to_ascii_uppercase()
                } else {
                    l.chars()
                        .enumerate()
                        .map(|(k, c)| {
                            if k % 2 == 0 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        })
                        .collect::<String>()
                });
            }
        }
        "mount-double-slash" => sep[1 + rng.below(segs.len() - 1)] = "//",
        "triple-slash" => sep[1 + rng.below(segs.len() - 1)] = "///",
        "leading-double-slash" => sep[0] = "//",
        "extra-segment" => segs.push(lit("extra")),
        "encoded-letter" => segs[1] = lit("%61uth"),
        "encoded-slash" => tail.push_str("%2F"),
        "query" => tail.push_str("?x=1&email=a@b.co"),
        "prefix-typo" => segs[0] = lit("storex"),
        _ => {}
    }
    let mut out = Vec::new();
    for (i, seg) in segs.into_iter().enumerate() {
        out.push(Part::Lit(sep.get(i).copied().unwrap_or("/").to_string()));
        out.extend(seg);
    }
    if !tail.is_empty() {
        // A query goes after everything; the rest follows the last segment.
        out.push(Part::Lit(tail));
    }
    out
}

fn auth_variant(rng: &mut Rng, s: &mut Step) {
    let cookie = |p: Part| join(&[lit("connect.sid="), vec![p]]);
    let bearer = |scheme: &str, p: Part| join(&[lit(scheme), vec![p]]);
    let v = *rng.pick(&[
        "none",
        "none",
        "cookie",
        "cookie",
        "cookie",
        "cookie-tampered",
        "cookie-garbage",
        "cookie-unsigned",
        "cookie-forged-sid",
        "cookies-several",
        "cookies-dup-garbage-first",
        "bearer",
        "bearer",
        "bearer-lower",
        "bearer-no-scheme",
        "bearer-garbage",
        "bearer-basic-scheme",
        "bearer-trailing-junk",
        "bearer-extra-spaces",
        "bearer-forged",
        "cookie+bearer",
        "cookie-garbage+bearer",
    ]);
    s.tag(format!("auth:{v}"));
    match v {
        "cookie" => s.header("cookie", cookie(Part::Cookie)),
        "cookie-tampered" => s.header("cookie", cookie(Part::CookieTampered)),
        "cookie-garbage" => s.header("cookie", lit("connect.sid=garbage")),
        "cookie-unsigned" => s.header("cookie", cookie(Part::CookieUnsigned)),
        "cookie-forged-sid" => s.header("cookie", cookie(Part::CookieForgedSid)),
        "cookies-several" => s.header(
            "cookie",
            join(&[
                lit("theme=dark; connect.sid="),
                vec![Part::Cookie],
                lit("; x=1"),
            ]),
        ),
        "cookies-dup-garbage-first" => s.header(
            "cookie",
            join(&[lit("connect.sid=garbage; connect.sid="), vec![Part::Cookie]]),
        ),
        "bearer" => s.header("authorization", bearer("Bearer ", Part::Token)),
        "bearer-lower" => s.header("authorization", bearer("bearer ", Part::Token)),
        "bearer-no-scheme" => s.header("authorization", vec![Part::Token]),
        "bearer-garbage" => s.header("authorization", lit("Bearer garbage")),
        "bearer-basic-scheme" => s.header("authorization", bearer("Basic ", Part::Token)),
        "bearer-trailing-junk" => s.header(
            "authorization",
            join(&[lit("Bearer "), vec![Part::Token], lit(" extra")]),
        ),
        "bearer-extra-spaces" => s.header("authorization", bearer("  Bearer \t ", Part::Token)),
        "bearer-forged" => {
            let f = *rng.pick(&[
                Forge::Tampered,
                Forge::NoExp,
                Forge::Expired,
                Forge::AdminDomain,
                Forge::NoDomain,
                Forge::NoCustomer,
                Forge::UnknownCustomer,
                Forge::OtherSecret,
                Forge::AlgNone,
            ]);
            s.tag(format!("forge:{f:?}"));
            s.header("authorization", bearer("Bearer ", Part::Forged(f)));
        }
        "cookie+bearer" => {
            s.header("cookie", cookie(Part::Cookie));
            s.header("authorization", bearer("Bearer ", Part::Token));
        }
        "cookie-garbage+bearer" => {
            s.header("cookie", lit("connect.sid=garbage"));
            s.header("authorization", bearer("Bearer ", Part::Token));
        }
        _ => {}
    }
}

fn conditional_variant(rng: &mut Rng, s: &mut Step) {
    let v = *rng.pick(&[
        "etag",
        "etag",
        "star",
        "garbage",
        "etag+no-cache",
        "modified-since",
    ]);
    s.tag(format!("cond:{v}"));
    match v {
        "etag" => s.header("if-none-match", vec![Part::Etag]),
        "star" => s.header("if-none-match", lit("*")),
        "garbage" => s.header("if-none-match", lit("W/\"0-nope\"")),
        "etag+no-cache" => {
            s.header("if-none-match", vec![Part::Etag]);
            s.header("cache-control", lit("no-cache"));
        }
        _ => s.header("if-modified-since", lit("Sun, 29 Nov 2026 00:00:00 GMT")),
    }
}

/// JSON values of every type, for one field.
const JSON_TYPES: &[(&str, &str)] = &[
    ("null", "null"),
    ("true", "true"),
    ("number", "123"),
    ("float", "1.5"),
    ("empty-string", "\"\""),
    ("string", "\"some-text\""),
    ("array", "[]"),
    ("object", "{}"),
    ("spaces", "\" a@b.co \""),
];

fn body_variant(rng: &mut Rng, s: &mut Step, route: Route) {
    let creds_route = matches!(route, Route::Login | Route::Token);
    let v = if creds_route && rng.chance(45) {
        *rng.pick(&[
            "right",
            "right",
            "right",
            "upper-email",
            "wrong-password",
            "unknown-email",
        ])
    } else {
        *rng.pick(&[
            "email-type",
            "password-type",
            "missing-email",
            "missing-password",
            "empty-object",
            "extra-key",
            "array-root",
            "string-root",
            "number-root",
            "empty",
            "malformed",
            "large",
            "right",
            "medusa-js-logout",
        ])
    };
    s.tag(format!("body:{v}"));
    let right = credentials_body(&EmailForm::Exact, true);
    let body: Option<Body> = match v {
        "right" => Some(Body::Parts(right.clone())),
        "upper-email" => Some(Body::Parts(credentials_body(&EmailForm::Upper, true))),
        "wrong-password" => Some(Body::Parts(credentials_body(&EmailForm::Exact, false))),
        "unknown-email" => Some(Body::Parts(credentials_body(&EmailForm::Unknown, true))),
        "email-type" | "password-type" => {
            let (name, json) = *rng.pick(JSON_TYPES);
            s.tag(format!("{v}:{name}"));
            Some(Body::Parts(if v == "email-type" {
                join(&[
                    lit(&format!("{{\"email\":{json},\"password\":\"")),
                    vec![Part::Password],
                    lit("\"}"),
                ])
            } else {
                join(&[
                    lit("{\"email\":\""),
                    vec![Part::Email],
                    lit(&format!("\",\"password\":{json}}}")),
                ])
            }))
        }
        "missing-email" => Some(Body::Parts(join(&[
            lit("{\"password\":\""),
            vec![Part::Password],
            lit("\"}"),
        ]))),
        "missing-password" => Some(Body::Parts(join(&[
            lit("{\"email\":\""),
            vec![Part::Email],
            lit("\"}"),
        ]))),
        "empty-object" | "medusa-js-logout" => Some(Body::Parts(lit("{}"))),
        "extra-key" => Some(Body::Parts(join(&[
            lit("{\"email\":\""),
            vec![Part::Email],
            lit("\",\"password\":\""),
            vec![Part::Password],
            lit("\",\"remember\":true}"),
        ]))),
        "array-root" => Some(Body::Parts(lit("[]"))),
        "string-root" => Some(Body::Parts(lit("\"x\""))),
        "number-root" => Some(Body::Parts(lit("1"))),
        "empty" => Some(Body::Parts(lit(""))),
        "malformed" => Some(Body::Parts(lit("{\"email\":"))),
        "large" => Some(Body::Large(110 * 1024)),
        _ => None,
    };
    let ctype = if rng.chance(75) {
        "application/json"
    } else {
        *rng.pick(&[
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/json; charset=latin1",
            "none",
        ])
    };
    s.tag(format!("ctype:{ctype}"));
    s.body = body;
    if ctype != "none" {
        s.header("content-type", lit(ctype));
    }
}
