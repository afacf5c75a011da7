//! AI analysis of a rule set: the server function and the workflow's analysis panel.

pub mod api;
pub mod gauge;
pub mod view;
