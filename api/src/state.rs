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
    /// The address people reach the service at, when the operator gave it.
    pub public_url: Option<PublicUrl>,
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
    /// `--public-url`: shown in the audit page's commands.
    pub public_url: Option<PublicUrl>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            write_limits: WriteLimits::default(),
            time_zone: DEFAULT_TIME_ZONE,
            clock: Clock::system(),
            public_url: None,
        }
    }
}

/// The address people reach the service at (`--public-url`), such as
/// `https://deliberation.example.org` or `https://example.org/palimpsest`: http or https, a
/// host, perhaps a path; no user, query or fragment, no quote or space (it is printed inside
/// shell commands). Kept without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let refuse = |why: &str| {
            Err(format!(
                "`{raw}` is not a public URL ({why}); give the address people reach the service at, e.g. https://deliberation.example.org"
            ))
        };
        let raw = raw.trim();
        if raw
            .chars()
            .any(|c| !c.is_ascii_graphic() || matches!(c, '\'' | '"' | '\\' | '`' | '$' | '#'))
        {
            return refuse("it holds a space, a quote or a character a shell would read");
        }
        let Ok(uri) = raw.parse::<axum::http::Uri>() else {
            return refuse("it does not parse as a URL");
        };
        let scheme = match uri.scheme_str() {
            Some(scheme @ ("http" | "https")) => scheme,
            _ => return refuse("it must start with https:// or http://"),
        };
        let Some(authority) = uri.authority() else {
            return refuse("it names no host");
        };
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return refuse("it must name a host, without a user");
        }
        if uri.query().is_some() {
            return refuse("it must not have a query");
        }
        Ok(Self(format!(
            "{scheme}://{authority}{}",
            uri.path().trim_end_matches('/')
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn a_public_url_is_http_or_https_with_a_host_and_no_trailing_slash() {
        assert_eq!(
            PublicUrl::parse("https://deliberation.example.org/")
                .unwrap()
                .as_str(),
            "https://deliberation.example.org"
        );
        assert_eq!(
            PublicUrl::parse("http://127.0.0.1:8080/palimpsest")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/palimpsest"
        );
        for bad in [
            "deliberation.example.org",
            "ftp://example.org",
            "https://user@example.org",
            "https://example.org/?a=1",
            "https://example.org/'$(id)'",
            "https://exa mple.org",
            "https://example.org/#top",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
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
