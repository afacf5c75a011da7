//! Generating rules: a table, a prompt, a generation run, and the guided page around it.

pub mod api;
pub mod profile_panel;
pub mod view;
