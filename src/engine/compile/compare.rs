//! `compare_datasets`: each checked row is paired with a reference row of the same key, as DQX
//! 0.17 pairs them, and fails when it has no partner (`row_extra`), when a compared column differs
//! (`changed`), or — with `check_missing_records` — a reference row without a partner is added as
//! a failing row (`row_missing`). Without a filter the n-th row of a key (ordered by the compared
//! values, NULLs first) pairs with the n-th reference row; with one, in-scope rows first take
//! reference rows of identical values, the rest pair by position, and rows outside the filter only
//! take reference rows of keys with no in-scope row. The message is DQX's JSON.

use super::aggregate::{tolerance, within_tolerance};
use super::keys::{paired_reference, reference_table};
use super::{
    CompileContext, CompiledRule, Join, Layer, RefShape, Result, Skip, arg_bool, row_filter,
    str_list,
};
use crate::engine::sql::Dialect;
use crate::engine::types::{TypeKind, kind_of_uc_type};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::quote_identifier;

/// What both sides of the comparison are made of.
struct Sides<'a> {
    cx: &'a CompileContext<'a>,
    /// `__dqx_c{id}`: the prefix of every helper name.
    a: String,
    relation: String,
    keys: Vec<String>,
    ref_keys: Vec<String>,
    /// Compared columns (quoted) and whether each is numeric on the checked side, on both sides.
    compared: Vec<(String, bool, bool)>,
    null_safe_keys: bool,
}

