//! `finance.ledger.transactions`: a larger ledger for heavier tests, with planted defects.

use super::SampleTable;
use super::names::{CHANNELS, COUNTERPARTIES, LEDGER_CURRENCIES};
use super::rng::{RowRng, micros_at};
use datafusion::arrow::array::{
    ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use std::ops::Range;
use std::sync::Arc;

const SEED: u64 = 0x1ED6_E500;

pub struct Transactions {
    pub rows: u64,
}

fn txn_id(row: u64) -> String {
    format!("TXN-{row:08}")
}

impl SampleTable for Transactions {
    fn name(&self) -> &'static str {
        "finance.ledger.transactions"
    }

    fn rows(&self) -> u64 {
        self.rows
    }

    fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("txn_id", DataType::Utf8, false),
            Field::new("account_id", DataType::Utf8, true),
            Field::new(
                "posted_at",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Field::new("amount", DataType::Float64, true),
            Field::new("currency", DataType::Utf8, true),
            Field::new("counterparty", DataType::Utf8, true),
            Field::new("memo", DataType::Utf8, true),
        ]))
    }

    fn batch(&self, range: Range<u64>) -> Result<RecordBatch, ArrowError> {
        let n = (range.end - range.start) as usize;
        let (mut ids, mut accounts, mut posted) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut amounts, mut currencies, mut parties, mut memos) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let start = micros_at(2024, 1, 1);
        for row in range {
            let mut rng = RowRng::new(SEED, row);
            ids.push(if row % 5_000 == 77 {
                txn_id(row - 1)
            } else {
                txn_id(row)
            });
            accounts.push(if row % 1_000 == 1 {
                None
            } else {
                Some(format!("ACC-{:05}", rng.below(5_000)))
            });
            posted.push(Some(start + rng.below(365 * 86_400) as i64 * 1_000_000));
            amounts.push(Some(if row % 2_500 == 3 {
                1_000_000_000.0
            } else {
                rng.cents(-5_000.0, 5_000.0)
            }));
            currencies.push(Some(if row % 10_000 == 5 {
                "usd".to_string()
            } else {
                rng.pick(LEDGER_CURRENCIES).to_string()
            }));
            parties.push(Some(*rng.pick(COUNTERPARTIES)));
            let channel = *rng.pick(CHANNELS);
            memos.push(Some(if row % 4_000 == 9 {
                format!("{{\"channel\": \"{channel}\", \"ref\": {row}")
            } else {
                format!("{{\"channel\": \"{channel}\", \"ref\": {row}}}")
            }));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(StringArray::from(accounts)),
            Arc::new(TimestampMicrosecondArray::from(posted).with_timezone("UTC")),
            Arc::new(Float64Array::from(amounts)),
            Arc::new(StringArray::from(currencies)),
            Arc::new(StringArray::from(parties)),
            Arc::new(StringArray::from(memos)),
        ];
        RecordBatch::try_new(self.schema(), columns)
    }
}
