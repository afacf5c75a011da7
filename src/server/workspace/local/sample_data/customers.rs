//! `main.sales.customers`: one row per customer, with planted defects (see docs/sample-data.md).

use super::SampleTable;
use super::names::{BAD_IPS, COUNTRIES, FIRST_NAMES, LAST_NAMES, email_local_part};
use super::rng::{RowRng, days_from_civil};
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use std::ops::Range;
use std::sync::Arc;

const SEED: u64 = 0xC057_0111;
const MALFORMED_EMAILS: &[&str] = &[
    "{l}.example.com",
    "{l}@",
    "@example.com",
    "{l}@@example.com",
    "{l} @example.com",
];

pub struct Customers {
    pub rows: u64,
}

/// The id of the customer in `row`: `row + 1`, except every 100th row repeats the previous id.
pub fn customer_id(row: u64) -> i64 {
    if row % 100 == 99 {
        row as i64
    } else {
        row as i64 + 1
    }
}

impl SampleTable for Customers {
    fn name(&self) -> &'static str {
        "main.sales.customers"
    }

    fn rows(&self) -> u64 {
        self.rows
    }

    fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Int64, false),
            Field::new("email", DataType::Utf8, true),
            Field::new("full_name", DataType::Utf8, true),
            Field::new("country", DataType::Utf8, true),
            Field::new("signup_date", DataType::Date32, true),
            Field::new("lifetime_value", DataType::Float64, true),
            Field::new("ip_address", DataType::Utf8, true),
        ]))
    }

    fn batch(&self, range: Range<u64>) -> Result<RecordBatch, ArrowError> {
        let n = (range.end - range.start) as usize;
        let (mut ids, mut emails, mut names, mut countries) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut signups, mut values, mut ips) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let start_day = days_from_civil(2019, 1, 1);
        let future_day = days_from_civil(2099, 1, 1);
        for row in range {
            let mut rng = RowRng::new(SEED, row);
            let first = *rng.pick(FIRST_NAMES);
            let last = *rng.pick(LAST_NAMES);
            let local = format!("{}{}", email_local_part(first, last), row);
            ids.push(customer_id(row));
            emails.push(match row % 50 {
                3 => None,
                17 => Some(
                    MALFORMED_EMAILS[(row / 50) as usize % MALFORMED_EMAILS.len()]
                        .replace("{l}", &local),
                ),
                _ => Some(format!("{local}@example.com")),
            });
            names.push(Some(format!("{first} {last}")));
            countries.push(Some(rng.pick(COUNTRIES).to_string()));
            signups.push(Some(if row % 125 == 11 {
                future_day + (row % 300) as i32
            } else {
                start_day + rng.below(2_000) as i32
            }));
            values.push(Some(if row % 40 == 5 {
                -rng.cents(1.0, 500.0)
            } else {
                rng.cents(0.0, 20_000.0)
            }));
            ips.push(Some(if row % 64 == 9 {
                BAD_IPS[(row / 64) as usize % BAD_IPS.len()].to_string()
            } else {
                format!(
                    "{}.{}.{}.{}",
                    1 + rng.below(223),
                    rng.below(256),
                    rng.below(256),
                    1 + rng.below(254)
                )
            }));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(StringArray::from(emails)),
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from(countries)),
            Arc::new(Date32Array::from(signups)),
            Arc::new(Float64Array::from(values)),
            Arc::new(StringArray::from(ips)),
        ];
        RecordBatch::try_new(self.schema(), columns)
    }
}
