//! A pending registry change previewed across every covered table the reviewer may read: one
//! run the reviewer polls with `run_status` (`cross_table`), which runs the single-table impact
//! preview on each table in turn, as the reviewer (before = the table's effective rules now,
//! after = with the change approved), and sums them. Covered tables the reviewer may not read
//! are counted and never named or evaluated. Runs are kept here briefly, per caller.

use super::effective::{Change, RegistryView, inherited_from};
use super::{Parts, coverage};
use crate::model::registry::Scope;
use crate::model::registry_effective::assemble;
use crate::model::registry_entries::{BindingBody, EntryKind, Follow, MAX_LISTED, by_entry};
use crate::model::registry_impact::{CrossTableImpact, MAX_PREVIEW_TABLES, TableImpact};
use crate::model::review::{DEFAULT_PREVIEW_ROWS, REGISTRY_PREVIEW_VERSION};
use crate::model::runs::{RunKind, RunState, RunStatus, RunSummary};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::jobs::JobRequest;
use crate::server::state::AppState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The prefix of a cross-table preview's run id.
pub const RUN_PREFIX: &str = "registry-preview-";
/// Cross-table previews one caller keeps (older ones are forgotten), and for how long.
const KEPT_PER_CALLER: usize = 10;
const KEPT_FOR: Duration = Duration::from_secs(3600);
/// The longest one table's preview is waited for.
const TABLE_LIMIT: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(200);

/// What to preview.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A registry rule's version (its newest when `None`).
    Rule { name: String, version: Option<i32> },
    /// A binding's version (its newest when `None`).
    Binding { id: String, version: Option<i32> },
}

struct Kept {
    owner: String,
    started: Instant,
    status: RunStatus,
}

/// The cross-table previews of one app, by run id.
#[derive(Default)]
pub struct PreviewBoard(Mutex<HashMap<String, Kept>>);

impl PreviewBoard {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn update(board: &PreviewBoard, run_id: &str, change: impl FnOnce(&mut RunStatus)) {
    let mut board = board.lock();
    if let Some(kept) = board.get_mut(run_id) {
        change(&mut kept.status);
        kept.status.summary.elapsed_ms = kept.started.elapsed().as_millis() as u64;
        if let Some(cross) = kept.status.cross_table.as_mut() {
            cross.total();
        }
    }
}

/// The caller's cross-table preview `run_id`, if it is one (another user's is not found).
pub fn status(
    board: &PreviewBoard,
    caller: &Caller,
    run_id: &str,
) -> Option<Result<RunStatus, AppError>> {
    if !run_id.starts_with(RUN_PREFIX) {
        return None;
    }
    let board = board.lock();
    Some(
        board
            .get(run_id)
            .filter(|k| k.owner.eq_ignore_ascii_case(&caller.email))
            .map(|k| {
                let mut status = k.status.clone();
                if !status.summary.state.is_terminal() {
                    status.summary.elapsed_ms = k.started.elapsed().as_millis() as u64;
                }
                status
            })
            .ok_or_else(|| AppError::NotFound(format!("there is no run {run_id} of yours"))),
    )
}

/// The change a subject names, its words, and the scopes whose tables it touches.
async fn change_of(
    state: &AppState,
    caller: &Caller,
    view: &RegistryView,
    subject: &Subject,
) -> Result<(Change, String, Vec<Scope>, Option<String>), AppError> {
    let store = state.store.as_ref();
    match subject {
        Subject::Rule { name, version } => {
            let versions = store
                .registry_versions(caller, EntryKind::Rule, Some(name), MAX_LISTED)
                .await?;
            let chosen = match version {
                Some(v) => versions.iter().find(|x| x.version == *v),
                None => versions.first(),
            }
            .cloned()
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "the registry has no rule {name} (or no such version)"
                ))
            })?;
            let scopes = view
                .bindings
                .iter()
                .filter(|(_, _, b)| &b.rule == name && b.follow == Follow::Latest)
                .map(|(_, _, b)| b.scope.clone())
                .collect();
            let words = format!("registry rule {name}@{}", chosen.version);
            let author = chosen.created_by.clone();
            Ok((Change::RuleVersion(chosen), words, scopes, author))
        }
        Subject::Binding { id, version } => {
            let id = super::bindings::binding_id(id)?;
            let versions = by_entry(
                store
                    .registry_versions(caller, EntryKind::Binding, Some(&id), MAX_LISTED)
                    .await?,
            )
            .remove(&id)
            .unwrap_or_default();
            let chosen = match version {
                Some(v) => versions.iter().find(|x| x.version == *v),
                None => versions.first(),
            }
            .cloned()
            .ok_or_else(|| {
                AppError::NotFound(format!("there is no binding {id} (or no such version)"))
            })?;
            let body: BindingBody = serde_json::from_value(chosen.body.clone())
                .map_err(|e| AppError::internal(format!("reading binding {id}"), e))?;
            let mut scopes = vec![body.scope.clone()];
            if let Some((_, _, now)) = view.bindings.iter().find(|(b, _, _)| b == &id) {
                scopes.push(now.scope.clone());
            }
            let words = format!("binding {id}@{} of {}", chosen.version, body.rule);
            let author = chosen.created_by.clone();
            Ok((Change::Binding { id, body }, words, scopes, author))
        }
    }
}

