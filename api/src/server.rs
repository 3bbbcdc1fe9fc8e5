//! Starts the HTTP service: builds the read model from the log, follows it, serves until
//! Ctrl-C or SIGTERM, then lets in-flight requests finish.

use std::net::SocketAddr;
use std::time::Duration;

use projections::read_model::LiveReadModel;
use projections::EventStore;

use crate::routes::router;
use crate::state::AppState;

/// How often the read model looks for events committed by other processes.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

pub async fn app_state(store: EventStore) -> Result<AppState, String> {
    let read = LiveReadModel::start(store.clone())
        .await
        .map_err(|e| format!("cannot build the read model: {e}"))?;
    read.spawn_follower(FOLLOW_EVERY);
    Ok(AppState { store, read })
}

pub async fn serve(store: EventStore, listen: SocketAddr) -> Result<(), String> {
    let backend = store.backend_name();
    let state = app_state(store).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}; pick another with --listen"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("palimpsest: serving on http://{local}/ ({backend}); try http://{local}/api/v1/bills");
    tracing::info!(%local, backend, "serving");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}

async fn shutdown_signal() {
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
}
