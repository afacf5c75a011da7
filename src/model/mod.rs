//! Domain types shared by the server and the browser: names, catalog listings, the caller, errors.

pub mod alerts;
pub mod analysis;
pub mod catalog;
pub mod condition;
pub mod cron;
pub mod error;
pub mod health;
pub mod metrics;
pub mod profile;
pub mod promote;
pub mod registry;
pub mod registry_effective;
pub mod registry_entries;
pub mod registry_impact;
pub mod registry_overlap;
pub mod results;
pub mod review;
pub mod rule_metrics;
pub mod rules;
pub mod rulesets;
pub mod runs;
pub mod schedule;
pub mod session;
pub mod table_name;
pub mod trends;
pub mod words;
