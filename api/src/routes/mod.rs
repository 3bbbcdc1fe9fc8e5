//! The router: `/healthz`, the JSON API under `/api/v1`, and its OpenAPI 3.1 document at
//! `/api/openapi.json`. Handlers are thin: parse, call a read of the views or a write use case in
//! `service`, shape the answer. Each documented route is added with `routes!`, which takes the
//! handler's `#[utoipa::path]` declaration, and the router and the document are built from the
//! same two functions (`service_routes`, `v1_routes`): they cannot disagree.
//!
//! An unknown address or method answers problem+json under `/api` and `/healthz`, where clients
//! are programs, and the HTML error page (`crate::web`) everywhere else, where they are people.

mod events;
mod log;
mod open_data;
pub mod openapi;
mod read;
mod write;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::json::MAX_BODY_BYTES;
use crate::http::problem::Problem;
use crate::http::{idempotency, rate_limit};
use crate::state::AppState;

/// The routes outside the versioned API: liveness and the API's description.
fn service_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read::health))
        .routes(routes!(openapi::openapi_document))
}

/// Every route of `/api/v1` with its OpenAPI declaration. Add routes here with `routes!` only: a
/// plain `.route` would be missing from the document (`openapi::every_route_…` would fail).
fn v1_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read::list_bills, write::create_bill))
        .routes(routes!(read::bill))
        .routes(routes!(read::versions, write::publish_version))
        .routes(routes!(read::version))
        .routes(routes!(read::provenance))
        .routes(routes!(open_data::version_akn))
        .routes(routes!(open_data::table))
        .routes(routes!(read::tallies))
        .routes(routes!(read::diff))
        .routes(routes!(read::timeline))
        .routes(routes!(events::bill_events))
        .routes(routes!(read::article_history))
        .routes(routes!(read::blame))
        .routes(routes!(read::amendments, write::submit_amendment))
        .routes(routes!(write::open_consultation))
        .routes(routes!(write::close_consultation))
        .routes(routes!(read::amendment))
        .routes(routes!(read::amendment_arguments))
        .routes(routes!(write::decide))
        .routes(routes!(open_data::amendment_akn))
        .routes(routes!(write::correct_response))
        .routes(routes!(write::vote))
        .routes(routes!(write::retract_vote))
        .routes(routes!(write::post_argument))
        .routes(routes!(read::projections))
        .routes(routes!(log::checkpoint))
        .routes(routes!(log::public_key))
        .routes(routes!(log::checkpoints, log::sign_now))
        .routes(routes!(log::inclusion))
        .routes(routes!(log::consistency))
}

/// The OpenAPI 3.1 document of every route, with its examples, as served at
/// `GET /api/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    let document = OpenApiRouter::<AppState>::with_openapi(openapi::ApiDoc::openapi())
        .merge(service_routes())
        .nest("/api/v1", v1_routes())
        .into_openapi();
    serde_json::to_value(document).expect("the OpenAPI document serialises")
}

/// Whether an address belongs to the machine-facing part (the API, its document, liveness),
/// whose clients read problem+json; every other address is browsed by people and answers HTML.
fn is_api_path(path: &str) -> bool {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    under("/api") || under("/healthz")
}

async fn no_such_route(State(state): State<AppState>, request: Request) -> Response {
    if is_api_path(request.uri().path()) {
        return Problem::not_found(
            "no such route; the API lives under /api/v1 (e.g. GET /api/v1/bills) and is described at GET /api/openapi.json",
        )
        .into_response();
    }
    crate::web::not_found(&state, request).await
}

async fn method_not_allowed(State(state): State<AppState>, request: Request) -> Response {
    if is_api_path(request.uri().path()) {
        return Problem::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "this route exists but not with this method; see GET /api/openapi.json for the API",
        )
        .into_response();
    }
    crate::web::method_not_allowed(&state, request).await
}

pub fn router(state: AppState) -> Router {
    let (service, _) = service_routes().split_for_parts();
    let (v1, _) = v1_routes().split_for_parts();
    let v1 = v1.layer(middleware::from_fn_with_state(
        state.clone(),
        idempotency::layer,
    ));
    Router::new()
        .merge(service)
        .nest("/api/v1", v1)
        // HTML pages: not in the OpenAPI document.
        .merge(crate::web::router())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(no_such_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::layer,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
