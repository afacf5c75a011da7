//! Which tables of the review queue a caller may read: probed as the caller, at most
//! [`MAX_PROBES`] new tables per listing and a few at a time, remembered per caller for
//! [`REMEMBERED_FOR`] so a queue filled by others cannot make each listing cost a statement per
//! table.

use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// New (not remembered) tables probed for one listing at most; the rest wait for the next one.
pub const MAX_PROBES: usize = 40;
/// Probes in flight at once for one listing.
const PROBES_AT_ONCE: usize = 4;
/// How long a probe's answer stands for the same caller.
pub const REMEMBERED_FOR: Duration = Duration::from_secs(60);
/// Answers kept at most across callers (the oldest half is dropped past it).
const MAX_REMEMBERED: usize = 20_000;

/// The remembered answers, by caller e-mail and table.
#[derive(Default)]
pub struct ReadableCache {
    answers: Mutex<HashMap<(String, String), (Instant, bool)>>,
}

/// Whether each table may be read by the caller; tables left unprobed (over the bound) are
/// absent.
pub type Readable = BTreeMap<String, bool>;

impl ReadableCache {
    fn remembered(&self, caller: &Caller, table: &str) -> Option<bool> {
        let answers = self.answers.lock().ok()?;
        let (at, readable) =
            answers.get(&(caller.email.to_ascii_lowercase(), table.to_string()))?;
        (at.elapsed() < REMEMBERED_FOR).then_some(*readable)
    }

    fn remember(&self, caller: &Caller, table: &str, readable: bool) {
        let Ok(mut answers) = self.answers.lock() else {
            return;
        };
        if answers.len() >= MAX_REMEMBERED {
            answers.retain(|_, (at, _)| at.elapsed() < REMEMBERED_FOR / 2);
            if answers.len() >= MAX_REMEMBERED {
                answers.clear();
            }
        }
        answers.insert(
            (caller.email.to_ascii_lowercase(), table.to_string()),
            (Instant::now(), readable),
        );
    }

    /// Which of `tables` the caller may read: remembered answers, then up to [`MAX_PROBES`]
    /// new probes as the caller. A name that does not parse is not readable.
    pub async fn readable(
        &self,
        workspace: &dyn Workspace,
        caller: &Caller,
        tables: impl IntoIterator<Item = String>,
    ) -> Readable {
        let mut known = Readable::new();
        let mut unknown = Vec::new();
        for table in tables {
            if known.contains_key(&table) || unknown.contains(&table) {
                continue;
            }
            match self.remembered(caller, &table) {
                Some(readable) => {
                    known.insert(table, readable);
                }
                None => unknown.push(table),
            }
        }
        unknown.truncate(MAX_PROBES);
        let probed: Vec<(String, bool)> = futures::stream::iter(unknown)
            .map(|table| async move {
                let readable = match TableName::parse(&table) {
                    Ok(name) => workspace.probe_read(caller, &name).await.is_ok(),
                    Err(_) => false,
                };
                (table, readable)
            })
            .buffer_unordered(PROBES_AT_ONCE)
            .collect()
            .await;
        for (table, readable) in probed {
            self.remember(caller, &table, readable);
            known.insert(table, readable);
        }
        known
    }

