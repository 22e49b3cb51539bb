//! The house rules, checked over `src/` (README, "Architecture"):
//! - every room (a folder or file of `src/`) has one row in the README's
//!   Architecture table, and imports only the rooms its row lists;
//! - no import cycle between rooms, nor between the files of one folder
//!   unless that folder's `mod.rs` names it (`import cycle: a, b …` and why);
//! - `src/api` never imports `crate::component` or `crate::service`;
//! - the leaf vocabulary (`crate::model`: the clock, `BoxFut`, tokens) is
//!   imported from `crate::model` only, and nobody re-exports it.
//!
//! Paths are read from tokens, not from a syntax tree: a parser's visitor
//! does not look inside macro bodies (`json!`, `tokio::select!`), a token
//! scan does. An import counts both where it is spelled (`crate::api::X`)
//! and where `X` is defined (following `use` re-exports).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(option_env!("CARGO_MANIFEST_DIR").unwrap_or("."))
}

// ---------------------------------------------------------------- tokens

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Path,  // ::
    Open,  // {
    Close, // }
    Semi,
    Comma,
    Star,
    Other(char),
}

/// Rust source as tokens, without comments, strings, chars and lifetimes.
fn lex(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' || ((ch == 'r' || ch == 'b') && raw_or_byte_string(&c, i).is_some()) {
            i = skip_string(&c, i);
        } else if ch == '\'' {
            // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || (c[i] == '.' && at(i + 1).is_ascii_digit())) {
                i += 1;
            }
        } else {
            out.push(match ch {
                ':' if at(i + 1) == ':' => {
                    i += 1;
                    Tok::Path
                }
                '{' => Tok::Open,
                '}' => Tok::Close,
                ';' => Tok::Semi,
                ',' => Tok::Comma,
                '*' => Tok::Star,
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                c => Tok::Other(c),
            });
            i += 1;
        }
    }
    out
}

/// The index of the opening quote when `c[i..]` starts a raw or byte string.
fn raw_or_byte_string(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) == Some(&'r') {
        j += 1;
        while c.get(j) == Some(&'#') {
            j += 1;
        }
    }
    (j > i && c.get(j) == Some(&'"')).then_some(j)
}

fn skip_string(c: &[char], i: usize) -> usize {
    let q = if c[i] == '"' { i } else { raw_or_byte_string(c, i).unwrap() };
    let hashes = c[i..q].iter().filter(|&&h| h == '#').count();
    let raw = c[i..q].contains(&'r');
    let mut j = q + 1;
    while j < c.len() {
        if !raw && c[j] == '\\' {
            j += 2;
            continue;
        }
        if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
            return j + 1 + hashes;
        }
        j += 1;
    }
    j
}

// ---------------------------------------------------------------- files

/// One file of `src/`: its module path and what it says about paths.
struct File {
    rel: String,
    module: Vec<String>,
    /// `mod x;` / `mod x {}` declared at the top of the file.
    children: BTreeSet<String>,
    /// Every path it names: (module it is written in, segments, in a `use` with visibility).
    paths: Vec<Named>,
    /// Top-level `use` items: local name → the path it imports.
    imports: BTreeMap<String, Vec<String>>,
    text: String,
}

struct Named {
    at: Vec<String>,
    segs: Vec<String>,
    reexport: bool,
}

fn files() -> Vec<File> {
    let mut list = Vec::new();
    walk(&root().join("src"), &mut list);
    list.sort();
    list.into_iter().map(|p| read(&p)).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn read(p: &Path) -> File {
    let rel = p.strip_prefix(root().join("src")).unwrap().to_string_lossy().replace('\\', "/");
    let mut module: Vec<String> = rel.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
        module.pop();
    }
    let text = fs::read_to_string(p).unwrap();
    let toks = lex(&text);
    let mut f = File { rel, module, children: BTreeSet::new(), paths: Vec::new(), imports: BTreeMap::new(), text };
    scan(&mut f, &toks);
    f
}

