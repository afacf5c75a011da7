//! Editing rules: checking pasted or typed rule sets (the editor view comes with the workflow).

pub mod api;
