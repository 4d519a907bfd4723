//! Embeds the scenario suite and the specs into the binary, so an installed
//! `medusa-conform run --target URL` works from any directory.

use std::path::{Path, PathBuf};

// The crate's own walker (one place for it), compiled into the build script too.
#[path = "src/walk.rs"]
mod walk;

fn table(name: &str, root: &Path, exts: &[&str]) -> String {
    let files = walk::files(root, exts).unwrap_or_default();
    let mut s = format!("pub static {name}: &[(&str, &str)] = &[\n");
    for f in files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        s.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            f.canonicalize().unwrap()
        ));
    }
    s.push_str("];\n");
    s
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=scenarios");
    println!("cargo:rerun-if-changed=specs");
    let code = table("SCENARIOS", &root.join("scenarios"), &["yaml", "yml"])
        + &table("SPECS", &root.join("specs"), &["json"]);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, code).unwrap();
}
