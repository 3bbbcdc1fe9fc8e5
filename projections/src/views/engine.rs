//! Runs projections: folds new log pages into each one's in-memory state and commits the changed
//! documents with the new position in one transaction; reloads when a rebuild swapped the active
//! generation; stops — recording where and why — on an event a projection cannot fold.
//!
//! Delivery may repeat (two processes following one database, a commit that failed and is
//! retried): a commit only lands when it moves the stored position forward, and every fold is
//! deterministic, so whichever process wrote a position wrote the same documents.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use tokio::sync::watch;

use super::amendments::Amendments;
use super::arguments::Arguments;
use super::bills::Bills;
use super::tallies::Tallies;
use super::timeline::Timeline;
use super::{Changes, Projection};
use crate::store::{EventStore, ProjectionCommit, StoreError};

/// Events read from the log per round trip.
const PAGE: u32 = 2_000;
/// A projection whose documents did not change still stores its position once it moved this far,
/// so a restart never refolds more than this many events it had already folded.
const POSITION_ONLY_COMMIT_AFTER: u64 = 1_000;
/// A rebuild writes its documents beside the active ones in transactions of about this many.
const REBUILD_DOCS_PER_COMMIT: usize = 20_000;

pub const PROJECTION_NAMES: [&str; 5] = [
    Bills::NAME,
    Amendments::NAME,
    Tallies::NAME,
    Arguments::NAME,
    Timeline::NAME,
];

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    pub log_index: u64,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error(
        "projection `{projection}` stopped at log index {log_index}: {message}; it did not skip \
         the event — fix the cause, then restart or run `palimpsest rebuild --projection {projection}`"
    )]
    Stopped {
        projection: &'static str,
        log_index: u64,
        message: String,
    },
    #[error("projection `{projection}`: {message}")]
    Unreadable {
        projection: &'static str,
        message: String,
    },
    #[error("no projection is called `{0}`; the projections are {names}", names = PROJECTION_NAMES.join(", "))]
    UnknownProjection(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A projection's state with the log index it has folded up to.
pub struct Folded<P> {
    pub model: P,
    pub position: u64,
    generation: u64,
}

/// One projection kept up to date with the log.
pub struct Live<P: Projection> {
    store: EventStore,
    state: RwLock<Folded<P>>,
    position: watch::Sender<u64>,
    /// Changes folded but not yet committed (kept across a failed commit, retried).
    pending: tokio::sync::Mutex<Pending>,
    failure: RwLock<Option<Failure>>,
}

#[derive(Default)]
struct Pending {
    changes: Changes,
    /// The position last stored (or found stored).
    committed: u64,
}

impl std::ops::Deref for Pending {
    type Target = Changes;
    fn deref(&self) -> &Changes {
        &self.changes
    }
}

impl std::ops::DerefMut for Pending {
    fn deref_mut(&mut self) -> &mut Changes {
        &mut self.changes
    }
}

async fn load<P: Projection>(store: &EventStore, generation: u64) -> Result<Folded<P>, ViewError> {
    let (position, docs) = store.projection_load(P::NAME, generation).await?;
    let mut model = P::default();
    for (key, body) in &docs {
        model
            .restore(key, body)
            .map_err(|message| ViewError::Unreadable {
                projection: P::NAME,
                message,
            })?;
    }
    model.restored();
    Ok(Folded {
        model,
        position,
        generation,
    })
}

impl<P: Projection> Live<P> {
    /// Restores the active generation from its documents, then folds what the log holds beyond.
    /// A projection that stops on an event still starts (it answers up to there and reports).
    pub async fn start(store: EventStore) -> Result<Arc<Self>, ViewError> {
        let row = store.projection_register(P::NAME, &now()).await?;
        let folded = load::<P>(&store, row.active_generation).await?;
        let live = Arc::new(Self {
            position: watch::channel(folded.position).0,
            pending: tokio::sync::Mutex::new(Pending {
                changes: Changes::default(),
                committed: folded.position,
            }),
            state: RwLock::new(folded),
            store,
            failure: RwLock::new(None),
        });
        if row.failure.is_some() {
            // Retried: the cause may have been fixed; a persisting one is recorded again.
            live.store.projection_record_failure(P::NAME, None).await?;
        }
        match live.catch_up().await {
            Ok(_) | Err(ViewError::Stopped { .. }) => Ok(live),
            Err(e) => Err(e),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Folded<P>> {
        self.state.read().expect("projection lock")
    }

    pub fn position(&self) -> u64 {
        *self.position.borrow()
    }

    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    pub fn failure(&self) -> Option<Failure> {
        self.failure.read().expect("failure lock").clone()
    }

    /// Folds every committed event not yet folded and commits the documents; returns the new
    /// position.
    pub async fn catch_up(&self) -> Result<u64, ViewError> {
        let mut pending = self.pending.lock().await;
        if let Some(failure) = self.failure() {
            return Err(ViewError::Stopped {
                projection: P::NAME,
                log_index: failure.log_index,
                message: failure.message,
            });
        }
        if let Some(row) = self.store.projection_status(P::NAME).await? {
            if row.active_generation != self.generation() {
                // A rebuild made another generation active: answer from it from now on, once it
                // has folded at least as far as the views readers see now (they never go back).
                let mut folded = load::<P>(&self.store, row.active_generation).await?;
                pending.clear();
                pending.committed = folded.position;
                let live = self.position();
                'refold: while folded.position < live {
                    let page = self.store.read_log(folded.position, PAGE).await?;
                    if page.is_empty() {
                        break;
                    }
                    for logged in &page {
                        if folded.model.apply(logged, &mut pending).is_err() {
                            // The loop below folds it again and records the failure.
                            break 'refold;
                        }
                        folded.position = logged.log_index;
                    }
                }
                let position = folded.position;
                *self.state.write().expect("projection lock") = folded;
                self.position.send_replace(position);
                tracing::info!(
                    projection = P::NAME,
                    generation = row.active_generation,
                    "reloaded after a rebuild"
                );
            }
        }
        loop {
            let after = self.position();
            let page = self.store.read_log(after, PAGE).await?;
            let mut stopped = None;
            if !page.is_empty() {
                let mut folded = self.state.write().expect("projection lock");
                for logged in &page {
                    if logged.log_index <= folded.position {
                        continue; // already folded: a repeated delivery changes nothing
                    }
                    if let Err(message) = folded.model.apply(logged, &mut pending) {
                        stopped = Some(Failure {
                            log_index: logged.log_index,
                            message,
                        });
                        break;
                    }
                    folded.position = logged.log_index;
                }
                self.position.send_replace(folded.position);
            }
            self.flush(&mut pending).await?;
            if let Some(failure) = stopped {
                tracing::error!(projection = P::NAME, log_index = failure.log_index, message = %failure.message, "projection stopped");
                self.store
                    .projection_record_failure(P::NAME, Some((failure.log_index, &failure.message)))
                    .await?;
                *self.failure.write().expect("failure lock") = Some(failure.clone());
                return Err(ViewError::Stopped {
                    projection: P::NAME,
                    log_index: failure.log_index,
                    message: failure.message,
                });
            }
            if page.len() < PAGE as usize {
                return Ok(self.position());
            }
        }
    }

    async fn flush(&self, pending: &mut Pending) -> Result<(), ViewError> {
        let (position, generation) = {
            let folded = self.read();
            (folded.position, folded.generation)
        };
        if pending.is_empty() && position < pending.committed + POSITION_ONLY_COMMIT_AFTER {
            return Ok(());
        }
        let rows = pending.to_rows();
        let now = now();
        self.store
            .projection_commit(&ProjectionCommit {
                name: P::NAME,
                generation,
                position,
                changes: &rows,
                now: &now,
                activate: false,
            })
            .await?;
        // Written, or another process already wrote this position (the same documents).
        pending.clear();
        pending.committed = position;
        Ok(())
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RebuildReport {
    pub projection: &'static str,
    pub generation: u64,
    pub events: u64,
    pub documents: u64,
    pub seconds: f64,
}

/// One projection being rebuilt: its fresh state, the documents not yet written, its generation.
trait Rebuilding: Send {
    fn name(&self) -> &'static str;
    fn apply(&mut self, event: &crate::store::LoggedEvent) -> Result<(), String>;
    fn changes(&mut self) -> &mut Changes;
    fn generation(&self) -> u64;
}

struct Fold<P> {
    model: P,
    changes: Changes,
    generation: u64,
}

impl<P: Projection> Rebuilding for Fold<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn apply(&mut self, event: &crate::store::LoggedEvent) -> Result<(), String> {
        self.model.apply(event, &mut self.changes)
    }
    fn changes(&mut self) -> &mut Changes {
        &mut self.changes
    }
    fn generation(&self) -> u64 {
        self.generation
    }
}

async fn begin<P: Projection>(store: &EventStore) -> Result<Box<dyn Rebuilding>, ViewError> {
    store.projection_register(P::NAME, &now()).await?;
    let generation = store.projection_new_generation(P::NAME, &now()).await?;
    Ok(Box::new(Fold {
        model: P::default(),
        changes: Changes::default(),
        generation,
    }))
}

/// Rebuilds the named projection, or all of them, from log index 0 into new generations beside
/// the active ones — reading the log once for all — then makes each new generation active in one
/// transaction and deletes the old ones. A running service keeps answering from the old
/// generations meanwhile and switches when it next follows the log.
pub async fn rebuild(
    store: &EventStore,
    only: Option<&str>,
) -> Result<Vec<RebuildReport>, ViewError> {
    if let Some(name) = only {
        if !PROJECTION_NAMES.contains(&name) {
            return Err(ViewError::UnknownProjection(name.to_string()));
        }
    }
    let wanted = |name: &str| only.is_none_or(|o| o == name);
    let mut folds: Vec<Box<dyn Rebuilding>> = Vec::new();
    if wanted(Bills::NAME) {
        folds.push(begin::<Bills>(store).await?);
    }
    if wanted(Amendments::NAME) {
        folds.push(begin::<Amendments>(store).await?);
    }
    if wanted(Tallies::NAME) {
        folds.push(begin::<Tallies>(store).await?);
    }
    if wanted(Arguments::NAME) {
        folds.push(begin::<Arguments>(store).await?);
    }
    if wanted(Timeline::NAME) {
        folds.push(begin::<Timeline>(store).await?);
    }
    let started = std::time::Instant::now();
    let result = fold_all(store, &mut folds).await;
    // Whatever happened, only active generations remain: the old ones after a success, the
    // half-built ones after a failure.
    for fold in &folds {
        let dropped = store.projection_drop_inactive(fold.name()).await;
        if result.is_ok() {
            dropped?;
        }
    }
    let (events, documents) = result?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(folds
        .iter()
        .zip(documents)
        .map(|(fold, documents)| RebuildReport {
            projection: fold.name(),
            generation: fold.generation(),
            events,
            documents,
            seconds,
        })
        .collect())
}

async fn fold_all(
    store: &EventStore,
    folds: &mut [Box<dyn Rebuilding>],
) -> Result<(u64, Vec<u64>), ViewError> {
    let mut position = 0;
    let mut events = 0u64;
    let mut documents = vec![0u64; folds.len()];
    loop {
        let page = store.read_log(position, PAGE).await?;
        for logged in &page {
            for fold in folds.iter_mut() {
                fold.apply(logged).map_err(|message| ViewError::Stopped {
                    projection: fold.name(),
                    log_index: logged.log_index,
                    message,
                })?;
            }
            position = logged.log_index;
            events += 1;
        }
        let at_head = page.len() < PAGE as usize;
        for (fold, written) in folds.iter_mut().zip(documents.iter_mut()) {
            if !at_head && fold.changes().len() < REBUILD_DOCS_PER_COMMIT {
                continue;
            }
            let rows = fold.changes().to_rows();
            *written += rows.len() as u64;
            let now = now();
            let committed = store
                .projection_commit(&ProjectionCommit {
                    name: fold.name(),
                    generation: fold.generation(),
                    position,
                    changes: &rows,
                    now: &now,
                    activate: at_head,
                })
                .await?;
            if !committed {
                return Err(ViewError::Unreadable {
                    projection: fold.name(),
                    message: format!(
                        "generation {} was changed by another process during the rebuild; run it again",
                        fold.generation()
                    ),
                });
            }
            fold.changes().clear();
        }
        if at_head {
            return Ok((events, documents));
        }
    }
}

/// One projection's health, for the status endpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectionStatus {
    pub name: &'static str,
    pub position: u64,
    pub generation: u64,
    pub failure: Option<Failure>,
}

/// Every public view, each following the log on its own.
#[derive(Clone)]
pub struct Views {
    pub bills: Arc<Live<Bills>>,
    pub amendments: Arc<Live<Amendments>>,
    pub tallies: Arc<Live<Tallies>>,
    pub arguments: Arc<Live<Arguments>>,
    pub timeline: Arc<Live<Timeline>>,
}

impl Views {
    pub async fn start(store: &EventStore) -> Result<Self, ViewError> {
        Ok(Self {
            bills: Live::start(store.clone()).await?,
            amendments: Live::start(store.clone()).await?,
            tallies: Live::start(store.clone()).await?,
            arguments: Live::start(store.clone()).await?,
            timeline: Live::start(store.clone()).await?,
        })
    }

    /// Catches every view up; the first error, after trying them all.
    pub async fn catch_up(&self) -> Result<(), ViewError> {
        let results = [
            self.bills.catch_up().await.map(drop),
            self.amendments.catch_up().await.map(drop),
            self.tallies.catch_up().await.map(drop),
            self.arguments.catch_up().await.map(drop),
            self.timeline.catch_up().await.map(drop),
        ];
        results.into_iter().collect()
    }

    /// The lowest position of all views: every view includes the log up to here.
    pub fn position(&self) -> u64 {
        self.statuses()
            .iter()
            .map(|s| s.position)
            .min()
            .unwrap_or(0)
    }

    pub fn statuses(&self) -> Vec<ProjectionStatus> {
        fn status<P: Projection>(live: &Live<P>) -> ProjectionStatus {
            ProjectionStatus {
                name: P::NAME,
                position: live.position(),
                generation: live.generation(),
                failure: live.failure(),
            }
        }
        vec![
            status(&self.bills),
            status(&self.amendments),
            status(&self.tallies),
            status(&self.arguments),
            status(&self.timeline),
        ]
    }

    /// Waits until every view includes `log_index`; false when `timeout` passed first (or a view
    /// stopped before it).
    pub async fn wait_for(&self, log_index: u64, timeout: Duration) -> bool {
        if self.position() >= log_index {
            return true;
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let _ = self.catch_up().await;
            if self.position() >= log_index {
                return true;
            }
            if tokio::time::Instant::now() >= deadline
                || self.statuses().iter().any(|s| s.failure.is_some())
            {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Follows commits made by other processes (and rebuild swaps), polling.
    pub fn spawn_follower(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let views = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                ticker.tick().await;
                if let Err(e) = views.catch_up().await {
                    if !matches!(e, ViewError::Stopped { .. }) {
                        tracing::warn!(error = %e, "views could not follow the log; retrying");
                    }
                }
            }
        })
    }
}

/// How a projection's stored documents compare with a fresh fold of the log up to its position.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ViewCheck {
    pub projection: &'static str,
    pub position: u64,
    pub documents: u64,
    /// Keys stored with another body, stored but not derived, or derived but missing.
    pub differing: Vec<String>,
}

impl std::fmt::Display for ViewCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.differing.first() {
            None => write!(
                f,
                "{} ({} documents at log index {})",
                self.projection, self.documents, self.position
            ),
            Some(first) => write!(
                f,
                "{}: {} of its documents differ from the log up to index {} (first: `{first}`); run `palimpsest rebuild --projection {}`",
                self.projection,
                self.differing.len(),
                self.position,
                self.projection
            ),
        }
    }
}

