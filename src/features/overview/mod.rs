//! The tables with saved rules that the caller may read, each with where its rules stand: the
//! landing page's list, and the table picker of Validate and History.

pub mod api;
pub mod view;
