//! Starts the HTTP service: restores the views (projections) from their documents, follows the log, integrates new
//! events into the Merkle tree and signs checkpoints by policy, serves until Ctrl-C or SIGTERM,
//! then lets in-flight requests finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::integrity::checkpoint::SigningKey;
use projections::transparency::{integrate_all, issue_checkpoint, latest_checkpoint};
use projections::views::Views;
use projections::EventStore;

use crate::http::rate_limit::WriteLimiter;
use crate::routes::router;
use crate::state::{AppState, Settings};

/// How often the views look for events committed by other processes.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// How often the sequencer integrates new events into the tree.
const INTEGRATE_EVERY: Duration = Duration::from_secs(1);

/// When to sign a checkpoint: after `every_events` uncovered events, or when uncovered events
/// have waited `every`.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointPolicy {
    pub every_events: u64,
    pub every: Duration,
}

impl Default for CheckpointPolicy {
    fn default() -> Self {
        Self {
            every_events: 1000,
            every: Duration::from_secs(60),
        }
    }
}

pub async fn app_state(store: EventStore, signer: SigningKey) -> Result<AppState, String> {
    app_state_with(store, signer, Settings::default()).await
}

pub async fn app_state_with(
    store: EventStore,
    signer: SigningKey,
    settings: Settings,
) -> Result<AppState, String> {
    let views = Views::start(&store)
        .await
        .map_err(|e| format!("cannot start the views: {e}"))?;
    views.spawn_follower(FOLLOW_EVERY);
    Ok(AppState {
        store,
        views,
        signer: Arc::new(signer),
        write_limiter: Arc::new(WriteLimiter::new(&settings.write_limits)),
        time_zone: settings.time_zone,
        clock: settings.clock,
        public_url: settings.public_url,
        stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
    })
}

/// Forgets idle clients' rate-limit state now and then, so it does not grow with every client
/// ever seen.
fn spawn_limiter_cleanup(state: &AppState) {
    let limiter = state.write_limiter.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticker.tick().await;
            limiter.forget_idle();
        }
    });
}

/// Forgets expired idempotency keys every hour (see `http::idempotency::KEPT_FOR`).
fn spawn_idempotency_pruning(state: &AppState) {
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(3600));
        loop {
            ticker.tick().await;
            match crate::http::idempotency::forget_expired(&store).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(forgotten = n, "expired idempotency keys forgotten"),
                Err(error) => {
                    tracing::warn!(%error, "could not forget expired idempotency keys; retrying in an hour")
                }
            }
        }
    });
}

/// Integrates and signs in the background, by policy. Errors are logged and retried; an
/// inconsistent tree is never signed.
pub fn spawn_checkpointer(
    state: &AppState,
    policy: CheckpointPolicy,
) -> tokio::task::JoinHandle<()> {
    let store = state.store.clone();
    let signer = state.signer.clone();
    tokio::spawn(async move {
        let mut waiting_since: Option<Instant> = None;
        let mut ticker = tokio::time::interval(INTEGRATE_EVERY);
        loop {
            ticker.tick().await;
            let outcome = async {
                let tree = integrate_all(&store).await?;
                let signed = latest_checkpoint(&store).await?.map_or(0, |c| c.size);
                let uncovered = tree.size().saturating_sub(signed);
                if uncovered == 0 {
                    waiting_since = None;
                    return Ok(());
                }
                let since = *waiting_since.get_or_insert_with(Instant::now);
                if uncovered >= policy.every_events || since.elapsed() >= policy.every {
                    let checkpoint = issue_checkpoint(&store, &signer, signer.name()).await?;
                    tracing::info!(size = checkpoint.size, "signed checkpoint");
                    waiting_since = None;
                }
                Ok::<_, projections::transparency::TransparencyError>(())
            }
            .await;
            if let Err(e) = outcome {
                tracing::error!(error = %e, "checkpointing failed");
            }
        }
    })
}

pub async fn serve(
    store: EventStore,
    listen: SocketAddr,
    signer: SigningKey,
    policy: CheckpointPolicy,
    settings: Settings,
) -> Result<(), String> {
    let backend = store.backend_name();
    if let Some(latest) = latest_checkpoint(&store).await.map_err(|e| e.to_string())? {
        projections::transparency::signed_by(&latest, &signer).map_err(|e| e.to_string())?;
    }
    let state = app_state_with(store, signer, settings).await?;
    spawn_checkpointer(&state, policy);
    spawn_limiter_cleanup(&state);
    spawn_idempotency_pruning(&state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}; pick another with --listen"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "palimpsest: serving on http://{local}/ ({backend}): the pages there, the API under http://{local}/api/v1/ (described at /api/openapi.json)"
    );
    tracing::info!(%local, backend, "serving");
    // The peer address feeds the per-address write limit.
    let stopping = state.stopping.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal(stopping))
        .await
        .map_err(|e| format!("server error: {e}"))
}

async fn shutdown_signal(stopping: Arc<tokio::sync::watch::Sender<bool>>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
    stopping.send_replace(true);
}
