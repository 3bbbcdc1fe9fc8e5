//! The router: `/healthz`, the JSON API under `/api/v1`. Handlers are thin: parse, call a read
//! of the views or a write use case in `service`, shape the answer.

mod events;
mod log;
mod open_data;
mod read;
mod write;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::http::json::MAX_BODY_BYTES;
use crate::http::problem::Problem;
use crate::http::{idempotency, rate_limit};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/bills", get(read::list_bills).post(write::create_bill))
        .route("/bills/{bill_id}", get(read::bill))
        .route(
            "/bills/{bill_id}/versions",
            get(read::versions).post(write::publish_version),
        )
        .route("/bills/{bill_id}/versions/{number}", get(read::version))
        .route(
            "/bills/{bill_id}/versions/{number}/provenance",
            get(read::provenance),
        )
        .route(
            "/bills/{bill_id}/versions/{number}/akn.xml",
            get(open_data::version_akn),
        )
        .route("/bills/{bill_id}/open-data/{file}", get(open_data::table))
        .route("/bills/{bill_id}/tallies", get(read::tallies))
        .route("/bills/{bill_id}/diff", get(read::diff))
        .route("/bills/{bill_id}/timeline", get(read::timeline))
        .route("/bills/{bill_id}/events", get(events::bill_events))
        .route(
            "/bills/{bill_id}/articles/{article_id}",
            get(read::article_history),
        )
        .route(
            "/bills/{bill_id}/articles/{article_id}/blame",
            get(read::blame),
        )
        .route(
            "/bills/{bill_id}/amendments",
            get(read::amendments).post(write::submit_amendment),
        )
        .route(
            "/bills/{bill_id}/consultation/open",
            post(write::open_consultation),
        )
        .route(
            "/bills/{bill_id}/consultation/close",
            post(write::close_consultation),
        )
        .route("/amendments/{amendment_id}", get(read::amendment))
        .route(
            "/amendments/{amendment_id}/arguments",
            get(read::amendment_arguments),
        )
        .route("/amendments/{amendment_id}/decision", post(write::decide))
        .route(
            "/amendments/{amendment_id}/akn.xml",
            get(open_data::amendment_akn),
        )
        .route(
            "/amendments/{amendment_id}/decision/correction",
            post(write::correct_response),
        )
        .route("/votes", post(write::vote))
        .route("/votes/retract", post(write::retract_vote))
        .route("/arguments", post(write::post_argument))
        .route("/projections", get(read::projections))
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/public-key", get(log::public_key))
        .route(
            "/log/checkpoints",
            get(log::checkpoints).post(log::sign_now),
        )
        .route("/log/proof/inclusion", get(log::inclusion))
        .route("/log/proof/consistency", get(log::consistency));
    let api = api.layer(middleware::from_fn_with_state(
        state.clone(),
        idempotency::layer,
    ));
    Router::new()
        .route("/healthz", get(read::health))
        .nest("/api/v1", api)
        .merge(crate::web::router())
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "this route exists but not with this method; see README.md for the API",
            )
        })
        .fallback(|| async {
            Problem::not_found(
                "no such route; the API lives under /api/v1 (e.g. GET /api/v1/bills)",
            )
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::layer,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
