//! The OpenAPI 3.1 document's document-level parts: title, tags, the bearer security scheme, the
//! success and problem+json responses routes share, the schemas of what requests carry and of
//! the main answers, and the query and header parameters. The paths come from the handlers'
//! `#[utoipa::path]` declarations (with their request examples), gathered by the same `routes!`
//! calls that build the router (`super::service_routes`, `super::v1_routes`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, RefOr, ResponseBuilder, Type};
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
            `palimpsest token issue`), are rate limited per token and per client address (429 \
            with Retry-After) and accept an `Idempotency-Key` header (a retried write runs once). \
            Every error is RFC 9457 `application/problem+json` with a precise `detail`. Lists are \
            `{\"items\": [...], \"next\": CURSOR}`, continued with `?cursor=`. Every accepted \
            write answers `201 {\"id\", \"log_index\"}`; a read with `?after=LOG_INDEX` waits \
            until the views include that write.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "This service")),
    components(schemas(Problem, Accepted, Page)),
    modifiers(&BearerScheme),
    tags(
        (name = "service", description = "Liveness, projections and this document"),
        (name = "bills", description = "Bills, their versions, articles, diffs and timelines"),
        (name = "amendments", description = "Citizen amendments and official decisions"),
        (name = "participation", description = "Votes, arguments and tallies"),
        (name = "open data", description = "CSV, NDJSON and Akoma Ntoso exports"),
        (name = "log", description = "The transparency log: checkpoints and proofs"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // Reads are public: the document's default is "no authentication" (`[{}]`); each write
        // declares the bearer scheme instead.
        openapi.security = Some(vec![SecurityRequirement::default()]);
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
    operation_id = "openapi_document",
    summary = "This OpenAPI 3.1 document",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
pub async fn openapi_document() -> Response {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| super::openapi_document().to_string());
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Responses shared by routes: a write's 201, and the problem statuses each kind of route answers.

fn header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        )
        .description(Some(description))
        .build()
}

/// The answer of an accepted write: `201 {"id", "log_index"}`, or the first answer again when
/// the request repeats an earlier one's `Idempotency-Key`.
pub struct Created;

impl IntoResponses for Created {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let response = ResponseBuilder::new()
            .description(
                "Accepted: the id and the log index of the write (reads include it once this \
                 answer is sent). A request repeating an earlier one's Idempotency-Key gets the \
                 first answer again, with `Idempotent-Replayed: true`, and runs nothing.",
            )
            .header(
                "Idempotent-Replayed",
                header("`true` when this answer is replayed from an earlier request with the same Idempotency-Key"),
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Accepted")))
                    .example(Some(json!({
                        "id": "0b5c3bd2-3f9b-4c8e-9a51-2d6f7e8a9b10",
                        "log_index": 42
                    })))
                    .build(),
            )
            .build();
        BTreeMap::from([("201".to_string(), RefOr::T(response))])
    }
}

