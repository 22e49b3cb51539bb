//! Reads `src/` for tests/layout.rs: each file's module path, every path
//! it names (`use` trees expanded, inline modules tracked), and where each
//! path leads (the file it is spelled through, the file defining the item,
//! following `use` re-exports).
//!
//! Paths are read from tokens, not from a syntax tree: a parser's visitor
//! does not look inside macro bodies (`json!`, `tokio::select!`), a token
//! scan does.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(option_env!("CARGO_MANIFEST_DIR").unwrap_or("."))
}

// ---------------------------------------------------------------- tokens

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
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
pub fn lex(src: &str) -> Vec<Tok> {
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
pub struct File {
    pub rel: String,
    pub module: Vec<String>,
    /// `mod x;` / `mod x {}` declared at the top of the file.
    pub children: BTreeSet<String>,
    /// Every path it names: (module it is written in, segments, in a `use` with visibility).
    pub paths: Vec<Named>,
    /// Top-level `use` items: local name → the path it imports.
    pub imports: BTreeMap<String, Vec<String>>,
    pub text: String,
}

pub struct Named {
    pub at: Vec<String>,
    pub segs: Vec<String>,
    pub reexport: bool,
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
pub fn scan(f: &mut File, toks: &[Tok]) {
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

pub struct House {
    pub files: Vec<File>,
    pub by_module: BTreeMap<Vec<String>, usize>,
}

/// Where a path leads: the file it is spelled through and the file whose item it names.
#[derive(Clone, Debug)]
pub struct Target {
    pub spelled: usize,
    pub defined: usize,
    /// The item's name in `defined` (None: the module itself).
    pub item: Option<String>,
}

impl House {
    pub fn new() -> House {
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

    pub fn resolve(&self, file: usize, at: &[String], segs: &[String]) -> Option<Target> {
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
    pub fn imports(&self) -> Vec<(usize, Target, String, bool)> {
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
    pub fn room(&self, file: usize) -> Option<&str> {
        self.files[file].module.first().map(String::as_str)
    }
}

/// Groups of nodes that reach each other (each group has two or more).
pub fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
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
pub fn witness(why: &BTreeMap<(String, String), String>, group: &BTreeSet<String>) -> String {
    why.iter()
        .filter(|((a, b), _)| group.contains(a) && group.contains(b))
        .map(|((a, b), w)| format!("    {a} -> {b}: {w}"))
        .collect::<Vec<_>>()
        .join("\n")
}
