//! Write routes: authenticate, parse the body strictly, run the use case, answer 201.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::ids::{AmendmentId, BillId};

use crate::auth::Authenticated;
use crate::http::json::StrictJson;
use crate::http::problem::Problem;

use crate::service::{self, Accepted};
use crate::state::AppState;

use super::openapi::{
    BodilessWriteProblems, CreateProblems, Created, IdempotencyKey, WriteProblems,
};

type WriteAnswer = Result<(StatusCode, Json<Accepted>), Problem>;

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
    request_body(content = service::CreateBill, content_type = "application/json", example = json!({"title": "Loi pour une République numérique", "articles": [{"number": "1", "heading": "Objet", "text": "Premier alinéa.\n\nSecond alinéa."}]})),
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(Created, CreateProblems),
)]
pub async fn create_bill(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::CreateBill>,
) -> WriteAnswer {
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
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), IdempotencyKey),
    request_body(content = service::OpenConsultation, content_type = "application/json", example = json!({"closes_at": "2026-12-24T18:00:00+01:00"})),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn open_consultation(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::OpenConsultation>,
) -> WriteAnswer {
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
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), IdempotencyKey),
    security(("bearer" = [])),
    responses(Created, BodilessWriteProblems),
)]
pub async fn close_consultation(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
) -> WriteAnswer {
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
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), IdempotencyKey),
    request_body(content = service::PublishVersion, content_type = "application/json", example = json!({"number": 2, "label": "Texte après consultation", "note": "Deux contributions retenues.", "apply": ["4f1d2c3b-5a6e-4b7c-8d9e-0f1a2b3c4d5e"]})),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn publish_version(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::PublishVersion>,
) -> WriteAnswer {
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
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), IdempotencyKey),
    request_body(content = service::SubmitAmendment, content_type = "application/json", example = json!({"kind": "modify", "article_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "title": "Publier aussi les codes sources", "proposed_text": "Les administrations publient leurs données et leurs codes sources.", "rationale": "Les algorithmes publics doivent être lisibles."})),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn submit_amendment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::SubmitAmendment>,
) -> WriteAnswer {
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
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id"), IdempotencyKey),
    request_body(content = service::Decide, content_type = "application/json", example = json!({"outcome": "accepted_with_changes", "response": "Retenue : l'article 2 est complété en ce sens."})),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn decide(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Decide>,
) -> WriteAnswer {
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
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id"), IdempotencyKey),
    request_body(content = service::CorrectResponse, content_type = "application/json", example = json!({"response": "Retenue : l'article 3 est complété en ce sens.", "reason": "La réponse citait le mauvais article."})),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn correct_response(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::CorrectResponse>,
) -> WriteAnswer {
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
    request_body(content = service::Vote, content_type = "application/json", example = json!({"target": {"kind": "amendment", "amendment_id": "4f1d2c3b-5a6e-4b7c-8d9e-0f1a2b3c4d5e"}, "choice": "for"})),
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn vote(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Vote>,
) -> WriteAnswer {
    service::vote(&state, &actor, request).await.map(created)
}

#[utoipa::path(
    post,
    path = "/votes/retract",
    tag = "participation",
    summary = "Retract one's vote",
    description = "Needs a token with the citizen role.",
    request_body(content = service::Retract, content_type = "application/json", example = json!({"target": {"kind": "article", "bill_id": "0b5c3bd2-3f9b-4c8e-9a51-2d6f7e8a9b10", "article_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}})),
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn retract_vote(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Retract>,
) -> WriteAnswer {
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
    request_body(content = service::PostArgument, content_type = "application/json", example = json!({"target": {"kind": "amendment", "amendment_id": "4f1d2c3b-5a6e-4b7c-8d9e-0f1a2b3c4d5e"}, "stance": "against", "body": "Le coût pour les petites communes n'est pas évalué."})),
    params(IdempotencyKey),
    security(("bearer" = [])),
    responses(Created, WriteProblems),
)]
pub async fn post_argument(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::PostArgument>,
) -> WriteAnswer {
    service::post_argument(&state, &actor, request)
        .await
        .map(created)
}
