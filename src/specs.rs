//! The JSON Schema registry: every `*.json` under `specs/` is read once, registered under its
//! `file://` URI (so `$id` and relative `$ref`s resolve offline from any working directory),
//! and compiled once. Scenarios name a schema by its path under `specs/` without `.json`:
//! `StoreAuthRes` for `specs/StoreAuthRes.json`, `medusa-v2/Customer` for a pack's folder
//! `specs/medusa-v2/Customer.json`, so packs may reuse names (`Customer`, `Error`).
//!
//! Each schema is compiled twice (docs/levels.md): as written, for `--strict`, and relaxed to
//! the contract level for the default run. [`relax`] is the one place that decides what the
//! contract level leaves out: closedness (`additionalProperties: false`,
//! `unevaluatedProperties: false`: a plugin may add a field) and whatever a schema lists in
//! its own `x-exact` (keyword paths, e.g. an id's `pattern`). `password_hash: false` and every
//! `required` stay at both levels.

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One violation, without the instance value (it may hold a secret).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Violation {
    pub keyword: String,
    pub instance_path: String,
    pub schema_path: String,
    pub message: String,
}

/// A schema compiled at both levels.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The contract level (relaxed): what the default run checks.
    pub contract: Arc<jsonschema::Validator>,
    /// The schema as written: checked under `--strict`.
    pub exact: Arc<jsonschema::Validator>,
}

/// Compiled schemas by name.
#[derive(Default)]
pub struct Specs {
    validators: BTreeMap<String, Compiled>,
}

impl std::fmt::Debug for Specs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.validators.keys()).finish()
    }
}

