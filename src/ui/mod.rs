//! Widgets used by several features: notices, the data grid, progress of runs, downloads, charts,
//! number formatting, whether the page is hydrated, and a browser timer.

pub mod chart;
pub mod data_grid;
pub mod download;
pub mod format;
pub mod hydration;
pub mod notice;
pub mod progress;
pub mod timer;