/// Examples of each problem status, as the API answers them: (summary, problem). `writes`
/// selects the examples only writes can meet (the Idempotency-Key's).
fn problem_examples(status: u16, writes: bool) -> (&'static str, Vec<(&'static str, Problem)>) {
    use axum::http::StatusCode;
    let mut examples = match status {
        400 => (
            "Malformed request: a path or query parameter, a header or the JSON text cannot be read",
            vec![
                ("bad-limit", Problem::bad_request("`limit=0` must be a whole number from 1 to 500")),
                ("bad-json", Problem::bad_request("the body is not acceptable JSON: JSON at $.title: invalid JSON at byte 10: unexpected end of input")),
            ],
        ),
        401 => (
            "No token, an unknown token or a revoked token",
            vec![("no-token", Problem::unauthorized("this route changes the record: send `Authorization: Bearer <token>` (tokens are issued with `palimpsest token issue`)"))],
        ),
        403 => (
            "The token's role may not do this",
            vec![("wrong-role", Problem::forbidden("drafting a bill needs the official role"))],
        ),
        404 => (
            "No such bill, amendment, version or article (or an id that is not one)",
            vec![("unknown-bill", Problem::not_found("no bill has the id 0b5c3bd2-3f9b-4c8e-9a51-2d6f7e8a9b10"))],
        ),
        409 => (
            "Not possible in the current state (e.g. consultation closed, already decided)",
            vec![(
                "consultation-closed",
                Problem::conflict(
                    "consultation-closed",
                    "Outside the consultation window",
                    "the consultation closed at 2026-12-24T17:00:00Z",
                ),
            )],
        ),
        413 => (
            "The body is larger than the limit",
            vec![("too-large", Problem::body_too_large(crate::http::json::MAX_BODY_BYTES))],
        ),
        415 => (
            "The body is not sent as JSON",
            vec![(
                "not-json",
                Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "JSON expected",
                    "send the body as JSON with the header Content-Type: application/json",
                ),
            )],
        ),
        422 => (
            "A field is invalid: wrong type, missing, unknown, too long, or refused by the rules",
            vec![
                ("too-long", Problem::invalid("field `title` has 501 characters; at most 500 are accepted")),
                ("missing-field", Problem::invalid("missing field `title`")),
            ],
        ),
        429 => (
            "Writes sent faster than the token's or the address's limit; nothing was run. Retry after Retry-After seconds",
            vec![("rate-limited", Problem::too_many_requests("this token sent writes faster than allowed; retry in 1 s (see Retry-After)", 1))],
        ),
        500 => (
            "The server failed; the failure is logged and nothing was half-written",
            vec![("internal", Problem::internal())],
        ),
        503 => (
            "Temporarily unavailable (database busy, or the views not yet at `after`); see Retry-After",
            vec![(
                "views-behind",
                Problem::unavailable(
                    "the views do not include log index 42 yet after waiting 2000 ms: bills is at log index 41; retry, or see GET /api/v1/projections",
                    1,
                ),
            )],
        ),
        other => unreachable!("no example for problem status {other}"),
    };
    if writes {
        match status {
            400 => examples.1.push((
                "bad-idempotency-key",
                Problem::bad_request("the Idempotency-Key header must be 1 to 255 visible ASCII characters (a UUID is a good key)"),
            )),
            422 => examples.1.push((
                "idempotency-key-reused",
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency-key-reused",
                    "Idempotency key reused for another request",
                    "the Idempotency-Key `k1` was used at 2026-12-01T10:00:00Z for a request with another method, path or body; use a new key for a new request",
                ),
            )),
            _ => {}
        }
    }
    examples
}

fn problem_responses(
    statuses: &[u16],
    writes: bool,
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    statuses
        .iter()
        .map(|&status| {
            let (description, examples) = problem_examples(status, writes);
            let mut content = ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")));
            for (name, problem) in examples {
                content = content.examples_from_iter([(
                    name,
                    ExampleBuilder::new()
                        .summary(problem.title.clone())
                        .value(Some(json!(problem)))
                        .build(),
                )]);
            }
            let mut response = ResponseBuilder::new()
                .description(description)
                .content("application/problem+json", content.build());
            if matches!(status, 429 | 503) {
                response = response.header(
                    "Retry-After",
                    integer_header("Seconds after which a retry may succeed"),
                );
            }
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

/// Declares a marker type listing the problem statuses of a kind of route.
macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident($writes:literal): [$($status:literal),+];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                    problem_responses(&[$($status),+], $writes)
                }
            }
        )+
    };
}

