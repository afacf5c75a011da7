//! The DQ engine: DQX checks compiled to SQL (DataFusion and Spark dialects) and evaluated over a
//! table in one pass.

pub mod compile;
pub mod edit;
pub mod evaluate;
pub mod example_gen;
pub mod examples;
pub mod files;
pub mod generate;
pub mod generation;
pub mod impact;
pub mod iso;
pub mod json;
pub mod json_schema;
pub mod profile;
pub mod prompt;
pub mod references;
pub mod rule_reads;
pub mod spark_datetime;
pub mod spark_impact;
pub mod spark_plan;
pub mod sql;
pub mod text_query;
pub mod triage;
pub mod types;
pub mod udf;
