//! `main.sales.orders`: orders referencing `main.sales.customers`, with planted defects.

use super::SampleTable;
use super::customers::customer_id;
use super::names::{BAD_ORDER_STATUSES, CURRENCIES, ORDER_STATUSES};
use super::rng::{RowRng, micros_at};
use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use std::ops::Range;
use std::sync::Arc;

const SEED: u64 = 0x0DE2_5000;

pub struct Orders {
    pub rows: u64,
    /// Rows of the customers table the orders refer to.
    pub customer_rows: u64,
}

impl SampleTable for Orders {
    fn name(&self) -> &'static str {
        "main.sales.orders"
    }

    fn rows(&self) -> u64 {
        self.rows
    }

    fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("order_id", DataType::Int64, false),
            Field::new("customer_id", DataType::Int64, true),
            Field::new(
                "order_ts",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Field::new("status", DataType::Utf8, true),
            Field::new("amount", DataType::Float64, true),
            Field::new("currency", DataType::Utf8, true),
        ]))
    }

    fn batch(&self, range: Range<u64>) -> Result<RecordBatch, ArrowError> {
        let n = (range.end - range.start) as usize;
        let (mut ids, mut customers, mut times) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut statuses, mut amounts, mut currencies) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let start = micros_at(2023, 1, 1);
        let two_years_secs = 2 * 365 * 86_400;
        for row in range {
            let mut rng = RowRng::new(SEED, row);
            ids.push(100_000 + row as i64);
            customers.push(Some(if row % 200 == 42 {
                900_000 + row as i64
            } else {
                customer_id(rng.below(self.customer_rows))
            }));
            let placed = start + rng.below(two_years_secs) as i64 * 1_000_000;
            // The orders without a currency all came in with two days' loads (a segment for
            // triage to find); drawing the time first keeps every other value as it was.
            let planted = row % 80 == 21;
            times.push(Some(if planted {
                let day = if (row / 80) % 2 == 0 { 14 } else { 15 };
                micros_at(2024, 3, day) + (placed % 86_400_000_000)
            } else {
                placed
            }));
            statuses.push(Some(if row % 100 == 13 {
                BAD_ORDER_STATUSES[(row / 100) as usize % BAD_ORDER_STATUSES.len()]
            } else {
                *rng.pick(ORDER_STATUSES)
            }));
            amounts.push(Some(if row % 125 == 7 {
                -rng.cents(1.0, 300.0)
            } else {
                rng.cents(1.0, 2_000.0)
            }));
            currencies.push(if row % 80 == 21 {
                None
            } else {
                Some(*rng.pick(CURRENCIES))
            });
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(Int64Array::from(customers)),
            Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
            Arc::new(StringArray::from(statuses)),
            Arc::new(Float64Array::from(amounts)),
            Arc::new(StringArray::from(currencies)),
        ];
        RecordBatch::try_new(self.schema(), columns)
    }
}
