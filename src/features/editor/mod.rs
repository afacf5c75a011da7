//! Editing rules: the editor's state, its form, table and text views, and checking pasted rule sets.

pub mod api;
pub mod draft;
pub mod examples_api;
pub mod examples_check;
pub mod fields;
pub mod form;
pub mod instruct;
pub mod instruct_api;
pub mod state;
pub mod table;
pub mod view;
