//! Widgets used by several features: notices, the data grid, a rule-set diff, pick lists, progress of runs, downloads, charts,
//! number formatting, whether the page is hydrated, and a browser timer.

pub mod chart;
pub mod data_grid;
pub mod diff_view;
pub mod download;
pub mod format;
pub mod hydration;
pub mod notice;
pub mod pick_list;
pub mod progress;
pub mod timer;
