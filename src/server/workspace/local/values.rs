//! Turning Arrow schemas and batches into what the UI shows: Unity Catalog type names and
//! values rendered as text (NULL stays `None`).

use crate::model::catalog::ColumnInfo;
use datafusion::arrow::datatypes::Schema;

pub use crate::engine::types::uc_type_name;

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

pub use crate::engine::text_query::rows_as_text;

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::DataType;
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
