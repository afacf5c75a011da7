//! One folder per thing a user does; each holds its server functions (the shared half) and views.

pub mod analysis;
pub mod catalog;
pub mod editor;
pub mod generate;
pub mod history;
pub mod monitor;
pub mod overview;
pub mod registry;
pub mod review;
pub mod runs;
pub mod session;
pub mod validate;
pub mod workflow;
