//! Shared set-up for integration tests: one sample workspace per test binary, app state on it,
//! and callers for the local users.
#![allow(dead_code)]

use dqx_manager::server::caller::{Caller, IdentitySource};
use dqx_manager::server::config::Config;
use dqx_manager::server::state::AppState;
use dqx_manager::server::workspace::local::sample_data::write_sample_workspace;
use leptos::config::LeptosOptions;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub mod engine;
pub mod fake_workspace;
pub mod http;
pub mod logs;
pub mod spark;

/// The sample workspace at standard sizes, written once per test binary.
pub fn sample_workspace() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        let name = exe
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("tests")
            .to_string();
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(name)
            .join("workspace");
        let _ = std::fs::remove_dir_all(&root);
        write_sample_workspace(&root, None).expect("writing the sample workspace");
        root
    })
}

/// App state in local mode over the shared sample workspace, with its own users file.
pub async fn local_state(data_dir: &Path) -> AppState {
    local_state_with(data_dir, &[]).await
}

/// The local app on the sample workspace with extra settings (`DQX_APPROVER_GROUPS`, ...).
pub async fn local_state_with(data_dir: &Path, extra: &[(&'static str, &str)]) -> AppState {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DQX_DATA_DIR", data_dir.display().to_string()),
        (
            "DQX_WORKSPACE_DIR",
            sample_workspace().display().to_string(),
        ),
    ]);
    for (k, v) in extra {
        vars.insert(k, v.to_string());
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
    let options = LeptosOptions::builder().output_name("dqx-manager").build();
    AppState::build(config, options).await.expect("app state")
}

/// A caller acting as a local user.
pub fn caller(email: &str) -> Caller {
    Caller {
        email: email.to_string(),
        user_name: None,
        display_name: None,
        token: None,
        source: IdentitySource::ForwardedToken,
        request_id: "test".to_string(),
    }
}

/// A DataFusion session over the sample workspace holding what alice may read.
pub async fn alice_session() -> datafusion::execution::context::SessionContext {
    use dqx_manager::server::workspace::local::LocalWorkspace;
    use dqx_manager::server::workspace::local::directory::LocalDirectory;
    let directory = std::sync::Arc::new(LocalDirectory::default_directory());
    let ws = LocalWorkspace::open(sample_workspace(), directory.clone())
        .await
        .expect("opening the sample workspace");
    ws.session_for(directory.find_by_email("alice@example.com").expect("alice"))
        .expect("alice's session")
}
