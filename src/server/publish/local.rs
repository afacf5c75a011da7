//! The local target: one DQX YAML file per table under `$DQX_DATA_DIR/published/`
//! (`catalog.schema.table.yaml`), which DQX's `FileChecksStorageConfig` loads. Written whole
//! (a temporary file renamed into place), and not at all when it already holds the rule set.

use super::{Outcome, Publication, PublishTarget};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use std::path::PathBuf;

pub struct LocalFolder {
    pub root: PathBuf,
}

impl LocalFolder {
    /// The file a table's rules are published to.
    pub fn path_for(&self, table: &str) -> PathBuf {
        self.root.join(format!("{table}.yaml"))
    }
}

#[async_trait::async_trait]
impl PublishTarget for LocalFolder {
    fn describe(&self, table: &str) -> String {
        format!("file {}", self.path_for(table).display())
    }

    async fn publish(
        &self,
        _caller: &Caller,
        publication: &Publication,
    ) -> Result<Outcome, AppError> {
        let text = super::volume::file_text(publication)?;
        let path = self.path_for(&publication.table);
        let root = self.root.clone();
        let clears = publication.clears();
        tokio::task::spawn_blocking(move || -> Result<Outcome, AppError> {
            let old = std::fs::read_to_string(&path).ok();
            if old.as_deref() == Some(text.as_str()) || (old.is_none() && clears) {
                return Ok(Outcome::Unchanged);
            }
            std::fs::create_dir_all(&root)
                .map_err(|e| AppError::internal(format!("creating {}", root.display()), e))?;
            let partial = path.with_extension("yaml.partial");
            std::fs::write(&partial, &text)
                .map_err(|e| AppError::internal(format!("writing {}", partial.display()), e))?;
            std::fs::rename(&partial, &path)
                .map_err(|e| AppError::internal(format!("writing {}", path.display()), e))?;
            Ok(Outcome::Written)
        })
        .await
        .map_err(|e| AppError::internal("publishing the rules file", e))?
    }
}
