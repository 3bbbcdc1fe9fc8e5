//! What every handler shares: the event store and the live read model.

use std::sync::Arc;
use std::time::Duration;

use domain::integrity::checkpoint::SigningKey;
use projections::read_model::LiveReadModel;
use projections::EventStore;

/// How long a write waits for the read model to show it before answering anyway.
pub const READ_YOUR_WRITES_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct AppState {
    pub store: EventStore,
    pub read: Arc<LiveReadModel>,
    /// Signs checkpoints; its name is the log's origin.
    pub signer: Arc<SigningKey>,
}
