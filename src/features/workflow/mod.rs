//! What every page that starts runs shares: the run server functions (status, cancel, the list
//! of recent runs) and `RunWatch`, which follows one run from a page. The Runs pages, Generate,
//! Validate and Review all build on it; it depends on no other feature.

pub mod api;
pub mod watch;
