//! From prompt text to intents, clause by clause (`clauses`): each clause is searched for what it
//! asks (its predicate), the columns it is about (its subject) and whether it asks for a warning.
//! A clause never takes a predicate from a neighbour; one that names no column takes the previous
//! clause's ("customer ids must be unique and not null"). A predicate is applied only to columns
//! whose type fits it, and a clause that cannot become a rule is reported, with what to try.

use super::ColumnFacts;
use super::clauses::{LIST_MARKERS, clauses, sentences};
use super::columns::{mentioned, same_word, words};

/// One thing the prompt asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Values must be well-formed e-mail addresses.
    ValidEmail(Vec<String>),
    /// Values must be in a format DQX checks: `ipv4`, `ipv6`, `json`, `uuid`, `date`, `timestamp`.
    ValidFormat {
        columns: Vec<String>,
        format: Format,
    },
    /// Values must not be below zero.
    NonNegative(Vec<String>),
    /// Values must be above zero.
    Positive(Vec<String>),
    /// Values must be at most (`upper`) or at least the limit, as written.
    Bound {
        columns: Vec<String>,
        limit: String,
        upper: bool,
    },
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
    /// Text must not be empty.
    NotEmpty(Vec<String>),
    /// Values must lie between two numbers.
    Range {
        column: String,
        min: String,
        max: String,
    },
    /// Values must exist in the same-named column of `table` (`catalog.schema.table`).
    References { column: String, table: String },
    /// Values must match a regular expression.
    Matches { columns: Vec<String>, regex: String },
}

/// The formats `ValidFormat` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ipv4,
    Ipv6,
    Json,
    Uuid,
    Date,
    Timestamp,
}

/// An intent with the clause that asked for it (the user's exact words) and whether that clause
/// asked only for a warning.
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
    /// Clauses that could not become rules, each with why and what to try, for the user to see.
    pub notes: Vec<String>,
    /// The clauses that gave no rule, as written.
    pub not_understood: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Email,
    Format(Format),
    NonNegative,
    Positive,
    AtMost,
    AtLeast,
    Unique,
    InList,
    Future,
    NotNull,
    NotEmpty,
    Range,
    References,
    Matches,
}

const WARN_ONLY: &[&str] = &[
    "warn only",
    "warning only",
    "warnings only",
    "only warn",
    "only as warning",
    "all as warnings",
    "everything as warnings",
    "don't block",
    "do not block",
    "non-blocking",
    "non blocking",
];

/// Words that make one clause a warning.
const WARN_WORDS: &[&str] = &["warn", "warning", "warnings", "soft"];

fn has_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

fn has_word(clause_words: &[String], word: &str) -> bool {
    clause_words.iter().any(|w| same_word(w, word))
}

/// A number as written (`10,000` → `10000`, `zero` → `0`).
pub(crate) fn number(word: &str) -> Option<String> {
    let w = word.trim_matches(|c: char| "(),;:'\"".contains(c));
    match w.to_lowercase().as_str() {
        "zero" => return Some("0".into()),
        "one" => return Some("1".into()),
        "ten" => return Some("10".into()),
        "hundred" => return Some("100".into()),
        _ => {}
    }
    let plain: String = w.chars().filter(|c| *c != ',' && *c != '_').collect();
    plain.parse::<f64>().ok().map(|_| plain)
}

/// The number after one of `markers` (`"at most"` → `"10"` in "at most 10 items").
pub(crate) fn number_after(text: &str, markers: &[&str]) -> Option<String> {
    for m in markers {
        let mut from = 0;
        while let Some(at) = text[from..].find(m) {
            let rest = &text[from + at + m.len()..];
            if let Some(n) = rest.split_whitespace().next().and_then(number) {
                return Some(n);
            }
            from += at + m.len();
        }
    }
    None
}

pub(crate) const AT_MOST: &[&str] = &[
    "at most ",
    "not exceed ",
    "never exceed ",
    "mustn't exceed ",
    "cannot exceed ",
    "can't exceed ",
    "no more than ",
    "not more than ",
    "maximum of ",
    "maximum ",
    "max ",
    "not above ",
    "not be above ",
    "not greater than ",
    "not be greater than ",
    "not be more than ",
    "not be over ",
    "up to ",
    "<= ",
];

