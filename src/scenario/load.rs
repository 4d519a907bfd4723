//! Finds scenario files, reads them and parses the YAML with spans. Names each scenario after
//! its path, so test names are stable: `scenarios/store-auth/exists/unknown.yaml` is
//! `store_auth::exists::unknown`.

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::scenario::ScenarioDoc;
use crate::scenario::source::SourceFile;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A parsed scenario file.
#[derive(Debug)]
pub struct Loaded {
    pub name: String,
    pub file: Arc<SourceFile>,
    pub doc: ScenarioDoc,
}

/// Every `.yaml`/`.yml` file under `paths`, each with the root its name is relative to.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<(PathBuf, PathBuf)>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        let root = naming_root(p, meta.is_dir());
        if meta.is_dir() {
            let files = crate::walk::files(p, &["yaml", "yml"]).map_err(|e| Error::Io {
                path: p.display().to_string(),
                source: e,
            })?;
            out.extend(files.into_iter().map(|f| (f, root.clone())));
        } else {
            out.push((p.clone(), root));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Names are relative to the nearest `scenarios` directory, else to the argument itself.
fn naming_root(p: &Path, is_dir: bool) -> PathBuf {
    let mut cur = Some(p);
    while let Some(c) = cur {
        if c.file_name().is_some_and(|n| n == "scenarios") {
            return c.to_path_buf();
        }
        cur = c.parent();
    }
    if is_dir {
        p.to_path_buf()
    } else {
        p.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// `store-auth/exists/unknown.yaml` → `store_auth::exists::unknown`.
pub fn test_name(file: &Path, root: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file).with_extension("");
    rel.components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .replace(['-', '.', ' '], "_")
        })
        .collect::<Vec<_>>()
        .join("::")
}

/// Parses one file's text (what tests and benchmarks build scenarios with).
#[cfg(any(test, feature = "internals"))]
pub fn parse(name: String, path: String, text: String) -> Result<Loaded, Box<Diagnostic>> {
    parse_file(name, Arc::new(SourceFile { path, text }))
}

/// Parses one read file.
pub fn parse_file(name: String, file: Arc<SourceFile>) -> Result<Loaded, Box<Diagnostic>> {
    match crate::scenario::yaml::from_str::<ScenarioDoc>(&file.text) {
        Ok(doc) => Ok(Loaded { name, file, doc }),
        Err(e) => Err(Box::new(e.diagnostic(&file))),
    }
}

/// A scenario file read but not parsed yet, with its test name.
pub type Read = (String, Arc<SourceFile>);

/// Finds and reads every scenario file (the embedded suite when `paths` is empty).
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Read>, Error> {
    // No paths: the suite compiled into the binary (`embedded`).
    if paths.is_empty() {
        return Ok(crate::scenario::embedded::SCENARIOS
            .iter()
            .map(|(rel, text)| {
                let name = test_name(Path::new(rel), Path::new(""));
                let path = format!("scenarios/{rel}");
                let text = text.to_string();
                (name, Arc::new(SourceFile { path, text }))
            })
            .collect());
    }
    discover(paths)?
        .into_iter()
        .map(|(file, root)| {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::Io {
                path: file.display().to_string(),
                source: e,
            })?;
            let path = file.display().to_string();
            Ok((test_name(&file, &root), Arc::new(SourceFile { path, text })))
        })
        .collect()
}

/// Two files whose paths give the same test name (`a-b.yaml` and `a_b.yaml`).
pub fn duplicate_names(files: &[Read]) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for (name, file) in files {
        if let Some(other) = seen.insert(name.as_str(), file.path.as_str()) {
            problems.push(
                Diagnostic::new(format!(
                    "two scenarios have the test name `{name}`: {other} and {}",
                    file.path
                ))
                .help("rename one of the files"),
            );
        }
    }
    problems
}

/// What stands in for a file whose parsing or planning panicked.
pub fn crashed(file: &SourceFile) -> Diagnostic {
    Diagnostic::new(format!(
        "reading {} crashed the parser (a bug in medusa-conform)",
        file.path
    ))
    .help("please report it with this file attached")
}

/// Reads and parses everything (the embedded suite when `paths` is empty), in parallel;
/// collects every problem instead of stopping at the first.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Loaded>, Error> {
    let files = read_all(paths)?;
    let results = crate::parallel::map(
        &files,
        |(name, file)| parse_file(name.clone(), file.clone()),
        |(_, file)| Err(Box::new(crashed(file))),
    );
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok(l) => ok.push(l),
            Err(d) => problems.push(*d),
        }
    }
    if problems.is_empty() {
        problems = duplicate_names(&files);
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable() {
        assert_eq!(
            test_name(
                Path::new("scenarios/store-auth/exists/unknown.yaml"),
                Path::new("scenarios")
            ),
            "store_auth::exists::unknown"
        );
        assert_eq!(
            naming_root(Path::new("x/scenarios/store-auth"), true),
            PathBuf::from("x/scenarios")
        );
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let l = parse(
            "x".into(),
            "x.yaml".into(),
            "name: x\nsteps:\n  - register: {first_name: No, a: yes, b: true}\n".into(),
        )
        .unwrap();
        let v = &l.doc.steps[0].value.register.as_ref().unwrap().value;
        assert_eq!(v["first_name"], "No");
        assert_eq!(v["a"], "yes");
        assert_eq!(v["b"], true);
    }
}
