//! The coverage map: every clause of a pack's contract crossed with the classes of variation a
//! real server gets wrong. Scenarios say which cells they cover (`covers: [clause/class]`); the
//! pack's map (`docs/coverage/<pack>.yaml`, compiled in) lists the clauses and explains in one
//! line each cell that does not apply (`na:`). `medusa-conform coverage` prints the map from the
//! scenarios themselves and fails on a cell that is neither covered nor explained, so the map
//! cannot rot. The classes are a fixed vocabulary defined here; `docs/coverage.md` explains them.

use crate::diagnostic::Diagnostic;
use crate::error::{Error, ExitCode};
use crate::scenario::Spanned;
use crate::scenario::SpannedMap;
use crate::scenario::load::Loaded;
use crate::scenario::source::{SourceFile, Span};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The classes of variation, in column order: (name, short column title, what it varies).
pub const CLASSES: &[(&str, &str, &str)] = &[
    (
        "input-normalisation",
        "input",
        "every field a client sends: case, whitespace, Unicode forms, types, empty, very long",
    ),
    (
        "credential-location",
        "location",
        "where a credential travels: the cookie, Authorization in its spellings, and every other place (query, body, other headers), which must be refused",
    ),
    (
        "time-and-use",
        "time",
        "a session or token over its life: many requests in a row, reuse, expiry, idle",
    ),
    (
        "consistency-after-write",
        "after-write",
        "what registration, a profile change, login, logout or a second login shows on the very next call",
    ),
    (
        "several-actors",
        "actors",
        "two devices of one customer, two customers on one cookie, clients side by side",
    ),
    (
        "error-paths",
        "errors",
        "every refusal: its status, body shape and side effects (session kept or not)",
    ),
];

