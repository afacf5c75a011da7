//! The rule registry (issue 31): reusable DQX rules bound to many tables. So far its server
//! function for the bind dialog, `registry_scope_preview`.

pub mod api;
