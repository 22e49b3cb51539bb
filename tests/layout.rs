//! The house rules, checked over `src/` (README, "Architecture"):
//! - every room (a folder or file of `src/`) has one row in the README's
//!   Architecture table, and imports only the rooms its row lists;
//! - no import cycle between rooms, nor between the files of one folder
//!   unless that folder's `mod.rs` names it (`import cycle: a, b …` and why);
//! - `src/api` never imports `crate::component` or `crate::service`;
//! - the leaf vocabulary (`crate::model`: the clock, `BoxFut`, tokens) is
//!   imported from `crate::model` only, and nobody re-exports it;
//! - a token WeChat rejects is recognised by the authenticated-call
//!   primitive only (`credential::with_token`): nobody hand-rolls the retry.
//!
//! An import counts both where it is spelled (`crate::api::X`) and where
//! `X` is defined (following `use` re-exports); `layout_support` reads them.

mod layout_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use layout_support::{cycles, lex, root, scan, witness, File, House, Tok};

/// The README's Architecture table: room → the rooms it may import (None: any).
fn architecture() -> BTreeMap<String, Option<BTreeSet<String>>> {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("\n## Architecture").nth(1).expect("README has an Architecture section");
    let section = section.split("\n## ").next().unwrap();
    let mut rooms = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `src/")) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cols[1].trim_matches('`').trim_start_matches("src/").trim_end_matches('/').trim_end_matches(".rs").to_owned();
        let may = cols.get(3).copied().unwrap_or("");
        let allowed = if may.contains("any room") {
            None
        } else {
            // Each item is a room's name, maybe followed by why ("inbox (its test appids)").
            let names = may.split(',').filter_map(|s| s.split_whitespace().next()).map(|s| s.trim_matches('`').to_owned());
            Some(names.filter(|s| s != "nothing").collect())
        };
        assert!(rooms.insert(name.clone(), allowed).is_none(), "README: room {name} has two rows");
    }
    rooms
}

#[test]
fn every_room_has_one_row_in_the_readme_and_imports_only_what_it_lists() {
    let house = House::new();
    let table = architecture();
    let rooms: BTreeSet<String> = house.files.iter().filter_map(|f| f.module.first().cloned()).collect();
    let listed: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(rooms, listed, "the README's Architecture table lists other rooms than src/ has");

    let mut wrong = BTreeSet::new();
    for (from, t, written, _) in house.imports() {
        let Some(a) = house.room(from) else { continue };
        for to in [t.spelled, t.defined] {
            let Some(b) = house.room(to) else { continue };
            if a != b && table[a].as_ref().is_some_and(|ok| !ok.contains(b)) {
                wrong.insert(format!("{} imports {b} ({written}); the README lets {a} import only what its row lists", house.files[from].rel));
            }
        }
    }
    assert!(wrong.is_empty(), "imports the Architecture table does not allow:\n{}", wrong.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn no_import_cycle_between_rooms() {
    let house = House::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut why = BTreeMap::new();
    for (from, t, written, _) in house.imports() {
        let Some(a) = house.room(from) else { continue };
        for to in [t.spelled, t.defined] {
            let Some(b) = house.room(to) else { continue };
            if a != b {
                edges.entry(a.to_owned()).or_default().insert(b.to_owned());
                why.entry((a.to_owned(), b.to_owned())).or_insert(format!("{} names {written}", house.files[from].rel));
            }
        }
    }
    let found = cycles(&edges);
    let report: Vec<String> = found.iter().map(|g| format!("  {g:?}\n{}", witness(&why, g))).collect();
    assert!(found.is_empty(), "import cycles between rooms of src/:\n{}", report.join("\n"));
}

#[test]
fn no_import_cycle_inside_a_folder_unless_its_mod_rs_says_why() {
    let house = House::new();
    let mut report = Vec::new();
    let folders: Vec<&File> = house.files.iter().filter(|f| f.rel.ends_with("mod.rs")).collect();
    for folder in folders {
        let depth = folder.module.len();
        // The child of `folder` a file lives in (None: the folder's mod.rs or elsewhere).
        let node = |file: usize| -> Option<String> {
            let m = &house.files[file].module;
            (m.len() > depth && m[..depth] == folder.module[..]).then(|| m[depth].clone())
        };
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut why = BTreeMap::new();
        for (from, t, written, _) in house.imports() {
            let Some(a) = node(from) else { continue };
            for to in [t.spelled, t.defined] {
                if let Some(b) = node(to).filter(|b| *b != a) {
                    edges.entry(a.clone()).or_default().insert(b.clone());
                    why.entry((a.clone(), b)).or_insert(format!("{} names {written}", house.files[from].rel));
                }
            }
        }
        let allowed = allowed_cycles(&folder.text);
        for g in cycles(&edges) {
            if !allowed.iter().any(|a| g.is_subset(a)) {
                report.push(format!("  {}: {g:?}\n{}", folder.rel, witness(&why, &g)));
            }
        }
    }
    assert!(report.is_empty(), "import cycles inside a folder (break them, or name them in its mod.rs: `import cycle: a, b — why`):\n{}", report.join("\n"));
}

/// The groups a mod.rs allows: each `import cycle: a, b, c` in its comments.
fn allowed_cycles(text: &str) -> Vec<BTreeSet<String>> {
    text.lines()
        .filter_map(|l| l.split("import cycle:").nth(1))
        .map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ',' || c == ' '))
                .next()
                .unwrap_or("")
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .collect()
}

