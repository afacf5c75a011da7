//! Editing rules: the editor's state, its form and text views, and checking pasted rule sets.

pub mod api;
pub mod draft;
pub mod fields;
pub mod form;
pub mod state;
pub mod view;
