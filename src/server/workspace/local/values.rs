//! Turning Arrow schemas and batches into what the UI shows: Unity Catalog type names and
//! values rendered as text (NULL stays `None`).

use crate::model::catalog::ColumnInfo;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

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

/// The columns of an Arrow schema, with Unity Catalog type names.
pub fn columns_of(schema: &Schema) -> Vec<ColumnInfo> {
    schema
        .fields()
        .iter()
        .map(|f| ColumnInfo {
            name: f.name().clone(),
            data_type: uc_type_name(f.data_type()),
            nullable: f.is_nullable(),
        })
        .collect()
}

/// Every row of `batches` as text cells; SQL NULL becomes `None`.
pub fn rows_as_text(batches: &[RecordBatch]) -> Result<Vec<Vec<Option<String>>>, ArrowError> {
    let options = FormatOptions::default();
    let mut rows = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|array| ArrayFormatter::try_new(array.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            let cells = batch
                .columns()
                .iter()
                .zip(&formatters)
                .map(|(array, formatter)| {
                    if array.is_null(row) {
                        None
                    } else {
                        Some(formatter.value(row).to_string())
                    }
                })
                .collect();
            rows.push(cells);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, TimeUnit};
    use std::sync::Arc;

    #[test]
    fn names_types_like_unity_catalog() {
        assert_eq!(uc_type_name(&DataType::Int64), "bigint");
        assert_eq!(uc_type_name(&DataType::Utf8View), "string");
        assert_eq!(uc_type_name(&DataType::Decimal128(10, 2)), "decimal(10,2)");
        assert_eq!(
            uc_type_name(&DataType::Timestamp(
                TimeUnit::Microsecond,
                Some("UTC".into())
            )),
            "timestamp"
        );
        let list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        assert_eq!(uc_type_name(&list), "array<string>");
    }

    #[test]
    fn keeps_null_distinct_from_empty() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("email", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![1, 2])),
                Arc::new(StringArray::from(vec![None, Some("")])),
            ],
        )
        .unwrap();
        let rows = rows_as_text(&[batch]).unwrap();
        assert_eq!(rows[0], vec![Some("1".to_string()), None]);
        assert_eq!(rows[1], vec![Some("2".to_string()), Some(String::new())]);
    }
}
