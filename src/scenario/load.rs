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

/// Parses one file's text.
pub fn parse(name: String, path: String, text: String) -> Result<Loaded, Box<Diagnostic>> {
    let file = Arc::new(SourceFile { path, text });
    // YAML 1.2 booleans only: `first_name: No` must stay the string "No".
    let options = serde_saphyr::options! { strict_booleans: true };
    match serde_saphyr::from_str_with_options::<ScenarioDoc>(&file.text, options) {
        Ok(doc) => Ok(Loaded { name, file, doc }),
        Err(e) => Err(Box::new(yaml_error(&file, &e))),
    }
}

/// Reads and parses everything (the embedded suite when `paths` is empty); collects every
/// problem instead of stopping at the first.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Loaded>, Error> {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    // No paths: the suite compiled into the binary (`embedded`).
    let files: Vec<(String, String, String)> = if paths.is_empty() {
        crate::scenario::embedded::SCENARIOS
            .iter()
            .map(|(rel, text)| {
                let name = test_name(Path::new(rel), Path::new(""));
                (name, format!("scenarios/{rel}"), text.to_string())
            })
            .collect()
    } else {
        let mut v = Vec::new();
        for (file, root) in discover(paths)? {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::Io {
                path: file.display().to_string(),
                source: e,
            })?;
            v.push((test_name(&file, &root), file.display().to_string(), text));
        }
        v
    };
    let results = parse_parallel(&files, |(n, p, t)| parse(n.clone(), p.clone(), t.clone()));
    for r in results {
        match r {
            Ok(l) => ok.push(l),
            Err(d) => problems.push(*d),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let mut seen = std::collections::HashMap::new();
    for l in &ok {
        if let Some(other) = seen.insert(l.name.clone(), l.file.path.clone()) {
            problems.push(
                Diagnostic::new(format!(
                    "two scenarios have the test name `{}`: {} and {}",
                    l.name, other, l.file.path
                ))
                .help("rename one of the files"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(ok)
}

type ParseResult = Result<Loaded, Box<Diagnostic>>;

/// Parsing dominates start-up: spread it over the cores, keeping the files' order. A thread
/// that panics does not lose its files: each of them becomes an error.
fn parse_parallel(
    files: &[(String, String, String)],
    parse: impl Fn(&(String, String, String)) -> ParseResult + Sync,
) -> Vec<ParseResult> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let chunk = files.len().div_ceil(threads).max(16);
    let parse = &parse;
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                (
                    part,
                    s.spawn(move || part.iter().map(parse).collect::<Vec<_>>()),
                )
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(part, h)| {
                h.join().unwrap_or_else(|_| {
                    part.iter()
                        .map(|(_, path, _)| {
                            Err(Box::new(
                                Diagnostic::new(format!(
                                    "reading {path} crashed the parser (a bug in medusa-conform)"
                                ))
                                .help("please report it with this file attached"),
                            ))
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Renders a YAML error rustc-style and adds a "did you mean" for unknown keys.
fn yaml_error(file: &Arc<SourceFile>, e: &serde_saphyr::Error) -> Diagnostic {
    let mut rendered = e.render_with_options(
        serde_saphyr::render_options! { source_name: Some(file.path.as_str()) },
    );
    let msg = e.to_string();
    if let Some(hint) = unknown_field_hint(&msg) {
        rendered.push_str(&format!("\n  = help: {hint}"));
    }
    if !rendered.starts_with("error") {
        rendered = format!("error: {rendered}");
    }
    let mut d = Diagnostic::new(first_line(&msg));
    if let Some(loc) = e.location() {
        d = d.at(crate::scenario::source::Span::new(
            file,
            crate::scenario::source::Loc::from_saphyr(&loc),
        ));
    }
    d.rendered = Some(rendered);
    d
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}

/// From "unknown field `captures`, expected one of name, capture, …" (with or without
/// backticks around the options) suggest the closest key.
fn unknown_field_hint(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    let (field, rest) = rest.split_once('`')?;
    let list = rest
        .split("expected one of")
        .nth(1)
        .or_else(|| rest.split("expected").nth(1))?;
    let list = list.lines().next().unwrap_or(list);
    let options = list
        .split(',')
        .map(|o| o.trim().trim_matches('`').trim_end_matches('.').trim())
        .filter(|o| !o.is_empty());
    crate::suggest::did_you_mean(field, options)
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

    #[test]
    fn a_parser_panic_is_an_error_for_each_of_its_files() {
        let files: Vec<(String, String, String)> = (0..40)
            .map(|i| {
                (
                    format!("n{i}"),
                    format!("f{i}.yaml"),
                    "name: x\nsteps: []\n".into(),
                )
            })
            .collect();
        // Silence the expected panic's message.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let out = parse_parallel(&files, |(n, p, t)| {
            if p == "f3.yaml" {
                panic!("boom");
            }
            parse(n.clone(), p.clone(), t.clone())
        });
        std::panic::set_hook(hook);
        assert_eq!(out.len(), files.len(), "no file drops out");
        let errors: Vec<String> = out
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|d| d.message.clone())
            .collect();
        assert!(
            errors
                .iter()
                .any(|m| m.contains("f3.yaml") && m.contains("crashed")),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_key_hint() {
        let h = unknown_field_hint(
            "unknown field `captures`, expected one of `name`, `capture`, `expect`",
        );
        assert_eq!(h.as_deref(), Some("did you mean `capture`?"));
    }
}
