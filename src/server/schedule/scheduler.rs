//! The embedded scheduler: once a minute (on an injected clock) it claims each schedule's latest
//! due time in the store and runs the table's active rule set as the schedule's owner. The claim
//! makes every due time fire once across processes sharing the store; after downtime only the
//! latest missed time is due, so a returning scheduler runs once, never a storm.

use super::next::{latest_due, zone};
use super::store::{Outcome, ScheduleStore, StoredSchedule};
use crate::model::cron::Cron;
use crate::model::schedule::MAX_SCHEDULES;
use crate::server::error::AppError;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// What time it is (the system clock, or a test's).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What a claimed firing does (start the run and see it through).
#[async_trait::async_trait]
pub trait Fire: Send + Sync {
    /// Runs the schedule's table for due time `due`; the run it started, or why it did not.
    async fn fire(&self, schedule: &StoredSchedule, due: DateTime<Utc>) -> Outcome;
}

/// A due time this process claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub schedule: StoredSchedule,
    pub due: DateTime<Utc>,
}

/// Claims and fires due schedules.
pub struct Scheduler {
    pub store: Arc<dyn ScheduleStore>,
    pub fire: Arc<dyn Fire>,
    /// Who claims (this process), kept with each claim.
    pub holder: String,
}

impl Scheduler {
    /// Claims every schedule's latest due time up to `now` that no process has claimed yet.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Vec<Claimed>, AppError> {
        let mut claimed = Vec::new();
        for schedule in self.store.all(MAX_SCHEDULES).await? {
            if !schedule.enabled {
                continue;
            }
            let Some(due) = due_time(&schedule, now) else {
                continue;
            };
            if self
                .store
                .claim(&schedule.table_name, due.naive_utc(), &self.holder)
                .await?
            {
                claimed.push(Claimed { schedule, due });
            }
        }
        Ok(claimed)
    }

    /// Fires one claimed due time and notes what happened.
    pub async fn run(&self, claimed: &Claimed) -> Outcome {
        let outcome = self.fire.fire(&claimed.schedule, claimed.due).await;
        let table = &claimed.schedule.table_name;
        if let Err(error) = self
            .store
            .note(table, claimed.due.naive_utc(), &outcome)
            .await
        {
            tracing::warn!(%table, %error, "a scheduled run's outcome was not noted");
        }
        match &outcome {
            Outcome::Started(run_id) => {
                tracing::info!(%table, due = %claimed.due, run_id, "scheduled run")
            }
            Outcome::Failed(why) => {
                tracing::warn!(%table, due = %claimed.due, why, "scheduled run did not run")
            }
        }
        outcome
    }

    /// Ticks at the start of every minute of `clock`, firing what it claims in the background,
    /// until the process ends.
    pub fn spawn(self: Arc<Self>, clock: Arc<dyn Clock>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let now = clock.now();
                let into_minute = u64::from(chrono::Timelike::second(&now));
                let wait = 61u64.saturating_sub(into_minute).clamp(1, 61);
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                match self.tick(clock.now()).await {
                    Ok(claimed) => {
                        for due in claimed {
                            let me = self.clone();
                            tokio::spawn(async move {
                                me.run(&due).await;
                            });
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the scheduler could not read its schedules")
                    }
                }
            }
        })
    }
}

/// The schedule's latest due time in (since it was set or last fired, `now`], if any.
pub fn due_time(schedule: &StoredSchedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let cron = Cron::parse(&schedule.cron).ok()?;
    let tz = zone(&schedule.timezone).ok()?;
    let since = schedule
        .last_due_at
        .map_or(schedule.since, |last| last.max(schedule.since))
        .and_utc();
    latest_due(&cron, tz, since, now)
}

/// When the schedule fires next after `now`, if it is enabled and ever fires again.
pub fn next_run(schedule: &StoredSchedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !schedule.enabled {
        return None;
    }
    // Due and not yet claimed: it runs at the scheduler's next tick.
    if let Some(due) = due_time(schedule, now) {
        return Some(due);
    }
    let cron = Cron::parse(&schedule.cron).ok()?;
    let tz = zone(&schedule.timezone).ok()?;
    super::next::next_after(&cron, tz, now)
}
