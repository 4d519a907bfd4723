//! The one directory walker (also compiled into `build.rs`, which embeds the suite): the files
//! under a directory with given extensions, in name order. Symbolic links are followed, so a
//! linked scenario folder is read, but a link back to an ancestor (a loop) is skipped rather
//! than walked forever: everything under it has already been reached. `walkdir` does the work.

use std::path::{Path, PathBuf};

/// Every file under `dir` (at any depth) whose extension is one of `exts`, sorted by path.
pub fn files(dir: &Path, exts: &[&str]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => return Err(e.into()),
        };
        let wanted = entry
            .path()
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| exts.contains(&x));
        if wanted && entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_files_in_order_and_survives_a_symlink_loop() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        for f in ["b/c/z.yaml", "b/a.yml", "a.yaml", "b/skip.json"] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("b/c/loop")).unwrap();
        let found = files(root, &["yaml", "yml"]).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a.yaml", "b/a.yml", "b/c/z.yaml"]);
        assert!(files(&root.join("missing"), &["yaml"]).is_err());
    }
}
