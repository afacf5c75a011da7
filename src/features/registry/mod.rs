//! The rule registry (issue 31): reusable DQX rules bound to many tables: its server functions
//! (registry rules' and bindings' review, the registry's reads, effective rules, the bind
//! dialog's scope preview and the cross-table preview) and its pages.

pub mod api;
pub mod view;
