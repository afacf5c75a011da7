//! The caller: `whoami` and the identity shown in the top bar.

pub mod api;
pub mod view;
