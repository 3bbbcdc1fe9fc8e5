//! What every handler shares: the event store, the live views (projections), and the service's
//! settings.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::integrity::checkpoint::SigningKey;
use projections::views::Views;
use projections::EventStore;

use crate::http::rate_limit::{WriteLimiter, WriteLimits};

/// How long a write waits for the views to show it before answering anyway.
pub const READ_YOUR_WRITES_WAIT: Duration = Duration::from_secs(5);

/// The organisation's time zone when none is configured.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Paris;

#[derive(Clone)]
pub struct AppState {
    pub store: EventStore,
    pub views: Views,
    /// Signs checkpoints; its name is the log's origin.
    pub signer: Arc<SigningKey>,
    pub write_limiter: Arc<WriteLimiter>,
    /// Instants are stored in UTC; they are shown, and local times given without an offset
    /// are read, in this zone.
    pub time_zone: Tz,
    /// When a command happens. The system clock, except in tests of instants at a boundary.
    pub clock: Clock,
    /// Set to true when the service begins to shut down: long-lived answers (event streams)
    /// end, so in-flight requests can finish.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

/// What an operator sets (flags and PALIMPSEST_* variables of `serve`).
#[derive(Clone)]
pub struct Settings {
    pub write_limits: WriteLimits,
    pub time_zone: Tz,
    pub clock: Clock,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            write_limits: WriteLimits::default(),
            time_zone: DEFAULT_TIME_ZONE,
            clock: Clock::system(),
        }
    }
}

/// The source of "now" for commands.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// A clock that reads `now` (tests set instants one second either side of a boundary).
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}