/// The maps built into the binary, by pack (the directory under `scenarios/`).
pub static MAPS: &[(&str, &str, &str)] = &[
    (
        "store-auth",
        "docs/coverage/store-auth.yaml",
        include_str!("../docs/coverage/store-auth.yaml"),
    ),
    (
        "medusa-v2",
        "docs/coverage/medusa-v2-auth.yaml",
        include_str!("../docs/coverage/medusa-v2-auth.yaml"),
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapDoc {
    pack: Spanned<String>,
    clauses: SpannedMap<ClauseDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClauseDoc {
    says: String,
    #[serde(default)]
    na: SpannedMap<Spanned<String>>,
}

/// One clause of the contract and the cells explained as not applying.
#[derive(Debug)]
pub struct Clause {
    pub name: String,
    pub says: String,
    /// Per class (index into [`CLASSES`]): why the cell does not apply.
    pub na: Vec<Option<String>>,
}

/// A pack's coverage map.
#[derive(Debug)]
pub struct Map {
    pub pack: String,
    pub file: Arc<SourceFile>,
    pub clauses: Vec<Clause>,
}

fn suggest(word: &str, options: &[&str]) -> Option<String> {
    crate::suggest::did_you_mean(word, options.iter().copied())
}

fn class_names() -> Vec<&'static str> {
    CLASSES.iter().map(|c| c.0).collect()
}

fn span<T>(file: &Arc<SourceFile>, s: &Spanned<T>) -> Span {
    Span::new(file, s.loc)
}

/// `store_auth::exists::unknown` → `store_auth` (test names use `_` where paths use `-`).
fn pack_ident(name: &str) -> &str {
    name.split("::").next().unwrap_or(name)
}

fn same_pack(pack: &str, test_name: &str) -> bool {
    pack.replace(['-', '.', ' '], "_") == pack_ident(test_name)
}

impl Map {
    /// Parses and checks a map file (unknown classes, empty reasons, malformed clause names).
    pub fn parse(path: String, text: String) -> Result<Map, Vec<Diagnostic>> {
        let file = Arc::new(SourceFile { path, text });
        let doc: MapDoc = match crate::scenario::yaml::from_str(&file.text) {
            Ok(d) => d,
            Err(e) => {
                let mut d = e.diagnostic(&file);
                d.message = format!("invalid coverage map: {}", d.message);
                d.help
                    .get_or_insert("see docs/coverage.md for the map's format".into());
                return Err(vec![d]);
            }
        };
        let mut problems = Vec::new();
        let mut clauses: Vec<Clause> = Vec::new();
        let names = class_names();
        for (k, c) in &doc.clauses.0 {
            let valid = k
                .value
                .split_once('.')
                .is_some_and(|(a, b)| [a, b].iter().all(|p| is_ident(p)));
            if !valid {
                problems.push(
                    Diagnostic::new(format!("clause name `{}` is not `route.promise`", k.value))
                        .at(span(&file, k))
                        .help("lower-case words joined by `-`, e.g. `get-session.by-cookie`"),
                );
            }
            if clauses.iter().any(|c| c.name == k.value) {
                problems.push(
                    Diagnostic::new(format!("clause `{}` is listed twice", k.value))
                        .at(span(&file, k)),
                );
            }
            let mut na = vec![None; CLASSES.len()];
            for (class, why) in &c.na.0 {
                match names.iter().position(|n| *n == class.value) {
                    Some(i) if why.value.trim().is_empty() => problems.push(
                        Diagnostic::new(format!("`na: {}` needs a reason", names[i]))
                            .at(span(&file, class))
                            .help("say in one line why this class does not apply to the clause"),
                    ),
                    Some(i) => na[i] = Some(why.value.trim().to_string()),
                    None => problems.push(
                        Diagnostic::new(format!("unknown class `{}`", class.value))
                            .at(span(&file, class))
                            .help(suggest(&class.value, &names).unwrap_or_else(|| {
                                format!("the classes are: {}", names.join(", "))
                            })),
                    ),
                }
            }
            clauses.push(Clause {
                name: k.value.clone(),
                says: c.says.split_whitespace().collect::<Vec<_>>().join(" "),
                na,
            });
        }
        if clauses.is_empty() {
            problems.push(
                Diagnostic::new("the coverage map lists no clause").at(span(&file, &doc.pack)),
            );
        }
        if problems.is_empty() {
            Ok(Map {
                pack: doc.pack.value,
                file,
                clauses,
            })
        } else {
            Err(problems)
        }
    }

    /// The built-in map of the pack a scenario belongs to (by its test name).
    pub fn builtin_for(test_name: &str) -> Option<Result<&'static Map, &'static [Diagnostic]>> {
        static PARSED: OnceLock<Vec<Result<Map, Vec<Diagnostic>>>> = OnceLock::new();
        let parsed = PARSED.get_or_init(|| {
            MAPS.iter()
                .map(|(_, path, text)| Map::parse(path.to_string(), text.to_string()))
                .collect()
        });
        MAPS.iter()
            .zip(parsed)
            .find(|((pack, _, _), _)| same_pack(pack, test_name))
            .map(|(_, m)| m.as_ref().map_err(Vec::as_slice))
    }

    fn clause_names(&self) -> Vec<&str> {
        self.clauses.iter().map(|c| c.name.as_str()).collect()
    }

    /// `clause/class` → (clause index, class index), or what is wrong with it.
    pub fn resolve(&self, cover: &str) -> Result<(usize, usize), (String, Option<String>)> {
        let Some((clause, class)) = cover.split_once('/') else {
            return Err((
                format!("`{cover}` is not `clause/class`"),
                Some("write e.g. `authenticate.credentials/error-paths`".into()),
            ));
        };
        let clauses = self.clause_names();
        let ci = clauses.iter().position(|c| *c == clause).ok_or_else(|| {
            (
                format!(
                    "unknown clause `{clause}`: it is not in the {} coverage map",
                    self.pack
                ),
                Some(suggest(clause, &clauses).unwrap_or_else(|| {
                    format!(
                        "add it to {} first, or use one of: {}",
                        self.file.path,
                        clauses.join(", ")
                    )
                })),
            )
        })?;
        let names = class_names();
        let k = names.iter().position(|c| *c == class).ok_or_else(|| {
            (
                format!("unknown class `{class}`"),
                Some(
                    suggest(class, &names)
                        .unwrap_or_else(|| format!("the classes are: {}", names.join(", "))),
                ),
            )
        })?;
        Ok((ci, k))
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Checks a scenario's `covers:` against `map`; each problem points at its list item.
fn check_with(map: &Map, covers: &[Spanned<String>], file: &Arc<SourceFile>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for c in covers {
        match map.resolve(&c.value) {
            Ok(cell) if seen.contains(&cell) => out
                .push(Diagnostic::new(format!("`{}` is listed twice", c.value)).at(span(file, c))),
            Ok(cell) => seen.push(cell),
            Err((msg, help)) => {
                let mut d = Diagnostic::new(msg).at(span(file, c));
                d.help = help;
                out.push(d);
            }
        }
    }
    out
}

/// The planner's check of `covers:`: every entry must name a cell of the built-in map of the
/// scenario's pack (of any built-in map, for a scenario outside the mapped packs).
pub fn check_covers(
    test_name: &str,
    covers: &[Spanned<String>],
    file: &Arc<SourceFile>,
) -> Vec<Diagnostic> {
    if covers.is_empty() {
        return Vec::new();
    }
    match Map::builtin_for(test_name) {
        Some(Ok(map)) => check_with(map, covers, file),
        Some(Err(problems)) => problems.to_vec(),
        // A scenario outside the mapped packs (a copy run from elsewhere, or the bugs and
        // security packs): its entries must still name a cell of some built-in map. They count
        // only where the scenario lives in that map's pack.
        None => {
            let mut first = None;
            for (pack, _, _) in MAPS {
                if let Some(Ok(map)) = Map::builtin_for(&pack.replace('-', "_")) {
                    let ds = check_with(map, covers, file);
                    if ds.is_empty() {
                        return ds;
                    }
                    first.get_or_insert(ds);
                }
            }
            first.unwrap_or_default()
        }
    }
}

/// What one cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Scenarios (test names) that cover it.
    Covered(Vec<String>),
    /// Explained as not applying.
    Na(String),
    /// Neither: the map has a hole.
    Empty,
    /// Both explained as not applying and covered: one of the two is wrong.
    Conflict(String, Vec<String>),
}

/// A map filled from the scenarios.
#[derive(Debug)]
pub struct Coverage<'a> {
    pub map: &'a Map,
    /// `cells[clause][class]`.
    pub cells: Vec<Vec<Cell>>,
    pub scenarios: usize,
    /// Scenarios of the pack that declare no `covers:`.
    pub silent: Vec<String>,
}

/// Fills `map` from the scenarios of its pack among `loaded`.
pub fn compute<'a>(map: &'a Map, loaded: &[Loaded]) -> Result<Coverage<'a>, Vec<Diagnostic>> {
    let mut hits: Vec<Vec<Vec<String>>> = vec![vec![Vec::new(); CLASSES.len()]; map.clauses.len()];
    let mut problems = Vec::new();
    let mut scenarios = 0;
    let mut silent = Vec::new();
    for l in loaded.iter().filter(|l| same_pack(&map.pack, &l.name)) {
        scenarios += 1;
        if l.doc.covers.is_empty() {
            silent.push(l.name.clone());
        }
        let ds = check_with(map, &l.doc.covers, &l.file);
        if !ds.is_empty() {
            problems.extend(ds);
            continue;
        }
        for c in &l.doc.covers {
            if let Ok((ci, k)) = map.resolve(&c.value) {
                hits[ci][k].push(l.name.clone());
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let cells = map
        .clauses
        .iter()
        .zip(hits)
        .map(|(clause, row)| {
            clause
                .na
                .iter()
                .zip(row)
                .map(|(na, names)| match (na, names.is_empty()) {
                    (None, true) => Cell::Empty,
                    (None, false) => Cell::Covered(names),
                    (Some(why), true) => Cell::Na(why.clone()),
                    (Some(why), false) => Cell::Conflict(why.clone(), names),
                })
                .collect()
        })
        .collect();
    Ok(Coverage {
        map,
        cells,
        scenarios,
        silent,
    })
}

impl Coverage<'_> {
    fn count(&self, f: impl Fn(&Cell) -> bool) -> usize {
        self.cells.iter().flatten().filter(|c| f(c)).count()
    }

    /// Cells that are neither covered nor explained, as `clause/class`.
    pub fn empty(&self) -> Vec<String> {
        self.named(|c| matches!(c, Cell::Empty))
    }

    fn named(&self, f: impl Fn(&Cell) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        for (clause, row) in self.map.clauses.iter().zip(&self.cells) {
            for ((class, _, _), cell) in CLASSES.iter().zip(row) {
                if f(cell) {
                    out.push(format!("{}/{class}", clause.name));
                }
            }
        }
        out
    }

    /// True when every cell is covered or explained, none is both, and every scenario says
    /// what it covers.
    pub fn complete(&self) -> bool {
        self.count(|c| matches!(c, Cell::Empty | Cell::Conflict(..))) == 0 && self.silent.is_empty()
    }

    /// The compact table, then the holes; with `cells`, every cell's scenarios or reason.
    pub fn render(&self, cells: bool) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "coverage of {} ({}): {} scenario(s), {} clauses x {} classes",
            self.map.pack,
            self.map.file.path,
            self.scenarios,
            self.map.clauses.len(),
            CLASSES.len()
        );
        self.render_table(&mut s);
        let legend: Vec<String> = CLASSES
            .iter()
            .map(|(n, short, _)| format!("{short} = {n}"))
            .collect();
        let _ = writeln!(s, "columns: {}", legend.join(", "));
        let _ = writeln!(
            s,
            "{} cells: {} covered, {} na, {} EMPTY, {} both na and covered",
            self.cells.iter().map(Vec::len).sum::<usize>(),
            self.count(|c| matches!(c, Cell::Covered(_))),
            self.count(|c| matches!(c, Cell::Na(_))),
            self.count(|c| matches!(c, Cell::Empty)),
            self.count(|c| matches!(c, Cell::Conflict(..))),
        );
        self.render_holes(&mut s);
        if cells {
            let _ = writeln!(s, "\ncells:");
            for (clause, row) in self.map.clauses.iter().zip(&self.cells) {
                let _ = writeln!(s, "{}: {}", clause.name, clause.says);
                for ((class, _, _), cell) in CLASSES.iter().zip(row) {
                    let text = match cell {
                        Cell::Covered(n) => n.join(", "),
                        Cell::Na(why) => format!("na: {why}"),
                        Cell::Empty => "EMPTY".into(),
                        Cell::Conflict(why, n) => {
                            format!("na ({why}) but covered by {}", n.join(", "))
                        }
                    };
                    let _ = writeln!(s, "  {class}: {text}");
                }
            }
        }
        s
    }
}

