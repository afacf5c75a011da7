//! Word lists the sample tables draw from.

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
    "Luis", "Maya", "Nikhil", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Yara", "Zoe",
];

pub const LAST_NAMES: &[&str] = &[
    "Almeida", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito",
    "Jansen", "Kowalski", "Lopez", "Müller", "Novak", "O'Brien", "Patel", "Rossi", "Silva",
    "Tanaka", "Usman", "Varga", "Wright",
];

pub const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "NL", "ES", "IT", "SE", "JP", "BR"];

pub const ORDER_STATUSES: &[&str] = &["new", "paid", "shipped", "delivered", "cancelled"];
pub const BAD_ORDER_STATUSES: &[&str] = &["SHIPPED", "unknown", "returned", "on-hold", "Cancelled"];

pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP"];
pub const LEDGER_CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "CHF"];

pub const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Finance",
    "HR",
    "Operations",
    "Marketing",
];

pub const COUNTERPARTIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Ltd",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Imports",
    "Soylent GmbH",
    "Tyrell SA",
];

pub const CHANNELS: &[&str] = &["web", "branch", "api", "batch"];

pub const BAD_IPS: &[&str] = &[
    "256.1.2.3",
    "10.0.0",
    "192.168.1.300",
    "not-an-ip",
    "1.2.3.4.5",
];

/// `first.last` in lower case, ASCII only (for e-mail addresses).
pub fn email_local_part(first: &str, last: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'ü' => 'u',
                c => c,
            })
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    format!("{}.{}", clean(first), clean(last))
}
