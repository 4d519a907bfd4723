//! API packs: which operations a scenario's steps may `call:`, as data.
//!
//! A scenario says which API it speaks with `api:` (default [`DEFAULT_API`], the v1 store-auth
//! API whose operations are also the step keys `authenticate:`, `get_token:`, …). Each API is a
//! table of [`ApiOp`]s: method, path template, what the body is, which credential is sent and
//! what is kept from the response. Adding a pack (a fork, a new minor with new routes) is a new
//! table here plus a folder of scenarios; the planner and runner read only these fields.

pub mod v1;
pub mod v2;

/// The API a scenario speaks when it does not say.
pub const DEFAULT_API: &str = "medusa-v1-store-auth";

/// One API: its name, its operations and the values its path placeholders default to.
#[derive(Debug)]
pub struct Api {
    pub name: &'static str,
    pub ops: &'static [ApiOp],
    /// `{name}` placeholders in paths take the step's argument of that name, else this value.
    pub defaults: &'static [(&'static str, &'static str)],
}

/// What the request body is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Body {
    /// No body.
    None,
    /// The step's arguments (minus path placeholders and the token argument) as JSON.
    Json,
}

/// Which credential a call sends by default (a step's `bearer:` / `cookies:` still override).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cred {
    /// Nothing.
    None,
    /// The actor's bearer token and cookies (a client in token mode that also has a jar).
    Actor,
    /// Only the actor's cookies (session auth).
    Cookie,
    /// Only the actor's bearer token.
    Bearer,
    /// The step's argument of this name, as the bearer (e.g. a reset token).
    Arg(&'static str),
}

/// Something the harness does itself instead of an HTTP request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Local {
    /// The newest reset token for `email` not yet handed out in this scenario, read from the
    /// deployment's events file; answered as `200 {"token": …}` so captures work as usual.
    ResetToken,
}

/// A setting a call needs from the run; a scenario using it is skipped, with the reason, when
/// the run does not have it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Needs {
    PublishableKey,
    Events,
}

impl Needs {
    pub fn reason(self) -> &'static str {
        match self {
            Needs::PublishableKey => {
                "requires a publishable API key (--publishable-key or MEDUSA_V2_PUBLISHABLE_KEY)"
            }
            Needs::Events => {
                "requires the deployment's reset-token events file (--events or MEDUSA_V2_EVENTS); \
                 a deployment sends reset tokens only to its notification provider"
            }
        }
    }
}

/// One operation of an API.
#[derive(Debug)]
pub struct ApiOp {
    pub name: &'static str,
    /// What it is, for `--list`-style help and did-you-mean messages.
    pub doc: &'static str,
    pub method: &'static str,
    /// Path with `{placeholder}`s, each filled from the argument (percent-encoded) or the API's default.
    pub path: &'static str,
    pub body: Body,
    pub cred: Cred,
    /// Sends the run's publishable key as `x-publishable-api-key` (Medusa v2 `/store` routes).
    pub publishable_key: bool,
    /// On a 2xx JSON response, this top-level string field becomes the actor's bearer token.
    pub keep_bearer: Option<&'static str>,
    pub local: Option<Local>,
    /// Arguments the call takes; others are a planning error with a did-you-mean
    /// (`None`: any, the body is free-form).
    pub args: Option<&'static [&'static str]>,
}

impl ApiOp {
    /// An operation with no publishable key, nothing kept, no local answer, any arguments: the
    /// packs' tables override the rest with struct-update syntax.
    pub const fn new(
        name: &'static str,
        doc: &'static str,
        method: &'static str,
        path: &'static str,
        body: Body,
        cred: Cred,
    ) -> ApiOp {
        ApiOp {
            name,
            doc,
            method,
            path,
            body,
            cred,
            publishable_key: false,
            keep_bearer: None,
            local: None,
            args: None,
        }
    }

    pub fn needs(&self) -> Option<Needs> {
        if self.local == Some(Local::ResetToken) {
            Some(Needs::Events)
        } else if self.publishable_key {
            Some(Needs::PublishableKey)
        } else {
            None
        }
    }

    /// The placeholder names in the path.
    pub fn placeholders(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n))
    }
}

/// Every API the engine knows.
pub const APIS: &[&Api] = &[&v1::API, &v2::API];

pub fn find(name: &str) -> Option<&'static Api> {
    APIS.iter().copied().find(|a| a.name == name)
}

impl Api {
    pub fn op(&self, name: &str) -> Option<&'static ApiOp> {
        // `ops` is 'static in every table; the indirection keeps the lifetime explicit.
        let ops: &'static [ApiOp] = self.ops;
        ops.iter().find(|o| o.name == name)
    }

    pub fn op_names(&self) -> Vec<&'static str> {
        let ops: &'static [ApiOp] = self.ops;
        ops.iter().map(|o| o.name).collect()
    }

    pub fn default_of(&self, placeholder: &str) -> Option<&'static str> {
        self.defaults
            .iter()
            .find(|(k, _)| *k == placeholder)
            .map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_has_a_default_or_is_an_argument() {
        for api in APIS {
            for op in api.ops {
                for ph in op.placeholders() {
                    let named = op.args.is_none_or(|a| a.contains(&ph));
                    assert!(
                        api.default_of(ph).is_some() || named,
                        "{}.{}: {{{ph}}}",
                        api.name,
                        op.name
                    );
                }
            }
        }
    }

    #[test]
    fn names_are_unique() {
        for api in APIS {
            let mut n = api.op_names();
            n.sort();
            n.dedup();
            assert_eq!(n.len(), api.ops.len(), "{}", api.name);
        }
    }
}
