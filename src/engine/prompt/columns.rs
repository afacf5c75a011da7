//! Which columns a clause talks about: a column is mentioned when the words of its name appear in
//! order ("customer ids" → `customer_id`, "emails" → `email`), plural or not, or in the short
//! forms names use ("transaction ids" → `txn_id`); failing that, when a word names the last part
//! of it ("dates" → `signup_date`).

use super::ColumnFacts;

/// The lower-case words of `text`; `_` separates words, as in column names.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The forms a word may take: itself and its singular guesses.
fn forms(word: &str) -> Vec<&str> {
    let mut out = vec![word];
    if word.len() >= 4
        && let Some(stem) = word.strip_suffix("ies")
    {
        out.push(stem);
    }
    if word.len() >= 5
        && let Some(stem) = word.strip_suffix("ed")
    {
        out.push(stem);
        out.push(&word[..word.len() - 1]);
    }
    if word.len() >= 3 {
        if let Some(stem) = word.strip_suffix("es") {
            out.push(stem);
        }
        if let Some(stem) = word.strip_suffix('s') {
            out.push(stem);
        }
    }
    out
}

/// Whether two words are the same up to a plural ending (`salaries` and `salary` share
/// `salar`).
pub fn same_word(a: &str, b: &str) -> bool {
    let (fa, fb) = (forms(a), forms(b));
    let fb: Vec<&str> = fb
        .iter()
        .flat_map(|w| {
            let stem = w.strip_suffix('y').filter(|s| s.len() >= 3);
            std::iter::once(*w).chain(stem)
        })
        .collect();
    fa.iter().any(|x| fb.contains(x))
}

/// Words and the short forms column names use for them (`transaction ids` names `txn_id`).
const SHORT_FORMS: &[(&str, &[&str])] = &[
    ("transaction", &["txn", "trx", "tx", "trans"]),
    ("quantity", &["qty"]),
    ("amount", &["amt"]),
    ("number", &["num", "nbr"]),
    ("customer", &["cust"]),
    ("account", &["acct", "acc"]),
    ("description", &["desc", "descr"]),
    ("reference", &["ref"]),
    ("department", &["dept"]),
    ("address", &["addr"]),
    ("average", &["avg"]),
    ("timestamp", &["ts"]),
    ("message", &["msg"]),
];

/// Whether a word of a clause names a part of a column's name: the same word up to a plural
/// ending, or one is a short form of the other (`transactions` and `txn`, `acct` and `account`).
pub fn names_part(word: &str, part: &str) -> bool {
    same_word(word, part)
        || SHORT_FORMS.iter().any(|(full, short)| {
            (same_word(word, full) && short.contains(&part))
                || (same_word(part, full) && forms(word).iter().any(|w| short.contains(w)))
        })
}

/// Name parts that only say "this identifies a ...": `customer` names `customer_id`.
const KEY_SUFFIXES: &[&str] = &["id", "key", "code", "number", "no", "ref"];

/// A column mentioned in a clause, and the words of the clause it took.
#[derive(Debug, Clone)]
struct Mention {
    column: usize,
    start: usize,
    len: usize,
}

/// Columns named in full in `clause_words`, longest mention first wins an overlap.
fn full_mentions(clause_words: &[String], columns: &[ColumnFacts]) -> Vec<Mention> {
    let mut found = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let tokens = words(&column.name);
        if tokens.is_empty() || tokens.len() > clause_words.len() {
            continue;
        }
        for start in 0..=clause_words.len() - tokens.len() {
            let hit = tokens
                .iter()
                .enumerate()
                .all(|(k, t)| names_part(&clause_words[start + k], t));
            if hit {
                found.push(Mention {
                    column: i,
                    start,
                    len: tokens.len(),
                });
            }
        }
    }
    found.sort_by(|a, b| b.len.cmp(&a.len).then(a.start.cmp(&b.start)));
    let mut kept: Vec<Mention> = Vec::new();
    for m in found {
        let overlaps = kept
            .iter()
            .any(|k| m.start < k.start + k.len && k.start < m.start + m.len);
        if !overlaps {
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| m.start);
    kept
}

/// Words too general to name a column by themselves.
const GENERIC: &[&str] = &[
    "id", "ids", "key", "name", "code", "type", "the", "a", "all",
];

/// Columns the clause names: full mentions, else columns whose last name part is a word of the
/// clause. Indices into `columns`, in the order they are mentioned, without repeats.
pub fn mentioned(clause: &str, columns: &[ColumnFacts]) -> Vec<usize> {
    let clause_words = words(clause);
    let full = full_mentions(&clause_words, columns);
    let mut out: Vec<usize> = Vec::new();
    if !full.is_empty() {
        for m in full {
            if !out.contains(&m.column) {
                out.push(m.column);
            }
        }
        return out;
    }
    // "an order timestamp", "the hire date": a type word with the first part of a temporal
    // column's name.
    let type_word = clause_words.iter().any(|w| {
        ["timestamp", "date", "time", "datetime"]
            .iter()
            .any(|t| same_word(w, t))
    });
    if type_word {
        let timed: Vec<usize> = (0..columns.len())
            .filter(|&i| columns[i].is_temporal())
            .filter(|&i| {
                words(&columns[i].name)
                    .first()
                    .is_some_and(|first| clause_words.iter().any(|w| same_word(w, first)))
            })
            .collect();
        if !timed.is_empty() {
            return timed;
        }
    }
    for word in &clause_words {
        if GENERIC.contains(&word.as_str()) {
            continue;
        }
        for (i, column) in columns.iter().enumerate() {
            let parts = words(&column.name);
            let last = parts.last().cloned().unwrap_or_default();
            // `customer` → `customer_id`: the name without its key suffix.
            let entity = parts.len() == 2
                && KEY_SUFFIXES.contains(&last.as_str())
                && names_part(word, &parts[0]);
            if (same_word(word, &last) || entity) && !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out
}
