//! The DQX check functions: their parameters and types (as DQX 0.17 declares them), whether they
//! are row- or dataset-level, and whether this app can evaluate them yet.

/// What an argument must be, following DQX's pydantic annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A column expression: `str | Column`.
    Column,
    /// `list[str | Column]`.
    ColumnList,
    /// A limit or value: a number, or a string that DQX resolves (digits → number, ISO date/time →
    /// date/timestamp, anything else → a SQL expression, so literals must be quoted).
    Limit,
    /// A non-empty list of limit-like items (`allowed`, `forbidden`).
    LimitList,
    Str,
    Int,
    Float,
    Bool,
    StrList,
    Map,
}

impl ArgKind {
    /// The type as DQX's messages spell it.
    pub fn describe(self) -> &'static str {
        match self {
            ArgKind::Column => "str | pyspark.sql.column.Column",
            ArgKind::ColumnList => "list[str | pyspark.sql.column.Column]",
            ArgKind::Limit => "int | float | Decimal | str | date | datetime",
            ArgKind::LimitList => "list",
            ArgKind::Str => "str",
            ArgKind::Int => "int",
            ArgKind::Float => "float",
            ArgKind::Bool => "bool",
            ArgKind::StrList => "list[str]",
            ArgKind::Map => "dict",
        }
    }
}

/// One parameter of a check function.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
}

/// Row-level checks look at one row; dataset-level checks need the whole table (or another one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Row,
    Dataset,
}

/// A check function DQX defines.
#[derive(Debug, Clone, Copy)]
pub struct FunctionSpec {
    pub name: &'static str,
    pub level: Level,
    pub params: &'static [Param],
    /// Whether this app evaluates it; unsupported functions fail validation, never pass silently.
    pub supported: bool,
}

impl FunctionSpec {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The parameter `for_each_column` items are injected as (`columns` if the function has one).
    pub fn for_each_target(&self) -> &'static str {
        if self.param("columns").is_some() && self.param("column").is_none() {
            "columns"
        } else {
            "column"
        }
    }
}

