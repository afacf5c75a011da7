//! Generating rules: a table, a prompt, a generation run, and the rules it proposes.

pub mod api;