fn ident(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Collects the paths of `toks`, tracking inline modules (`mod tests { … }`).
fn scan(f: &mut File, toks: &[Tok]) {
    let mut depth = 0usize;
    // (name, depth inside its braces)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let here = || -> Vec<String> { f.module.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect() };
        match &toks[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(k) if k == "mod" => {
                if let Some(name) = ident(toks.get(i + 1)) {
                    if depth == 0 {
                        f.children.insert(name.to_owned());
                    }
                    if toks.get(i + 2) == Some(&Tok::Open) {
                        inline.push((name.to_owned(), depth + 1));
                    }
                }
            }
            Tok::Ident(k) if k == "use" => {
                let reexport = visible(toks, i);
                let at = here();
                let mut j = i + 1;
                let mut out = Vec::new();
                use_tree(toks, &mut j, Vec::new(), &mut out);
                for (segs, alias) in out {
                    if depth == 0 && inline.is_empty() {
                        if let Some(name) = alias {
                            f.imports.insert(name, segs.clone());
                        }
                    }
                    f.paths.push(Named { at: at.clone(), segs, reexport });
                }
                i = j;
                continue;
            }
            Tok::Ident(first) if toks.get(i + 1) == Some(&Tok::Path) && (i == 0 || toks[i - 1] != Tok::Path) => {
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::Path) {
                    match ident(toks.get(j + 1)) {
                        Some(s) => segs.push(s.to_owned()),
                        None => break,
                    }
                    j += 2;
                }
                f.paths.push(Named { at: here(), segs, reexport: false });
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// `pub use`, `pub(crate) use`, …: the import is visible outside its module.
fn visible(toks: &[Tok], use_at: usize) -> bool {
    match use_at.checked_sub(1).map(|k| &toks[k]) {
        Some(Tok::Ident(p)) => p == "pub",
        Some(Tok::Other(')')) => toks[..use_at].iter().rev().take(6).any(|t| *t == Tok::Ident("pub".into())),
        _ => false,
    }
}

/// Expands one use tree at `toks[*j]` into (path, local name) pairs; a glob has no name.
fn use_tree(toks: &[Tok], j: &mut usize, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    let mut segs = prefix;
    loop {
        match toks.get(*j) {
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                *j += 1;
                if toks.get(*j) == Some(&Tok::Path) {
                    *j += 1;
                    continue;
                }
                let mut name = segs.last().cloned();
                if name.as_deref() == Some("self") {
                    segs.pop();
                    name = segs.last().cloned();
                }
                if ident(toks.get(*j)) == Some("as") {
                    name = ident(toks.get(*j + 1)).map(str::to_owned).filter(|n| n != "_");
                    *j += 2;
                }
                out.push((segs, name));
                break;
            }
            Some(Tok::Star) => {
                *j += 1;
                out.push((segs, None));
                break;
            }
            Some(Tok::Open) => {
                *j += 1;
                while !matches!(toks.get(*j), Some(Tok::Close) | None) {
                    use_tree(toks, j, segs.clone(), out);
                    if toks.get(*j) == Some(&Tok::Comma) {
                        *j += 1;
                    }
                }
                *j += 1;
                break;
            }
            _ => break,
        }
    }
    if toks.get(*j) == Some(&Tok::Semi) {
        *j += 1;
    }
}

// ---------------------------------------------------------------- resolution

struct House {
    files: Vec<File>,
    by_module: BTreeMap<Vec<String>, usize>,
}

/// Where a path leads: the file it is spelled through and the file whose item it names.
#[derive(Clone, Debug)]
struct Target {
    spelled: usize,
    defined: usize,
    /// The item's name in `defined` (None: the module itself).
    item: Option<String>,
}

impl House {
    fn new() -> House {
        let files = files();
        let by_module = files.iter().enumerate().map(|(i, f)| (f.module.clone(), i)).collect();
        House { files, by_module }
    }

    /// The absolute module path of `segs` written in module `at`, or None for
    /// an outside crate (std, serde, …) or a local name.
    fn absolute(&self, file: usize, at: &[String], segs: &[String]) -> Option<Vec<String>> {
        let mut base: Vec<String> = at.to_vec();
        let mut rest = segs;
        match rest.first()?.as_str() {
            "crate" => {
                base.clear();
                rest = &rest[1..];
            }
            "self" => rest = &rest[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            first if at == self.files[file].module.as_slice() && self.files[file].children.contains(first) => {}
            _ => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file holding `abs` (the longest module prefix) and what is left.
    fn locate<'a>(&self, abs: &'a [String]) -> (usize, &'a [String]) {
        for n in (0..=abs.len()).rev() {
            if let Some(&i) = self.by_module.get(&abs[..n]) {
                return (i, &abs[n..]);
            }
        }
        unreachable!("the crate root is a module")
    }

    fn resolve(&self, file: usize, at: &[String], segs: &[String]) -> Option<Target> {
        let abs = self.absolute(file, at, segs)?;
        let (spelled, rest) = self.locate(&abs);
        let (defined, item) = self.follow(spelled, rest, 0);
        Some(Target { spelled, defined, item })
    }

    /// Follows `use` items of `file` for the name `rest[0]`.
    fn follow(&self, file: usize, rest: &[String], hops: usize) -> (usize, Option<String>) {
        let Some(name) = rest.first() else { return (file, None) };
        let f = &self.files[file];
        match f.imports.get(name) {
            Some(segs) if hops < 16 => match self.absolute(file, &f.module, segs) {
                Some(mut abs) => {
                    abs.extend(rest[1..].iter().cloned());
                    let (next, more) = self.locate(&abs);
                    self.follow(next, more, hops + 1)
                }
                None => (file, Some(name.clone())),
            },
            _ => (file, Some(name.clone())),
        }
    }

    /// Every import of every file: (from, target, the path as written).
    fn imports(&self) -> Vec<(usize, Target, String, bool)> {
        let mut out = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            for p in &f.paths {
                if let Some(t) = self.resolve(i, &p.at, &p.segs) {
                    out.push((i, t, p.segs.join("::"), p.reexport));
                }
            }
        }
        out
    }

    /// The room of a file: the first segment of its module path (None: lib.rs).
    fn room(&self, file: usize) -> Option<&str> {
        self.files[file].module.first().map(String::as_str)
    }
}

/// Groups of nodes that reach each other (each group has two or more).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> = edges.keys().map(|k| (k, reach(k))).collect();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for (a, ra) in &reaches {
        if !ra.contains(*a) || groups.iter().any(|g| g.contains(*a)) {
            continue;
        }
        let g: BTreeSet<String> = ra.iter().filter(|b| reaches.get(b).is_some_and(|rb| rb.contains(*a))).cloned().collect();
        groups.push(g);
    }
    groups
}

/// Why `from` depends on `to`: the first path written that makes the edge.
fn witness(why: &BTreeMap<(String, String), String>, group: &BTreeSet<String>) -> String {
    why.iter()
        .filter(|((a, b), _)| group.contains(a) && group.contains(b))
        .map(|((a, b), w)| format!("    {a} -> {b}: {w}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------- the rules

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
