//! The editor's draft in the browser's session storage, per table: edits survive navigating away
//! and back, and a reload. (On the server these do nothing.)

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What is kept for a table: the rules and the generation run they started from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub run_id: Option<String>,
    pub rules: Vec<Value>,
    /// Edited since generated, loaded or downloaded.
    pub dirty: bool,
}

fn key(table: &str) -> String {
    format!("dqx-draft:{table}")
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().session_storage().ok().flatten()
}

/// Keeps `draft` for `table`.
pub fn save(table: &str, draft: &Draft) {
    #[cfg(feature = "hydrate")]
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(draft)) {
        let _ = storage.set_item(&key(table), &text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key(table), draft);
}

/// The draft kept for `table`, if any.
pub fn load(table: &str) -> Option<Draft> {
    #[cfg(feature = "hydrate")]
    {
        let text = storage()?.get_item(&key(table)).ok()??;
        serde_json::from_str(&text).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key(table);
        None
    }
}
