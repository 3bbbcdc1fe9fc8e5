//! Write rate limits, per bearer token and per client address (GCRA, from `governor`): a client
//! over its limit gets 429 with `Retry-After`, and its request is not run. Reads are not limited.
//!
//! The address is the TCP peer's, or, behind a reverse proxy, the last entry of a header the
//! operator names (`--client-address-header X-Forwarded-For`): only the proxy can set that
//! entry, so a client cannot pick its own bucket.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::problem::Problem;
use crate::state::AppState;

/// A sustained rate and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: u32,
    pub burst: u32,
}

impl Rate {
    fn quota(self) -> Option<Quota> {
        let per_second = NonZeroU32::new(self.per_second)?;
        let burst = NonZeroU32::new(self.burst.max(self.per_second))?;
        Some(Quota::per_second(per_second).allow_burst(burst))
    }
}

/// How fast writes may come. A rate of 0 per second turns that limit off.
#[derive(Debug, Clone)]
pub struct WriteLimits {
    pub per_token: Rate,
    pub per_address: Rate,
    /// Where the client address is read from behind a proxy (its last entry); else the peer.
    pub client_address_header: Option<HeaderName>,
}

impl Default for WriteLimits {
    /// Generous for people (a vote takes a person seconds), tight enough to stop a script.
    fn default() -> Self {
        Self {
            per_token: Rate {
                per_second: 10,
                burst: 30,
            },
            per_address: Rate {
                per_second: 50,
                burst: 100,
            },
            client_address_header: None,
        }
    }
}

impl WriteLimits {
    /// No limit at all (tests that are not about limits, benchmarks of the command path).
    pub fn off() -> Self {
        let off = Rate {
            per_second: 0,
            burst: 0,
        };
        Self {
            per_token: off,
            per_address: off,
            client_address_header: None,
        }
    }
}

pub struct WriteLimiter {
    per_token: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    client_address_header: Option<HeaderName>,
}

impl WriteLimiter {
    pub fn new(limits: &WriteLimits) -> Self {
        Self {
            per_token: limits.per_token.quota().map(RateLimiter::keyed),
            per_address: limits.per_address.quota().map(RateLimiter::keyed),
            client_address_header: limits.client_address_header.clone(),
        }
    }

    /// Drops the state of clients whose buckets are full again, so memory follows the number
    /// of recently active clients, not of all clients ever seen.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.per_token {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.per_address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    fn client_address(&self, request: &Request) -> Option<IpAddr> {
        if let Some(name) = &self.client_address_header {
            return last_forwarded_address(request.headers(), name);
        }
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
    }

    /// `Err(seconds to wait)` when the request is over a limit.
    fn check(&self, request: &Request) -> Result<(), (String, Duration)> {
        let now = DefaultClock::default().now();
        if let (Some(limiter), Some(address)) = (&self.per_address, self.client_address(request)) {
            if let Err(not_until) = limiter.check_key(&address) {
                return Err((format!("address {address}"), not_until.wait_time_from(now)));
            }
        }
        // The credential that authenticates the write: the session cookie for the pages'
        // forms, the bearer token for the API (a form sent with a made-up bearer header beside
        // its cookie must not get a fresh bucket per request).
        let headers = request.headers();
        let token = if crate::web::is_page_path(request.uri().path()) {
            crate::web::session::session_token(headers)
        } else {
            crate::auth::bearer_token(headers).ok().map(str::to_string)
        };
        if let (Some(limiter), Some(token)) = (&self.per_token, token) {
            if let Err(not_until) = limiter.check_key(&crate::auth::digest(&token)) {
                return Err(("this token".into(), not_until.wait_time_from(now)));
            }
        }
        Ok(())
    }
}

fn last_forwarded_address(headers: &HeaderMap, name: &HeaderName) -> Option<IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// Middleware of the whole router: limits every request that is not a read.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match state.write_limiter.check(&request) {
        Ok(()) => next.run(request).await,
        Err((who, wait)) => {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u32;
            let problem = Problem::too_many_requests(
                format!(
                    "{who} sent writes faster than allowed; retry in {seconds} s (see Retry-After)"
                ),
                seconds,
            );
            if crate::web::is_page_path(request.uri().path()) {
                // A form: the same refusal as a page, in the visitor's language.
                let (mut parts, _) = request.into_parts();
                crate::web::forms::refused_page(problem, &mut parts, &state).await
            } else {
                problem.into_response()
            }
        }
    }
}
