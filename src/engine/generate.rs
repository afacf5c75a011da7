//! Rules from a profile, the way DQX's profiler-based generator proposes them (dqx-semantics §6):
//! not-null / not-empty when nulls and empties are rare, is_in_list for low cardinality, ranges
//! capped at mean ± 3σ; plus format rules for columns whose values are e-mails or IPv4
//! addresses. Every rule says in `user_metadata` that it came from the profile, and why.

use crate::model::profile::{ColumnProfile, TableProfile, ValueFormat};
use crate::model::rules::Criticality;
use serde_json::{Value, json};

/// The generator's thresholds (DQX's defaults).
#[derive(Debug, Clone)]
pub struct GeneratorOptions {
    pub max_null_ratio: f64,
    pub max_empty_ratio: f64,
    pub max_in_count: u64,
    pub distinct_ratio: f64,
    pub num_sigmas: f64,
    /// Share of non-NULL values that must match a format for a format rule.
    pub min_format_ratio: f64,
    /// Share of a date or timestamp column's values that may lie in the future and still be
    /// read as wrong values rather than planned dates.
    pub max_future_ratio: f64,
    /// The moment of profiling, for profiles that did not count future values.
    pub now: chrono::NaiveDateTime,
    pub criticality: Criticality,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        Self {
            max_null_ratio: 0.01,
            max_empty_ratio: 0.01,
            max_in_count: 10,
            distinct_ratio: 0.05,
            num_sigmas: 3.0,
            min_format_ratio: 0.9,
            max_future_ratio: 0.01,
            now: chrono::Utc::now().naive_utc(),
            criticality: Criticality::Error,
        }
    }
}

fn rule(
    name: String,
    function: &str,
    arguments: Value,
    reason: String,
    criticality: Criticality,
) -> Value {
    json!({
        "name": name,
        "criticality": criticality.as_str(),
        "check": {"function": function, "arguments": arguments},
        "user_metadata": {"source": "profile", "reason": reason},
    })
}

fn is_text(c: &ColumnProfile) -> bool {
    c.data_type == "string"
}

fn is_integral(c: &ColumnProfile) -> bool {
    matches!(c.data_type.as_str(), "smallint" | "int" | "bigint")
}

fn is_fractional(c: &ColumnProfile) -> bool {
    c.data_type == "float" || c.data_type == "double" || c.data_type.starts_with("decimal")
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Proposes rules for every column of the profile.
pub fn rules_from_profile(profile: &TableProfile, options: &GeneratorOptions) -> Vec<Value> {
    let mut rules = Vec::new();
    for column in &profile.columns {
        null_or_empty(column, options, &mut rules);
        in_list(column, options, &mut rules);
        min_max(column, options, &mut rules);
        formats(column, options, &mut rules);
    }
    rules
}

fn null_or_empty(c: &ColumnProfile, o: &GeneratorOptions, rules: &mut Vec<Value>) {
    if c.count == 0 {
        return;
    }
    let (nulls, empties) = (c.null_ratio(), c.empty_ratio());
    let null_ok = nulls <= o.max_null_ratio;
    let empty_ok = empties <= o.max_empty_ratio;
    let name = &c.name;
    let why = format!(
        "{} NULL and {} empty values in the profile",
        percent(nulls),
        percent(empties)
    );
    if is_text(c) && null_ok && empty_ok {
        rules.push(rule(
            format!("{name}_is_null_or_empty"),
            "is_not_null_and_not_empty",
            json!({"column": name, "trim_strings": true}),
            why,
            o.criticality,
        ));
    } else if null_ok {
        let reason = if is_text(c) {
            why
        } else {
            format!("{} NULL values in the profile", percent(nulls))
        };
        rules.push(rule(
            format!("{name}_is_null"),
            "is_not_null",
            json!({"column": name}),
            reason,
            o.criticality,
        ));
    } else if is_text(c) && empty_ok {
        rules.push(rule(
            format!("{name}_is_not_empty"),
            "is_not_empty",
            json!({"column": name, "trim_strings": true}),
            why,
            o.criticality,
        ));
    }
}

fn in_list(c: &ColumnProfile, o: &GeneratorOptions, rules: &mut Vec<Value>) {
    let eligible = is_text(c) || matches!(c.data_type.as_str(), "int" | "bigint");
    let non_null = c.count.saturating_sub(c.null_count);
    if !eligible || non_null == 0 || c.top_values.is_empty() {
        return;
    }
    let distinct = c.top_values.len() as u64;
    if distinct >= o.max_in_count || (distinct as f64 / c.count as f64) >= o.distinct_ratio {
        return;
    }
    let mut values: Vec<&str> = c.top_values.iter().map(|(v, _)| v.as_str()).collect();
    values.sort();
    let allowed: Vec<Value> = values
        .iter()
        .map(|v| {
            if is_text(c) {
                Value::String(format!("'{}'", v.replace('\'', "''")))
            } else {
                v.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String((*v).to_string()))
            }
        })
        .collect();
    rules.push(rule(
        format!("{}_other_value", c.name),
        "is_in_list",
        json!({"column": c.name, "allowed": allowed}),
        format!(
            "only {distinct} distinct values in {} profiled rows",
            c.count
        ),
        o.criticality,
    ));
}

