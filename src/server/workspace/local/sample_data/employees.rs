//! `main.hr.employees`: a small HR table with planted defects.

use super::SampleTable;
use super::names::{DEPARTMENTS, FIRST_NAMES, LAST_NAMES, email_local_part};
use super::rng::{RowRng, days_from_civil};
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use std::ops::Range;
use std::sync::Arc;

const SEED: u64 = 0xE3B1_0CEE;

pub struct Employees {
    pub rows: u64,
}

impl SampleTable for Employees {
    fn name(&self) -> &'static str {
        "main.hr.employees"
    }

    fn rows(&self) -> u64 {
        self.rows
    }

    fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("employee_id", DataType::Int64, false),
            Field::new("full_name", DataType::Utf8, true),
            Field::new("email", DataType::Utf8, true),
            Field::new("department", DataType::Utf8, true),
            Field::new("manager_id", DataType::Int64, true),
            Field::new("hire_date", DataType::Date32, true),
            Field::new("salary", DataType::Float64, true),
        ]))
    }

    fn batch(&self, range: Range<u64>) -> Result<RecordBatch, ArrowError> {
        let n = (range.end - range.start) as usize;
        let (mut ids, mut names, mut emails, mut departments) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut managers, mut hires, mut salaries) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let first_day = days_from_civil(2005, 1, 1);
        for row in range {
            let mut rng = RowRng::new(SEED, row);
            let first = *rng.pick(FIRST_NAMES);
            let last = *rng.pick(LAST_NAMES);
            ids.push(row as i64 + 1);
            names.push(Some(format!("{first} {last}")));
            emails.push(Some(format!(
                "{}{}@corp.example.com",
                email_local_part(first, last),
                row
            )));
            departments.push(Some(*rng.pick(DEPARTMENTS)));
            // Row 0 is the CEO, who has no manager; every 25th row from row 4 has lost its manager.
            managers.push(if row == 0 || row % 25 == 4 {
                None
            } else {
                Some(rng.below(row) as i64 + 1)
            });
            hires.push(Some(match row % 100 {
                37 => days_from_civil(2099, 6, 1) + (row % 50) as i32,
                71 => days_from_civil(1899, 12, 31) - (row % 50) as i32,
                _ => first_day + rng.below(7_000) as i32,
            }));
            salaries.push(Some(if row % 50 == 8 {
                if (row / 50) % 2 == 0 {
                    5_000.0
                } else {
                    950_000.0
                }
            } else {
                40_000.0 + rng.below(140_000) as f64
            }));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from(emails)),
            Arc::new(StringArray::from(departments)),
            Arc::new(Int64Array::from(managers)),
            Arc::new(Date32Array::from(hires)),
            Arc::new(Float64Array::from(salaries)),
        ];
        RecordBatch::try_new(self.schema(), columns)
    }
}
