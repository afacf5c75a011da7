//! Type names: the Unity Catalog / Spark SQL spelling of Arrow types, and the broad kind of a
//! column (numeric, temporal, text) that decides which statistics and checks fit it.

use datafusion::arrow::datatypes::DataType;

/// The Unity Catalog / Spark SQL spelling of an Arrow type.
pub fn uc_type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::UInt8 => "tinyint".into(),
        DataType::Int16 | DataType::UInt16 => "smallint".into(),
        DataType::Int32 | DataType::UInt32 => "int".into(),
        DataType::Int64 | DataType::UInt64 => "bigint".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => format!("decimal({p},{s})"),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => "binary".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp".into(),
        DataType::Timestamp(_, None) => "timestamp_ntz".into(),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::FixedSizeList(f, _)
        | DataType::ListView(f) => {
            format!("array<{}>", uc_type_name(f.data_type()))
        }
        DataType::Struct(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), uc_type_name(f.data_type())))
                .collect();
            format!("struct<{}>", inner.join(","))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                uc_type_name(kv[0].data_type()),
                uc_type_name(kv[1].data_type())
            ),
            other => format!("map<{}>", uc_type_name(other)),
        },
        DataType::Dictionary(_, value) => uc_type_name(value),
        DataType::Null => "void".into(),
        other => other.to_string().to_lowercase(),
    }
}

/// What a column's type makes it, for profiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Numeric,
    Temporal,
    Text,
    Other,
}

/// The kind of a Unity Catalog type name (`bigint`, `decimal(10,2)`, `timestamp_ntz`, ...).
pub fn kind_of_uc_type(uc_type: &str) -> TypeKind {
    let t = uc_type.trim().to_ascii_lowercase();
    let base = t.split(['(', '<']).next().unwrap_or_default();
    match base {
        "tinyint" | "smallint" | "int" | "integer" | "bigint" | "long" | "short" | "byte"
        | "float" | "double" | "real" | "decimal" | "numeric" | "dec" => TypeKind::Numeric,
        "date" | "timestamp" | "timestamp_ntz" | "timestamp_ltz" => TypeKind::Temporal,
        "string" | "varchar" | "char" => TypeKind::Text,
        _ => TypeKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_type_name() {
        assert_eq!(kind_of_uc_type("decimal(10,2)"), TypeKind::Numeric);
        assert_eq!(kind_of_uc_type("BIGINT"), TypeKind::Numeric);
        assert_eq!(kind_of_uc_type("timestamp_ntz"), TypeKind::Temporal);
        assert_eq!(kind_of_uc_type("varchar(20)"), TypeKind::Text);
        assert_eq!(kind_of_uc_type("array<string>"), TypeKind::Other);
        assert_eq!(
            kind_of_uc_type(&uc_type_name(&DataType::Utf8View)),
            TypeKind::Text
        );
    }
}
