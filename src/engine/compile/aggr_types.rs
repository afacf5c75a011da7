//! DQX 0.17's aggregate types (`aggr_type` with its `aggr_params`): how each one is computed in
//! DataFusion and in Spark SQL, and the display name DQX puts in its messages.

use super::{Result, Skip};
use crate::engine::sql::Dialect;
use serde_json::{Map, Value};

/// The aggregate types DQX curates, with the names its messages use.
const CURATED: [(&str, &str); 20] = [
    ("count", "Count"),
    ("sum", "Sum"),
    ("avg", "Average"),
    ("min", "Min"),
    ("max", "Max"),
    ("count_distinct", "Distinct count"),
    ("approx_count_distinct", "Approximate distinct count"),
    ("count_if", "Conditional count"),
    ("stddev", "Standard deviation"),
    ("stddev_pop", "Population standard deviation"),
    ("stddev_samp", "Sample standard deviation"),
    ("variance", "Variance"),
    ("var_pop", "Population variance"),
    ("var_samp", "Sample variance"),
    ("median", "Median"),
    ("mode", "Mode"),
    ("skewness", "Skewness"),
    ("kurtosis", "Kurtosis"),
    ("percentile", "Percentile"),
    ("approx_percentile", "Approximate percentile"),
];

/// The names of every aggregate type this app evaluates (listed when a rule names another).
pub fn aggregate_type_names() -> impl Iterator<Item = &'static str> {
    CURATED.iter().map(|(name, _)| *name)
}

/// How one aggregate is computed over the (row-filtered) values `x` of a group.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Form {
    /// One aggregate expression over the group's rows.
    Expr(String),
    /// An aggregate over `d`, each value minus its group's mean (`x - avg(x) OVER (...)`); used
    /// for skewness and kurtosis where the engine has no such function.
    Centered(String),
    /// The most frequent non-NULL value (ties: the smallest), computed by counting values.
    Mode,
}

/// One `aggr_type` resolved: its SQL form and DQX's display name (with its parameters).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Aggregate {
    pub form: Form,
    pub display: String,
}

/// Resolves `aggr_type` (default `count`) and `aggr_params` for the values `x` in `dialect`.
pub(super) fn resolve(
    aggr_type: &str,
    params: Option<&Map<String, Value>>,
    x: &str,
    dialect: Dialect,
) -> Result<Aggregate> {
    let Some((_, base)) = CURATED.iter().find(|(name, _)| *name == aggr_type) else {
        return Err(Skip(format!(
            "Check evaluation skipped: aggregate function '{aggr_type}' is not one of DQX's aggregate types ({})",
            aggregate_type_names().collect::<Vec<_>>().join(", ")
        )));
    };
    let display = match params.filter(|p| !p.is_empty()) {
        Some(p) => format!("{base} ({})", python_params(p)),
        None => (*base).to_string(),
    };
    let form = form(aggr_type, params, x, dialect)?;
    Ok(Aggregate { form, display })
}

fn form(
    aggr_type: &str,
    params: Option<&Map<String, Value>>,
    x: &str,
    dialect: Dialect,
) -> Result<Form> {
    let spark = dialect == Dialect::Spark;
    let expr = |sql: String| Ok(Form::Expr(sql));
    match aggr_type {
        "count" | "sum" | "avg" | "min" | "max" | "stddev_pop" | "var_pop" => {
            expr(format!("{aggr_type}({x})"))
        }
        // DataFusion's median of integers is an integer; Spark's (like DQX's) is a double.
        "median" => expr(format!("median(CAST({x} AS DOUBLE))")),
        "stddev" | "stddev_samp" => expr(format!("stddev_samp({x})")),
        "variance" | "var_samp" => expr(format!("var_samp({x})")),
        "count_distinct" => expr(format!("count(DISTINCT {x})")),
        "approx_count_distinct" if spark => expr(format!("approx_count_distinct({x})")),
        "approx_count_distinct" => expr(format!("approx_distinct({x})")),
        "count_if" if spark => expr(format!("count_if({x})")),
        "count_if" => expr(format!("count(CASE WHEN {x} THEN 1 END)")),
        "mode" => Ok(Form::Mode),
        "skewness" if spark => expr(format!("skewness({x})")),
        "kurtosis" if spark => expr(format!("kurtosis({x})")),
        // Spark's population moments; NULL when there are no values or they are all equal.
        "skewness" => Ok(Form::Centered(
            "CASE WHEN sum(d * d) = 0 THEN NULL \
             ELSE sqrt(CAST(count(d) AS DOUBLE)) * sum(d * d * d) / power(sum(d * d), 1.5) END"
                .into(),
        )),
        "kurtosis" => Ok(Form::Centered(
            "CASE WHEN sum(d * d) = 0 THEN NULL \
             ELSE CAST(count(d) AS DOUBLE) * sum(d * d * d * d) / (sum(d * d) * sum(d * d)) - 3.0 END"
                .into(),
        )),
        "percentile" | "approx_percentile" => {
            let p = percentile_param(aggr_type, params)?;
            match (aggr_type, spark) {
                ("percentile", true) => expr(format!("percentile({x}, {p})")),
                ("percentile", false) => {
                    expr(format!("percentile_cont(CAST({x} AS DOUBLE), {p})"))
                }
                (_, true) => {
                    let accuracy = params
                        .and_then(|m| m.get("accuracy"))
                        .and_then(Value::as_u64)
                        .map(|a| format!(", {a}"))
                        .unwrap_or_default();
                    expr(format!("approx_percentile({x}, {p}{accuracy})"))
                }
                (_, false) => expr(format!("approx_percentile_cont(CAST({x} AS DOUBLE), {p})")),
            }
        }
        other => Err(Skip(format!(
            "Check evaluation skipped: aggregate function '{other}' is not supported"
        ))),
    }
}

