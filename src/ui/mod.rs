//! Widgets used by several features: notices (loading, empty, error), the data grid, number formatting.

pub mod data_grid;
pub mod format;
pub mod notice;
