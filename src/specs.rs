//! The JSON Schema registry: every `*.json` under `specs/` is read and parsed once at load,
//! registered under its `file://` URI (so `$id` and relative `$ref`s resolve offline from any
//! working directory), and compiled only when needed. Scenarios name a schema by its path
//! under `specs/` without `.json`: `StoreAuthRes` for `specs/StoreAuthRes.json`,
//! `medusa-v2/Customer` for a pack's folder `specs/medusa-v2/Customer.json`, so packs may
//! reuse names (`Customer`, `Error`).
//!
//! Each schema has two levels (docs/levels.md): as written, for `--strict`, and relaxed to the
//! contract level for the default run. [`relax`] is the one place that decides what the
//! contract level leaves out: closedness (`additionalProperties: false`,
//! `unevaluatedProperties: false`: a plugin may add a field) and whatever a schema lists in
//! its own `x-exact` (keyword paths, e.g. an id's `pattern`). `password_hash: false` and every
//! `required` stay at both levels.
//!
//! Compiling is start-up's largest cost after the YAML, and a run uses one level of the few
//! schemas its scenarios name; so each (schema, level) compiles once, on first use, behind a
//! `OnceLock`. What is checked when: [`Specs::load`] reports invalid JSON and two files with
//! one name (every command, `list` too); an unknown schema name is a plan error; `run`
//! compiles the schemas its selected scenarios name at its level before sending anything
//! ([`Specs::compile`]); `lint` compiles every schema at both levels ([`Specs::compile_all`]).

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// One violation, without the instance value (it may hold a secret).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Violation {
    pub keyword: String,
    pub instance_path: String,
    pub schema_path: String,
    pub message: String,
}

/// The two levels a schema is compiled at; an index into per-level arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Relaxed by [`relax`]: what the default run checks.
    Contract = 0,
    /// As written: checked under `--strict`.
    Exact = 1,
}

impl Level {
    fn of(strict: bool) -> Level {
        if strict {
            Level::Exact
        } else {
            Level::Contract
        }
    }
}

/// A compile error, kept so every later use reports the same one.
type Compiling<T> = OnceLock<Result<T, Box<Diagnostic>>>;

/// One schema file: its name, where it came from, its parsed document and its validators.
struct Schema {
    name: String,
    uri: String,
    path: PathBuf,
    doc: Arc<Value>,
    validators: [Compiling<Arc<jsonschema::Validator>>; 2],
}

/// Every schema of one `specs/` directory, and the registry each level resolves `$ref`s in.
struct Registry {
    /// Sorted by path, so compile errors come in a stable order.
    schemas: Vec<Schema>,
    /// `specs in DIR` for messages about the whole set.
    origin: String,
    /// Per level: every document (relaxed for the contract level), registered by URI.
    registries: [Compiling<(jsonschema::Registry<'static>, Vec<Arc<Value>>)>; 2],
}

/// A handle on one schema of a [`Specs`]: compiles its levels on first use.
#[derive(Clone)]
pub struct Compiled {
    registry: Arc<Registry>,
    index: usize,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Compiled")
            .field(&self.schema().name)
            .finish()
    }
}

impl Compiled {
    fn schema(&self) -> &Schema {
        &self.registry.schemas[self.index]
    }

    /// The validator a run at this level checks with (`strict`: the exact level), compiled on
    /// first use; an error names the file and what to fix.
    pub fn validator(&self, strict: bool) -> Result<&jsonschema::Validator, &Diagnostic> {
        self.registry.validator(self.index, Level::of(strict))
    }

    /// The contract level (relaxed): what the default run checks.
    pub fn contract(&self) -> Result<&jsonschema::Validator, &Diagnostic> {
        self.validator(false)
    }

    /// The schema as written: checked under `--strict`.
    pub fn exact(&self) -> Result<&jsonschema::Validator, &Diagnostic> {
        self.validator(true)
    }
}

impl Registry {
    fn validator(&self, index: usize, level: Level) -> Result<&jsonschema::Validator, &Diagnostic> {
        let schema = &self.schemas[index];
        schema.validators[level as usize]
            .get_or_init(|| {
                let (registry, docs) = self.registry(level).as_ref().map_err(Clone::clone)?;
                jsonschema::options()
                    .with_registry(registry)
                    .with_base_uri(schema.uri.clone())
                    .should_validate_formats(true)
                    .build(&docs[index])
                    .map(Arc::new)
                    .map_err(|e| {
                        Box::new(Diagnostic::new(format!(
                            "{}: the schema does not compile: {e}",
                            schema.path.display()
                        ))
                        .help("fix the schema; every $ref must name a file under specs/ (nothing is fetched)"))
                    })
            })
            .as_ref()
            .map(|v| &**v)
            .map_err(|d| &**d)
    }

