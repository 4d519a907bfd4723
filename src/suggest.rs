//! The one "did you mean" rule, for keys, names, schemas, predicates and paths: the closest
//! option by Jaro-Winkler similarity (case-insensitive), offered only when it is close enough
//! to be a likely typo.

use std::path::{Component, Path, PathBuf};

/// How similar a word must be to an option before we suggest it.
const THRESHOLD: f64 = 0.8;

/// The closest option to `word`, if any is close enough.
pub fn closest<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    options
        .into_iter()
        .map(|o| (strsim::jaro_winkler(&word, &o.to_lowercase()), o))
        .filter(|(s, _)| *s > THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, o)| o)
}

/// "did you mean `x`?" for the closest option, if any is close enough.
pub fn did_you_mean<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, options).map(|o| format!("did you mean `{o}`?"))
}

/// For a path that does not exist: the same path with its first missing component replaced by
/// the closest entry of the directory that does exist (`scenarios/store-auht/exists` →
/// `scenarios/store-auth/exists`), if that path exists.
pub fn path(missing: &Path) -> Option<PathBuf> {
    let comps: Vec<Component> = missing.components().collect();
    let mut base = PathBuf::new();
    for (i, c) in comps.iter().enumerate() {
        let next = base.join(c);
        if next.exists() {
            base = next;
            continue;
        }
        let Component::Normal(name) = c else {
            return None;
        };
        let dir = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base.as_path()
        };
        let entries: Vec<String> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let best = closest(&name.to_string_lossy(), entries.iter().map(String::as_str))?;
        let mut fixed = base.join(best);
        for rest in &comps[i + 1..] {
            fixed.push(rest);
        }
        return fixed.exists().then_some(fixed);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("captures", ["name", "capture", "expect"]).as_deref(),
            Some("did you mean `capture`?")
        );
        assert_eq!(did_you_mean("zzz", ["name", "capture"]), None);
    }

    #[test]
    fn suggests_a_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("scenarios/store-auth/exists")).unwrap();
        let typo = dir.path().join("scenarios/store-auht/exists");
        assert_eq!(
            path(&typo),
            Some(dir.path().join("scenarios/store-auth/exists"))
        );
        assert_eq!(path(&dir.path().join("scenarios/zzzzzzzz")), None);
    }
}