problems! {
    /// `/healthz` and `/projections`: only an unavailable database or a stopped projection.
    ServiceProblems(false): [503];
    /// A list with no id in its path.
    ListProblems(false): [400, 500, 503];
    /// A read of a bill or an amendment (views, open data).
    ReadProblems(false): [400, 404, 500, 503];
    /// A bill's event stream: a bad resume point, an unknown bill.
    StreamProblems(false): [400, 404, 500];
    /// A read of the transparency log.
    LogProblems(false): [400, 404, 500];
    /// A write with a JSON body creating a new stream (no id in the path).
    CreateProblems(true): [400, 401, 403, 413, 415, 422, 429, 500, 503];
    /// A write with a JSON body on an existing bill, amendment or target.
    WriteProblems(true): [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
    /// A write without a body on an existing bill.
    BodilessWriteProblems(true): [400, 401, 403, 404, 409, 422, 429, 500, 503];
    /// Signing a checkpoint.
    SignProblems(false): [400, 401, 403, 409, 429, 500];
}

/// The optional `Idempotency-Key` header of a write.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKey {
    /// 1 to 255 visible ASCII characters (a UUID is a good key). A write repeated with the same
    /// key and the same token, method, path and body runs once: the repeat gets the first
    /// answer again (`Idempotent-Replayed: true`). The same key with another request is a 422.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        example = "5f0c7c2e-8f7b-4c55-9a0e-2b9d1f3e4a61"
    )]
    pub idempotency_key: Option<String>,
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
    /// The event's log index (the first event is 1).
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

/// The argument list's filter.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StanceFilter {
    /// Only arguments with this stance.
    #[param(inline)]
    pub stance: Option<schemas::Stance>,
}

/// Where an event stream starts, for a first connection (a reconnection sends Last-Event-ID).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StreamStart {
    /// Send the events after this log index (the `id` of the last message received); without
    /// it (and without Last-Event-ID) the stream starts with the next new event. 400 if it is
    /// beyond the end of the log.
    pub after: Option<u64>,
}

/// The header an event stream resumes from.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct LastEventId {
    /// The `id` (log index) of the last message received; browsers' EventSource sends it when
    /// it reconnects. Takes precedence over `?after=`.
    #[param(rename = "Last-Event-ID", example = 41)]
    pub last_event_id: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Schemas of the main answers. The handlers build their JSON with `json!`; these describe it, and
// `tests/integration/openapi.rs` validates real answers against them, which keeps them true.

pub mod answers {
    use utoipa::ToSchema;
    use uuid::Uuid;

    use super::schemas::Stance;