async fn check_one<P: Projection>(store: &EventStore) -> Result<Option<ViewCheck>, ViewError> {
    let Some(row) = store.projection_status(P::NAME).await? else {
        return Ok(None);
    };
    let (position, stored) = store
        .projection_load(P::NAME, row.active_generation)
        .await?;
    let mut model = P::default();
    let mut derived = Changes::default();
    let mut after = 0;
    'fold: while after < position {
        let page = store.read_log(after, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for logged in &page {
            if logged.log_index > position {
                break 'fold;
            }
            model
                .apply(logged, &mut derived)
                .map_err(|message| ViewError::Stopped {
                    projection: P::NAME,
                    log_index: logged.log_index,
                    message,
                })?;
            after = logged.log_index;
        }
    }
    let mut derived: BTreeMap<String, String> = derived
        .to_rows()
        .into_iter()
        .filter_map(|(key, body)| body.map(|b| (key, b)))
        .collect();
    let mut differing = Vec::new();
    for (key, body) in &stored {
        if derived.remove(key).as_ref() != Some(body) {
            differing.push(key.clone());
        }
    }
    differing.extend(derived.into_keys());
    Ok(Some(ViewCheck {
        projection: P::NAME,
        position,
        documents: stored.len() as u64,
        differing,
    }))
}

/// Folds the log afresh for every stored projection, up to the position its active documents
/// claim, and compares the documents byte for byte: stored views that were edited, or that a
/// faulty fold wrote, show up here (a rebuild repairs them).
pub async fn check(store: &EventStore) -> Result<Vec<ViewCheck>, ViewError> {
    let checks = [
        check_one::<Bills>(store).await?,
        check_one::<Amendments>(store).await?,
        check_one::<Tallies>(store).await?,
        check_one::<Arguments>(store).await?,
        check_one::<Timeline>(store).await?,
    ];
    Ok(checks.into_iter().flatten().collect())
}
