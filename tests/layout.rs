//! The crate's layout rules that the compiler cannot check: every module that `lib.rs` declares
//! through its `internal_modules!` macro is also shown to `cargo fmt` (which does not look
//! inside macros), so no file escapes formatting.

use std::collections::BTreeSet;

#[test]
fn every_internal_module_is_visible_to_cargo_fmt() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let declared: BTreeSet<&str> = lib
        .split("internal_modules!(")
        .skip(1)
        .flat_map(|call| call.split(')').next().unwrap_or_default().split(','))
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    let shown: BTreeSet<&str> = lib
        .split("mod shown_to_cargo_fmt {")
        .nth(1)
        .and_then(|block| block.split('}').next())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    assert!(declared.len() >= 10, "{declared:?}");
    assert_eq!(declared, shown, "src/lib.rs: the two module lists differ");
}