pub(crate) const AT_LEAST: &[&str] = &[
    "at least ",
    "minimum of ",
    "minimum ",
    "min ",
    "not below ",
    "not be below ",
    "not less than ",
    "not be less than ",
    "no less than ",
    "not be under ",
    ">= ",
];

const NEGATIONS: &[&str] = &[
    " no ",
    " not ",
    " never ",
    " cannot ",
    "can't",
    "mustn't",
    " without ",
    " non-",
    "n't ",
];

/// `between A and B` or `from A to B` (numbers), as written.
pub(crate) fn range(text: &str) -> Option<(String, String)> {
    let w: Vec<&str> = text.split_whitespace().collect();
    for i in 0..w.len() {
        let (open, close) = match w[i] {
            "between" => ("between", "and"),
            "from" => ("from", "to"),
            _ => continue,
        };
        let _ = open;
        if w.get(i + 2) == Some(&close)
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

/// A `catalog.schema.table` name in the clause.
fn table_name(clause: &str) -> Option<String> {
    clause
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "()[],;:'\"`".contains(c)))
        .find(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && parts.iter().all(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
        })
        .map(str::to_string)
}

/// A regular expression given in quotes or back-quotes after "match"/"pattern".
fn regex(clause: &str) -> Option<String> {
    let lower = clause.to_lowercase();
    let at = ["match", "pattern", "regex", "like"]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()?;
    let rest = &clause[at..];
    for quote in ['`', '\'', '"', '/'] {
        if let Some(open) = rest.find(quote)
            && let Some(len) = rest[open + 1..].find(quote)
        {
            let body = &rest[open + 1..open + 1 + len];
            if !body.is_empty() {
                return Some(body.to_string());
            }
        }
    }
    None
}

/// What a clause asks for (lower-case text, padded with spaces), in a fixed order.
fn kinds(text: &str) -> Vec<Kind> {
    let w = words(text);
    let mut out = Vec::new();
    let valid = has_any(
        text,
        &[
            "valid",
            "format",
            "well-formed",
            "well formed",
            "proper",
            "correct",
            "look like",
        ],
    );
    let email = has_word(&w, "email") || text.contains("e-mail") || has_word(&w, "mail");
    let formats = [
        (
            has_word(&w, "ipv4") || (valid && has_word(&w, "ip") && !has_word(&w, "ipv6")),
            Format::Ipv4,
        ),
        (has_word(&w, "ipv6"), Format::Ipv6),
        (has_word(&w, "json"), Format::Json),
        (has_word(&w, "uuid") || has_word(&w, "guid"), Format::Uuid),
        (
            valid && (text.contains("valid date") || text.contains("date format")),
            Format::Date,
        ),
        (
            valid && (text.contains("valid timestamp") || text.contains("timestamp format")),
            Format::Timestamp,
        ),
    ];
    if email && valid {
        out.push(Kind::Email);
    }
    for (asked, format) in formats {
        if asked
            && (valid
                || matches!(
                    format,
                    Format::Json | Format::Uuid | Format::Ipv4 | Format::Ipv6
                ))
        {
            out.push(Kind::Format(format));
        }
    }
    let negated = has_any(text, NEGATIONS);
    if (text.contains("negative") && (negated || text.contains("non-negative")))
        || has_any(text, &["nonnegative", "zero or more", "zero or above"])
    {
        out.push(Kind::NonNegative);
    } else if (text.contains("positive") && !negated)
        || has_any(
            text,
            &["greater than zero", "greater than 0", "above zero", "> 0"],
        )
    {
        out.push(Kind::Positive);
    }
    if number_after(text, AT_MOST).is_some() {
        out.push(Kind::AtMost);
    }
    if number_after(text, AT_LEAST).is_some() && !out.contains(&Kind::NonNegative) {
        out.push(Kind::AtLeast);
    }
    if has_any(
        text,
        &[
            "unique",
            "duplicate",
            "distinct",
            "appears once",
            "appear once",
            "only once",
            "occurs once",
            "never repeat",
        ],
    ) {
        out.push(Kind::Unique);
    }
    if LIST_MARKERS
        .iter()
        .any(|m| text.contains(&format!(" {m} ")))
    {
        out.push(Kind::InList);
    }
    if text.contains("future") {
        out.push(Kind::Future);
    }
    let references = table_name(text).is_some()
        && has_any(
            text,
            &["reference", "exist", "foreign key", " in ", "known"],
        );
    if references {
        out.push(Kind::References);
    }
    if has_any(text, &["non-empty", "nonempty"])
        || (negated && (has_word(&w, "empty") || has_word(&w, "blank")))
    {
        out.push(Kind::NotEmpty);
    } else if !references
        && (has_any(
            text,
            &[
                "not null",
                "not be null",
                "never be null",
                "cannot be null",
                "can't be null",
                "non-null",
                "no null",
                "never null",
                "required",
                "mandatory",
                "must be present",
                "must be set",
                "always set",
                "always present",
                "always filled",
                "missing",
                "must have",
                "always have",
                "always has",
                "be filled",
            ],
        ) || ((has_word(&w, "needs") || has_word(&w, "need") || has_word(&w, "requires"))
            && !has_any(text, &["need to ", "needs to ", "requires to "])))
    {
        out.push(Kind::NotNull);
    }
    if range(text).is_some() {
        out.push(Kind::Range);
        out.retain(|k| !matches!(k, Kind::AtMost | Kind::AtLeast));
    }
    if regex(text).is_some() && has_any(text, &["match", "pattern", "regex"]) {
        out.push(Kind::Matches);
    }
    out
}

