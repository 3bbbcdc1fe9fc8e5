//! Bearer tokens: issued by the `token` command, stored as blake3 digests, mapped to a
//! participant and roles. Reads are public; every write names its actor through a token.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use chrono::{SecondsFormat, Utc};
use domain::actor::{Actor, Role};
use domain::ids::ParticipantId;
use projections::{EventStore, StoreError, TokenRecord};
use rand::RngCore;

use crate::http::problem::Problem;
use crate::state::AppState;

const TOKEN_PREFIX: &str = "plp_";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("participant `{0}` is not a valid pseudonymous id (1–64 of a-z, 0-9, _ and -)")]
    Participant(String),
    #[error("role `{0}` is unknown; use citizen, moderator, official or admin")]
    Role(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn parse_role(name: &str) -> Option<Role> {
    match name.trim().to_ascii_lowercase().as_str() {
        "citizen" => Some(Role::Citizen),
        "moderator" => Some(Role::Moderator),
        "official" => Some(Role::Official),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Citizen => "citizen",
        Role::Moderator => "moderator",
        Role::Official => "official",
        Role::Admin => "admin",
    }
}

pub fn digest(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// Creates a token and stores its digest; the returned token is shown once and never stored.
pub async fn issue_token(
    store: &EventStore,
    participant: &str,
    roles: &[String],
    label: &str,
) -> Result<String, TokenError> {
    ParticipantId::parse(participant).map_err(|_| TokenError::Participant(participant.into()))?;
    let mut parsed = Vec::new();
    for name in roles.iter().flat_map(|r| r.split(',')) {
        let role = parse_role(name).ok_or_else(|| TokenError::Role(name.to_string()))?;
        parsed.push(role_name(role));
    }
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    store
        .insert_token(
            &digest(&token),
            &TokenRecord {
                participant: participant.to_string(),
                roles: parsed.join(","),
                label: label.to_string(),
                created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
                revoked_at: None,
            },
        )
        .await?;
    Ok(token)
}

pub async fn revoke_tokens(store: &EventStore, label: &str) -> Result<u64, StoreError> {
    store
        .revoke_tokens(
            label,
            &Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        )
        .await
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive,
/// RFC 9110 §11.1).
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, Problem> {
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| {
            Problem::unauthorized(
                "this route changes the record: send `Authorization: Bearer <token>` (tokens are issued with `palimpsest token issue`)",
            )
        })?
        .to_str()
        .map_err(|_| Problem::unauthorized("the Authorization header is not readable text"))?;
    header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Problem::unauthorized("use `Authorization: Bearer <token>`"))
}

/// The authenticated actor of a write request.
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer_token(&parts.headers)?;
        actor_for_token(&state.store, token).await.map(Self)
    }
}

/// The actor a token stands for: its participant and roles, unless it is unknown or revoked.
/// (The bearer header of the API and the sign-in cookie of the pages both end here.)
pub async fn actor_for_token(store: &EventStore, token: &str) -> Result<Actor, Problem> {
    let record = store
        .find_token(&digest(token))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "token lookup failed");
            Problem::unavailable("cannot check the token right now; retry", 1)
        })?
        .ok_or_else(|| Problem::unauthorized("unknown token"))?;
    if record.revoked_at.is_some() {
        return Err(Problem::unauthorized("this token was revoked"));
    }
    let participant = ParticipantId::parse(&record.participant).map_err(|_| {
        tracing::error!(participant = %record.participant, "stored token names an invalid participant");
        Problem::internal()
    })?;
    let roles = record.roles.split(',').filter_map(parse_role).collect();
    Ok(Actor { participant, roles })
}
