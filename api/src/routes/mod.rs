//! The router: `/healthz`, the JSON API under `/api/v1`, and its OpenAPI 3.1 document at
//! `/api/openapi.json`. Handlers are thin: parse, call a read of the views or a write use case in
//! `service`, shape the answer. Each documented route is added with `routes!`, which takes the
//! handler's `#[utoipa::path]` declaration: the router and the document cannot disagree.

mod log;
mod open_data;
pub mod openapi;
mod read;
mod write;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::json::MAX_BODY_BYTES;
use crate::http::problem::Problem;
use crate::state::AppState;

/// Every route of the API with its OpenAPI declaration. Add routes here with `routes!` only
/// (a plain `.route` would be missing from the document; the route tests would catch it).
fn api_routes() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
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
        .routes(routes!(read::article_history))
        .routes(routes!(read::blame))
        .routes(routes!(read::amendments, write::submit_amendment))
        .routes(routes!(write::open_consultation))
        .routes(routes!(write::close_consultation))
        .routes(routes!(read::amendment))
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
        .routes(routes!(log::consistency));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(read::health))
        .routes(routes!(openapi::openapi_document))
        .nest("/api/v1", v1)
}

/// The OpenAPI 3.1 document of every route, with its examples, as served at
/// `GET /api/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    let document = serde_json::to_value(api_routes().into_openapi())
        .expect("the OpenAPI document serialises");
    openapi::with_examples(document)
}

pub fn router(state: AppState) -> Router {
    let (routes, _document) = api_routes().split_for_parts();
    routes
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "this route exists but not with this method; see GET /api/openapi.json for the API",
            )
        })
        .fallback(|| async {
            Problem::not_found(
                "no such route; the API lives under /api/v1 (e.g. GET /api/v1/bills) and is described at GET /api/openapi.json",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
