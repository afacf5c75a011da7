//! The Unity Catalog volume target: `<volume>/<table>.yaml` (e.g.
//! `/Volumes/main/dq/rules/main.sales.customers.yaml`), written with the Files API **as the
//! approving user** (their token: Unity Catalog checks WRITE VOLUME), which DQX's
//! `VolumeFileChecksStorageConfig` loads. Not written again when it already holds the rule set.

use super::{Outcome, Publication, PublishTarget};
use crate::model::rules::{RulesFormat, rules_to_text};
use crate::server::caller::Caller;
use crate::server::databricks::error::Principal;
use crate::server::databricks::{CallError, DatabricksClient};
use crate::server::error::AppError;
use reqwest::Method;
use serde_json::Value;

pub struct VolumeFolder {
    pub client: DatabricksClient,
    /// `/Volumes/catalog/schema/volume` (or a folder inside one).
    pub folder: String,
}

/// Checks `/Volumes/c/s/v[/…]`.
pub fn parse_folder(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/');
    let parts: Vec<&str> = trimmed.split('/').collect();
    if parts.len() >= 5
        && parts[0].is_empty()
        && parts[1] == "Volumes"
        && parts[2..].iter().all(|p| !p.is_empty())
    {
        Ok(trimmed.to_string())
    } else {
        Err(format!(
            "'{text}' is not a volume folder: write /Volumes/<catalog>/<schema>/<volume>"
        ))
    }
}

impl VolumeFolder {
    pub fn path_for(&self, table: &str) -> String {
        format!("{}/{table}.yaml", self.folder)
    }

    fn api_path(&self, table: &str) -> String {
        let encoded: Vec<String> = self
            .path_for(table)
            .split('/')
            .map(crate::url::encode_query_value)
            .collect();
        format!("/api/2.0/fs/files{}", encoded.join("/"))
    }
}

/// The file's text for a publication (the same bytes every time for the same version).
pub fn file_text(publication: &Publication) -> Result<String, AppError> {
    let text = rules_to_text(&Value::Array(publication.rules.clone()), RulesFormat::Yaml)
        .map_err(|e| AppError::internal("writing the rules as YAML", e))?;
    let version = if publication.clears() {
        "no checks (cleared: no own version and no registry rule covers it)".to_string()
    } else if publication.version == super::INHERITED_ONLY {
        "registry rules only".to_string()
    } else {
        format!("version {}", publication.version)
    };
    Ok(format!(
        "# {} {version} (rule_set_fingerprint {}), published by DQX Data Quality Manager.\n{text}",
        publication.table, publication.rule_set_fingerprint
    ))
}

#[async_trait::async_trait]
impl PublishTarget for VolumeFolder {
    fn describe(&self, table: &str) -> String {
        format!("volume file {}", self.path_for(table))
    }

    async fn publish(
        &self,
        caller: &Caller,
        publication: &Publication,
    ) -> Result<Outcome, AppError> {
        let token = crate::server::databricks::user_token(caller)?;
        let text = file_text(publication)?;
        let path = self.api_path(&publication.table);
        let site = self.client.site();
        match self
            .client
            .call_bytes(Method::GET, &path, token, None)
            .await
        {
            Ok(existing) if existing == text => return Ok(Outcome::Unchanged),
            Ok(_) => {}
            // Nothing published yet and nothing to publish: nothing to clear.
            Err(CallError::Api(f)) if f.status == 404 && publication.clears() => {
                return Ok(Outcome::Unchanged);
            }
            Err(CallError::Api(f)) if f.status == 404 => {}
            Err(e) => {
                return Err(e.to_app(Principal::User, "reading the published rules file", &site));
            }
        }
        self.client
            .call_bytes(
                Method::PUT,
                &format!("{path}?overwrite=true"),
                token,
                Some(text.as_bytes()),
            )
            .await
            .map_err(|e| {
                e.to_app(
                    Principal::User,
                    "publishing the rules file to the volume",
                    &site,
                )
            })?;
        Ok(Outcome::Written)
    }
}
