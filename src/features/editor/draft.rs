//! The editor's draft in the browser's session storage, per table: edits survive navigating away
//! and back, and a reload. (On the server these do nothing.)

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What is kept for a table: the rules, the prompt and the generation run they started from,
/// and which rules the last validation and analysis looked at (so results stay marked out of
/// date after a reload).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub run_id: Option<String>,
    pub rules: Vec<Value>,
    /// Edited since generated, loaded or downloaded.
    pub dirty: bool,
    #[serde(default)]
    pub prompt: Option<String>,
    /// [`crate::features::editor::state::Editor::fingerprint`] of the rules last validated.
    #[serde(default)]
    pub validated: Option<u64>,
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
