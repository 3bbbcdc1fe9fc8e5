//! Open-data routes: a bill's tables as CSV or NDJSON, and Akoma Ntoso XML of each version and
//! each amendment, rendered from the live views by `crate::open_data`.

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::openapi::{After, ReadProblems};
use super::read::{views_after, Params};
use super::write::{amendment_id, bill_id};
use crate::http::problem::Problem;
use crate::open_data::{self, akn, OpenData, OpenDataError, AKN_CONTENT_TYPE};
use crate::state::AppState;

fn file(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, content_type)], body).into_response()
}

fn failed(error: OpenDataError) -> Problem {
    tracing::error!(error = %error, "open data: cannot render");
    Problem::internal()
}

/// `GET /bills/{id}/open-data/{table}.{csv|ndjson}`.
#[utoipa::path(
    get,
    path = "/bills/{bill_id}/open-data/{file}",
    tag = "open data",
    summary = "One of the bill's open data tables, as CSV or NDJSON (see docs/open-data.md)",
    params(
        ("bill_id" = uuid::Uuid, Path, description = "The bill's id"),
        ("file" = String, Path, description = "`contributions`, `arguments`, `tallies` or `versions`, then `.csv` or `.ndjson`", example = "contributions.csv"),
        After,
    ),
    responses(
        (status = 200, description = "The table", content(
            (String = "text/csv"),
            (String = "application/x-ndjson"),
        )),
        ReadProblems,
    ),
)]
pub async fn table(
    State(state): State<AppState>,
    Path((raw, name)): Path<(String, String)>,
    Query(params): Params,
) -> Result<Response, Problem> {
    views_after(&state, &params).await?;
    let id = bill_id(&raw)?;
    let (table, format) = open_data::parse_file_name(&name).map_err(Problem::not_found)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let tallies = state.views.tallies.read();
    let arguments = state.views.arguments.read();
    let bill = bills
        .model
        .bill(id)
        .ok_or_else(|| Problem::not_found(format!("no bill has the id {id}")))?;
    let data = OpenData {
        bills: &bills.model,
        amendments: &amendments.model,
        tallies: &tallies.model,
        arguments: &arguments.model,
    };
    let body = data.render(bill, table, format).map_err(failed)?;
    Ok(file(format.content_type(), body))
}

/// `GET /bills/{id}/versions/{n}/akn.xml`.
#[utoipa::path(
    get,
    path = "/bills/{bill_id}/versions/{number}/akn.xml",
    tag = "open data",
    summary = "A version as Akoma Ntoso 3.0 XML",
    params(("bill_id" = uuid::Uuid, Path, description = "The bill's id"), ("number" = u32, Path, minimum = 1, description = "The version number (1 = first)"), After),
    responses((status = 200, description = "The version as an Akoma Ntoso document", content_type = "application/akn+xml", body = String), ReadProblems),
)]
pub async fn version_akn(
    State(state): State<AppState>,
    Path((raw, number)): Path<(String, String)>,
    Query(params): Params,
) -> Result<Response, Problem> {
    views_after(&state, &params).await?;
    let id = bill_id(&raw)?;
    let bills = state.views.bills.read();
    let bill = bills
        .model
        .bill(id)
        .ok_or_else(|| Problem::not_found(format!("no bill has the id {id}")))?;
    let version = number
        .parse::<u32>()
        .ok()
        .and_then(|n| bill.version(n))
        .ok_or_else(|| {
            Problem::not_found(format!(
                "bill {id} has versions 1 to {}, not `{number}`",
                bill.versions.len()
            ))
        })?;
    let xml = akn::version_document(bill, version).map_err(failed)?;
    Ok(file(AKN_CONTENT_TYPE, xml.into_bytes()))
}

/// `GET /amendments/{id}/akn.xml`.
#[utoipa::path(
    get,
    path = "/amendments/{amendment_id}/akn.xml",
    tag = "open data",
    summary = "An amendment as Akoma Ntoso 3.0 XML",
    params(("amendment_id" = uuid::Uuid, Path, description = "The amendment's id"), After),
    responses((status = 200, description = "The amendment as an Akoma Ntoso document", content_type = "application/akn+xml", body = String), ReadProblems),
)]
pub async fn amendment_akn(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Result<Response, Problem> {
    views_after(&state, &params).await?;
    let id = amendment_id(&raw)?;
    let bills = state.views.bills.read();
    let amendments = state.views.amendments.read();
    let amendment = amendments
        .model
        .amendment(id)
        .ok_or_else(|| Problem::not_found(format!("no amendment has the id {id}")))?;
    let xml =
        akn::amendment_document(amendment, bills.model.bill(amendment.bill_id)).map_err(failed)?;
    Ok(file(AKN_CONTENT_TYPE, xml.into_bytes()))
}
