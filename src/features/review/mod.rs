//! Review: the queue of pending versions, one version's review page (diff, impact preview,
//! thread, decision), and the server functions behind them.

pub mod api;
pub mod examples_view;
pub mod impact_view;
pub mod view;
