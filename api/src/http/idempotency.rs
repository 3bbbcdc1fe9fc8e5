//! Idempotency keys on write requests (`Idempotency-Key` header, as in the IETF httpapi draft):
//! a client that retries a POST — after a timeout, a dropped connection — gets the first
//! request's answer and the command runs once.
//!
//! The key is recorded in the same transaction as the command's events (see
//! `projections::IdempotencyClaim`), so "the command committed" and "the key is taken" are one
//! fact: a retry after a crash, or two copies racing, can never append twice. The claim reaches
//! the command executor through a task-local rather than through every use case's signature.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use projections::{IdempotencyClaim, IdempotentResponse};

use super::json::MAX_BODY_BYTES;
use super::problem::Problem;
use crate::service::Accepted;
use crate::state::{AppState, READ_YOUR_WRITES_WAIT};

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on an answer replayed from an earlier request with the same key.
pub const REPLAYED: &str = "idempotent-replayed";
const MAX_KEY_CHARS: usize = 255;
/// How long a key is honoured. A client retries within seconds or minutes; a day covers a
/// laptop that slept overnight. Older keys are forgotten (`forget_expired`), so the table does
/// not grow with every write ever made; a retry after that is a new request.
pub const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Forgets the keys older than `KEPT_FOR`; returns how many.
pub async fn forget_expired(
    store: &projections::EventStore,
) -> Result<u64, projections::StoreError> {
    let kept_for = chrono::Duration::from_std(KEPT_FOR).unwrap_or(chrono::Duration::days(1));
    let cutoff = domain::integrity::chain::RecordedAt::from_datetime(chrono::Utc::now() - kept_for);
    store.forget_idempotency_keys(cutoff).await
}

tokio::task_local! {
    static CLAIM: Option<IdempotencyClaim>;
}

/// The idempotency claim of the request being served, if it carries a key.
pub fn current_claim() -> Option<IdempotencyClaim> {
    CLAIM.try_with(Clone::clone).ok().flatten()
}

/// Middleware of the write routes.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let key = match key_of(request.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => return next.run(request).await,
        Err(problem) => return problem.into_response(),
    };
    // Without a readable token the route answers 401 itself; there is nothing to scope to.
    let Ok(token) = crate::auth::bearer_token(request.headers()) else {
        return next.run(request).await;
    };
    let scope = crate::auth::digest(token);
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return Problem::body_too_large(MAX_BODY_BYTES).into_response(),
    };
    let fingerprint = fingerprint(&parts.method, parts.uri.path(), &bytes);
    match earlier_answer(&state, &scope, &key, &fingerprint).await {
        Ok(Some(answer)) => return answer,
        Ok(None) => {}
        Err(problem) => return problem.into_response(),
    }
    let claim = IdempotencyClaim {
        scope: scope.clone(),
        key: key.clone(),
        fingerprint: fingerprint.clone(),
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = CLAIM.scope(Some(claim), next.run(request)).await;
    if response.status().is_success() {
        return response;
    }
    // A copy of this request with the same key may have committed first (the command then
    // failed on the taken key or on the stream the copy created): answer as the copy was.
    match earlier_answer(&state, &scope, &key, &fingerprint).await {
        Ok(Some(answer)) => answer,
        _ => response,
    }
}

/// Runs a write at most once per claim, for callers that are not behind the middleware (the
/// pages' forms, whose key comes from a field, not a header): an earlier run that committed
/// with the same key and fingerprint is answered as it was; a copy racing this one and
/// committing first is answered the same way.
pub async fn run_once<F>(
    state: &AppState,
    claim: IdempotencyClaim,
    write: F,
) -> Result<Accepted, Problem>
where
    F: std::future::Future<Output = Result<Accepted, Problem>>,
{
    let recorded = |state: &AppState, claim: &IdempotencyClaim| {
        let (store, scope, key) = (state.store.clone(), claim.scope.clone(), claim.key.clone());
        async move { store.find_idempotent_response(&scope, &key).await }
    };
    let earlier = |found: IdempotentResponse| Accepted {
        id: found.response_id,
        log_index: found.log_index,
    };
    if let Ok(Some(found)) = recorded(state, &claim).await {
        if found.fingerprint == claim.fingerprint {
            return Ok(earlier(found));
        }
    }
    let result = CLAIM.scope(Some(claim.clone()), write).await;
    if result.is_err() {
        if let Ok(Some(found)) = recorded(state, &claim).await {
            if found.fingerprint == claim.fingerprint {
                return Ok(earlier(found));
            }
        }
    }
    result
}

fn key_of(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        // Which one would the client expect us to honour? Neither guess is safe.
        return Err(Problem::bad_request(
            "the Idempotency-Key header is given more than once; send exactly one",
        ));
    }
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_KEY_CHARS
                && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            Problem::bad_request(format!(
                "the Idempotency-Key header must be 1 to {MAX_KEY_CHARS} visible ASCII characters (a UUID is a good key)"
            ))
        })?;
    Ok(Some(key.to_string()))
}

fn fingerprint(method: &Method, path: &str, body: &Bytes) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b"\0");
    hasher.update(path.as_bytes());
    hasher.update(b"\0");
    hasher.update(body);
    hasher.finalize().to_hex().to_string()
}

async fn earlier_answer(
    state: &AppState,
    scope: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Response>, Problem> {
    let recorded = state
        .store
        .find_idempotent_response(scope, key)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "idempotency key lookup failed");
            Problem::unavailable("cannot check the Idempotency-Key right now; retry", 1)
        })?;
    let Some(recorded) = recorded else {
        return Ok(None);
    };
    if recorded.fingerprint != fingerprint {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused for another request",
            format!(
                "the Idempotency-Key `{key}` was used at {} for a request with another method, path or body; use a new key for a new request",
                recorded.created_at
            ),
        ));
    }
    Ok(Some(replay(state, recorded).await))
}

async fn replay(state: &AppState, recorded: IdempotentResponse) -> Response {
    // The first answer promised read-your-writes; so does its replay.
    state
        .views
        .wait_for(recorded.log_index, READ_YOUR_WRITES_WAIT)
        .await;
    let mut response = (
        StatusCode::CREATED,
        Json(Accepted {
            id: recorded.response_id,
            log_index: recorded.log_index,
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
