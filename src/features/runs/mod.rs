//! The caller's runs: status, cancel, the list of recent runs, and following a run from a page.

pub mod api;
pub mod view;
pub mod watch;
