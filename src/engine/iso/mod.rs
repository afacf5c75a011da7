//! The ISO code lists of DQX's code checks (country, currency, language, subdivision), compiled
//! into the binary from the data files beside this module (their source: `SOURCE`). Both engines
//! use these lists: DataFusion through `dqx_is_iso_code`, Spark SQL as an `IN` list.

use std::collections::HashSet;
use std::sync::OnceLock;

/// One ISO code list: its key (the data file's stem) and its codes, one a line.
#[derive(Debug)]
pub struct CodeList {
    pub key: &'static str,
    text: &'static str,
    set: OnceLock<HashSet<&'static str>>,
    lower: OnceLock<HashSet<String>>,
}

impl CodeList {
    const fn new(key: &'static str, text: &'static str) -> CodeList {
        CodeList {
            key,
            text,
            set: OnceLock::new(),
            lower: OnceLock::new(),
        }
    }

    /// The codes, in file order (sorted).
    pub fn codes(&self) -> impl Iterator<Item = &'static str> {
        self.text.lines().map(str::trim).filter(|c| !c.is_empty())
    }

    /// Whether `value` is a code; `case_sensitive = false` compares lower-cased.
    pub fn contains(&self, value: &str, case_sensitive: bool) -> bool {
        if case_sensitive {
            self.set
                .get_or_init(|| self.codes().collect())
                .contains(value)
        } else {
            self.lower
                .get_or_init(|| self.codes().map(str::to_lowercase).collect())
                .contains(&value.to_lowercase())
        }
    }
}

macro_rules! list {
    ($name:ident, $key:literal) => {
        static $name: CodeList = CodeList::new($key, include_str!(concat!($key, ".txt")));
    };
}

list!(COUNTRY_ALPHA_2, "iso_3166_1_alpha_2");
list!(COUNTRY_ALPHA_3, "iso_3166_1_alpha_3");
list!(COUNTRY_NUMERIC, "iso_3166_1_numeric");
list!(SUBDIVISION, "iso_3166_2");
list!(CURRENCY_ALPHABETIC, "iso_4217_alphabetic");
list!(CURRENCY_NUMERIC, "iso_4217_numeric");
list!(LANGUAGE_ALPHA_2, "iso_639_1_alpha_2");
list!(LANGUAGE_ALPHA_3, "iso_639_3_alpha_3");

static ALL: [&CodeList; 8] = [
    &COUNTRY_ALPHA_2,
    &COUNTRY_ALPHA_3,
    &COUNTRY_NUMERIC,
    &SUBDIVISION,
    &CURRENCY_ALPHABETIC,
    &CURRENCY_NUMERIC,
    &LANGUAGE_ALPHA_2,
    &LANGUAGE_ALPHA_3,
];

/// The list with this key (`iso_3166_1_alpha_2`, ...).
pub fn by_key(key: &str) -> Option<&'static CodeList> {
    ALL.iter().copied().find(|l| l.key == key)
}

/// Every list, for tests and tools.
pub fn all() -> &'static [&'static CodeList] {
    &ALL
}

static COUNTRY_FORMATS: [(&str, &CodeList); 3] = [
    ("alpha-2", &COUNTRY_ALPHA_2),
    ("alpha-3", &COUNTRY_ALPHA_3),
    ("numeric", &COUNTRY_NUMERIC),
];
static CURRENCY_FORMATS: [(&str, &CodeList); 2] = [
    ("alphabetic", &CURRENCY_ALPHABETIC),
    ("numeric", &CURRENCY_NUMERIC),
];
static LANGUAGE_FORMATS: [(&str, &CodeList); 2] = [
    ("alpha-2", &LANGUAGE_ALPHA_2),
    ("alpha-3", &LANGUAGE_ALPHA_3),
];

/// A standard DQX checks codes of, with the word its messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    Country,
    Currency,
    Language,
}

impl Standard {
    /// `ISO 3166-1`, `ISO 4217`, `ISO 639`.
    pub fn title(self) -> &'static str {
        match self {
            Standard::Country => "ISO 3166-1",
            Standard::Currency => "ISO 4217",
            Standard::Language => "ISO 639",
        }
    }

    /// `country`, `currency`, `language`.
    pub fn kind(self) -> &'static str {
        match self {
            Standard::Country => "country",
            Standard::Currency => "currency",
            Standard::Language => "language",
        }
    }

    /// The `code_format` DQX uses when none is given.
    pub fn default_format(self) -> &'static str {
        match self {
            Standard::Currency => "alphabetic",
            Standard::Country | Standard::Language => "alpha-2",
        }
    }

    /// The formats, sorted as DQX lists them in its error.
    fn formats(self) -> &'static [(&'static str, &'static CodeList)] {
        match self {
            Standard::Country => &COUNTRY_FORMATS,
            Standard::Currency => &CURRENCY_FORMATS,
            Standard::Language => &LANGUAGE_FORMATS,
        }
    }

    /// The list for `code_format` (any case), or DQX's error naming the supported formats.
    pub fn list(self, code_format: &str) -> Result<&'static CodeList, String> {
        let wanted = code_format.to_lowercase();
        self.formats()
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, list)| *list)
            .ok_or_else(|| {
                let supported: Vec<&str> = self.formats().iter().map(|(n, _)| *n).collect();
                format!(
                    "Unsupported code_format for {} code validation: '{code_format}'. Supported: [{}].",
                    self.kind(),
                    supported.join(", ")
                )
            })
    }
}

/// The ISO 3166-2 subdivision list.
pub fn subdivisions() -> &'static CodeList {
    &SUBDIVISION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_load_and_answer() {
        let sizes: Vec<(&str, usize)> = all().iter().map(|l| (l.key, l.codes().count())).collect();
        assert!(sizes.iter().all(|(_, n)| *n > 100), "{sizes:?}");
        let countries = Standard::Country.list("ALPHA-2").unwrap();
        assert!(countries.contains("US", true));
        assert!(!countries.contains("us", true));
        assert!(countries.contains("us", false));
        assert!(!countries.contains("XK", true));
        assert!(
            Standard::Country
                .list("numeric")
                .unwrap()
                .contains("004", true)
        );
        assert!(
            Standard::Currency
                .list("alphabetic")
                .unwrap()
                .contains("EUR", true)
        );
        assert!(subdivisions().contains("US-CA", true));
        assert_eq!(
            Standard::Language.list("numeric").unwrap_err(),
            "Unsupported code_format for language code validation: 'numeric'. Supported: [alpha-2, alpha-3]."
        );
    }
}