#[test]
fn api_never_imports_component_or_service() {
    let house = House::new();
    let bad: Vec<String> = house
        .imports()
        .into_iter()
        .filter(|(from, _, _, _)| house.room(*from) == Some("api"))
        .filter(|(_, t, _, _)| [t.spelled, t.defined].iter().any(|&f| matches!(house.room(f), Some("component" | "service"))))
        .map(|(from, _, written, _)| format!("{} names {written}", house.files[from].rel))
        .collect();
    assert!(bad.is_empty(), "src/api imports the platform or the token service:\n{}", bad.join("\n"));
}

#[test]
fn the_leaf_vocabulary_comes_from_crate_model_only() {
    let house = House::new();
    let model = house.by_module[&vec!["model".to_owned()]];
    let mut bad = Vec::new();
    for (from, t, written, reexport) in house.imports() {
        if from == model || t.defined != model || t.item.is_none() {
            continue;
        }
        let f = &house.files[from];
        if t.spelled != model {
            bad.push(format!("{} names {written}: import it as crate::model::{}", f.rel, t.item.as_deref().unwrap()));
        } else if reexport {
            bad.push(format!("{} re-exports {written}: crate::model is the one way in", f.rel));
        }
    }
    bad.sort();
    bad.dedup();
    assert!(bad.is_empty(), "the leaf vocabulary through another door:\n{}", bad.join("\n"));
}

/// `error.rs` defines the test, the sandbox plays WeChat; everyone else
/// calls WeChat with a token through `with_token`.
#[test]
fn only_the_primitive_retries_a_rejected_token() {
    let house = House::new();
    let bad: Vec<&str> = house
        .files
        .iter()
        .filter(|f| !matches!(f.rel.as_str(), "error.rs" | "credential/source.rs") && !f.rel.starts_with("sandbox/"))
        .filter(|f| lex(&f.text).iter().any(|t| matches!(t, Tok::Ident(s) if s == "is_token_invalid" || s == "TOKEN_INVALID_CODES")))
        .map(|f| f.rel.as_str())
        .collect();
    assert!(bad.is_empty(), "a rejected token handled outside credential::with_token (call WeChat through it): {bad:?}");
}

#[test]
fn the_scanner_reads_nested_use_trees_strings_and_inline_modules() {
    let mut f = File { rel: "x/y.rs".into(), module: vec!["x".into(), "y".into()], children: BTreeSet::new(), paths: Vec::new(), imports: BTreeMap::new(), text: String::new() };
    let src = r##"
        pub use super::{a::{self, B as C}, d::*};
        // use crate::commented::Out;
        const S: &str = "crate::in_string::X"; const R: &str = r#"crate::raw::X"#;
        fn f<'a>(c: char) -> bool { c == '{' || crate::called::now() }
        mod tests { use super::*; fn g() { crate::deep::Z::new(); } }
        pub(crate) use crate::model::Token;
    "##;
    scan(&mut f, &lex(src));
    let seen: Vec<(String, String, bool)> = f.paths.iter().map(|p| (p.at.join("::"), p.segs.join("::"), p.reexport)).collect();
    let want = [
        ("x::y", "super::a", true),
        ("x::y", "super::a::B", true),
        ("x::y", "super::d", true),
        ("x::y", "crate::called::now", false),
        ("x::y::tests", "super", false),
        ("x::y::tests", "crate::deep::Z::new", false),
        ("x::y", "crate::model::Token", true),
    ];
    let want: Vec<(String, String, bool)> = want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), *c)).collect();
    assert_eq!(seen, want);
    assert_eq!(f.imports.get("C").map(|p| p.join("::")).as_deref(), Some("super::a::B"));
    assert_eq!(f.imports.get("a").map(|p| p.join("::")).as_deref(), Some("super::a"));
    assert_eq!(f.children, BTreeSet::from(["tests".to_owned()]));
}