impl Sides<'_> {
    fn key_match(&self, left: &[String], right: &[String]) -> String {
        let op = if self.null_safe_keys {
            "IS NOT DISTINCT FROM"
        } else {
            "="
        };
        left.iter()
            .zip(right)
            .map(|(l, r)| format!("({l} {op} {r})"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The checked rows' keys against the numbered reference's: null-safe, and without null-safe
    /// matching a NULL key pairs only for the reference rows added as missing (the join keeps
    /// one hash-join form either way).
    fn helper_key_match(&self, right: &[String]) -> String {
        let same: Vec<String> = self
            .keys
            .iter()
            .zip(right)
            .map(|(l, r)| format!("({l} IS NOT DISTINCT FROM {r})"))
            .collect();
        if self.null_safe_keys {
            return same.join(" AND ");
        }
        let present: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{k} IS NOT NULL"))
            .collect();
        format!(
            "{} AND (coalesce({}_missing, FALSE) OR ({}))",
            same.join(" AND "),
            self.a,
            present.join(" AND ")
        )
    }

    fn names(&self, tag: &str, n: usize, qualifier: &str) -> Vec<String> {
        (0..n)
            .map(|i| format!("{qualifier}{}_{tag}{i}", self.a))
            .collect()
    }

    /// DQX's pairing order over `values` (the compared columns, as named on one side): numeric
    /// columns natively, others as text; NULLs first.
    fn order(&self, values: &[String]) -> String {
        if values.is_empty() {
            return "1".into();
        }
        values
            .iter()
            .zip(&self.compared)
            .map(|(v, (_, numeric, ref_numeric))| {
                let key = if *numeric && *ref_numeric {
                    v.clone()
                } else {
                    self.cx.s(v)
                };
                format!("{key} ASC NULLS FIRST")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn compared_names(&self) -> Vec<String> {
        self.compared.iter().map(|(c, _, _)| c.clone()).collect()
    }

    fn values_equal(&self, left: &[String], right: &[String]) -> Vec<String> {
        left.iter()
            .zip(right)
            .map(|(l, r)| format!("({l} IS NOT DISTINCT FROM {r})"))
            .collect()
    }

    /// `SELECT <exprs> AS <prefix>{i}` pieces.
    fn aliased(exprs: &[String], names: &[String]) -> Vec<String> {
        exprs
            .iter()
            .zip(names)
            .map(|(e, n)| format!("{e} AS {n}"))
            .collect()
    }

    /// Reference rows per key and compared values: `(SELECT ..., count(*) AS {a}_cn ...) {a}_rc`.
    fn ref_value_counts(&self) -> String {
        let a = &self.a;
        let k = self.names("ck", self.keys.len(), "");
        let v = self.names("cv", self.compared.len(), "");
        let mut select = Self::aliased(&self.ref_keys, &k);
        select.extend(Self::aliased(&self.compared_names(), &v));
        let mut group = self.ref_keys.clone();
        group.extend(self.compared_names());
        format!(
            "(SELECT {}, count(*) AS {a}_cn FROM {} GROUP BY {}) {a}_rc",
            select.join(", "),
            self.relation,
            group.join(", ")
        )
    }

    /// In-scope checked rows per key and compared values: `(...) {a}_sc`.
    fn source_value_counts(&self, scope: &str) -> String {
        let a = &self.a;
        let k = self.names("sk", self.keys.len(), "");
        let v = self.names("sv", self.compared.len(), "");
        let mut select = Self::aliased(&self.keys, &k);
        select.extend(Self::aliased(&self.compared_names(), &v));
        let mut group = self.keys.clone();
        group.extend(self.compared_names());
        format!(
            "(SELECT {}, count(*) AS {a}_sn FROM {} WHERE {scope} GROUP BY {}) {a}_sc",
            select.join(", "),
            self.cx.table_sql,
            group.join(", ")
        )
    }

    /// The reference rows with their pairing number `{a}_hrn` (and, when filtered, whether they
    /// pair by identical values, `{a}_hexact`), keys `{a}_hk{i}` and values `{a}_hv{j}`.
    fn numbered_reference(&self, scope: Option<&str>) -> String {
        let a = &self.a;
        let hk = self.names("hk", self.keys.len(), "");
        let hv = self.names("hv", self.compared.len(), "");
        let mut select = Self::aliased(&self.ref_keys, &hk);
        select.extend(Self::aliased(&self.compared_names(), &hv));
        let Some(scope) = scope else {
            return format!(
                "(SELECT {}, row_number() OVER (PARTITION BY {} ORDER BY {}) AS {a}_hrn FROM {})",
                select.join(", "),
                self.ref_keys.join(", "),
                self.order(&self.compared_names()),
                self.relation
            );
        };
        let sk = self.names("sk", self.keys.len(), &format!("{a}_sc."));
        let sv = self.names("sv", self.compared.len(), &format!("{a}_sc."));
        let mut on = vec![self.key_match(&self.ref_keys, &sk)];
        on.extend(self.values_equal(&self.compared_names(), &sv));
        let mut partition = self.ref_keys.clone();
        partition.extend(self.compared_names());
        let counted = format!(
            "SELECT {}, coalesce({a}_sc.{a}_sn, 0) AS {a}_hoc, row_number() OVER (PARTITION BY {} ORDER BY 1) AS {a}_her \
             FROM {} LEFT JOIN {} ON {}",
            select.join(", "),
            partition.join(", "),
            self.relation,
            self.source_value_counts(scope),
            on.join(" AND ")
        );
        let exact = format!("({a}_her <= {a}_hoc)");
        format!(
            "(SELECT {a}_r1.*, {exact} AS {a}_hexact, CASE WHEN {exact} THEN {a}_her ELSE row_number() OVER (PARTITION BY {}, {exact} ORDER BY {}) END AS {a}_hrn FROM ({counted}) {a}_r1)",
            hk.join(", "),
            self.order(&hv)
        )
    }
}

pub(super) fn compare_datasets(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let (written, written_ref, name) = paired_reference(args)?;
    let relation = reference_table(name)?;
    let shape: &RefShape = match cx.references.get(name) {
        Some(Ok(shape)) => shape,
        Some(Err(e)) => {
            return Err(Skip(format!(
                "Check evaluation skipped: the reference '{name}' cannot be read: {e}"
            )));
        }
        None => {
            return Err(Skip(format!(
                "Check evaluation skipped: the columns of the reference '{name}' are not known"
            )));
        }
    };
    let ref_type = |c: &str| {
        shape
            .columns
            .iter()
            .position(|r| r == c)
            .map(|i| shape.types[i].as_str())
    };
    for w in &written {
        if !cx.columns.contains(w) {
            return Err(Skip(format!(
                "Check evaluation skipped due to invalid check columns: ['{w}']"
            )));
        }
    }
    for w in &written_ref {
        if ref_type(w).is_none() {
            return Err(Skip(format!(
                "Check evaluation skipped: '{w}' is not a column of the reference '{name}'"
            )));
        }
    }
    let tolerances = tolerance(args)?;
    let excluded = str_list(args, "exclude_columns");
    let is_map = |t: &str| t.trim().to_ascii_lowercase().starts_with("map");
    let numeric = |t: &str| kind_of_uc_type(t) == TypeKind::Numeric;
    let compared: Vec<(String, bool, bool)> = cx
        .columns
        .iter()
        .zip(cx.column_types)
        .filter(|(c, _)| !written.contains(c) && !excluded.contains(c))
        .filter_map(|(c, t)| {
            let rt = ref_type(c)?;
            (!is_map(t) && !is_map(rt)).then(|| (quote_identifier(c), numeric(t), numeric(rt)))
        })
        .collect();
    let filter = row_filter(rule)?;
    let sides = Sides {
        cx,
        a: format!("__dqx_c{}", cx.id),
        relation,
        keys: written.iter().map(|w| quote_identifier(w)).collect(),
        ref_keys: written_ref.iter().map(|w| quote_identifier(w)).collect(),
        compared,
        null_safe_keys: arg_bool(args, "null_safe_row_matching", true),
    };
    let check_missing = arg_bool(args, "check_missing_records", false);
    let (mut layers, join, scope) = match &filter {
        None => positional(&sides),
        Some(f) => exact_first(&sides, &format!("coalesce(({f}), FALSE)")),
    };
    if check_missing {
        layers.push(missing_rows(&sides, filter.as_deref()));
    }
    let changed = changes(
        &sides,
        tolerances,
        arg_bool(args, "null_safe_column_value_matching", true),
    );
    let a = &sides.a;
    let missing = format!("coalesce({a}_missing, FALSE)");
    let extra = format!("(NOT {missing} AND {a}.{a}_hrn IS NULL)");
    let mut failing = vec![missing.clone(), extra.clone()];
    failing.extend(changed.iter().map(|(flag, _)| flag.clone()));
    Ok(CompiledRule {
        condition: format!("(({missing}) OR {scope}) AND ({})", failing.join(" OR ")),
        message: message(&sides, &missing, &extra, &changed),
        joins: vec![join],
        layers,
    })
}

/// Without a filter: the n-th row of a key pairs with the n-th reference row of that key.
fn positional(s: &Sides<'_>) -> (Vec<Layer>, Join, String) {
    let a = &s.a;
    let layer = Layer::Columns {
        items: vec![
            (
                format!(
                    "row_number() OVER (PARTITION BY {} ORDER BY {})",
                    s.keys.join(", "),
                    s.order(&s.compared_names())
                ),
                format!("{a}_rn"),
            ),
            ("FALSE".into(), format!("{a}_missing")),
        ],
        join: None,
    };
    let hk = s.names("hk", s.keys.len(), &format!("{a}."));
    let join = Join {
        relation: format!("{} {a}", s.numbered_reference(None)),
        on: Some(format!(
            "{} AND {a}_rn = {a}.{a}_hrn",
            s.helper_key_match(&hk)
        )),
    };
    (vec![layer], join, "TRUE".into())
}

/// With a filter: in-scope rows take reference rows of identical values first (`{a}_exact`),
/// the others pair by position among what is left; rows outside the filter only pair for keys
/// without in-scope rows.
fn exact_first(s: &Sides<'_>, scope: &str) -> (Vec<Layer>, Join, String) {
    let a = &s.a;
    let ck = s.names("ck", s.keys.len(), &format!("{a}_rc."));
    let cv = s.names("cv", s.compared.len(), &format!("{a}_rc."));
    let mut on = vec![s.key_match(&s.keys, &ck)];
    on.extend(s.values_equal(&s.compared_names(), &cv));
    let mut partition = s.keys.clone();
    partition.extend(s.compared_names());
    let counts = Layer::Columns {
        items: vec![
            (scope.to_string(), format!("{a}_scope")),
            (format!("coalesce({a}_rc.{a}_cn, 0)"), format!("{a}_rc")),
            (
                format!(
                    "max(CASE WHEN {scope} THEN 1 ELSE 0 END) OVER (PARTITION BY {})",
                    s.keys.join(", ")
                ),
                format!("{a}_keyscope"),
            ),
            (
                format!(
                    "row_number() OVER (PARTITION BY {} ORDER BY {scope} DESC)",
                    partition.join(", ")
                ),
                format!("{a}_er"),
            ),
            ("FALSE".into(), format!("{a}_missing")),
        ],
        join: Some(Join {
            relation: s.ref_value_counts(),
            on: Some(on.join(" AND ")),
        }),
    };
    let exact = format!("({a}_scope AND {a}_er <= {a}_rc)");
    let numbers = Layer::Columns {
        items: vec![
            (exact.clone(), format!("{a}_exact")),
            (
                format!(
                    "CASE WHEN {exact} THEN {a}_er ELSE row_number() OVER (PARTITION BY {}, {exact} ORDER BY {a}_scope DESC, {}) END",
                    s.keys.join(", "),
                    s.order(&s.compared_names())
                ),
                format!("{a}_rn"),
            ),
        ],
        join: None,
    };
    let hk = s.names("hk", s.keys.len(), &format!("{a}."));
    let hv = s.names("hv", s.compared.len(), &format!("{a}."));
    let same_values = s.values_equal(&s.compared_names(), &hv);
    let mut on = vec![
        s.helper_key_match(&hk),
        format!("{a}_exact = {a}.{a}_hexact"),
        format!("{a}_rn = {a}.{a}_hrn"),
        format!("({a}_scope OR {a}_keyscope = 0)"),
    ];
    if !same_values.is_empty() {
        on.push(format!(
            "(NOT {a}_exact OR ({}))",
            same_values.join(" AND ")
        ));
    }
    let join = Join {
        relation: format!("{} {a}", s.numbered_reference(Some(scope))),
        on: Some(on.join(" AND ")),
    };
    (
        vec![counts, numbers],
        join,
        format!("coalesce({a}_scope, FALSE)"),
    )
}

/// `check_missing_records`: the reference rows left without a partner, added as rows whose key
/// columns hold the reference keys (every other column NULL) and that pair with that row.
fn missing_rows(s: &Sides<'_>, filter: Option<&str>) -> Layer {
    let a = &s.a;
    let tk = s.names("tk", s.keys.len(), "");
    let m_hk = s.names("hk", s.keys.len(), &format!("{a}_m."));
    let t_tk = s.names("tk", s.keys.len(), &format!("{a}_t."));
    let (threshold, unpaired) = match filter {
        None => (
            format!(
                "(SELECT {}, count(*) AS {a}_tn FROM {} GROUP BY {}) {a}_t",
                Sides::aliased(&s.keys, &tk).join(", "),
                s.cx.table_sql,
                s.keys.join(", ")
            ),
            String::new(),
        ),
        Some(f) => {
            let scope = format!("coalesce(({f}), FALSE)");
            let sk = s.names("sk", s.keys.len(), &format!("{a}_sc."));
            let sv = s.names("sv", s.compared.len(), &format!("{a}_sc."));
            let ck = s.names("ck", s.keys.len(), &format!("{a}_rc."));
            let cv = s.names("cv", s.compared.len(), &format!("{a}_rc."));
            let mut on = vec![s.key_match(&sk, &ck)];
            on.extend(s.values_equal(&sv, &cv));
            let ek = s.names("ek", s.keys.len(), "");
            let exact_pairs = format!(
                "(SELECT {}, sum(CASE WHEN {a}_sc.{a}_sn < {a}_rc.{a}_cn THEN {a}_sc.{a}_sn ELSE {a}_rc.{a}_cn END) AS {a}_tex \
                 FROM {} JOIN {} ON {} GROUP BY {}) {a}_t2",
                Sides::aliased(&sk, &ek).join(", "),
                s.source_value_counts(&scope),
                s.ref_value_counts(),
                on.join(" AND "),
                sk.join(", ")
            );
            let t1_tk = s.names("tk", s.keys.len(), &format!("{a}_t1."));
            let t2_ek = s.names("ek", s.keys.len(), &format!("{a}_t2."));
            let per_key = format!(
                "(SELECT {}, sum(CASE WHEN {scope} THEN 1 ELSE 0 END) AS {a}_tin, count(*) AS {a}_tall FROM {} GROUP BY {}) {a}_t1",
                Sides::aliased(&s.keys, &tk).join(", "),
                s.cx.table_sql,
                s.keys.join(", ")
            );
            (
                format!(
                    "(SELECT {}, CASE WHEN {a}_t1.{a}_tin > 0 THEN {a}_t1.{a}_tin - coalesce({a}_t2.{a}_tex, 0) ELSE {a}_t1.{a}_tall END AS {a}_tn \
                     FROM {per_key} LEFT JOIN {exact_pairs} ON {}) {a}_t",
                    Sides::aliased(&t1_tk, &tk).join(", "),
                    s.key_match(&t1_tk, &t2_ek)
                ),
                format!("NOT {a}_m.{a}_hexact AND "),
            )
        }
    };
    let relation = format!(
        "(SELECT {a}_m.* FROM {} {a}_m LEFT JOIN {threshold} ON {} WHERE {unpaired}{a}_m.{a}_hrn > coalesce({a}_t.{a}_tn, 0)) {a}_add",
        s.numbered_reference(filter.map(|f| format!("coalesce(({f}), FALSE)")).as_deref()),
        s.key_match(&m_hk, &t_tk)
    );
    let mut values: Vec<(String, String)> = s
        .keys
        .iter()
        .zip(s.names("hk", s.keys.len(), &format!("{a}_add.")))
        .map(|(k, hk)| (unquote(k), hk))
        .collect();
    values.push((format!("{a}_rn"), format!("{a}_add.{a}_hrn")));
    values.push((format!("{a}_missing"), "TRUE".into()));
    if filter.is_some() {
        values.push((format!("{a}_exact"), "FALSE".into()));
        values.push((format!("{a}_scope"), "FALSE".into()));
        values.push((format!("{a}_keyscope"), "0".into()));
    }
    Layer::AddRows { relation, values }
}

/// A quoted identifier's name.
fn unquote(quoted: &str) -> String {
    quoted
        .strip_prefix('`')
        .and_then(|q| q.strip_suffix('`'))
        .map(|q| q.replace("``", "`"))
        .unwrap_or_else(|| quoted.to_string())
}

/// Per compared column: whether it changed (TRUE/FALSE) and its name.
fn changes(
    s: &Sides<'_>,
    tolerances: Option<(String, String)>,
    null_safe: bool,
) -> Vec<(String, String)> {
    let a = &s.a;
    s.compared
        .iter()
        .enumerate()
        .map(|(j, (column, numeric, _))| {
            let (df, r) = (column.clone(), format!("{a}.{a}_hv{j}"));
            let differs = match (&tolerances, numeric, null_safe) {
                (Some((abs_t, rel_t)), true, true) => format!(
                    "NOT (({df} IS NULL AND {r} IS NULL) OR ({df} IS NOT NULL AND {r} IS NOT NULL AND {}))",
                    within_tolerance(&df, &r, abs_t, rel_t)
                ),
                (Some((abs_t, rel_t)), true, false) => format!(
                    "NOT ({df} IS NULL OR {r} IS NULL OR {})",
                    within_tolerance(&df, &r, abs_t, rel_t)
                ),
                (_, _, true) => format!("({df} IS DISTINCT FROM {r})"),
                (_, _, false) => format!("({df} <> {r})"),
            };
            (format!("coalesce({differs}, FALSE)"), unquote(column))
        })
        .collect()
}

/// DQX's message: `{"row_missing":..,"row_extra":..,"changed":{"c":{"df":"..","ref":".."}}}`,
/// NULL sides left out as Spark's `to_json` leaves them.
fn message(s: &Sides<'_>, missing: &str, extra: &str, changed: &[(String, String)]) -> String {
    let cx = s.cx;
    let a = &s.a;
    match cx.dialect {
        Dialect::Spark => {
            let entries: Vec<String> = changed
                .iter()
                .enumerate()
                .map(|(j, (flag, name))| {
                    format!(
                        "IF({flag}, named_struct('key', {}, 'value', named_struct('df', {}, 'ref', {})), NULL)",
                        cx.lit(name),
                        cx.s(&quote_identifier(name)),
                        cx.s(&format!("{a}.{a}_hv{j}"))
                    )
                })
                .collect();
            let entries = if entries.is_empty() {
                "CAST(NULL AS STRUCT<key: STRING, value: STRUCT<df: STRING, ref: STRING>>)"
                    .to_string()
            } else {
                entries.join(", ")
            };
            let map = format!("map_from_entries(array_compact(array({entries})))");
            format!(
                "to_json(named_struct('row_missing', {missing}, 'row_extra', {extra}, 'changed', {map}))"
            )
        }
        Dialect::DataFusion => {
            let flag = |b: &str| format!("CASE WHEN {b} THEN 'true' ELSE 'false' END");
            let side = |label: &str, v: &str| {
                format!(
                    "CASE WHEN {v} IS NOT NULL THEN concat('\"{label}\":\"', {}, '\"') END",
                    json_escaped(&cx.s(v))
                )
            };
            let entries: Vec<String> = changed
                .iter()
                .enumerate()
                .map(|(j, (flag, name))| {
                    let key = serde_json::to_string(name).unwrap_or_default();
                    format!(
                        "CASE WHEN {flag} THEN concat({}, ':{{', concat_ws(',', {}, {}), '}}') END",
                        cx.lit(&key),
                        side("df", &quote_identifier(name)),
                        side("ref", &format!("{a}.{a}_hv{j}"))
                    )
                })
                .collect();
            let body = if entries.is_empty() {
                "''".to_string()
            } else {
                format!("concat_ws(',', {})", entries.join(", "))
            };
            format!(
                "concat('{{\"row_missing\":', {}, ',\"row_extra\":', {}, ',\"changed\":{{', {body}, '}}}}')",
                flag(missing),
                flag(extra)
            )
        }
    }
}

/// Text SQL escaped for a JSON string (backslashes, quotes, newlines, returns and tabs).
fn json_escaped(text: &str) -> String {
    format!(
        "replace(replace(replace(replace(replace({text}, '\\', '\\\\'), '\"', '\\\"'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t')"
    )
}