    /// [`Self::readable`], then each readable table recorded in `store` as proven for the
    /// caller, so a store that shows rows only to proven readers shows those (and no others).
    pub async fn prove(
        &self,
        store: &dyn RuleStore,
        workspace: &dyn Workspace,
        caller: &Caller,
        tables: impl IntoIterator<Item = String>,
    ) -> Result<Readable, AppError> {
        let readable = self.readable(workspace, caller, tables).await;
        for (table, may) in &readable {
            if *may {
                store.prove_reader(caller, table).await?;
            }
        }
        Ok(readable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::{CatalogInfo, SampleRows, SchemaInfo, TableDescription, TableInfo};
    use crate::server::caller::test_caller as caller;
    use crate::server::error::AppError;
    use crate::server::workspace::BackendHealth;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A workspace whose caller may read tables named `ok_…`, counting its probes.
    #[derive(Default)]
    struct Counting {
        probes: AtomicUsize,
    }

    fn refused<T>() -> Result<T, AppError> {
        Err(AppError::BadRequest("not in this test".into()))
    }

    #[async_trait::async_trait]
    impl Workspace for Counting {
        async fn health(&self) -> BackendHealth {
            BackendHealth {
                kind: "test".into(),
                status: "ok",
                detail: String::new(),
            }
        }
        async fn list_catalogs(&self, _: &Caller) -> Result<Vec<CatalogInfo>, AppError> {
            refused()
        }
        async fn list_schemas(&self, _: &Caller, _: &str) -> Result<Vec<SchemaInfo>, AppError> {
            refused()
        }
        async fn list_tables(
            &self,
            _: &Caller,
            _: &str,
            _: &str,
        ) -> Result<Vec<TableInfo>, AppError> {
            refused()
        }
        async fn describe_table(
            &self,
            _: &Caller,
            _: &TableName,
        ) -> Result<TableDescription, AppError> {
            refused()
        }
        async fn sample_table(
            &self,
            _: &Caller,
            _: &TableName,
            _: u32,
        ) -> Result<SampleRows, AppError> {
            refused()
        }
        async fn triage(
            &self,
            _: &Caller,
            _: &TableName,
            _: &[crate::model::rules::ResolvedRule],
        ) -> Result<(Vec<crate::model::triage::RuleTriage>, u64), AppError> {
            refused()
        }
        async fn metric_rows(
            &self,
            _: &Caller,
            _: &TableName,
            _: &[String],
            _: u32,
        ) -> Result<Vec<crate::model::metrics::MetricRow>, AppError> {
            refused()
        }
        async fn metric_locations(
            &self,
            _: &Caller,
            _: &TableName,
            _: u32,
        ) -> Result<Vec<String>, AppError> {
            refused()
        }
        async fn visible_tables(
            &self,
            _: &Caller,
            _: Option<&str>,
            _: Option<&str>,
            _: u32,
        ) -> Result<Vec<String>, AppError> {
            refused()
        }
        async fn tags(
            &self,
            _: &Caller,
            _: &str,
            _: Option<&str>,
            _: crate::model::registry::TagOn,
            _: u32,
        ) -> Result<Vec<crate::model::registry::TagHit>, AppError> {
            refused()
        }
        async fn probe_read(&self, _: &Caller, table: &TableName) -> Result<(), AppError> {
            self.probes.fetch_add(1, Ordering::SeqCst);
            if table.table.starts_with("ok_") {
                Ok(())
            } else {
                Err(AppError::PermissionDenied("no SELECT".into()))
            }
        }
    }

    #[tokio::test]
    async fn a_full_queue_costs_a_bounded_number_of_probes_and_answers_are_kept_per_caller() {
        let workspace = Counting::default();
        let cache = ReadableCache::default();
        let tables: Vec<String> = (0..200)
            .map(|i| format!("c.s.{}_{i}", if i % 2 == 0 { "ok" } else { "no" }))
            .collect();
        let bob = caller("bob@example.com");
        let first = cache.readable(&workspace, &bob, tables.clone()).await;
        assert_eq!(workspace.probes.load(Ordering::SeqCst), MAX_PROBES);
        assert_eq!(first.len(), MAX_PROBES);
        assert_eq!(first.get("c.s.ok_0"), Some(&true));
        assert_eq!(first.get("c.s.no_1"), Some(&false));
        let again = cache.readable(&workspace, &bob, tables.clone()).await;
        assert_eq!(
            workspace.probes.load(Ordering::SeqCst),
            2 * MAX_PROBES,
            "the remembered answers are not probed again; the next ones are"
        );
        assert_eq!(again.len(), 2 * MAX_PROBES);
        let carol = cache
            .readable(
                &workspace,
                &caller("carol@example.com"),
                tables[..1].to_vec(),
            )
            .await;
        assert_eq!(carol.get("c.s.ok_0"), Some(&true));
        assert_eq!(
            workspace.probes.load(Ordering::SeqCst),
            2 * MAX_PROBES + 1,
            "another caller's answers are their own"
        );
        let junk = cache
            .readable(&workspace, &bob, vec!["not a name".to_string()])
            .await;
        assert_eq!(junk.get("not a name"), Some(&false));
    }
}