/// The parts of [`Coverage::render`].
impl Coverage<'_> {
    /// One row a clause, one column a class: how many scenarios cover the cell, or why not.
    fn render_table(&self, s: &mut String) {
        use std::fmt::Write;
        let w = self
            .map
            .clauses
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max("clause".len());
        let _ = write!(s, "{:<w$}", "clause");
        for (_, short, _) in CLASSES {
            let _ = write!(s, "  {short:>width$}", width = short.len().max(5));
        }
        s.push('\n');
        for (clause, row) in self.map.clauses.iter().zip(&self.cells) {
            let _ = write!(s, "{:<w$}", clause.name);
            for ((_, short, _), cell) in CLASSES.iter().zip(row) {
                let text = match cell {
                    Cell::Covered(n) => n.len().to_string(),
                    Cell::Na(_) => "na".into(),
                    Cell::Empty => "EMPTY".into(),
                    Cell::Conflict(..) => "na+".into(),
                };
                let _ = write!(s, "  {text:>width$}", width = short.len().max(5));
            }
            s.push('\n');
        }
    }

    /// The EMPTY cells, the cells both na and covered, the scenarios that say nothing.
    fn render_holes(&self, s: &mut String) {
        use std::fmt::Write;
        let empty = self.empty();
        if !empty.is_empty() {
            let _ = writeln!(
                s,
                "\nEMPTY cells (cover them with a scenario, or explain them under `na:` in {}):",
                self.map.file.path
            );
            for e in &empty {
                let _ = writeln!(s, "  {e}");
            }
        }
        let conflicts = self.named(|c| matches!(c, Cell::Conflict(..)));
        if !conflicts.is_empty() {
            let _ = writeln!(
                s,
                "\ncells both marked na and covered (drop the na, or the scenario's covers entry):"
            );
            for e in &conflicts {
                let _ = writeln!(s, "  {e}");
            }
        }
        if !self.silent.is_empty() {
            let _ = writeln!(s, "\nscenarios that declare no `covers:`:");
            for n in &self.silent {
                let _ = writeln!(s, "  {n}");
            }
        }
    }
}