    /// The level's documents and the registry of them all, built on first use.
    fn registry(
        &self,
        level: Level,
    ) -> &Result<(jsonschema::Registry<'static>, Vec<Arc<Value>>), Box<Diagnostic>> {
        self.registries[level as usize].get_or_init(|| {
            let docs: Vec<Arc<Value>> = self
                .schemas
                .iter()
                .map(|s| match level {
                    Level::Exact => s.doc.clone(),
                    Level::Contract => {
                        let mut v = (*s.doc).clone();
                        relax(&mut v);
                        Arc::new(v)
                    }
                })
                .collect();
            let registry = jsonschema::Registry::new()
                .extend(
                    self.schemas
                        .iter()
                        .zip(&docs)
                        .map(|(s, d)| (s.uri.as_str(), d.clone())),
                )
                .and_then(|b| b.prepare())
                .map_err(|e| Box::new(Diagnostic::new(format!("{}: {e}", self.origin))))?;
            Ok((registry, docs))
        })
    }
}

/// Every schema of a `specs/` directory by name; compiled lazily (see the module doc).
#[derive(Clone)]
pub struct Specs {
    registry: Arc<Registry>,
    by_name: BTreeMap<String, usize>,
}

impl Default for Specs {
    fn default() -> Specs {
        Specs {
            registry: Arc::new(Registry {
                schemas: Vec::new(),
                origin: "no specs".into(),
                registries: Default::default(),
            }),
            by_name: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for Specs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
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
    /// Reads and parses every schema under `dir` (the embedded specs when `dir` does not
    /// exist: an installed binary run outside the repository); compiles nothing yet.
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
            return Specs::parse(docs, None);
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
        Specs::parse(docs, Some(dir))
    }

    /// Parses `(uri, path, text)` documents and names them; every problem at once.
    fn parse(texts: Vec<(String, PathBuf, String)>, dir: Option<PathBuf>) -> Result<Specs, Error> {
        let mut schemas = Vec::new();
        let mut by_name = BTreeMap::new();
        let mut problems = Vec::new();
        for (uri, path, text) in texts {
            match serde_json::from_str::<Value>(&text) {
                Ok(doc) => {
                    let rel = path.strip_prefix(dir.as_deref().unwrap_or(Path::new("")));
                    let name = schema_name(rel.unwrap_or(&path));
                    if by_name.insert(name.clone(), schemas.len()).is_some() {
                        problems.push(
                            Diagnostic::new(format!("{}: a second schema named `{name}`", path.display()))
                                .help("`X.json` and `X.schema.json` in one folder share a name; rename one"),
                        );
                    }
                    schemas.push(Schema {
                        name,
                        uri,
                        path,
                        doc: Arc::new(doc),
                        validators: Default::default(),
                    });
                }
                Err(e) => problems.push(Diagnostic::new(format!(
                    "{}:{}:{}: invalid JSON in a spec: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                ))),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let origin = match &dir {
            Some(d) => format!("specs in {}", d.display()),
            None => "the embedded specs".into(),
        };
        Ok(Specs {
            registry: Arc::new(Registry {
                schemas,
                origin,
                registries: Default::default(),
            }),
            by_name,
        })
    }

    /// Compiles the named schemas at one level (`strict`: the exact level) now, so a broken
    /// one is an error before a run sends anything. Unknown names are skipped: planning has
    /// already reported them.
    pub fn compile<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
        strict: bool,
    ) -> Result<(), Error> {
        let indexes: std::collections::BTreeSet<usize> = names
            .into_iter()
            .filter_map(|n| self.by_name.get(n).copied())
            .collect();
        self.check(indexes.into_iter().map(|i| (i, Level::of(strict))))
    }

    /// Compiles every schema at both levels (`lint`): every problem under `specs/`.
    pub fn compile_all(&self) -> Result<(), Error> {
        self.check(
            (0..self.registry.schemas.len())
                .flat_map(|i| [(i, Level::Contract), (i, Level::Exact)]),
        )
    }

    /// Compiles each (schema, level), collecting every distinct problem in order.
    fn check(&self, todo: impl Iterator<Item = (usize, Level)>) -> Result<(), Error> {
        let mut problems: Vec<Diagnostic> = Vec::new();
        for (i, level) in todo {
            if let Err(d) = self.registry.validator(i, level)
                && !problems.iter().any(|p| p.message == d.message)
            {
                problems.push(d.clone());
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<Compiled> {
        self.by_name.get(name).map(|&index| Compiled {
            registry: self.registry.clone(),
            index,
        })
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
                .exact()
                .unwrap()
                .is_valid(&serde_json::json!({ key: 1 }))
        };
        assert!(ok("Error", "v1") && !ok("Error", "v2"));
        assert!(ok("medusa-v2/Error", "v2") && !ok("medusa-v2/Error", "v1"));
        assert!(ok("medusa-v2/Res", "v2") && !ok("medusa-v2/Res", "v1"));
    }

    #[test]
    fn a_broken_schema_is_an_error_when_compiled_not_when_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Ok.json"), r#"{"required": ["a"]}"#).unwrap();
        std::fs::write(dir.path().join("Bad.json"), r#"{"type": 12}"#).unwrap();
        let specs = Specs::load(dir.path()).unwrap();
        specs.compile(["Ok"], false).unwrap();
        specs.compile(["Ok"], true).unwrap();
        let bad = specs.get("Bad").unwrap();
        let err = bad.contract().unwrap_err().message.clone();
        assert!(
            err.contains("Bad.json: the schema does not compile"),
            "{err}"
        );
        let all = specs.compile_all().unwrap_err().to_string();
        assert!(
            all.contains("Bad.json: the schema does not compile"),
            "{all}"
        );
        assert!(!all.contains("Ok.json"), "{all}");
        // An unparseable file is still an error at load.
        std::fs::write(dir.path().join("Worse.json"), "{").unwrap();
        let err = Specs::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("Worse.json:1:1: invalid JSON"), "{err}");
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