/// Whether the clause asks for a warning rather than an error.
fn asks_warning(lower: &str) -> bool {
    let w = words(lower);
    w.iter().any(|x| WARN_WORDS.contains(&x.as_str()))
}

/// Words a clause without a subject of its own starts with ("and not above 100", "must be
/// unique"): such a clause continues the subject before it.
const PREDICATE_STARTS: &[&str] = &[
    "and",
    "but",
    "also",
    "then",
    "or",
    "must",
    "should",
    "shall",
    "has",
    "have",
    "is",
    "are",
    "be",
    "to",
    "not",
    "never",
    "no",
    "cannot",
    "can",
    "can't",
    "always",
    "only",
    "unique",
    "between",
    "within",
    "at",
    "above",
    "below",
    "under",
    "over",
    "greater",
    "less",
    "more",
    "fewer",
    "up",
    "from",
    "positive",
    "negative",
    "non",
    "valid",
    "one",
    "in",
    "required",
    "present",
    "mandatory",
    "either",
    "after",
    "before",
    "too",
    "as",
    "with",
    "without",
    "same",
    "distinct",
    "nonnegative",
    "warn",
    "warning",
    "just",
    "a",
    "an",
    "the",
    "it",
    "they",
    "its",
    "their",
    "each",
    "every",
    "all",
    "matches",
    "match",
    "look",
    "looks",
    "like",
    "may",
];

/// Whether the clause starts with words of its own subject (not with its predicate), so a
/// neighbour's columns are not its subject when none of its words name a column.
fn names_own_subject(lower: &str) -> bool {
    words(lower)
        .first()
        .is_some_and(|first| !PREDICATE_STARTS.contains(&first.as_str()))
}

/// The part of a clause that names the columns, for "every order needs a customer": the words
/// after the verb when an entity ("every order") comes first.
fn subject_text(lower: &str) -> &str {
    let starts_with_entity = lower.trim_start().starts_with("every ")
        || lower.trim_start().starts_with("each ")
        || lower.trim_start().starts_with("all ");
    if starts_with_entity {
        for verb in [
            " needs ",
            " need ",
            " must have ",
            " requires ",
            " has ",
            " have ",
            " must reference ",
            " references ",
            " reference ",
            " must point to ",
        ] {
            if let Some(at) = lower.find(verb) {
                return &lower[at + verb.len()..];
            }
        }
    }
    lower
}

