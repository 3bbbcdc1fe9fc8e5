//! What every handler shares: the event store and the live views (projections).

use std::sync::Arc;
use std::time::Duration;

use domain::integrity::checkpoint::SigningKey;
use projections::views::Views;
use projections::EventStore;

/// How long a write waits for the views to show it before answering anyway.
pub const READ_YOUR_WRITES_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct AppState {
    pub store: EventStore,
    pub views: Views,
    /// Signs checkpoints; its name is the log's origin.
    pub signer: Arc<SigningKey>,
}