/// The `coverage` command: loads the scenarios under `paths` (the built-in suite when empty),
/// fills the map of each pack found (or `map_file` for its pack), prints it and returns
/// success only when every map is complete (else [`ExitCode::Failed`]).
pub fn command(
    paths: &[PathBuf],
    map_file: Option<&std::path::Path>,
    cells: bool,
    out: &mut dyn std::io::Write,
) -> Result<ExitCode, Error> {
    let loaded = crate::scenario::load::load_all(paths)?;
    let owned;
    let maps: Vec<&Map> = match map_file {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::Io {
                path: p.display().to_string(),
                source: e,
            })?;
            owned = Map::parse(p.display().to_string(), text).map_err(Error::Invalid)?;
            vec![&owned]
        }
        None => {
            let mut v: Vec<&Map> = Vec::new();
            for (pack, _, _) in MAPS {
                if let Some(l) = loaded.iter().find(|l| same_pack(pack, &l.name)) {
                    match Map::builtin_for(&l.name) {
                        Some(Ok(m)) => v.push(m),
                        Some(Err(ds)) => return Err(Error::Invalid(ds.to_vec())),
                        None => {}
                    }
                }
            }
            v
        }
    };
    let mut complete = true;
    let mut any = false;
    let mut problems = Vec::new();
    for map in maps {
        match compute(map, &loaded) {
            Ok(c) if c.scenarios == 0 => {}
            Ok(c) => {
                any = true;
                complete &= c.complete();
                let _ = write!(out, "{}", c.render(cells));
            }
            Err(mut ds) => problems.append(&mut ds),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    if !any {
        return Err(Error::Usage(format!(
            "no scenario of a pack with a coverage map was found (packs with a map: {}); pass e.g. scenarios/store-auth, or --map FILE",
            MAPS.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(if complete {
        ExitCode::Success
    } else {
        ExitCode::Failed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "pack: tiny\nclauses:\n  login.works:\n    says: it works\n    na:\n      time-and-use: no clock\n      credential-location: none\n      several-actors: alone\n      consistency-after-write: nothing written\n  logout.ends:\n    says: it ends\n";

    fn scenario(name: &str, covers: &str) -> Loaded {
        let text = format!("name: x\ncovers: {covers}\nsteps:\n  - get_session: {{}}\n");
        crate::scenario::load::parse(name.into(), format!("{name}.yaml"), text).unwrap()
    }

    fn tiny() -> Map {
        Map::parse("tiny.yaml".into(), TINY.into()).unwrap()
    }

    #[test]
    fn counts_na_and_empty_cells() {
        let map = tiny();
        let loaded = vec![
            scenario(
                "tiny::a",
                "[login.works/error-paths, login.works/input-normalisation]",
            ),
            scenario("tiny::b", "[login.works/error-paths]"),
            scenario("other::c", "[nothing/at-all]"),
        ];
        let c = compute(&map, &loaded).unwrap();
        assert_eq!(c.scenarios, 2);
        assert_eq!(
            c.cells[0][5],
            Cell::Covered(vec!["tiny::a".into(), "tiny::b".into()])
        );
        assert_eq!(c.cells[0][2], Cell::Na("no clock".into()));
        assert_eq!(c.empty().len(), 6, "{:?}", c.empty());
        assert!(c.empty().contains(&"logout.ends/error-paths".to_string()));
        assert!(!c.complete());
        let table = c.render(false);
        assert!(table.contains("login.works"), "{table}");
        assert!(table.contains("EMPTY"), "{table}");
        assert!(
            table.contains("12 cells: 2 covered, 4 na, 6 EMPTY"),
            "{table}"
        );
    }

    #[test]
    fn a_full_map_is_complete_and_na_plus_covered_is_not() {
        let map = tiny();
        let all: Vec<String> = CLASSES
            .iter()
            .map(|c| format!("logout.ends/{}", c.0))
            .chain([
                "login.works/input-normalisation".into(),
                "login.works/error-paths".into(),
            ])
            .collect();
        let loaded = vec![scenario("tiny::a", &format!("[{}]", all.join(", ")))];
        let c = compute(&map, &loaded).unwrap();
        assert!(c.complete(), "{}", c.render(true));
        let loaded = vec![
            scenario("tiny::a", &format!("[{}]", all.join(", "))),
            scenario("tiny::b", "[login.works/time-and-use]"),
        ];
        let c = compute(&map, &loaded).unwrap();
        assert!(!c.complete());
        assert!(c.render(false).contains("both marked na and covered"));
    }

    #[test]
    fn a_scenario_without_covers_makes_the_map_incomplete() {
        let map = tiny();
        let text = "name: x\nsteps:\n  - get_session: {}\n".to_string();
        let l = crate::scenario::load::parse("tiny::quiet".into(), "q.yaml".into(), text).unwrap();
        let c = compute(&map, &[l]).unwrap();
        assert_eq!(c.silent, vec!["tiny::quiet".to_string()]);
        assert!(!c.complete());
    }

    #[test]
    fn unknown_clause_and_class_point_at_the_entry_with_a_hint() {
        let map = tiny();
        let l = scenario(
            "tiny::a",
            "[login.work/error-paths, logout.ends/eror-paths, bare]",
        );
        let ds = compute(&map, &[l]).unwrap_err();
        assert_eq!(ds.len(), 3);
        assert_eq!(ds[0].position().unwrap(), "tiny::a.yaml:2:10");
        assert_eq!(ds[0].help.as_deref(), Some("did you mean `login.works`?"));
        assert_eq!(ds[1].help.as_deref(), Some("did you mean `error-paths`?"));
        assert!(ds[2].message.contains("is not `clause/class`"));
    }

    #[test]
    fn map_errors_are_located() {
        let bad = "pack: tiny\nclauses:\n  Login:\n    says: x\n    na:\n      time-and-uses: x\n      error-paths: \"\"\n";
        let ds = Map::parse("m.yaml".into(), bad.into()).unwrap_err();
        assert_eq!(ds.len(), 3, "{ds:?}");
        assert!(ds[0].message.contains("not `route.promise`"));
        assert_eq!(ds[1].help.as_deref(), Some("did you mean `time-and-use`?"));
        assert_eq!(ds[1].position().unwrap(), "m.yaml:6:7");
        assert!(ds[2].message.contains("needs a reason"));
    }

    #[test]
    fn scenarios_outside_mapped_packs_are_checked_against_every_map() {
        let ok = scenario("bugs::x", "[authenticate.credentials/error-paths]");
        assert!(check_covers(&ok.name, &ok.doc.covers, &ok.file).is_empty());
        let bad = scenario("bugs::y", "[authenticate.credential/error-paths]");
        let ds = check_covers(&bad.name, &bad.doc.covers, &bad.file);
        assert_eq!(ds.len(), 1);
        assert_eq!(
            ds[0].help.as_deref(),
            Some("did you mean `authenticate.credentials`?")
        );
    }

    #[test]
    fn builtin_map_parses_and_is_found_by_pack() {
        let m = Map::builtin_for("store_auth::exists::unknown")
            .unwrap()
            .unwrap();
        assert_eq!(m.pack, "store-auth");
        let v2 = Map::builtin_for("medusa_v2::me::bearer").unwrap().unwrap();
        assert_eq!(v2.pack, "medusa-v2");
        assert!(Map::builtin_for("bugs::x").is_none());
    }
}