/// Reads `prompt` against the table's `columns`.
pub fn read_prompt(prompt: &str, columns: &[ColumnFacts]) -> PromptReading {
    let mut reading = PromptReading {
        warn_only: has_any(&prompt.to_lowercase(), WARN_ONLY),
        ..Default::default()
    };
    for sentence in sentences(prompt) {
        let mut previous: Vec<usize> = Vec::new();
        let pieces = clauses(&sentence);
        let mut i = 0;
        while i < pieces.len() {
            let mut clause = pieces[i].clone();
            let mut lower = format!(" {} ", clause.to_lowercase());
            let mut found = kinds(&lower);
            let only_names = found.is_empty()
                && !mentioned(&lower, columns).is_empty()
                && words(&lower).len() <= 6;
            // "..., warn": a modifier alone applies to the clause before it.
            let lone_modifier = found.is_empty()
                && asks_warning(&lower)
                && words(&lower).iter().all(|w| {
                    [
                        "warn", "warning", "just", "a", "as", "only", "soft", "please", "but",
                    ]
                    .contains(&w.as_str())
                });
            if lone_modifier && i > 0 {
                let before = pieces[i - 1].as_str();
                for asked in reading
                    .asked
                    .iter_mut()
                    .filter(|a| a.clause.ends_with(before))
                {
                    asked.warn = true;
                }
                i += 1;
                continue;
            }
            // "needs a customer and a currency": names after a presence clause join its columns.
            if only_names
                && i > 0
                && let Some(last) = reading.asked.last_mut()
                && last.clause.ends_with(pieces[i - 1].as_str())
                && let Intent::NotNull(cols) | Intent::NotEmpty(cols) = &mut last.intent
            {
                for name in names(columns, &mentioned(&lower, columns)) {
                    if !cols.contains(&name) {
                        cols.push(name);
                    }
                }
                last.clause = format!("{} and {clause}", last.clause);
                i += 1;
                continue;
            }
            // "emails and ip addresses must be valid": names alone join the clause after them.
            if only_names
                && let Some(next) = pieces.get(i + 1)
                && !kinds(&format!(" {} ", next.to_lowercase())).is_empty()
            {
                clause = format!("{clause} and {next}");
                i += 1;
                lower = format!(" {} ", clause.to_lowercase());
                found = kinds(&lower);
            }
            i += 1;
            if found.is_empty() {
                if !has_any(&lower, WARN_ONLY) {
                    reading.not_understood.push(clause.clone());
                    reading.notes.push(format!(
                        "not understood: \u{201c}{clause}\u{201d} \u{2014} try \u{2018}status must be one of new, paid\u{2019}, \u{2018}amount must not exceed 100\u{2019} or \u{2018}emails must be valid\u{2019}"
                    ));
                }
                continue;
            }
            let named = mentioned(subject_text(&lower), columns);
            // A clause that names its own subject never borrows a neighbour's: "transaction ids
            // unique" after "amounts never negative" is about transaction ids, or (when no column
            // is named so) about the columns its kind fits ("dates ..."), else not understood.
            let subject = if !named.is_empty() {
                named
            } else if names_own_subject(&lower) {
                // Nor does a clause after it borrow the columns from before it.
                previous.clear();
                Vec::new()
            } else {
                previous.clone()
            };
            let warn = asks_warning(&lower);
            let mut gave = false;
            for kind in found {
                match intent(kind, &clause, &lower, &subject, columns) {
                    Ok(intent) => {
                        gave = true;
                        reading.asked.push(Asked {
                            intent,
                            clause: clause.clone(),
                            warn,
                        })
                    }
                    Err(why) => reading.notes.push(format!(
                        "not understood: \u{201c}{clause}\u{201d} \u{2014} {why}"
                    )),
                }
            }
            if !gave {
                reading.not_understood.push(clause.clone());
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
        // "order timestamps": `order` named `order_id`, but the fitting column is `order_ts`.
        let near: Vec<usize> = (0..columns.len())
            .filter(|&i| fallback(&columns[i]) && keep(&columns[i]))
            .collect();
        if !near.is_empty() {
            return Ok(names(columns, &near));
        }
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
            "no column of the table is named here or is {what}; name the column, e.g. \u{2018}{} must \u{2026}\u{2019}",
            columns.first().map(|c| c.name.as_str()).unwrap_or("amount")
        ))
    } else {
        Ok(names(columns, &guessed))
    }
}

