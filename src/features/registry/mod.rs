//! The rule registry (issue 31): reusable DQX rules bound to many tables. So far its server
//! functions: registry rules' and bindings' review, the registry's reads and the bind dialog's
//! `registry_scope_preview`.

pub mod api;
