//! From prompt text to intents: the prompt is cut into sentences and clauses ("emails must be
//! valid and customer ids unique" is two clauses), each clause is searched for what it asks
//! (validity, uniqueness, a list of values, a bound, a time limit, presence) and for the columns
//! it names. A clause that asks something without naming a column takes the previous clause's
//! columns ("customer ids must be unique and not null").

use super::ColumnFacts;
use super::columns::{mentioned, same_word, words};

/// One thing the prompt asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Values must be well-formed e-mail addresses.
    ValidEmail(Vec<String>),
    /// Values must not be below zero.
    NonNegative(Vec<String>),
    /// Each column's values must be unique on their own.
    Unique(Vec<String>),
    /// The combination of the columns must be unique.
    UniqueTogether(Vec<String>),
    /// The column's values must be one of these (as the user wrote them).
    InList { column: String, values: Vec<String> },
    /// Dates or timestamps must not be in the future.
    NotInFuture(Vec<String>),
    /// Values must be present.
    NotNull(Vec<String>),
    /// Values must lie between two numbers.
    Range {
        column: String,
        min: String,
        max: String,
    },
}

/// An intent with the clause that asked for it and whether that clause asked only for warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub intent: Intent,
    pub clause: String,
    pub warn: bool,
}

/// What the prompt asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptReading {
    pub asked: Vec<Asked>,
    /// Every rule should only warn ("warn only").
    pub warn_only: bool,
    /// Clauses that could not become rules, with the reason, for the user to see.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Email,
    NonNegative,
    Unique,
    InList,
    Future,
    NotNull,
    Range,
}

const LIST_MARKERS: &[&str] = &[
    " one of ",
    " one of:",
    " in the list ",
    " must be in ",
    " should be in ",
    " allowed values ",
    " allowed values:",
    " either ",
];

const WARN_ONLY: &[&str] = &[
    "warn only",
    "warning only",
    "warnings only",
    "only warn",
    "just warn",
    "only as warning",
    "as warnings",
    "don't block",
    "do not block",
    "non-blocking",
    "non blocking",
];

fn has_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

fn has_word(clause_words: &[String], word: &str) -> bool {
    clause_words.iter().any(|w| same_word(w, word))
}

/// What a clause asks for (lower-case text), in a fixed order.
fn kinds(text: &str) -> Vec<Kind> {
    let w = words(text);
    let mut out = Vec::new();
    let padded = format!(" {text} ");
    let email = has_word(&w, "email") || text.contains("e-mail");
    let valid = has_any(
        text,
        &[
            "valid",
            "format",
            "well-formed",
            "well formed",
            "proper",
            "correct",
        ],
    );
    if email && valid {
        out.push(Kind::Email);
    }
    let negation = has_any(
        &padded,
        &[
            " no ",
            " not ",
            " never ",
            " cannot ",
            "can't",
            "mustn't",
            " without ",
            " non",
        ],
    );
    if (text.contains("negative") && negation)
        || has_any(
            text,
            &[
                ">= 0",
                "non-negative",
                "nonnegative",
                "at least 0",
                "at least zero",
            ],
        )
    {
        out.push(Kind::NonNegative);
    }
    if has_any(text, &["unique", "duplicate", "distinct"]) {
        out.push(Kind::Unique);
    }
    if has_any(&padded, LIST_MARKERS) {
        out.push(Kind::InList);
    }
    if text.contains("future") {
        out.push(Kind::Future);
    }
    if has_any(
        &padded,
        &[
            "not null",
            "non-null",
            "no null",
            "never null",
            "required",
            "mandatory",
            "must be present",
            "must be set",
            "always set",
            "always present",
            " missing",
            "not be empty",
            "not empty",
            "never empty",
        ],
    ) {
        out.push(Kind::NotNull);
    }
    if between(text).is_some() {
        out.push(Kind::Range);
    }
    out
}