fn file_uri(path: &Path) -> String {
    url::Url::from_file_path(path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", path.display()))
}

/// The name a scenario uses for the schema at `rel` (relative to `specs/`): the path with `/`
/// separators, without `.json` (and without a `.schema` before it).
fn schema_name(rel: &Path) -> String {
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let rel = rel.strip_suffix(".json").unwrap_or(&rel);
    rel.strip_suffix(".schema").unwrap_or(rel).to_string()
}

impl Specs {
    /// Loads and compiles every schema under `dir`; the embedded specs when `dir` does not
    /// exist (an installed binary run outside the repository).
    pub fn load(dir: &Path) -> Result<Specs, Error> {
        if !dir.exists() {
            let docs = crate::scenario::embedded::SPECS
                .iter()
                .map(|(rel, text)| {
                    (
                        format!("file:///medusa-conform/specs/{rel}"),
                        PathBuf::from(rel),
                        text.to_string(),
                    )
                })
                .collect();
            return Specs::compile(docs, None);
        }
        let dir = dir.canonicalize().map_err(|e| Error::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        let files = crate::walk::files(&dir, &["json"]).map_err(|e| Error::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        let mut docs = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).map_err(|e| Error::Io {
                path: f.display().to_string(),
                source: e,
            })?;
            docs.push((file_uri(f), f.clone(), text));
        }
        Specs::compile(docs, Some(dir))
    }

    /// Parses and compiles `(uri, path, text)` documents into one offline registry.
    fn compile(
        texts: Vec<(String, PathBuf, String)>,
        dir: Option<PathBuf>,
    ) -> Result<Specs, Error> {
        let mut docs = Vec::new();
        let mut problems = Vec::new();
        for (uri, f, text) in texts {
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => docs.push((uri, f, v)),
                Err(e) => problems.push(Diagnostic::new(format!(
                    "{}:{}:{}: invalid JSON in a spec: {e}",
                    f.display(),
                    e.line(),
                    e.column()
                ))),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let relaxed: Vec<(String, PathBuf, Value)> = docs
            .iter()
            .map(|(u, f, v)| {
                let mut v = v.clone();
                relax(&mut v);
                (u.clone(), f.clone(), v)
            })
            .collect();
        let mut contract = Specs::validators(&relaxed, dir.as_deref())?;
        let validators = Specs::validators(&docs, dir.as_deref())?
            .into_iter()
            .filter_map(|(name, exact)| {
                let contract = contract.remove(&name)?;
                Some((name, Compiled { contract, exact }))
            })
            .collect();
        Ok(Specs { validators })
    }

    /// Compiles every document against one registry of them, by name.
    fn validators(
        docs: &[(String, PathBuf, Value)],
        dir: Option<&Path>,
    ) -> Result<BTreeMap<String, Arc<jsonschema::Validator>>, Error> {
        let mut problems = Vec::new();
        let where_ = dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "the embedded specs".into());
        let registry = jsonschema::Registry::new()
            .extend(docs.iter().map(|(uri, _, v)| (uri.as_str(), v)))
            .and_then(|b| b.prepare())
            .map_err(|e| Error::invalid(Diagnostic::new(format!("specs in {where_}: {e}"))))?;
        let mut validators = BTreeMap::new();
        for (uri, path, v) in docs {
            let name = schema_name(
                path.strip_prefix(dir.unwrap_or(Path::new("")))
                    .unwrap_or(path),
            );
            match jsonschema::options()
                .with_registry(&registry)
                .with_base_uri(uri.clone())
                .should_validate_formats(true)
                .build(v)
            {
                Ok(val) => {
                    if validators.insert(name.clone(), Arc::new(val)).is_some() {
                        problems.push(
                            Diagnostic::new(format!("{}: a second schema named `{name}`", path.display()))
                                .help("`X.json` and `X.schema.json` in one folder share a name; rename one"),
                        );
                    }
                }
                Err(e) => problems.push(
                    Diagnostic::new(format!("{}: the schema does not compile: {e}", path.display()))
                        .help("fix the schema; every $ref must name a file under specs/ (nothing is fetched)"),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        Ok(validators)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.validators.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<Compiled> {
        self.validators.get(name).cloned()
    }

    /// A "did you mean" for an unknown schema name.
    pub fn suggest(&self, name: &str) -> String {
        match crate::suggest::did_you_mean(name, self.names()) {
            Some(hint) => hint,
            None => format!(
                "known schemas: {}",
                self.names().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// Rewrites a schema document to its contract level, in place: drops `additionalProperties:
/// false` and `unevaluatedProperties: false`, and every keyword path an object lists in
/// `x-exact` (slash-separated, relative to that object: `pattern`, `properties/groups`).
pub fn relax(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for k in ["additionalProperties", "unevaluatedProperties"] {
                if o.get(k) == Some(&Value::Bool(false)) {
                    o.remove(k);
                }
            }
            if let Some(Value::Array(paths)) = o.remove("x-exact") {
                for p in paths.iter().filter_map(Value::as_str) {
                    let mut parts: Vec<&str> = p.split('/').collect();
                    let last = parts.pop().unwrap_or_default();
                    let mut at = Some(&mut *o);
                    for part in parts {
                        at = at
                            .and_then(|m| m.get_mut(part))
                            .and_then(Value::as_object_mut);
                    }
                    if let Some(m) = at {
                        m.remove(last);
                    }
                }
            }
            o.values_mut().for_each(relax);
        }
        Value::Array(a) => a.iter_mut().for_each(relax),
        _ => {}
    }
}

/// Validates, returning every violation (keyword, instance path, schema path).
pub fn validate(v: &jsonschema::Validator, instance: &Value) -> Vec<Violation> {
    v.iter_errors(instance)
        .map(|e| Violation {
            keyword: e.kind().keyword().to_string(),
            instance_path: e.instance_path().to_string(),
            schema_path: e.schema_path().to_string(),
            message: e.masked().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_paths_under_specs() {
        assert_eq!(schema_name(Path::new("StoreAuthRes.json")), "StoreAuthRes");
        assert_eq!(schema_name(Path::new("scenario.schema.json")), "scenario");
        assert_eq!(
            schema_name(Path::new("medusa-v2/Customer.json")),
            "medusa-v2/Customer"
        );
    }

    #[test]
    fn a_pack_folder_reuses_names_without_clobbering() {
        let dir = tempfile::tempdir().unwrap();
        let v2 = dir.path().join("medusa-v2");
        std::fs::create_dir(&v2).unwrap();
        std::fs::write(
            dir.path().join("Error.json"),
            r#"{"$id": "Error.json", "required": ["v1"]}"#,
        )
        .unwrap();
        std::fs::write(
            v2.join("Error.json"),
            r#"{"$id": "Error.json", "required": ["v2"]}"#,
        )
        .unwrap();
        // A relative $ref resolves inside the pack's own folder.
        std::fs::write(v2.join("Res.json"), r#"{"$ref": "Error.json"}"#).unwrap();
        let specs = Specs::load(dir.path()).unwrap();
        assert_eq!(
            specs.names().collect::<Vec<_>>(),
            ["Error", "medusa-v2/Error", "medusa-v2/Res"]
        );
        let ok = |name: &str, key: &str| {
            specs
                .get(name)
                .unwrap()
                .exact
                .is_valid(&serde_json::json!({ key: 1 }))
        };
        assert!(ok("Error", "v1") && !ok("Error", "v2"));
        assert!(ok("medusa-v2/Error", "v2") && !ok("medusa-v2/Error", "v1"));
        assert!(ok("medusa-v2/Res", "v2") && !ok("medusa-v2/Res", "v1"));
    }

    #[test]
    fn two_files_with_one_name_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("X.json"), "{}").unwrap();
        std::fs::write(dir.path().join("X.schema.json"), "{}").unwrap();
        let err = Specs::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("a second schema named `X`"), "{err}");
    }
}
