//! The transparency log over HTTP: the latest signed checkpoint and the public key as text (the
//! forms transparency-log tools fetch), the list of checkpoints, inclusion and consistency
//! proofs, and on-demand signing.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::actor::Role;
use domain::integrity::merkle::hash_to_hex;
use projections::transparency::{
    consistency_proof, inclusion_proof, issue_checkpoint, latest_checkpoint, TransparencyError,
};
use serde_json::{json, Value};

use super::openapi::{ConsistencyQuery, InclusionQuery, LogProblems, Page, Paging, SignProblems};
use crate::auth::Authenticated;
use crate::http::problem::Problem;
use crate::state::AppState;

type Params = Query<HashMap<String, String>>;

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn internal(e: TransparencyError) -> Problem {
    match e {
        TransparencyError::Proof(message) => Problem::bad_request(message),
        refused @ (TransparencyError::Inconsistent { .. }
        | TransparencyError::ForeignKey { .. }) => {
            tracing::error!(error = %refused, "refused to sign");
            Problem::conflict("refused-to-sign", "Checkpoint refused", refused.to_string())
        }
        other => {
            tracing::error!(error = %other, "transparency log failure");
            Problem::internal()
        }
    }
}

fn number(params: &HashMap<String, String>, key: &str) -> Result<Option<u64>, Problem> {
    params
        .get(key)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| Problem::bad_request(format!("`{key}={v}` must be a whole number")))
        })
        .transpose()
}

async fn latest_size(state: &AppState) -> Result<u64, Problem> {
    latest_checkpoint(&state.store)
        .await
        .map_err(internal)?
        .map(|c| c.size)
        .ok_or_else(|| Problem::not_found("no checkpoint has been signed yet; retry in a minute"))
}

#[utoipa::path(
    get,
    path = "/log/checkpoint",
    tag = "log",
    summary = "The latest signed checkpoint, as a C2SP signed note",
    responses((status = 200, description = "The signed note", content_type = "text/plain", body = String), LogProblems),
)]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, Problem> {
    let latest = latest_checkpoint(&state.store)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            Problem::not_found("no checkpoint has been signed yet; retry in a minute")
        })?;
    Ok(text(latest.note))
}

#[utoipa::path(
    get,
    path = "/log/public-key",
    tag = "log",
    summary = "The checkpoints' verifier key (a signed-note verifier key)",
    responses((status = 200, description = "The verifier key", content_type = "text/plain", body = String)),
)]
pub async fn public_key(State(state): State<AppState>) -> Response {
    text(format!("{}\n", state.signer.verifier_key_string()))
}

#[utoipa::path(
    get,
    path = "/log/checkpoints",
    tag = "log",
    summary = "Every signed checkpoint, oldest first (the cursor is a tree size)",
    params(Paging),
    responses((status = 200, description = "A page of checkpoints", body = Page), LogProblems),
)]
pub async fn checkpoints(
    State(state): State<AppState>,
    Query(params): Params,
) -> Result<Json<Value>, Problem> {
    let after = number(&params, "cursor")?;
    let limit = number(&params, "limit")?.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Problem::bad_request("`limit` must be from 1 to 500"));
    }
    let page = state
        .store
        .checkpoints(after, u64::MAX, limit as u32 + 1, false)
        .await
        .map_err(|e| internal(e.into()))?;
    let more = page.len() > limit as usize;
    let items: Vec<Value> = page
        .iter()
        .take(limit as usize)
        .map(|c| json!({"size": c.size, "root": hash_to_hex(&c.root), "signed_at": c.signed_at, "note": c.note}))
        .collect();
    let next = more
        .then(|| items.last().map(|i| i["size"].to_string()))
        .flatten();
    Ok(Json(json!({"items": items, "next": next})))
}

#[utoipa::path(
    get,
    path = "/log/proof/inclusion",
    tag = "log",
    summary = "An inclusion proof of an event, with the event itself",
    params(InclusionQuery),
    responses((status = 200, description = "The proof", body = super::openapi::answers::InclusionProof), LogProblems),
)]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(params): Params,
) -> Result<Json<Value>, Problem> {
    // Every parameter is read before any is used: a malformed one is refused even when unused.
    let by_index = number(&params, "log_index")?;
    let sequence = number(&params, "sequence")?;
    let tree_size = number(&params, "tree_size")?;
    let by_stream = (params.get("stream_type"), params.get("stream_id"), sequence);
    let log_index = match (by_index, by_stream) {
        (Some(index), (None, None, None)) => index,
        (Some(_), _) => {
            return Err(Problem::bad_request(
                "name the event by `log_index` or by `stream_type`, `stream_id` and `sequence`, not both",
            ))
        }
        (None, (Some(stream_type), Some(stream_id), Some(sequence))) => state
                .store
                .log_index_of(stream_type, stream_id, sequence)
                .await
                .map_err(|e| internal(e.into()))?
                .ok_or_else(|| {
                    Problem::not_found(format!("no event {stream_type}/{stream_id}#{sequence}"))
                })?,
        (None, _) => {
            return Err(Problem::bad_request(
                "name the event by `log_index`, or by `stream_type`, `stream_id` and `sequence`",
            ))
        }
    };
    let tree_size = match tree_size {
        Some(size) => size,
        None => latest_size(&state).await?,
    };
    let proof = inclusion_proof(&state.store, log_index, tree_size)
        .await
        .map_err(internal)?;
    Ok(Json(serde_json::to_value(proof).unwrap_or(Value::Null)))
}

#[utoipa::path(
    get,
    path = "/log/proof/consistency",
    tag = "log",
    summary = "A consistency proof between two tree sizes",
    params(ConsistencyQuery),
    responses((status = 200, description = "The proof", body = super::openapi::answers::ConsistencyProof), LogProblems),
)]
pub async fn consistency(
    State(state): State<AppState>,
    Query(params): Params,
) -> Result<Json<Value>, Problem> {
    let (Some(from), Some(to)) = (number(&params, "from")?, number(&params, "to")?) else {
        return Err(Problem::bad_request("give both `from` and `to` tree sizes"));
    };
    let hashes = consistency_proof(&state.store, from, to)
        .await
        .map_err(internal)?;
    Ok(Json(json!({
        "from": from,
        "to": to,
        "hashes": hashes.iter().map(hash_to_hex).collect::<Vec<_>>(),
    })))
}

#[utoipa::path(
    post,
    path = "/log/checkpoints",
    tag = "log",
    summary = "Sign a checkpoint of the whole log now",
    description = "Needs a token with the official role.",
    security(("bearer" = [])),
    responses((status = 201, description = "The new signed checkpoint", content_type = "text/plain", body = String), SignProblems),
)]
pub async fn sign_now(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Response, Problem> {
    if !actor.has(Role::Official) {
        return Err(Problem::forbidden(
            "signing a checkpoint needs the official role",
        ));
    }
    let checkpoint = issue_checkpoint(&state.store, &state.signer, state.signer.name())
        .await
        .map_err(internal)?;
    Ok((StatusCode::CREATED, text(checkpoint.note)).into_response())
}
