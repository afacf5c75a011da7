//! The caller's runs: the list of recent runs and one run's page (its server functions and the
//! watch that follows a run live in `features::workflow`).

pub mod view;
