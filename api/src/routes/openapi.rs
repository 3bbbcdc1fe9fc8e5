//! The OpenAPI 3.1 document's document-level parts: title, tags, the bearer security scheme, the
//! problem+json error responses each route declares, the schemas of domain types that requests
//! carry, the query parameters, and the request and response examples (recorded from real
//! answers, `openapi/examples.json`). The paths come from the handlers' `#[utoipa::path]`
//! declarations, gathered by the same `routes!` calls that build the router (`super::api_routes`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

use crate::http::problem::Problem;
use crate::service::Accepted;

/// The security scheme name every write declares.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Palimpsest API",
        description = "Civic deliberation on law texts, on a hash-chained, append-only log. \
            Reads are public; writes need `Authorization: Bearer <token>` (issued with \
            `palimpsest token issue`). Every error is RFC 9457 `application/problem+json` with a \
            precise `detail`. Lists are `{\"items\": [...], \"next\": CURSOR}`, continued with \
            `?cursor=`. Every accepted write answers `201 {\"id\", \"log_index\"}`; a read with \
            `?after=LOG_INDEX` waits until the views include that write.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    components(schemas(Problem, Accepted, Page)),
    modifiers(&BearerScheme),
    tags(
        (name = "service", description = "Liveness, projections and this document"),
        (name = "bills", description = "Bills, their versions, articles, diffs and timelines"),
        (name = "amendments", description = "Citizen amendments and official decisions"),
        (name = "participation", description = "Votes and arguments"),
        (name = "open data", description = "CSV, NDJSON and Akoma Ntoso exports"),
        (name = "log", description = "The transparency log: checkpoints and proofs"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`plp_…`) issued with `palimpsest token issue --role …`",
                    ))
                    .build(),
            ),
        );
    }
}

/// A page of a list: continue with `?cursor=NEXT` while `next` is not null.
#[derive(ToSchema)]
pub struct Page {
    /// The items of this page, in the list's order.
    pub items: Vec<Value>,
    /// The cursor of the next page, or null on the last page.
    pub next: Option<String>,
}

/// The `GET /api/openapi.json` handler's answer: this document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
pub async fn openapi_document() -> Response {
    static DOCUMENT: LazyLock<String> =
        LazyLock::new(|| super::openapi_document().to_string());
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Error responses: each route lists the problem statuses it can answer.

/// A generic example of each problem status, as the API answers it.
fn problem_example(status: u16) -> (&'static str, Problem) {
    use axum::http::StatusCode;
    match status {
        400 => (
            "Malformed request: a query parameter or the JSON body cannot be read",
            Problem::bad_request("`limit=0` must be a whole number from 1 to 500"),
        ),
        401 => (
            "No token, an unknown token or a revoked token",
            Problem::unauthorized("this token was revoked"),
        ),
        403 => (
            "The token's role may not do this",
            Problem::forbidden("drafting a bill needs the official role"),
        ),
        404 => (
            "No such bill, amendment, version or article",
            Problem::not_found("no bill has the id 0b5c3bd2-3f9b-4c8e-9a51-2d6f7e8a9b10"),
        ),
        409 => (
            "Not possible in the current state (e.g. consultation closed, already decided)",
            Problem::conflict(
                "consultation-closed",
                "Outside the consultation window",
                "the consultation closed at 2026-12-24T17:00:00Z",
            ),
        ),
        413 => (
            "The body is larger than the limit",
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Request body refused",
                "the body could not be read (length limit exceeded); bodies are limited to 2097152 bytes",
            ),
        ),
        415 => (
            "The body is not sent as JSON",
            Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "JSON expected",
                "send the body as JSON with the header Content-Type: application/json",
            ),
        ),
        422 => (
            "A field is invalid: wrong type, unknown field, too long, or refused by the rules",
            Problem::invalid("field `title` has 501 characters; at most 500 are accepted"),
        ),
        500 => (
            "The server failed; the failure is logged and nothing was half-written",
            Problem::internal(),
        ),
        503 => (
            "Temporarily unavailable (database busy, or the views not yet at `after`); see Retry-After",
            Problem::unavailable(
                "the views do not include log index 42 yet after waiting 2000 ms: bills is at log index 41; retry, or see GET /api/v1/projections",
                1,
            ),
        ),
        other => unreachable!("no example for problem status {other}"),
    }
}

fn problem_responses(statuses: &[u16]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    statuses
        .iter()
        .map(|&status| {
            let (description, example) = problem_example(status);
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                        .example(Some(json!(example)))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a marker type listing the problem statuses of a kind of route.
macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident: [$($status:literal),+];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                    problem_responses(&[$($status),+])
                }
            }
        )+
    };
}

problems! {
    /// `/healthz` and `/projections`: only an unavailable database or a stopped projection.
    ServiceProblems: [503];
    /// A list with no id in its path.
    ListProblems: [400, 500, 503];
    /// A read of a bill or an amendment (views, open data).
    ReadProblems: [400, 404, 500, 503];
    /// A read of the transparency log.
    LogProblems: [400, 404, 500];
    /// A write with a JSON body creating a new stream (no id in the path).
    CreateProblems: [400, 401, 403, 413, 415, 422, 500, 503];
    /// A write with a JSON body on an existing bill, amendment or target.
    WriteProblems: [400, 401, 403, 404, 409, 413, 415, 422, 500, 503];
    /// A write without a body on an existing bill.
    BodilessWriteProblems: [401, 403, 404, 409, 500, 503];
    /// Signing a checkpoint.
    SignProblems: [401, 403, 409, 500];
}

