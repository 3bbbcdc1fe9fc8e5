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

pub async fn create_bill(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::CreateBill>,
) -> Created {
    service::create_bill(&state, &actor, request)
        .await
        .map(created)
}

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

pub async fn close_consultation(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Authenticated(actor): Authenticated,
) -> Created {
    service::close_consultation(&state, &actor, bill_id(&raw)?)
        .await
        .map(created)
}

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

pub async fn vote(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Vote>,
) -> Created {
    service::vote(&state, &actor, request).await.map(created)
}

pub async fn retract_vote(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::Retract>,
) -> Created {
    service::retract_vote(&state, &actor, request)
        .await
        .map(created)
}

pub async fn post_argument(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    StrictJson(request): StrictJson<service::PostArgument>,
) -> Created {
    service::post_argument(&state, &actor, request)
        .await
        .map(created)
}
