//! Medusa 1.20's routes for the Store Auth API, in Express's registration order: the one list
//! both the path matching (Express's, in [`crate::server::express`]) and the dispatch to the
//! handlers are built from, so the two cannot drift apart.

use super::Shared;
use super::handlers::*;
use crate::server::express::{Route, route};
use axum::http::Method;

const APP: &[&str] = &[];
const AUTH: &[&str] = &["/store", "/auth"];
const CUSTOMERS: &[&str] = &["/store", "/customers"];

/// Mount prefixes (`app.use` from the app down), route path and method, and its handler.
/// The order is Express's: `GET /store/auth/token` reaches `/:email`, as in Medusa.
pub(super) fn table() -> Vec<Route<Shared>> {
    vec![
        route(APP, "/health", Method::GET, health),
        route(AUTH, "/", Method::GET, get_auth),
        route(AUTH, "/:email", Method::GET, exists),
        route(AUTH, "/", Method::DELETE, delete_auth),
        route(AUTH, "/", Method::POST, post_auth),
        route(AUTH, "/token", Method::POST, post_token),
        route(CUSTOMERS, "/", Method::POST, post_customers),
        route(CUSTOMERS, "/me", Method::GET, get_me),
        route(CUSTOMERS, "/me", Method::POST, post_me),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::express::{Resolution, resolve};

    /// The path the route serves, its parameter filled in (`None`: Express's 404).
    fn canon(method: &str, path: &str) -> Option<String> {
        let routes = table();
        match resolve(&routes, &method.parse().unwrap(), path) {
            Resolution::Route(i, param) => {
                let r = &routes[i];
                let tail = match (r.path, param) {
                    ("/", _) => String::new(),
                    (_, Some(p)) => format!("/{p}"),
                    (p, None) => p.to_string(),
                };
                Some(format!("{}{tail}", r.mount.concat()))
            }
            _ => None,
        }
    }

    #[test]
    fn express_path_matching() {
        assert_eq!(canon("GET", "/store/auth/").as_deref(), Some("/store/auth"));
        assert_eq!(canon("GET", "/store/AUTH").as_deref(), Some("/store/auth"));
        assert_eq!(canon("GET", "/store//auth").as_deref(), Some("/store/auth"));
        assert_eq!(
            canon("GET", "/store/auth//").as_deref(),
            Some("/store/auth")
        );
        assert_eq!(canon("GET", "//store/auth"), None);
        assert_eq!(canon("GET", "/store///auth"), None);
        assert_eq!(canon("GET", "/store/auth///"), None);
        assert_eq!(canon("GET", "/storex/auth"), None);
        assert_eq!(canon("PUT", "/store/auth"), None);
        assert_eq!(
            canon("GET", "/store/auth//x").as_deref(),
            Some("/store/auth/x")
        );
        // The parameter is handed over decoded, once.
        assert_eq!(
            canon("HEAD", "/store/auth/a%40b.co/").as_deref(),
            Some("/store/auth/a@b.co")
        );
        assert_eq!(
            canon("GET", "/store/auth/a%2540b.co").as_deref(),
            Some("/store/auth/a%40b.co")
        );
        assert_eq!(
            canon("GET", "/store/auth/TOKEN").as_deref(),
            Some("/store/auth/TOKEN")
        );
        assert_eq!(
            canon("GET", "/store/auth/token").as_deref(),
            Some("/store/auth/token")
        );
        assert_eq!(
            canon("POST", "/STORE/auth/Token/").as_deref(),
            Some("/store/auth/token")
        );
        assert_eq!(canon("POST", "/store/auth/x"), None);
        assert_eq!(canon("GET", "/store/auth/x/y"), None);
        let routes = table();
        for (method, path) in [
            (Method::GET, "/store/auth/%zz"),
            (Method::PUT, "/store/auth/%zz/"),
            (Method::GET, "/store/auth/%FF"),
        ] {
            assert!(matches!(
                resolve(&routes, &method, path),
                Resolution::BadParam
            ));
        }
        // `GET /store/auth/token` is the e-mail route's, not the token route's.
        let Resolution::Route(i, Some(p)) = resolve(&routes, &Method::GET, "/store/auth/token")
        else {
            panic!("GET /store/auth/token resolves to the e-mail route");
        };
        assert_eq!((routes[i].path, p.as_str()), ("/:email", "token"));
    }
}