/// Starts the preview of `subject` across the tables it touches: the run to poll.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    subject: Subject,
) -> Result<RunSummary, AppError> {
    let view = RegistryView::read(state.store.as_ref(), caller).await?;
    let (change, words, scopes, author) = change_of(state, caller, &view, &subject).await?;
    let parts = Parts {
        workspace: state.workspace.as_ref(),
        rules: state.store.as_ref(),
        readable: &state.review.readable,
    };
    let mut tables = BTreeSet::new();
    let mut unreadable = 0u64;
    for scope in &scopes {
        tables.extend(coverage(&parts, caller, scope).await?.tables);
        unreadable += state
            .workspace
            .unreadable_covered(caller, scope)
            .await?
            .unwrap_or(0);
    }
    // Tables the catalog lists to the caller are previewed only once proven readable by them.
    let proven: BTreeMap<String, bool> = state
        .review
        .readable
        .prove(
            parts.rules,
            parts.workspace,
            caller,
            tables.iter().cloned().collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .map(|(t, may)| (t.to_lowercase(), may))
        .collect();
    let readable: Vec<String> = tables
        .into_iter()
        .filter(|t| {
            let may = proven.get(t).copied().unwrap_or(false);
            if !may {
                unreadable += 1;
            }
            may
        })
        .collect();
    let not_previewed = readable.len().saturating_sub(MAX_PREVIEW_TABLES) as u64;
    let previewed: Vec<String> = readable.into_iter().take(MAX_PREVIEW_TABLES).collect();
    let run_id = format!("{RUN_PREFIX}{}", uuid::Uuid::new_v4().simple());
    let summary = RunSummary {
        run_id: run_id.clone(),
        kind: RunKind::Impact,
        table_name: words.clone(),
        state: RunState::Running,
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        elapsed_ms: 0,
        message: None,
    };
    let cross = CrossTableImpact {
        subject: words,
        tables: previewed
            .iter()
            .map(|t| TableImpact {
                table: t.clone(),
                state: "waiting".into(),
                run_id: None,
                preview: None,
                message: None,
            })
            .collect(),
        unreadable,
        not_previewed,
        ..CrossTableImpact::default()
    };
    keep(&state.review.previews, caller, &summary, cross)?;
    let task = Task {
        state: state.clone(),
        caller: caller.clone(),
        run_id,
        view,
        after: change,
        author,
    };
    tokio::spawn(task.run(previewed));
    Ok(summary)
}

/// Keeps a new run for its owner, refusing a second one while one runs.
fn keep(
    board: &PreviewBoard,
    caller: &Caller,
    summary: &RunSummary,
    cross: CrossTableImpact,
) -> Result<(), AppError> {
    let mut board = board.lock();
    board.retain(|_, k| k.started.elapsed() < KEPT_FOR);
    let mine = |k: &Kept| k.owner.eq_ignore_ascii_case(&caller.email);
    if board
        .values()
        .any(|k| mine(k) && !k.status.summary.state.is_terminal())
    {
        return Err(AppError::TooManyRequests(
            "a registry preview of yours is still running; wait for it to end before starting another".into(),
        ));
    }
    let mut own: Vec<(String, Instant)> = board
        .iter()
        .filter(|(_, k)| mine(k))
        .map(|(id, k)| (id.clone(), k.started))
        .collect();
    own.sort_by_key(|(_, at)| *at);
    for (id, _) in own
        .iter()
        .take((own.len() + 1).saturating_sub(KEPT_PER_CALLER))
    {
        board.remove(id);
    }
    board.insert(
        summary.run_id.clone(),
        Kept {
            owner: caller.email.clone(),
            started: Instant::now(),
            status: RunStatus {
                summary: summary.clone(),
                phase: "previewing the covered tables".into(),
                progress: None,
                generation: None,
                validation: None,
                truncated: false,
                rule_set_version: None,
                runs_on: Some("each table's sample, as you".into()),
                impact: None,
                cross_table: Some(cross),
            },
        },
    );
    Ok(())
}

/// One cross-table preview in progress.
struct Task {
    state: AppState,
    caller: Caller,
    run_id: String,
    view: RegistryView,
    after: Change,
    author: Option<String>,
}

impl Task {
    async fn run(self, tables: Vec<String>) {
        for (i, table) in tables.iter().enumerate() {
            let outcome = self.one(table).await;
            update(&self.state.review.previews, &self.run_id, |s| {
                if let Some(t) = s.cross_table.as_mut().and_then(|c| c.tables.get_mut(i)) {
                    match outcome {
                        Ok(Some((run_id, preview))) => {
                            t.state = "completed".into();
                            t.run_id = Some(run_id);
                            t.preview = preview.map(|p| *p);
                        }
                        Ok(None) => t.state = "unchanged".into(),
                        Err(e) => {
                            t.state = "failed".into();
                            t.message = Some(e.user_message());
                        }
                    }
                }
            });
        }
        update(&self.state.review.previews, &self.run_id, |s| {
            s.summary.state = RunState::Completed;
            s.phase = "done".into();
        });
    }

    /// Previews one table: `None` when the change gives it nothing different.
    async fn one(
        &self,
        table: &str,
    ) -> Result<Option<(String, Option<Box<crate::model::review::ImpactPreview>>)>, AppError> {
        let name = TableName::parse(table).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let workspace = self.state.workspace.as_ref();
        let own = match self.state.store.get(&self.caller, table, None).await {
            Ok(active) => Some(active),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let own_rules = own.as_ref().map(|a| a.rules.clone()).unwrap_or_default();
        let own_version = own.as_ref().map(|a| a.summary.version);
        let (now, _) = inherited_from(&self.view, workspace, &self.caller, &name).await?;
        let (then, _) =
            inherited_from(&self.view.with(&self.after), workspace, &self.caller, &name).await?;
        let before = assemble(table, own_rules.clone(), own_version, now).rules;
        let after = assemble(table, own_rules, own_version, then).rules;
        if before == after {
            return Ok(None);
        }
        let (added, removed, changed, _) = crate::model::rules::diff::diff_rules(&before, &after);
        let key = crate::model::rules::diff::rule_key;
        let mut changes = BTreeMap::new();
        for rule in &added {
            changes.insert(key(rule), "added".to_string());
        }
        for rule in &removed {
            changes.insert(key(rule), "removed".to_string());
        }
        for change in &changed {
            changes.insert(change.name.clone(), "changed".to_string());
        }
        let request = JobRequest::Impact {
            table: name,
            version: REGISTRY_PREVIEW_VERSION,
            against_version: own_version,
            before,
            after,
            changes,
            sample_rows: DEFAULT_PREVIEW_ROWS,
            authors: crate::server::jobs::withhold::Authors {
                version: self.author.clone(),
                active: own.and_then(|a| a.summary.created_by),
            },
        };
        let started = self.state.jobs.start(&self.caller, request).await?;
        let run_id = started.run_id;
        update(&self.state.review.previews, &self.run_id, |s| {
            if let Some(t) = s
                .cross_table
                .as_mut()
                .and_then(|c| c.tables.iter_mut().find(|t| t.table == table))
            {
                t.state = "running".into();
                t.run_id = Some(run_id.clone());
            }
        });
        let deadline = Instant::now() + TABLE_LIMIT;
        loop {
            let status = self.state.jobs.status(&self.caller, &run_id).await?;
            match status.summary.state {
                RunState::Completed => {
                    return Ok(Some((run_id, status.impact.map(Box::new))));
                }
                RunState::Failed | RunState::Canceled => {
                    return Err(AppError::Unavailable(
                        status
                            .summary
                            .message
                            .unwrap_or_else(|| format!("the preview of {table} did not complete")),
                    ));
                }
                _ if Instant::now() > deadline => {
                    let _ = self.state.jobs.cancel(&self.caller, &run_id).await;
                    return Err(AppError::Unavailable(format!(
                        "the preview of {table} took longer than {} minutes and was canceled",
                        TABLE_LIMIT.as_secs() / 60
                    )));
                }
                _ => tokio::time::sleep(POLL).await,
            }
        }
    }
}
