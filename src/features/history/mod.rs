//! Saved rule sets: saving, history, diff, restore, export and import, and the storage status.

pub mod api;
pub mod import;
pub mod save;
pub mod status;
pub mod view;
