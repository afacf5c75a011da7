//! Cutting a prompt into clauses, each with the exact words the user wrote: sentences end at `.`
//! (before a space or the end), `;`, `!`, `?` and new lines; a sentence is cut at commas and at
//! "and", "but", "while" and "also" between clauses — but not inside a list of values ("one of
//! US, DE, FR or GB") nor in "between 0 and 100".

/// Words that start a list of allowed values.
pub const LIST_MARKERS: &[&str] = &[
    "one of",
    "either",
    "in the list",
    "must be in",
    "should be in",
    "allowed values",
    "among",
];

/// Words that say a piece of text asks something (so it is a clause of its own, not a value).
const CLAUSE_WORDS: &[&str] = &[
    "must",
    "should",
    "shall",
    "can",
    "cannot",
    "can't",
    "needs",
    "need",
    "has",
    "have",
    "is",
    "are",
    "be",
    "been",
    "never",
    "always",
    "valid",
    "unique",
    "negative",
    "positive",
    "null",
    "empty",
    "missing",
    "required",
    "mandatory",
    "future",
    "exceed",
    "least",
    "most",
    "between",
    "reference",
    "references",
    "match",
    "matches",
    "appears",
    "warn",
    "duplicates",
];

fn lower_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Sentences of `prompt`, trimmed, empty ones left out.
pub fn sentences(prompt: &str) -> Vec<String> {
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

/// A token of a sentence: a word as written (`raw`), without its comma (`text`), and whether a
/// comma followed it.
struct Token<'a> {
    raw: &'a str,
    text: &'a str,
    comma: bool,
}

fn tokens(sentence: &str) -> Vec<Token<'_>> {
    sentence
        .split_whitespace()
        .map(|t| match t.strip_suffix(',') {
            Some(stripped) => Token {
                raw: t,
                text: stripped,
                comma: true,
            },
            None => Token {
                raw: t,
                text: t,
                comma: false,
            },
        })
        .collect()
}

/// Whether the words `from` on start a list of values.
fn list_starts_at(markers: &[&str], words: &[String], from: usize) -> Option<usize> {
    markers.iter().find_map(|m| {
        let marker: Vec<&str> = m.split(' ').collect();
        let fits = marker
            .iter()
            .enumerate()
            .all(|(k, w)| words.get(from + k).map(String::as_str) == Some(*w));
        fits.then_some(marker.len())
    })
}

/// Whether `piece` (the words of one list item) reads as a clause rather than a value.
fn asks_something(piece: &[String]) -> bool {
    piece.len() > 3 || piece.iter().any(|w| CLAUSE_WORDS.contains(&w.as_str()))
}

/// Clauses of a sentence, as written.
pub fn clauses(sentence: &str) -> Vec<String> {
    clauses_with(sentence, LIST_MARKERS)
}

/// Clauses of a sentence, as written, where each of `markers` starts a list of values that an
/// "and" does not cut ("one of EUR and USD"; an edit's "accept CHF and JPY").
pub fn clauses_with(sentence: &str, markers: &[&str]) -> Vec<String> {
    let toks = tokens(sentence);
    let words: Vec<String> = toks.iter().map(|t| lower_words(t.text).join(" ")).collect();
    let mut out: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let word = words[i].as_str();
        if let Some(len) = list_starts_at(markers, &words, i) {
            // The marker, then items up to the first that asks something.
            for t in &toks[i..i + len] {
                current.push(t.text);
            }
            i += len;
            let mut end_of_list = false;
            while i < toks.len() && !end_of_list {
                let mut item = Vec::new();
                let mut j = i;
                while j < toks.len() {
                    let w = words[j].as_str();
                    if !item.is_empty() && (w == "or" || w == "and") {
                        break;
                    }
                    item.push(j);
                    j += 1;
                    if toks[j - 1].comma {
                        break;
                    }
                }
                let item_words: Vec<String> = item
                    .iter()
                    .map(|&k| words[k].clone())
                    .filter(|w| w != "or" && w != "and")
                    .collect();
                if asks_something(&item_words) {
                    end_of_list = true;
                    if words[i] == "and" || words[i] == "or" || words[i] == "but" {
                        i += 1;
                    }
                    out.push(std::mem::take(&mut current).join(" "));
                } else {
                    for &k in &item {
                        current.push(toks[k].raw);
                    }
                    i = j;
                }
            }
            continue;
        }
        if word == "between"
            && let Some(and_at) = (i + 2..toks.len().min(i + 4)).find(|&k| words[k] == "and")
        {
            for t in &toks[i..=and_at] {
                current.push(t.text);
            }
            i = and_at + 1;
            continue;
        }
        if ["and", "but", "while", "also"].contains(&word) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current).join(" "));
            }
            i += 1;
            continue;
        }
        current.push(toks[i].text);
        if toks[i].comma {
            out.push(std::mem::take(&mut current).join(" "));
        }
        i += 1;
    }
    out.push(current.join(" "));
    out.into_iter()
        .map(|c| c.trim().trim_end_matches(',').trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_their_values_and_clauses_split_around_them() {
        assert_eq!(
            clauses(
                "emails must be valid, customer ids unique, no negative lifetime values, country is one of US, DE, FR, GB, JP"
            ),
            vec![
                "emails must be valid",
                "customer ids unique",
                "no negative lifetime values",
                "country is one of US, DE, FR, GB, JP"
            ]
        );
        assert_eq!(
            clauses(
                "status must be one of new, paid, shipped, delivered or cancelled and amounts can't be negative"
            ),
            vec![
                "status must be one of new, paid, shipped, delivered or cancelled",
                "amounts can't be negative"
            ]
        );
        assert_eq!(
            clauses("amount must not exceed 10000 and must not be below zero"),
            vec!["amount must not exceed 10000", "must not be below zero"]
        );
        assert_eq!(
            clauses("lifetime value between 0 and 50,000 and emails valid"),
            vec!["lifetime value between 0 and 50,000", "emails valid"]
        );
        assert_eq!(
            clauses(
                "email addresses should look valid (just a warning), and each employee_id appears once"
            ),
            vec![
                "email addresses should look valid (just a warning)",
                "each employee_id appears once"
            ]
        );
    }

    #[test]
    fn sentences_end_at_stops_but_not_inside_names() {
        assert_eq!(
            sentences("Orders reference main.sales.customers. Amounts are positive!"),
            vec![
                "Orders reference main.sales.customers",
                "Amounts are positive"
            ]
        );
    }
}