fn min_max(c: &ColumnProfile, o: &GeneratorOptions, rules: &mut Vec<Value>) {
    if c.looks_like_identifier() {
        // A range on an id fails the next new id.
        return;
    }
    if c.is_temporal() {
        return time_bounds(c, o, rules);
    }
    let (Some(min), Some(max)) = (&c.min, &c.max) else {
        return;
    };
    if !(is_integral(c) || is_fractional(c)) {
        return;
    }
    let (Ok(mut lo), Ok(mut hi)) = (min.parse::<f64>(), max.parse::<f64>()) else {
        return;
    };
    let mut how = "the limits are the profiled minimum and maximum";
    if let (Some(mean), Some(sd)) = (c.mean, c.stddev) {
        let (band_lo, band_hi) = (mean - o.num_sigmas * sd, mean + o.num_sigmas * sd);
        if lo < band_lo || hi > band_hi {
            how = "the limits are capped at 3 standard deviations from the mean";
        }
        lo = lo.max(band_lo);
        hi = hi.min(band_hi);
    }
    let (low, high) = if is_integral(c) {
        (
            Value::from(lo.floor() as i64),
            Value::from(hi.ceil() as i64),
        )
    } else {
        (json!(lo), json!(hi))
    };
    let name = &c.name;
    rules.push(rule(
        format!("{name}_isnt_in_range"),
        "is_in_range",
        json!({"column": name, "min_limit": low, "max_limit": high}),
        format!("values from {min} to {max}; {how}"),
        o.criticality,
    ));
}

/// A date or timestamp column gets the earliest profiled value as its lower limit and "not in
/// the future" as its upper one, never a fixed latest date: a range ending at the latest value
/// seen fails tomorrow's rows, and one ending past now lets wrong future values through. When
/// more than `max_future_ratio` of the values lie in the future the column holds planned dates
/// (due, expiry) and gets no upper limit.
fn time_bounds(c: &ColumnProfile, o: &GeneratorOptions, rules: &mut Vec<Value>) {
    let (Some(min), Some(max)) = (&c.min, &c.max) else {
        return;
    };
    let name = &c.name;
    let low = if c.data_type == "date" {
        min.get(..10).map(str::to_string)
    } else {
        midnight(min, false)
    };
    let Some(low) = low else {
        return;
    };
    let non_null = c.non_null().max(1);
    let future = c.future_values(&o.now.format("%Y-%m-%d").to_string());
    let share = future as f64 / non_null as f64;
    let planned = share > o.max_future_ratio;
    let mut why = format!("the earliest value in the profile is {min}");
    if planned {
        why.push_str(&format!(
            "; {} of the values are in the future (planned dates), so no upper limit",
            percent(share)
        ));
    }
    rules.push(rule(
        format!("{name}_not_less_than"),
        "is_not_less_than",
        json!({"column": name, "limit": low}),
        why,
        o.criticality,
    ));
    if planned {
        return;
    }
    let why = if future == 0 {
        format!("no value is in the future (the latest is {max})")
    } else {
        format!(
            "{} ({}) {} in the future, up to {max}: probably wrong",
            crate::model::words::plural(future as usize, "value"),
            percent(share),
            if future == 1 { "is" } else { "are" }
        )
    };
    rules.push(rule(
        format!("{name}_in_future"),
        "is_not_in_future",
        json!({"column": name, "offset": 0}),
        why,
        o.criticality,
    ));
}