const fn req(name: &'static str, kind: ArgKind) -> Param {
    Param {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: ArgKind) -> Param {
    Param {
        name,
        kind,
        required: false,
    }
}

use ArgKind::*;

const COLUMN: Param = req("column", Column);
const TRIM: Param = opt("trim_strings", Bool);
const CASE: Param = opt("case_sensitive", Bool);
const NEGATE: Param = opt("negate", Bool);
const ROW_FILTER: Param = opt("row_filter", Str);
const ALLOW_NULLS: Param = opt("allow_nulls", Bool);
const AGGR: [Param; 6] = [
    req("column", Column),
    req("limit", Limit),
    opt("aggr_type", Str),
    opt("group_by", ColumnList),
    ROW_FILTER,
    opt("aggr_params", Map),
];
const AGGR_TOL: [Param; 8] = [
    req("column", Column),
    req("limit", Limit),
    opt("aggr_type", Str),
    opt("group_by", ColumnList),
    ROW_FILTER,
    opt("aggr_params", Map),
    opt("abs_tolerance", Float),
    opt("rel_tolerance", Float),
];

const fn row(name: &'static str, params: &'static [Param]) -> FunctionSpec {
    FunctionSpec {
        name,
        level: Level::Row,
        params,
        supported: true,
    }
}

const fn dataset(name: &'static str, params: &'static [Param]) -> FunctionSpec {
    FunctionSpec {
        name,
        level: Level::Dataset,
        params,
        supported: true,
    }
}

const fn unsupported(name: &'static str, level: Level) -> FunctionSpec {
    FunctionSpec {
        name,
        level,
        params: &[],
        supported: false,
    }
}

/// Every check function DQX 0.17 defines.
pub const FUNCTIONS: &[FunctionSpec] = &[
    row("is_not_null", &[COLUMN]),
    row("is_null", &[COLUMN]),
    row("is_not_empty", &[COLUMN, TRIM]),
    row("is_empty", &[COLUMN, TRIM]),
    row("is_not_null_and_not_empty", &[COLUMN, TRIM]),
    row("is_null_or_empty", &[COLUMN, TRIM]),
    row("is_not_null_and_not_empty_array", &[COLUMN]),
    row("is_in_list", &[COLUMN, req("allowed", LimitList), CASE]),
    row(
        "is_not_null_and_is_in_list",
        &[COLUMN, req("allowed", LimitList), CASE],
    ),
    row(
        "is_not_in_list",
        &[COLUMN, req("forbidden", LimitList), CASE],
    ),
    row(
        "is_in_range",
        &[
            COLUMN,
            req("min_limit", Limit),
            req("max_limit", Limit),
            ALLOW_NULLS,
        ],
    ),
    row(
        "is_not_in_range",
        &[
            COLUMN,
            req("min_limit", Limit),
            req("max_limit", Limit),
            ALLOW_NULLS,
        ],
    ),
    row(
        "is_not_less_than",
        &[COLUMN, req("limit", Limit), ALLOW_NULLS],
    ),
    row(
        "is_not_greater_than",
        &[COLUMN, req("limit", Limit), ALLOW_NULLS],
    ),
    row(
        "is_equal_to",
        &[
            COLUMN,
            req("value", Limit),
            opt("abs_tolerance", Float),
            opt("rel_tolerance", Float),
            ALLOW_NULLS,
        ],
    ),
    row(
        "is_not_equal_to",
        &[
            COLUMN,
            req("value", Limit),
            opt("abs_tolerance", Float),
            opt("rel_tolerance", Float),
            ALLOW_NULLS,
        ],
    ),
    row("is_valid_date", &[COLUMN, opt("date_format", Str)]),
    row(
        "is_valid_timestamp",
        &[COLUMN, opt("timestamp_format", Str)],
    ),
    row("is_not_in_future", &[COLUMN, opt("offset", Int)]),
    row("is_not_in_near_future", &[COLUMN, opt("offset", Int)]),
    row("is_older_than_n_days", &[COLUMN, req("days", Int), NEGATE]),
    row(
        "is_older_than_col2_for_n_days",
        &[
            req("column1", Column),
            req("column2", Column),
            opt("days", Int),
            NEGATE,
        ],
    ),
    row(
        "is_data_fresh",
        &[
            COLUMN,
            req("max_age_minutes", Int),
            opt("base_timestamp", Limit),
        ],
    ),
    row("regex_match", &[COLUMN, req("regex", Str), NEGATE]),
    row("is_valid_ipv4_address", &[COLUMN]),
    row("is_valid_email", &[COLUMN]),
    row("is_valid_uuid", &[COLUMN, opt("strict", Bool)]),
    row("is_ipv4_address_in_cidr", &[COLUMN, req("cidr_block", Str)]),
    row("is_valid_ipv6_address", &[COLUMN]),
    row("is_ipv6_address_in_cidr", &[COLUMN, req("cidr_block", Str)]),
    row("is_valid_json", &[COLUMN]),
    row("has_valid_json_schema", &[COLUMN, req("schema", Str)]),
    row("is_latitude", &[COLUMN]),
    row("is_longitude", &[COLUMN]),
    row(
        "has_json_keys",
        &[COLUMN, req("keys", StrList), opt("require_all", Bool)],
    ),
    row(
        "sql_expression",
        &[
            req("expression", Str),
            opt("msg", Str),
            opt("name", Str),
            NEGATE,
            opt("columns", ColumnList),
        ],
    ),
    dataset(
        "is_unique",
        &[
            req("columns", ColumnList),
            opt("nulls_distinct", Bool),
            ROW_FILTER,
            TRIM,
        ],
    ),
    dataset("is_aggr_not_greater_than", &AGGR),
    dataset("is_aggr_not_less_than", &AGGR),
    dataset("is_aggr_equal", &AGGR_TOL),
    dataset("is_aggr_not_equal", &AGGR_TOL),
    dataset(
        "foreign_key",
        &[
            req("columns", ColumnList),
            req("ref_columns", ColumnList),
            opt("ref_df_name", Str),
            opt("ref_table", Str),
            NEGATE,
            ROW_FILTER,
            opt("null_safe", Bool),
        ],
    ),
    dataset(
        "sql_query",
        &[
            req("query", Str),
            opt("merge_columns", ColumnList),
            opt("msg", Str),
            opt("name", Str),
            NEGATE,
            opt("condition_column", Str),
            opt("input_placeholder", Str),
            ROW_FILTER,
        ],
    ),
    dataset(
        "has_valid_schema",
        &[
            opt("expected_schema", Str),
            opt("ref_df_name", Str),
            opt("ref_table", Str),
            opt("columns", ColumnList),
            opt("strict", Bool),
            opt("exclude_columns", ColumnList),
        ],
    ),
    row("is_valid_url", &[COLUMN]),
    row("is_valid_national_id", &[COLUMN, opt("country", Str)]),
    row(
        "is_valid_country_code",
        &[COLUMN, opt("code_format", Str), CASE],
    ),
    row(
        "is_valid_currency_code",
        &[COLUMN, opt("code_format", Str), CASE],
    ),
    row(
        "is_valid_language_code",
        &[COLUMN, opt("code_format", Str), CASE],
    ),
    row(
        "is_valid_subdivision_code",
        &[COLUMN, CASE, opt("country_column", Column)],
    ),
    row("has_valid_string_case", &[COLUMN, req("case", Str)]),
    row(
        "has_num_decimal_places",
        &[COLUMN, req("limit", Limit), ALLOW_NULLS],
    ),
    dataset("has_no_outliers", &[COLUMN, ROW_FILTER]),
    dataset(
        "is_in_distribution",
        &[
            COLUMN,
            req("distribution", Map),
            req("distance", Float),
            CASE,
            ROW_FILTER,
        ],
    ),
    dataset(
        "has_no_aggr_outliers",
        &[
            COLUMN,
            req("time_column", Str),
            opt("aggr_type", Str),
            opt("sigma", Float),
            opt("lookback_num_intervals", Int),
            opt("warmup_num_intervals", Int),
            opt("time_interval", Str),
            opt("group_by", ColumnList),
            ROW_FILTER,
            opt("aggr_params", Map),
        ],
    ),
    dataset(
        "aggr_matches_dataset",
        &[
            COLUMN,
            opt("ref_table", Str),
            opt("ref_df_name", Str),
            opt("ref_column", Column),
            opt("aggr_type", Str),
            opt("aggr_params", Map),
            opt("group_by", ColumnList),
            opt("ref_group_by", ColumnList),
            ROW_FILTER,
            opt("ref_row_filter", Str),
            opt("abs_tolerance", Float),
            opt("rel_tolerance", Float),
        ],
    ),
    dataset(
        "is_data_fresh_per_time_window",
        &[
            COLUMN,
            req("window_minutes", Int),
            req("min_records_per_window", Int),
            opt("lookback_windows", Int),
            ROW_FILTER,
        ],
    ),
    dataset(
        "has_no_gaps_per_time_window",
        &[
            COLUMN,
            req("window_minutes", Int),
            opt("group_by", ColumnList),
            opt("trailing_gap", Bool),
        ],
    ),
    dataset(
        "compare_datasets",
        &[
            req("columns", ColumnList),
            req("ref_columns", ColumnList),
            opt("ref_df_name", Str),
            opt("ref_table", Str),
            opt("check_missing_records", Bool),
            opt("exclude_columns", ColumnList),
            opt("null_safe_row_matching", Bool),
            opt("null_safe_column_value_matching", Bool),
            ROW_FILTER,
            opt("abs_tolerance", Float),
            opt("rel_tolerance", Float),
            opt("raise_on_duplicate_keys", Bool),
        ],
    ),
    // DQX's geo module (Databricks' spatial SQL functions), known by name but not evaluated.
    unsupported("is_geometry", Level::Row),
    unsupported("is_geography", Level::Row),
    unsupported("is_point", Level::Row),
    unsupported("is_linestring", Level::Row),
    unsupported("is_polygon", Level::Row),
    unsupported("is_multipoint", Level::Row),
    unsupported("is_multilinestring", Level::Row),
    unsupported("is_multipolygon", Level::Row),
    unsupported("is_geometrycollection", Level::Row),
    unsupported("is_ogc_valid", Level::Row),
    unsupported("is_non_empty_geometry", Level::Row),
    unsupported("is_not_null_island", Level::Row),
    unsupported("has_dimension", Level::Row),
    unsupported("has_x_coordinate_between", Level::Row),
    unsupported("has_y_coordinate_between", Level::Row),
    unsupported("is_area_equal_to", Level::Row),
    unsupported("is_area_not_equal_to", Level::Row),
    unsupported("is_area_not_greater_than", Level::Row),
    unsupported("is_area_not_less_than", Level::Row),
    unsupported("is_num_points_equal_to", Level::Row),
    unsupported("is_num_points_not_equal_to", Level::Row),
    unsupported("is_num_points_not_greater_than", Level::Row),
    unsupported("is_num_points_not_less_than", Level::Row),
    unsupported("is_geo_contains", Level::Row),
    unsupported("is_geo_covers", Level::Row),
    unsupported("is_geo_intersects", Level::Row),
    unsupported("is_geo_touches", Level::Row),
    unsupported("is_geo_within", Level::Row),
    unsupported("is_geo_within_distance", Level::Row),
    unsupported("are_polygons_mutually_disjoint", Level::Dataset),
];

/// The function named `name`, if DQX defines it.
pub fn find(name: &str) -> Option<&'static FunctionSpec> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The defined function whose name is closest to `name` (for "did you mean").
pub fn closest(name: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .map(|f| (edit_distance(name, f.name), f.name))
        .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(2))
        .min()
        .map(|(_, n)| n)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn suggests_the_closest_name() {
        assert_eq!(closest("is_not_nul"), Some("is_not_null"));
        assert_eq!(closest("regex_matches"), Some("regex_match"));
        assert_eq!(closest("is_uniqe"), Some("is_unique"));
        assert_eq!(closest("completely_different"), None);
    }

    #[test]
    fn for_each_targets_columns_for_is_unique() {
        assert_eq!(find("is_unique").unwrap().for_each_target(), "columns");
        assert_eq!(find("is_not_null").unwrap().for_each_target(), "column");
    }
}
