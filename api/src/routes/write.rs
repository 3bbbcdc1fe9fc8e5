//! Write routes: authenticate, parse the body strictly, run the use case, answer 201.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::ids::{AmendmentId, BillId};

use crate::auth::Authenticated;
use crate::http::json::StrictJson;
use crate::http::problem::Problem;
use super::openapi::{BodilessWriteProblems, CreateProblems, WriteProblems};
use crate::service::{self, Accepted};
use crate::state::AppState;

type Created = Result<(StatusCode, Json<Accepted>), Problem>;

fn created(accepted: Accepted) -> (StatusCode, Json<Accepted>) {
    (StatusCode::CREATED, Json(accepted))
}

pub(super) fn bill_id(raw: &str) -> Result<BillId, Problem> {
    BillId::parse(raw).map_err(|_| Problem::not_found(format!("`{raw}` is not a bill id (a UUID)")))
}

pub(super) fn amendment_id(raw: &str) -> Result<AmendmentId, Problem> {
    AmendmentId::parse(raw)
        .map_err(|_| Problem::not_found(format!("`{raw}` is not an amendment id (a UUID)")))
}

#[utoipa::path(
    post,
    path = "/bills",
    tag = "bills",
    summary = "Draft a bill",
    description = "Needs a token with the official role.",
    request_body = service::CreateBill,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), CreateProblems),
)]
pub async fn create_bill(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::CreateBill>,
) -> Created {
    service::create_bill(&state, &actor, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/bills/{bill_id}/consultation/open",
    tag = "bills",
    summary = "Open the bill's consultation",
    description = "Needs a token with the official role.",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id")),
    request_body = service::OpenConsultation,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn open_consultation(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::OpenConsultation>,
) -> Created {
    service::open_consultation(&state, &actor, bill_id(&raw)?, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/bills/{bill_id}/consultation/close",
    tag = "bills",
    summary = "Close the bill's consultation now",
    description = "Needs a token with the official role.",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id")),
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), BodilessWriteProblems),
)]
pub async fn close_consultation(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
) -> Created {
    service::close_consultation(&state, &actor, bill_id(&raw)?)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/bills/{bill_id}/versions",
    tag = "bills",
    summary = "Publish the next version: the full text, or accepted amendments applied",
    description = "Needs a token with the official role.",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id")),
    request_body = service::PublishVersion,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn publish_version(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::PublishVersion>,
) -> Created {
    service::publish_version(&state, &actor, bill_id(&raw)?, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/bills/{bill_id}/amendments",
    tag = "amendments",
    summary = "Submit an amendment during the consultation",
    description = "Needs a token with the citizen role.",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id")),
    request_body = service::SubmitAmendment,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn submit_amendment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::SubmitAmendment>,
) -> Created {
    service::submit_amendment(&state, &actor, bill_id(&raw)?, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/amendments/{amendment_id}/decision",
    tag = "amendments",
    summary = "Decide on an amendment, once, with a public response",
    description = "Needs a token with the official role.",
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id")),
    request_body = service::Decide,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn decide(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Decide>,
) -> Created {
    service::decide_amendment(&state, &actor, amendment_id(&raw)?, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/amendments/{amendment_id}/decision/correction",
    tag = "amendments",
    summary = "Correct a decision's public response (the earlier text stays)",
    description = "Needs a token with the official role.",
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id")),
    request_body = service::CorrectResponse,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn correct_response(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::CorrectResponse>,
) -> Created {
    service::correct_response(&state, &actor, amendment_id(&raw)?, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/votes",
    tag = "participation",
    summary = "Vote on an article or an amendment (one ballot per person and target; the last vote counts)",
    description = "Needs a token with the citizen role.",
    request_body = service::Vote,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn vote(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Vote>,
) -> Created {
    service::vote(&state, &actor, request).await.map(created)
}

#[utoipa::path(
    post,
    path = "/votes/retract",
    tag = "participation",
    summary = "Retract one's vote",
    description = "Needs a token with the citizen role.",
    request_body = service::Retract,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn retract_vote(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Retract>,
) -> Created {
    service::retract_vote(&state, &actor, request)
        .await
        .map(created)
}

#[utoipa::path(
    post,
    path = "/arguments",
    tag = "participation",
    summary = "Argue for, against or neutral on an article or an amendment",
    description = "Needs a token with the citizen role.",
    request_body = service::PostArgument,
    security(("bearer" = [])),
    responses((status = 201, description = "Accepted: the id and the log index of the write", body = Accepted), WriteProblems),
)]
pub async fn post_argument(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::PostArgument>,
) -> Created {
    service::post_argument(&state, &actor, request)
        .await
        .map(created)
}