/// `YYYY-MM-DD…` rounded down to midnight, or (with `up`) up to the next midnight.
fn midnight(text: &str, up: bool) -> Option<String> {
    let date = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    let rest = text.get(10..).unwrap_or_default();
    let exact = rest
        .trim_start_matches(['T', ' '])
        .chars()
        .all(|c| matches!(c, '0' | ':' | '.' | 'Z'));
    let date = if up && !exact { date.succ_opt()? } else { date };
    Some(format!("{}T00:00:00", date.format("%Y-%m-%d")))
}

fn formats(c: &ColumnProfile, o: &GeneratorOptions, rules: &mut Vec<Value>) {
    let non_null = c.count.saturating_sub(c.null_count);
    if non_null == 0 {
        return;
    }
    for found in &c.formats {
        let share = found.matching as f64 / non_null as f64;
        if share < o.min_format_ratio {
            continue;
        }
        let reason = format!(
            "{} of the values match the {} format",
            percent(share),
            found.format.label()
        );
        let name = &c.name;
        match found.format {
            // DQX 0.17's own checks, as its generator proposes them.
            ValueFormat::Email => rules.push(rule(
                format!("{name}_does_not_match_pattern_email_address"),
                "is_valid_email",
                json!({"column": name}),
                reason,
                o.criticality,
            )),
            ValueFormat::Uuid => rules.push(rule(
                format!("{name}_does_not_match_pattern_uuid"),
                "is_valid_uuid",
                json!({"column": name}),
                reason,
                o.criticality,
            )),
            ValueFormat::Ipv4 => rules.push(rule(
                format!("{name}_does_not_match_pattern_ipv4_address"),
                "is_valid_ipv4_address",
                json!({"column": name}),
                reason,
                o.criticality,
            )),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::FormatMatch;

    fn column(name: &str, data_type: &str) -> ColumnProfile {
        ColumnProfile {
            name: name.into(),
            data_type: data_type.into(),
            count: 1000,
            null_count: 0,
            empty_count: None,
            distinct_count: 1000,
            min: None,
            max: None,
            mean: None,
            stddev: None,
            min_length: None,
            max_length: None,
            top_values: Vec::new(),
            formats: Vec::new(),
            future_count: None,
        }
    }

    fn generate(columns: Vec<ColumnProfile>) -> Vec<Value> {
        let profile = TableProfile {
            table_name: "t".into(),
            row_count: 1000,
            total_row_count: 1000,
            sample_limit: None,
            columns,
        };
        rules_from_profile(&profile, &GeneratorOptions::default())
    }

    fn functions(rules: &[Value]) -> Vec<String> {
        rules
            .iter()
            .map(|r| r["check"]["function"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn text_without_nulls_or_empties_gets_not_null_and_not_empty() {
        let mut c = column("name", "string");
        c.empty_count = Some(0);
        let rules = generate(vec![c]);
        assert_eq!(functions(&rules), ["is_not_null_and_not_empty"]);
        assert_eq!(rules[0]["name"], "name_is_null_or_empty");
        assert_eq!(rules[0]["user_metadata"]["source"], "profile");
    }

    #[test]
    fn too_many_nulls_gives_no_null_rule() {
        let mut c = column("n", "bigint");
        c.null_count = 50;
        assert!(generate(vec![c]).is_empty());
    }

    #[test]
    fn low_cardinality_text_gets_a_quoted_in_list() {
        let mut c = column("status", "string");
        c.empty_count = Some(0);
        c.top_values = vec![("shipped".into(), 600), ("new".into(), 400)];
        let rules = generate(vec![c]);
        let list = rules
            .iter()
            .find(|r| r["check"]["function"] == "is_in_list")
            .unwrap();
        assert_eq!(
            list["check"]["arguments"]["allowed"],
            json!(["'new'", "'shipped'"])
        );
        assert_eq!(list["name"], "status_other_value");
    }

    #[test]
    fn ranges_are_capped_at_three_sigmas_and_rounded_for_integers() {
        let mut c = column("age", "bigint");
        c.distinct_count = 80;
        c.min = Some("-5".into());
        c.max = Some("300".into());
        c.mean = Some(40.0);
        c.stddev = Some(10.0);
        let rules = generate(vec![c]);
        let range = rules
            .iter()
            .find(|r| r["check"]["function"] == "is_in_range")
            .unwrap();
        assert_eq!(range["check"]["arguments"]["min_limit"], 10);
        assert_eq!(range["check"]["arguments"]["max_limit"], 70);
        assert_eq!(
            range["user_metadata"]["reason"],
            "values from -5 to 300; the limits are capped at 3 standard deviations from the mean"
        );
    }

    #[test]
    fn identifiers_get_no_range_by_name_or_by_being_unique_whole_numbers() {
        let mut named = column("customer_id", "bigint");
        named.distinct_count = 400;
        let mut unique = column("seq", "int");
        let mut measure = column("quantity", "int");
        measure.distinct_count = 30;
        for c in [&mut named, &mut unique, &mut measure] {
            c.min = Some("1".into());
            c.max = Some("999".into());
        }
        let rules = generate(vec![named, unique, measure]);
        let ranged: Vec<&str> = rules
            .iter()
            .filter(|r| r["check"]["function"] == "is_in_range")
            .map(|r| r["check"]["arguments"]["column"].as_str().unwrap())
            .collect();
        assert_eq!(ranged, ["quantity"]);
    }

    fn temporal(name: &str, data_type: &str, min: &str, max: &str, future: u64) -> ColumnProfile {
        let mut c = column(name, data_type);
        c.distinct_count = 300;
        c.min = Some(min.into());
        c.max = Some(max.into());
        c.future_count = Some(future);
        c
    }

    #[test]
    fn dates_get_a_lower_limit_and_not_in_the_future_never_a_range_past_now() {
        // 8 of 1,000 signup dates planted in 2099: wrong values, flagged by "not in the future".
        let rules = generate(vec![temporal(
            "signup_date",
            "date",
            "2019-01-01",
            "2099-10-14",
            8,
        )]);
        assert_eq!(
            functions(&rules),
            ["is_not_null", "is_not_less_than", "is_not_in_future"]
        );
        assert_eq!(rules[1]["check"]["arguments"]["limit"], "2019-01-01");
        assert_eq!(
            rules[2]["check"]["arguments"],
            json!({"column": "signup_date", "offset": 0})
        );
        assert!(
            rules[2]["user_metadata"]["reason"]
                .as_str()
                .unwrap()
                .contains("8 values (0.8%) are in the future")
        );
        assert!(
            rules
                .iter()
                .all(|r| r["check"]["function"] != "is_in_range")
        );
    }

    #[test]
    fn planned_dates_get_no_upper_limit_and_timestamps_start_at_midnight() {
        let rules = generate(vec![temporal(
            "due_at",
            "timestamp",
            "2024-01-03T10:00:00Z",
            "2031-02-01T23:59:59Z",
            400,
        )]);
        assert_eq!(functions(&rules), ["is_not_null", "is_not_less_than"]);
        assert_eq!(
            rules[1]["check"]["arguments"]["limit"],
            "2024-01-03T00:00:00"
        );
        assert!(
            rules[1]["user_metadata"]["reason"]
                .as_str()
                .unwrap()
                .contains("40.0% of the values are in the future")
        );
    }

    #[test]
    fn a_stored_profile_without_future_counts_compares_the_latest_value_with_now() {
        let mut c = temporal("d", "date", "2020-01-01", "2099-01-01", 0);
        c.future_count = None;
        let rules = generate(vec![c]);
        assert!(
            rules[2]["user_metadata"]["reason"]
                .as_str()
                .unwrap()
                .contains("1 value (")
        );
    }

    #[test]
    fn email_columns_get_a_format_rule() {
        let mut c = column("email", "string");
        c.empty_count = Some(0);
        c.formats = vec![FormatMatch {
            format: ValueFormat::Email,
            matching: 990,
        }];
        let rules = generate(vec![c]);
        assert!(functions(&rules).contains(&"is_valid_email".to_string()));
    }

    #[test]
    fn uuid_columns_get_is_valid_uuid() {
        let mut c = column("id", "string");
        c.empty_count = Some(0);
        c.formats = vec![FormatMatch {
            format: ValueFormat::Uuid,
            matching: 1000,
        }];
        let rules = generate(vec![c]);
        assert!(functions(&rules).contains(&"is_valid_uuid".to_string()));
        c = column("id", "string");
        c.formats = vec![FormatMatch {
            format: ValueFormat::Uuid,
            matching: 500,
        }];
        assert!(!functions(&generate(vec![c])).contains(&"is_valid_uuid".to_string()));
    }

    #[test]
    fn generated_rules_pass_the_validator() {
        let mut c = column("status", "string");
        c.empty_count = Some(0);
        c.top_values = vec![("it's".into(), 10)];
        let rules = Value::Array(generate(vec![c]));
        let v = crate::model::rules::validate::validate_rule_set(&rules, None);
        assert!(v.is_valid(), "{:?}", v.problems);
    }
}