/// `aggr_params.percentile`, a number in [0, 1], as SQL.
fn percentile_param(aggr_type: &str, params: Option<&Map<String, Value>>) -> Result<String> {
    let missing = || {
        Skip(format!(
            "Check evaluation skipped: '{aggr_type}' requires aggr_params with 'percentile' key (e.g., {{'percentile': 0.95}})"
        ))
    };
    let p = params
        .and_then(|m| m.get("percentile"))
        .ok_or_else(missing)?
        .as_f64()
        .ok_or_else(missing)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(Skip(format!(
            "Check evaluation skipped: the percentile of '{aggr_type}' must be between 0 and 1, not {p}"
        )));
    }
    Ok(format!("CAST({p:?} AS DOUBLE)"))
}

/// `k=v, ...` as DQX's message prints its `aggr_params` (Python's `str` of each value).
fn python_params(params: &Map<String, Value>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", python_str(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn python_str(v: &Value) -> String {
    match v {
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.is_finite() => format!("{f:.1}"),
            Some(f) => format!("{f}"),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn display_names_carry_parameters_as_python_prints_them() {
        let p = params(json!({"percentile": 0.95}));
        let a = resolve("percentile", Some(&p), "x", Dialect::Spark);
        assert_eq!(
            a.map(|a| a.display),
            Ok("Percentile (percentile=0.95)".to_string())
        );
        let p = params(json!({"percentile": 1.0, "accuracy": 100}));
        let a = resolve("approx_percentile", Some(&p), "x", Dialect::Spark);
        assert_eq!(
            a.map(|a| a.display),
            Ok("Approximate percentile (percentile=1.0, accuracy=100)".to_string())
        );
        let a = resolve("count_distinct", None, "x", Dialect::DataFusion);
        assert_eq!(a.map(|a| a.display), Ok("Distinct count".to_string()));
    }

    #[test]
    fn percentiles_need_a_percentile_between_zero_and_one() {
        assert!(resolve("percentile", None, "x", Dialect::Spark).is_err());
        let p = params(json!({"percentile": 1.5}));
        assert!(resolve("percentile", Some(&p), "x", Dialect::DataFusion).is_err());
        let p = params(json!({"percentile": "high"}));
        assert!(resolve("percentile", Some(&p), "x", Dialect::DataFusion).is_err());
    }

    #[test]
    fn unknown_types_are_skipped_with_the_list() {
        let err = resolve("collect_list", None, "x", Dialect::Spark);
        assert!(matches!(err, Err(Skip(m)) if m.contains("count_distinct")));
    }

    #[test]
    fn each_dialect_gets_its_own_function() {
        let form = |t, d| resolve(t, None, "x", d).map(|a| a.form);
        assert_eq!(
            form("approx_count_distinct", Dialect::DataFusion),
            Ok(Form::Expr("approx_distinct(x)".into()))
        );
        assert_eq!(
            form("count_if", Dialect::Spark),
            Ok(Form::Expr("count_if(x)".into()))
        );
        assert!(matches!(
            form("skewness", Dialect::DataFusion),
            Ok(Form::Centered(_))
        ));
        assert_eq!(form("mode", Dialect::Spark), Ok(Form::Mode));
    }
}