/// `between A and B` (numbers), as written.
fn between(text: &str) -> Option<(String, String)> {
    let w: Vec<&str> = text.split_whitespace().collect();
    let number = |s: &str| {
        let s = s.trim_matches(|c: char| c == ',' || c == '(' || c == ')');
        let plain: String = s.chars().filter(|c| *c != ',' && *c != '_').collect();
        plain.parse::<f64>().ok().map(|_| plain)
    };
    for i in 0..w.len() {
        if w[i] == "between"
            && w.get(i + 2) == Some(&"and")
            && let (Some(a), Some(b)) = (
                w.get(i + 1).and_then(|s| number(s)),
                w.get(i + 3).and_then(|s| number(s)),
            )
        {
            return Some((a, b));
        }
    }
    None
}

/// Sentences: cut at `;`, `!`, `?`, new lines, and at `.` followed by a space or the end.
fn sentences(prompt: &str) -> Vec<String> {
    let chars: Vec<char> = prompt.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let end = match c {
            ';' | '!' | '?' | '\n' => true,
            '.' => chars.get(i + 1).is_none_or(|n| n.is_whitespace()),
            _ => false,
        };
        if end {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Clauses of a sentence: cut at "and", "but" and commas, except inside a list of values or a
/// "between A and B"; a piece that asks nothing is joined to the next.
fn clauses(sentence: &str) -> Vec<String> {
    let lower = format!(" {} ", sentence.to_lowercase());
    if has_any(&lower, LIST_MARKERS) || between(&lower).is_some() {
        return vec![sentence.to_string()];
    }
    let mut pieces: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for token in sentence.split_whitespace() {
        let bare = token.to_lowercase();
        if bare == "and" || bare == "but" || bare == "while" {
            pieces.push(current.join(" "));
            current.clear();
            continue;
        }
        if let Some(stripped) = token.strip_suffix(',') {
            current.push(stripped);
            pieces.push(current.join(" "));
            current.clear();
            continue;
        }
        current.push(token);
    }
    pieces.push(current.join(" "));
    let mut merged: Vec<String> = Vec::new();
    let mut carry = String::new();
    for piece in pieces.into_iter().filter(|p| !p.trim().is_empty()) {
        let joined = if carry.is_empty() {
            piece
        } else {
            format!("{carry} and {piece}")
        };
        if kinds(&joined.to_lowercase()).is_empty() {
            carry = joined;
        } else {
            merged.push(joined);
            carry.clear();
        }
    }
    if !carry.is_empty() {
        match merged.last_mut() {
            Some(last) if words(&carry).len() <= 2 => {
                last.push_str(" and ");
                last.push_str(&carry);
            }
            _ => merged.push(carry),
        }
    }
    merged
}

/// The values after a list marker: split at commas, "or", "and", `/` and `|`, quotes removed.
fn list_values(clause: &str) -> Vec<String> {
    let lower = clause.to_lowercase();
    let padded = format!(" {lower} ");
    let start = LIST_MARKERS
        .iter()
        .filter_map(|m| padded.find(m).map(|at| at + m.len()))
        .min();
    let Some(start) = start else {
        return Vec::new();
    };
    // `padded` has one extra leading space; map back into `clause`.
    let rest = clause.get(start.saturating_sub(1)..).unwrap_or_default();
    let mut values = Vec::new();
    for part in rest.split([',', '/', '|']) {
        for piece in part.split(" or ").flat_map(|p| p.split(" and ")) {
            let value = piece
                .trim()
                .trim_matches(|c: char| "()[]{}:\"'`".contains(c) || c.is_whitespace());
            let value = value.strip_prefix("either ").unwrap_or(value).trim();
            if !value.is_empty() && !values.iter().any(|v: &String| v == value) {
                values.push(value.to_string());
            }
        }
    }
    values
}

/// Reads `prompt` against the table's `columns`.
pub fn read_prompt(prompt: &str, columns: &[ColumnFacts]) -> PromptReading {
    let mut reading = PromptReading {
        warn_only: has_any(&prompt.to_lowercase(), WARN_ONLY),
        ..Default::default()
    };
    for sentence in sentences(prompt) {
        let mut previous: Vec<usize> = Vec::new();
        for clause in clauses(&sentence) {
            let lower = clause.to_lowercase();
            let found = kinds(&lower);
            let named = mentioned(&lower, columns);
            if found.is_empty() {
                if !has_any(&lower, WARN_ONLY) {
                    reading.notes.push(format!(
                        "\u{201c}{clause}\u{201d}: not understood offline, so no rule was added for it"
                    ));
                }
                continue;
            }
            let subject = if named.is_empty() {
                previous.clone()
            } else {
                named
            };
            let warn = words(&lower).iter().any(|w| w.starts_with("warn"));
            for kind in found {
                match intent(kind, &clause, &lower, &subject, columns) {
                    Ok(intent) => reading.asked.push(Asked {
                        intent,
                        clause: clause.clone(),
                        warn,
                    }),
                    Err(why) => reading
                        .notes
                        .push(format!("\u{201c}{clause}\u{201d}: {why}")),
                }
            }
            if !subject.is_empty() {
                previous = subject;
            }
        }
    }
    reading
}

fn names(columns: &[ColumnFacts], picked: &[usize]) -> Vec<String> {
    picked.iter().map(|&i| columns[i].name.clone()).collect()
}

/// The columns of `subject` that pass `keep`; if none was named, those matching `fallback`.
fn pick(
    columns: &[ColumnFacts],
    subject: &[usize],
    keep: impl Fn(&ColumnFacts) -> bool,
    fallback: impl Fn(&ColumnFacts) -> bool,
    what: &str,
) -> Result<Vec<String>, String> {
    let kept: Vec<usize> = subject
        .iter()
        .copied()
        .filter(|&i| keep(&columns[i]))
        .collect();
    if !kept.is_empty() {
        return Ok(names(columns, &kept));
    }
    if !subject.is_empty() {
        return Err(format!(
            "{} is not {what}, so no rule was added",
            names(columns, subject).join(", ")
        ));
    }
    let guessed: Vec<usize> = (0..columns.len())
        .filter(|&i| fallback(&columns[i]))
        .collect();
    if guessed.is_empty() {
        Err(format!(
            "no column of the table is named here or is {what}, so no rule was added"
        ))
    } else {
        Ok(names(columns, &guessed))
    }
}

fn intent(
    kind: Kind,
    clause: &str,
    lower: &str,
    subject: &[usize],
    columns: &[ColumnFacts],
) -> Result<Intent, String> {
    let w = words(lower);
    let generic_time = ["date", "time", "timestamp", "day"]
        .iter()
        .any(|g| has_word(&w, g));
    match kind {
        Kind::Email => pick(
            columns,
            subject,
            |c| c.is_text(),
            |c| c.is_text() && (c.email_like || c.name.to_lowercase().contains("email")),
            "a text column",
        )
        .map(Intent::ValidEmail),
        Kind::NonNegative => pick(
            columns,
            subject,
            ColumnFacts::is_numeric,
            |_| false,
            "numeric",
        )
        .map(Intent::NonNegative),
        Kind::Future => pick(
            columns,
            subject,
            ColumnFacts::is_temporal,
            |c| generic_time && c.is_temporal(),
            "a date or timestamp",
        )
        .map(Intent::NotInFuture),
        Kind::NotNull => pick(columns, subject, |_| true, |_| false, "named").map(Intent::NotNull),
        Kind::Unique => {
            let picked = pick(columns, subject, |_| true, |_| false, "named")?;
            let together = has_any(lower, &["together", "combination", "composite", "pair"]);
            Ok(if together && picked.len() > 1 {
                Intent::UniqueTogether(picked)
            } else {
                Intent::Unique(picked)
            })
        }
        Kind::InList => {
            let column = subject
                .first()
                .map(|&i| columns[i].name.clone())
                .ok_or("no column of the table is named before the list of values")?;
            let values = list_values(clause);
            if values.is_empty() {
                return Err("no values found after the list".into());
            }
            Ok(Intent::InList { column, values })
        }
        Kind::Range => {
            let (min, max) = between(lower).ok_or("no numbers found for the range")?;
            let column = pick(
                columns,
                subject,
                ColumnFacts::is_numeric,
                |_| false,
                "numeric",
            )?
            .remove(0);
            Ok(Intent::Range { column, min, max })
        }
    }
}