// ---------------------------------------------------------------------------------------------
// Schemas of the domain types that requests carry (the domain crate knows nothing of HTTP; these
// mirror its serde forms, and the examples, parsed by the real types in a test, keep them true).

pub mod schemas {
    use utoipa::ToSchema;
    use uuid::Uuid;

    /// What a vote or an argument is about: an article of a bill, or an amendment.
    #[derive(ToSchema)]
    #[schema(as = Target)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    #[allow(dead_code)]
    pub enum Target {
        /// An article of a bill's latest version.
        Article { bill_id: Uuid, article_id: Uuid },
        /// An amendment.
        Amendment { amendment_id: Uuid },
    }

    /// A vote: for, mixed, against, or pass (seen, no side taken).
    #[derive(ToSchema)]
    #[schema(as = Choice)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    pub enum Choice {
        For,
        Mixed,
        Against,
        Pass,
    }

    /// An argument's stance.
    #[derive(ToSchema)]
    #[schema(as = Stance)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    pub enum Stance {
        For,
        Against,
        Neutral,
    }

    /// An official decision on an amendment.
    #[derive(ToSchema)]
    #[schema(as = DecisionOutcome)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum DecisionOutcome {
        Accepted,
        AcceptedWithChanges,
        Rejected,
    }

    /// For an article that changed in a version: the decided amendments it takes in.
    #[derive(ToSchema)]
    #[schema(as = ArticleProvenance)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct ArticleProvenance {
        pub article_id: Uuid,
        pub amendments: Vec<Uuid>,
    }
}

// ---------------------------------------------------------------------------------------------
// Query parameters, as the handlers read them (they parse a map; these structs only describe it,
// and the route tests send a bad value for each one documented here).

/// Paging of a list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Paging {
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (points for a timeline), 1 to 500; default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Read-your-writes: wait until the views include a write.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct After {
    /// A `log_index` a write answered with: wait until every view includes it (503 if they do
    /// not within `wait_ms`; 400 if it is beyond the end of the log).
    pub after: Option<u64>,
    /// How long to wait for `after`, in milliseconds: 0 to 10000, default 2000.
    #[param(maximum = 10000)]
    pub wait_ms: Option<u64>,
}

/// The amendment list's filters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AmendmentFilter {
    /// Only amendments in this state: submitted, withdrawn, accepted, accepted_with_changes,
    /// rejected, not_voted.
    pub state: Option<String>,
    /// Only amendments of this article (its id).
    pub article: Option<uuid::Uuid>,
}

/// Restricts an answer to one article.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ArticleFilter {
    /// The article's id.
    pub article: Option<uuid::Uuid>,
}

/// The versions and articles a diff compares.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DiffQuery {
    /// The older version (default 1).
    #[param(minimum = 1)]
    pub from: Option<u32>,
    /// The newer version (default: the latest).
    #[param(minimum = 1)]
    pub to: Option<u32>,
    /// Only this article (its id).
    pub article: Option<uuid::Uuid>,
    /// `true` to include unchanged articles.
    pub unchanged: Option<bool>,
}

/// The version a blame is computed for.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct BlameQuery {
    /// The version (default: the latest).
    #[param(minimum = 1)]
    pub version: Option<u32>,
}

/// The event an inclusion proof is about: by `log_index`, or by stream and sequence.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InclusionQuery {
    /// The event's log index (0-based).
    pub log_index: Option<u64>,
    /// The tree size the proof is against (default: the latest signed checkpoint's).
    pub tree_size: Option<u64>,
    /// With `stream_id` and `sequence`, instead of `log_index`: the stream's type (bill,
    /// amendment, ballot, argument).
    pub stream_type: Option<String>,
    pub stream_id: Option<String>,
    pub sequence: Option<u64>,
}

/// The two tree sizes a consistency proof links.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
}

// ---------------------------------------------------------------------------------------------
// Examples: one request (for writes) and one response per operation, recorded from real answers
// of a small scenario (`tests/integration/api_routes.rs` rewrites the file with
// PALIMPSEST_BLESS_EXAMPLES=1 and otherwise checks the answers still have the recorded shape).

/// The recorded examples, by operation id: `{"request": …, "response": …}`.
pub const EXAMPLES_JSON: &str = include_str!("openapi/examples.json");

/// Adds the recorded examples to the document's operations.
pub fn with_examples(mut document: Value) -> Value {
    let examples: BTreeMap<String, Value> =
        serde_json::from_str(EXAMPLES_JSON).expect("openapi/examples.json is JSON");
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return document;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some(example) = examples.get(id).cloned() else {
                continue;
            };
            if let (Some(request), Some(content)) = (
                example.get("request"),
                operation.pointer_mut("/requestBody/content/application~1json"),
            ) {
                content["example"] = request.clone();
            }
            if let (Some(response), Some(responses)) = (
                example.get("response"),
                operation.get_mut("responses").and_then(Value::as_object_mut),
            ) {
                let success = responses
                    .iter_mut()
                    .find(|(status, _)| status.starts_with('2'))
                    .map(|(_, r)| r);
                if let Some(content) = success
                    .and_then(|r| r.get_mut("content"))
                    .and_then(Value::as_object_mut)
                    .and_then(|c| c.values_mut().next())
                {
                    content["example"] = response.clone();
                }
            }
        }
    }
    document
}