    /// Counts of one source: ballots, or counts the source published.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Counts {
        #[serde(rename = "for")]
        pub for_: u64,
        pub mixed: u64,
        pub against: u64,
        /// Seen, no side taken.
        pub pass: u64,
    }

    /// A target's tallies: ballots (one per person, last vote wins) and imported counts, kept
    /// apart and never summed.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct TargetTallies {
        pub ballots: Counts,
        /// The counts the source published, if imported.
        pub imported: Option<Counts>,
        /// Where the imported counts come from (file and line).
        pub imported_source: Option<String>,
    }

    /// A consultation window, in UTC (RFC 3339).
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Consultation {
        #[schema(format = DateTime)]
        pub opens_at: String,
        /// Exclusive end.
        #[schema(format = DateTime)]
        pub closes_at: String,
        /// Set when an official closed it before `closes_at`.
        #[schema(format = DateTime)]
        pub closed_early_at: Option<String>,
    }

    /// A consultation window in the organisation's time zone: each instant with the offset it
    /// has that day, so an end on a clock-change day reads as people's clocks show it.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct LocalConsultation {
        /// The IANA zone (`Europe/Paris`).
        pub time_zone: String,
        #[schema(format = DateTime)]
        pub opens_at: String,
        #[schema(format = DateTime)]
        pub closes_at: String,
        #[schema(format = DateTime)]
        pub closed_early_at: Option<String>,
    }

    /// A step of the procedure that produced no text.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct FailedStep {
        pub label: String,
        /// `rejected`, `no_agreement` or `no_text`.
        #[schema(pattern = "^(rejected|no_agreement|no_text)$")]
        pub kind: String,
        pub note: String,
        #[schema(format = DateTime)]
        pub at: String,
        pub log_index: u64,
    }

    /// A bill in the list of bills.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct BillSummary {
        pub id: Uuid,
        pub title: String,
        /// `draft`, `in_consultation`, `consultation_closed`, `adopted`, …
        pub state: String,
        pub consultation: Option<Consultation>,
        /// The same window in the organisation's time zone.
        pub consultation_local: Option<LocalConsultation>,
        /// The latest version's number (1 = first).
        pub latest_version: Option<u32>,
        /// How many amendments the bill has.
        pub amendments: u64,
    }

    /// A bill's latest version, in short.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct VersionHeading {
        pub number: u32,
        pub label: String,
        #[schema(format = DateTime)]
        pub published_at: String,
    }

    /// An article of a bill's latest version, with what touched it.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct BillArticle {
        /// Stable across versions and renumbering.
        pub id: Uuid,
        /// As printed (`1`, `2 bis`).
        pub number: String,
        pub heading: Option<String>,
        pub amendments: u64,
        pub decided_amendments: u64,
        pub tallies: TargetTallies,
    }

    /// A bill with its latest articles, their amendments and tallies.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Bill {
        pub id: Uuid,
        pub title: String,
        pub state: String,
        #[schema(format = DateTime)]
        pub drafted_at: String,
        pub consultation: Option<Consultation>,
        /// The same window in the organisation's time zone.
        pub consultation_local: Option<LocalConsultation>,
        pub failed_steps: Vec<FailedStep>,
        /// How many versions were published.
        pub versions: u64,
        pub latest_version: Option<VersionHeading>,
        pub amendments: u64,
        pub articles: Vec<BillArticle>,
    }

    /// What an amendment changes: `{"kind": "modify" | "delete", "article_id"}`,
    /// `{"kind": "insert_after", "article_id": null | id}` or `{"kind": "whole_text"}`.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Change {
        #[schema(pattern = "^(modify|insert_after|delete|whole_text)$")]
        pub kind: String,
        pub article_id: Option<Uuid>,
    }

    /// Who proposed an amendment: `{"kind": "citizen" | "government"}` or
    /// `{"kind": "parliamentary", "numbers": [...]}`.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Origin {
        #[schema(pattern = "^(citizen|government|parliamentary)$")]
        pub kind: String,
        pub numbers: Option<Vec<u32>>,
    }

    /// An amendment in a list.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct AmendmentSummary {
        pub id: Uuid,
        pub title: String,
        /// submitted, withdrawn, accepted, accepted_with_changes, rejected, not_voted
        pub state: String,
        pub change: Change,
        pub article_id: Option<Uuid>,
        pub origin: Origin,
        /// A pseudonym (`u` + 10 hex) or a public official's name.
        pub author: String,
        #[schema(format = DateTime)]
        pub submitted_at: String,
    }

    /// An official decision.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Decision {
        #[schema(inline)]
        pub outcome: super::schemas::DecisionOutcome,
        /// The response as it reads now (after any correction).
        pub response: String,
        pub decided_by: String,
        #[schema(format = DateTime)]
        pub decided_at: String,
    }

    /// One published text of an official response: the decision's, then each correction.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct PublishedResponse {
        pub response: String,
        pub published_by: String,
        #[schema(format = DateTime)]
        pub published_at: String,
        pub log_index: u64,
        /// Why it was corrected (null for the decision's own response).
        pub correction_reason: Option<String>,
    }

    /// Why moderators hid an amendment from the lists (its text stays in the log).
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Hidden {
        pub reason: String,
        pub hidden_by: String,
        #[schema(format = DateTime)]
        pub hidden_at: String,
    }

    /// The versions that took an amendment in.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct AmendmentProvenance {
        pub taken_in_by_versions: Vec<u32>,
    }

    /// An argument for, against or neutral.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Argument {
        pub id: String,
        pub author: String,
        #[schema(inline)]
        pub stance: Stance,
        pub body: String,
        #[schema(format = DateTime)]
        pub posted_at: String,
    }

    /// An amendment with its tallies, decision, responses, provenance and first arguments.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Amendment {
        pub id: Uuid,
        pub bill_id: Uuid,
        pub title: String,
        pub state: String,
        pub change: Change,
        pub article_id: Option<Uuid>,
        pub origin: Origin,
        pub author: String,
        /// The version the amendment was written against.
        pub base_version: u32,
        pub rationale: String,
        /// The proposed wording, by paragraph (null when the source does not give it).
        pub proposed_text: Option<Vec<String>>,
        /// The word diff of the proposed wording against the base article.
        #[schema(value_type = Option<Object>)]
        pub proposed_diff: Option<serde_json::Value>,
        /// Why there is no diff (a placeholder that resolves nothing).
        pub proposed_diff_error: Option<String>,
        #[schema(format = DateTime)]
        pub submitted_at: String,
        pub decision: Option<Decision>,
        /// What the source says when the chamber never put it to the vote.
        pub not_voted_note: Option<String>,
        pub hidden: Option<Hidden>,
        pub responses: Vec<PublishedResponse>,
        pub tallies: TargetTallies,
        pub provenance: AmendmentProvenance,
        /// The first page of the arguments on it.
        pub arguments: Vec<Argument>,
        pub arguments_count: u64,
        /// Continue with `GET /api/v1/amendments/{id}/arguments?cursor=`.
        pub arguments_next: Option<String>,
    }

    /// The service is up: its backend, the log's size and how far the views have folded it.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Health {
        #[schema(pattern = "^ok$")]
        pub status: String,
        /// `sqlite` or `postgres`.
        pub backend: String,
        pub log_size: u64,
        /// The log index every view includes.
        pub views_position: u64,
    }

    /// An article of a version.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct VersionArticle {
        /// Stable across versions and renumbering.
        pub id: Uuid,
        pub number: String,
        pub heading: Option<String>,
        /// The whole text, paragraphs separated by a blank line.
        pub text: String,
        pub paragraphs: Vec<String>,
    }

    /// One version of a bill: its articles and, for each changed article, the contributions it
    /// took in.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct Version {
        pub bill_id: Uuid,
        pub number: u32,
        pub label: String,
        pub note: String,
        #[schema(format = DateTime)]
        pub published_at: String,
        pub log_index: u64,
        pub articles: Vec<VersionArticle>,
        /// `[{"article_id", "amendments": [amendment with decision and tallies]}]`.
        #[schema(value_type = Vec<Object>)]
        pub provenance: Vec<serde_json::Value>,
    }

    /// An inclusion proof (RFC 9162) of an event in the tree of `tree_size` events, with the
    /// event as exported; `palimpsest verify --proof` checks it against a signed checkpoint.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct InclusionProof {
        pub log_index: u64,
        pub tree_size: u64,
        /// The event, as in the audit export (`docs/integrity.md`).
        #[schema(value_type = Object)]
        pub event: serde_json::Value,
        /// The audit path, hex.
        pub hashes: Vec<String>,
    }

    /// A consistency proof (RFC 9162) from tree size `from` to `to`.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct ConsistencyProof {
        pub from: u64,
        pub to: u64,
        /// The proof's hashes, hex.
        pub hashes: Vec<String>,
    }

    /// A page of bills.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct BillPage {
        pub items: Vec<BillSummary>,
        /// The cursor of the next page, or null on the last page.
        pub next: Option<String>,
    }

    /// A page of amendments.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct AmendmentPage {
        pub items: Vec<AmendmentSummary>,
        /// The cursor of the next page, or null on the last page.
        pub next: Option<String>,
    }

    /// A page of arguments.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct ArgumentPage {
        pub items: Vec<Argument>,
        /// The cursor of the next page, or null on the last page.
        pub next: Option<String>,
    }

    /// A tally of an amendment, in a bill's tallies.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct AmendmentTally {
        pub amendment_id: Uuid,
        pub title: String,
        pub tallies: TargetTallies,
    }

    /// A tally of an article, in a bill's tallies.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct ArticleTally {
        pub article_id: Uuid,
        pub number: String,
        pub tallies: TargetTallies,
    }

    /// Every tally of a bill: each article of the latest version, and a page of its amendments.
    #[derive(ToSchema)]
    #[allow(dead_code)]
    pub struct BillTallies {
        pub bill_id: Uuid,
        /// How each source is counted, in words.
        #[schema(value_type = Object)]
        pub rules: serde_json::Value,
        pub articles: Vec<ArticleTally>,
        /// A page of the amendments' tallies (`cursor`, `limit`).
        pub amendments: Vec<AmendmentTally>,
        /// The cursor of the next page of amendments, or null.
        pub next: Option<String>,
    }
}