fn named_like(c: &ColumnFacts, parts: &[&str]) -> bool {
    let n = c.name.to_lowercase();
    parts.iter().any(|p| n.contains(p))
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
    // "hired in the future": a word naming the first part of a date column (`hire_date`).
    let names_time_column = |c: &ColumnFacts| {
        words(&c.name)
            .first()
            .is_some_and(|first| w.iter().any(|x| same_word(x, first)))
    };
    let text = |c: &ColumnFacts| c.is_text();
    match kind {
        Kind::Email => pick(
            columns,
            subject,
            |c| c.is_text() && (c.email_like || named_like(c, &["mail"])),
            |c| c.is_text() && (c.email_like || named_like(c, &["mail"])),
            "a text column of e-mail addresses",
        )
        .map(Intent::ValidEmail),
        Kind::Format(format) => {
            let hint: &[&str] = match format {
                Format::Ipv4 | Format::Ipv6 => &["ip"],
                Format::Json => &["json", "payload", "memo", "doc", "meta"],
                Format::Uuid => &["uuid", "guid"],
                Format::Date => &["date"],
                Format::Timestamp => &["ts", "time"],
            };
            pick(
                columns,
                subject,
                text,
                |c| text(c) && named_like(c, hint),
                "a text column",
            )
            .map(|columns| Intent::ValidFormat { columns, format })
        }
        Kind::NonNegative => pick(
            columns,
            subject,
            ColumnFacts::is_numeric,
            |_| false,
            "numeric",
        )
        .map(Intent::NonNegative),
        Kind::Positive => pick(
            columns,
            subject,
            ColumnFacts::is_numeric,
            |_| false,
            "numeric",
        )
        .map(Intent::Positive),
        Kind::AtMost | Kind::AtLeast => {
            let upper = kind == Kind::AtMost;
            let limit = number_after(lower, if upper { AT_MOST } else { AT_LEAST })
                .ok_or("no number found for the limit")?;
            pick(
                columns,
                subject,
                ColumnFacts::is_numeric,
                |_| false,
                "numeric",
            )
            .map(|columns| Intent::Bound {
                columns,
                limit,
                upper,
            })
        }
        Kind::Future => pick(
            columns,
            subject,
            ColumnFacts::is_temporal,
            |c| c.is_temporal() && (generic_time || names_time_column(c)),
            "a date or timestamp",
        )
        .map(Intent::NotInFuture),
        Kind::NotNull => pick(columns, subject, |_| true, |_| false, "named").map(Intent::NotNull),
        Kind::NotEmpty => {
            pick(columns, subject, text, |_| false, "a text column").map(Intent::NotEmpty)
        }
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
            let (min, max) = range(lower).ok_or("no numbers found for the range")?;
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
        Kind::References => {
            let table = table_name(clause).ok_or("no catalog.schema.table named")?;
            let column = subject
                .first()
                .map(|&i| columns[i].name.clone())
                .ok_or("no column of the table is named for the reference")?;
            Ok(Intent::References { column, table })
        }
        Kind::Matches => {
            let regex = regex(clause).ok_or("no pattern found in quotes")?;
            pick(columns, subject, text, |_| false, "a text column")
                .map(|columns| Intent::Matches { columns, regex })
        }
    }
}

/// The values after a list marker: split at commas, "or", "and", `/` and `|`, quotes removed.
pub(crate) fn list_values(clause: &str) -> Vec<String> {
    let lower = clause.to_lowercase();
    let padded = format!(" {lower} ");
    let start = LIST_MARKERS
        .iter()
        .filter_map(|m| padded.find(&format!(" {m} ")).map(|at| at + m.len()))
        .min();
    let Some(start) = start else {
        return Vec::new();
    };
    let rest = clause.get(start..).unwrap_or_default();
    let mut values = Vec::new();
    for part in rest.split([',', '/', '|']) {
        for piece in part.split(" or ").flat_map(|p| p.split(" and ")) {
            let value = piece
                .trim()
                .trim_matches(|c: char| "()[]{}:\"'`".contains(c) || c.is_whitespace());
            let value = value
                .strip_prefix("or ")
                .or_else(|| value.strip_prefix("and "))
                .unwrap_or(value)
                .trim();
            if !value.is_empty() && !values.iter().any(|v: &String| v == value) {
                values.push(value.to_string());
            }
        }
    }
    values
}
