//! Review before a version counts: the policy (which groups approve which tables), the caller's
//! groups (SCIM `Me` as the caller in a workspace, `local-workspace.toml` locally), and the
//! service the server functions call to save drafts, submit, approve, reject, comment, list the
//! queue and preview a change's impact.

pub mod kept;
pub mod policy;
pub mod readable;
pub mod service;

use crate::model::review::Roles;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::databricks::DatabricksClient;
use crate::server::databricks::scim::MeCache;
use crate::server::error::AppError;
use crate::server::workspace::local::directory::LocalDirectory;
use policy::ReviewPolicy;
use std::sync::Arc;

/// Where a caller's groups come from.
pub enum GroupSource {
    /// The local users file.
    Local(Arc<LocalDirectory>),
    /// SCIM `Me` with the caller's own token, cached briefly per token.
    Workspace {
        client: DatabricksClient,
        cache: Arc<MeCache>,
    },
}

/// The review policy and the caller's groups, behind one service.
pub struct ReviewService {
    pub policy: ReviewPolicy,
    pub groups: GroupSource,
    /// Which queued tables each caller may read, remembered briefly.
    pub readable: readable::ReadableCache,
    /// Registry changes' previews across tables, per caller, kept briefly.
    pub previews: crate::server::registry::impact::PreviewBoard,
}

impl ReviewService {
    /// The caller's groups; a workspace that cannot be asked is an error, never "no groups"
    /// silently turned into a weaker or stronger role.
    pub async fn groups(&self, caller: &Caller) -> Result<Vec<String>, AppError> {
        match &self.groups {
            GroupSource::Local(directory) => Ok(directory
                .find_by_email(&caller.email)
                .map(|u| u.groups.clone())
                .unwrap_or_default()),
            GroupSource::Workspace { client, cache } => {
                let token = caller.token.as_ref().ok_or_else(|| {
                    AppError::Unauthorized(
                        "your groups are read from the workspace with your own token, and this request carries none".into(),
                    )
                })?;
                Ok(cache.me(client, token).await?.groups)
            }
        }
    }

    /// The caller's roles for `table` (already proved readable by the caller, so they are its
    /// author) or in general.
    pub async fn roles(
        &self,
        caller: &Caller,
        table: Option<&TableName>,
    ) -> Result<Roles, AppError> {
        let groups = self.groups(caller).await?;
        let mut roles = self.policy.roles(&caller.email, groups, table);
        roles.author = table.is_some();
        Ok(roles)
    }

    /// Whether a save of the table is a draft (review applies) or active at once.
    pub fn saves_draft(&self, table: &TableName) -> bool {
        self.policy.review_applies(table)
    }
}
