//! The write forms: sign-in and sign-out, and the use cases of `crate::service` (the very
//! functions the JSON write routes call). Every POST is checked first — same origin, a session
//! where one is needed, the session's CSRF token — and refused with a 403 page, having run
//! nothing, when a check fails. A refused value gets its form back (422, or 409 when the record
//! refuses the change) with the message beside the field and the input kept; success redirects
//! (303) to the page showing the result, with `?after=` the write's log index.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::amendment::DecisionOutcome;
use domain::argument::Stance;
use domain::ballot::Choice;
use domain::ids::{AmendmentId, ArticleId, BillId, Target};
use unicode_normalization::UnicodeNormalization;

use super::pages::{amendment_page, article_page, bill_page};
use super::session::{
    csrf_matches, plausible_token, same_origin, session_cookie, Session, Visitor,
};
use super::{error_page, problem_page, render, Chrome};
use crate::http::json::MAX_BODY_BYTES;
use crate::http::problem::Problem;
use crate::service::{self, ChangeKind};
use crate::state::AppState;

/// A submitted form shown again: which form, what was typed, and what was wrong with it.
#[derive(Debug, Default)]
pub struct FormState {
    pub name: &'static str,
    pub values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
    pub general: Option<String>,
}

impl FormState {
    fn of(&self, form: &str) -> bool {
        !self.name.is_empty() && self.name == form
    }

    /// What the person typed in `field` of `form`, or nothing.
    pub fn value(&self, form: &str, field: &str) -> &str {
        if !self.of(form) {
            return "";
        }
        self.values
            .iter()
            .find(|(name, _)| name == field)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether `value` was chosen in `field` (radio buttons, checkboxes, options).
    pub fn chose(&self, form: &str, field: &str, value: &str) -> bool {
        self.of(form)
            && self
                .values
                .iter()
                .any(|(name, v)| name == field && v == value)
    }

    pub fn error(&self, form: &str, field: &str) -> Option<&str> {
        if !self.of(form) {
            return None;
        }
        self.errors
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn general(&self, form: &str) -> Option<&str> {
        self.general.as_deref().filter(|_| self.of(form))
    }

    fn with_error(mut self, field: &str, message: impl Into<String>) -> Self {
        self.errors.push((field.to_string(), message.into()));
        self
    }
}

/// A form body (`application/x-www-form-urlencoded`), decoded strictly: bytes that are not
/// UTF-8 are refused (400) rather than silently replaced, a body over the limit is a 413, and
/// every value is put in Unicode NFC, as JSON bodies are. Another content type gives no fields
/// (the CSRF check then refuses the request).
pub struct Fields(Vec<(String, String)>);

impl FromRequest<AppState> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let urlencoded = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return Err(
                    refuse(Problem::body_too_large(MAX_BODY_BYTES), &mut parts, state).await,
                )
            }
        };
        if !urlencoded {
            return Ok(Self(Vec::new()));
        }
        match decode_form(&bytes) {
            Ok(fields) => Ok(Self(fields)),
            Err(problem) => Err(refuse(problem, &mut parts, state).await),
        }
    }
}

async fn refuse(problem: Problem, parts: &mut Parts, state: &AppState) -> Response {
    refused_page(problem, parts, state).await
}

/// A request refused before its handler ran (over a write limit, an unreadable body), as a
/// page in the visitor's language; a 429 keeps its Retry-After.
pub async fn refused_page(problem: Problem, parts: &mut Parts, state: &AppState) -> Response {
    let retry_after = problem.retry_after;
    let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
    let mut page = problem_page(state, &visitor, problem);
    if let Some(seconds) = retry_after {
        page.headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from(seconds));
    }
    page
}

fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, Problem> {
    let decode = |raw: &[u8]| -> Option<String> {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let text = percent_encoding::percent_decode(&spaced)
            .decode_utf8()
            .ok()?;
        Some(text.nfc().collect())
    };
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode(name).ok_or_else(|| {
                Problem::bad_request("the form holds a field name that is not UTF-8 text")
            })?;
            let value = decode(value).ok_or_else(|| {
                Problem::bad_request(format!(
                    "field `{name}`: the text is not UTF-8; send the form from a page of this site"
                ))
            })?;
            Ok((name, value))
        })
        .collect()
}

fn fields(form: Fields) -> Vec<(String, String)> {
    form.0
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The checks every POST passes before anything runs; the session when one is needed.
fn guard<'v>(
    state: &AppState,
    visitor: &'v Visitor,
    headers: &HeaderMap,
    fields: &[(String, String)],
    needs_session: bool,
) -> Result<Option<&'v Session>, Box<Response>> {
    let t = visitor.lang.texts();
    let refuse = |message: &str| {
        error_page(
            state,
            visitor,
            StatusCode::FORBIDDEN,
            t.forbidden_title,
            message.to_string(),
            None,
        )
    };
    if !same_origin(headers) {
        return Err(Box::new(refuse(t.foreign_origin_refused)));
    }
    let session = visitor.session.as_ref();
    if needs_session && session.is_none() {
        return Err(Box::new(problem_page(
            state,
            visitor,
            Problem::unauthorized("sign in first"),
        )));
    }
    let given = fields
        .iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, v)| v.as_str());
    if !csrf_matches(state, session.map(|s| s.token.as_str()), given) {
        return Err(Box::new(refuse(t.csrf_refused)));
    }
    Ok(session)
}

/// The field a service error names (`field \`title\`: …`), as the form calls it.
fn field_named(detail: &str) -> Option<String> {
    let rest = detail.strip_prefix("field `")?;
    let (name, _) = rest.split_once('`')?;
    let name = name.strip_prefix("target.").unwrap_or(name);
    // `apply[2]` is the `apply` checkboxes.
    Some(name.split('[').next().unwrap_or(name).to_string())
}

/// A refused write: the form again with the message (422 for a bad value, 409 when the record
/// refuses, e.g. a closed consultation), or an error page for anything else (403, 404, 503).
fn refused(
    state: &AppState,
    visitor: &Visitor,
    problem: Problem,
    mut form: FormState,
) -> Result<(StatusCode, FormState), Box<Response>> {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::CONFLICT {
        // The record refused the change as it stands now (decided already, consultation
        // closed, changed at the same moment): the form may no longer be on the page, so the
        // answer is a page saying why. A concurrent change is told in the visitor's words,
        // not as the store's stream names.
        let mut problem = problem;
        if problem.kind.ends_with("/concurrent-change") {
            problem.detail = visitor.lang.texts().changed_concurrently.to_string();
        }
        return Err(Box::new(problem_page(state, visitor, problem)));
    }
    if status != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(Box::new(problem_page(state, visitor, problem)));
    }
    match field_named(&problem.detail) {
        Some(name) => form.errors.push((name, problem.detail)),
        None => form.general = Some(problem.detail),
    }
    Ok((status, form))
}

/// Runs a write once per page and content: a form sent twice from one rendered page (its
/// `submission` id) with the same fields is recorded once, and the second sending is answered
/// like the first (see `http::idempotency::run_once`).
async fn once(
    state: &AppState,
    session: &Session,
    path: &str,
    fields: &[(String, String)],
    write: impl std::future::Future<Output = Result<service::Accepted, Problem>>,
) -> Result<service::Accepted, Problem> {
    if field(fields, "submission").is_empty() {
        return write.await;
    }
    let mut hasher = blake3::Hasher::new();
    hasher.update(path.as_bytes());
    for (name, value) in fields.iter().filter(|(name, _)| name != "csrf") {
        hasher.update(b"\0");
        hasher.update(name.as_bytes());
        hasher.update(b"=");
        hasher.update(value.as_bytes());
    }
    let digest = hasher.finalize().to_hex().to_string();
    let claim = projections::IdempotencyClaim {
        scope: crate::auth::digest(&session.token),
        key: format!("form-{}", &digest[..40]),
        fingerprint: digest,
    };
    crate::http::idempotency::run_once(state, claim, write).await
}

fn redirect(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

fn form_state(name: &'static str, fields: Vec<(String, String)>) -> FormState {
    FormState {
        name,
        values: fields.into_iter().filter(|(n, _)| n != "csrf").collect(),
        ..FormState::default()
    }
}

/// The vote forms' buttons: a choice, or `retract` to withdraw one's ballot.
async fn cast_or_retract(
    state: &AppState,
    actor: &domain::actor::Actor,
    target: Target,
    raw: &str,
) -> Result<Result<service::Accepted, Problem>, Problem> {
    if raw == "retract" {
        return Ok(service::retract_vote(state, actor, service::Retract { target }).await);
    }
    let Some(choice) = choice(raw) else {
        return Err(Problem::invalid(
            "field `choice`: choose for, mixed, against or pass",
        ));
    };
    Ok(service::vote(state, actor, service::Vote { target, choice }).await)
}

/// A form value read as one of a type's variants, by the names its JSON form uses (the API's
/// own spelling: `for`, `accepted_with_changes`, `insert_after`…), so the two doors never
/// disagree on them.
fn variant<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_string())).ok()
}

fn choice(raw: &str) -> Option<Choice> {
    variant(raw)
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    form: FormState,
    /// The page to come back to, checked by `return_path`.
    next: Option<String>,
}

pub async fn sign_in_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    let next = visitor
        .query
        .get("next")
        .and_then(|n| super::return_path(n))
        .map(str::to_string);
    let page = SignInPage {
        chrome: Chrome::new(&state, &visitor, visitor.lang.texts().sign_in_title),
        form: FormState::default(),
        next,
    };
    render(&visitor, StatusCode::OK, &page)
}

pub async fn sign_in(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let fields = fields(form);
    if let Err(refusal) = guard(&state, &visitor, &headers, &fields, false) {
        return *refusal;
    }
    let t = visitor.lang.texts();
    let next = super::return_path(field(&fields, "next")).map(str::to_string);
    let token = field(&fields, "token").trim().to_string();
    let known = plausible_token(&token)
        && crate::auth::actor_for_token(&state.store, &token)
            .await
            .is_ok();
    if !known {
        // The token is a secret: it is not shown again.
        let page = SignInPage {
            chrome: Chrome::new(&state, &visitor, t.sign_in_title),
            form: FormState {
                name: "sign_in",
                ..FormState::default()
            }
            .with_error("token", t.token_unknown),
            next,
        };
        return render(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    // A year, like the token itself until it is revoked; sign-out clears it.
    let cookie = session_cookie(&token, visitor.secure, 31_536_000);
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, next.unwrap_or_else(|| "/".to_string())),
            (SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

pub async fn sign_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    form: Fields,
) -> Response {
    let fields = fields(form);
    if let Err(refusal) = guard(&state, &visitor, &headers, &fields, false) {
        return *refusal;
    }
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/".to_string()),
            (SET_COOKIE, session_cookie("", visitor.secure, 0)),
        ],
    )
        .into_response()
}

// ---------------------------------------------------------------- article forms

pub async fn vote_on_article(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path((raw_bill, raw_article)): Path<(String, String)>,
    form: Fields,
) -> Response {
    let fields = fields(form);
    let session = match guard(&state, &visitor, &headers, &fields, true) {
        Ok(Some(session)) => session,
        Ok(None) => return problem_page(&state, &visitor, Problem::unauthorized("sign in first")),
        Err(refusal) => return *refusal,
    };
    let (Ok(bill_id), Ok(article_id)) = (BillId::parse(&raw_bill), ArticleId::parse(&raw_article))
    else {
        return problem_page(&state, &visitor, Problem::not_found("no such article"));
    };
    let form = form_state("vote", fields.clone());
    let target = Target::Article {
        bill_id,
        article_id,
    };
    let vote = async {
        cast_or_retract(&state, &session.actor, target, field(&fields, "choice"))
            .await
            .and_then(|result| result)
    };
    let result = once(&state, session, &visitor.path, &fields, vote).await;
    match result {
        Ok(accepted) => redirect(format!(
            "/bills/{bill_id}/articles/{article_id}?after={}#vote",
            accepted.log_index
        )),
        Err(problem) => match refused(&state, &visitor, problem, form) {
            Ok((status, form)) => {
                article_page(&state, &visitor, &raw_bill, &raw_article, status, form).await
            }
            Err(page) => *page,
        },
    }
}

pub async fn submit_amendment(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path((raw_bill, raw_article)): Path<(String, String)>,
    form: Fields,
) -> Response {
    let fields = fields(form);
    let session = match guard(&state, &visitor, &headers, &fields, true) {
        Ok(Some(session)) => session,
        Ok(None) => return problem_page(&state, &visitor, Problem::unauthorized("sign in first")),
        Err(refusal) => return *refusal,
    };
    let (Ok(bill_id), Ok(article_id)) = (BillId::parse(&raw_bill), ArticleId::parse(&raw_article))
    else {
        return problem_page(&state, &visitor, Problem::not_found("no such article"));
    };
    let t = visitor.lang.texts();
    let mut form = form_state("amend", fields.clone());
    let kind: Option<ChangeKind> = variant(field(&fields, "kind"));
    if kind.is_none() {
        form = form.with_error("kind", t.required_field);
    }
    for required in ["title", "rationale"] {
        if field(&fields, required).trim().is_empty() {
            form = form.with_error(required, t.required_field);
        }
    }
    let result = match kind {
        Some(kind) if form.errors.is_empty() => {
            let text = field(&fields, "proposed_text");
            let submit = service::submit_amendment(
                &state,
                &session.actor,
                bill_id,
                service::SubmitAmendment {
                    kind,
                    article_id: Some(article_id),
                    title: field(&fields, "title").to_string(),
                    proposed_text: (!text.trim().is_empty()).then(|| text.to_string()),
                    rationale: field(&fields, "rationale").to_string(),
                },
            );
            once(&state, session, &visitor.path, &fields, submit).await
        }
        _ => {
            return article_page(
                &state,
                &visitor,
                &raw_bill,
                &raw_article,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            )
            .await
        }
    };
    match result {
        Ok(accepted) => redirect(format!(
            "/amendments/{}?after={}",
            accepted.id, accepted.log_index
        )),
        Err(problem) => match refused(&state, &visitor, problem, form) {
            Ok((status, form)) => {
                article_page(&state, &visitor, &raw_bill, &raw_article, status, form).await
            }
            Err(page) => *page,
        },
    }
}

// ---------------------------------------------------------------- amendment forms

/// Runs a use case on an amendment from its page's form `name`; shows the page again on a
/// refused value, or redirects to it.
async fn on_amendment<F, Fut>(
    state: &AppState,
    visitor: &Visitor,
    headers: &HeaderMap,
    raw: &str,
    fields: Vec<(String, String)>,
    name: &'static str,
    run: F,
) -> Response
where
    F: FnOnce(Session, AmendmentId, Vec<(String, String)>, FormState) -> Fut,
    Fut: std::future::Future<Output = Result<Result<service::Accepted, Problem>, FormState>>,
{
    let session = match guard(state, visitor, headers, &fields, true) {
        Ok(Some(session)) => session.clone(),
        Ok(None) => return problem_page(state, visitor, Problem::unauthorized("sign in first")),
        Err(refusal) => return *refusal,
    };
    let Ok(id) = AmendmentId::parse(raw) else {
        return problem_page(
            state,
            visitor,
            Problem::not_found(format!("`{raw}` is not an amendment id (a UUID)")),
        );
    };
    let form = form_state(name, fields.clone());
    let form_copy = form_state(name, fields.clone());
    let mut invalid = None;
    let write = async {
        match run(session.clone(), id, fields.clone(), form).await {
            Ok(result) => result,
            Err(form) => {
                invalid = Some(form);
                Err(Problem::invalid("the form has invalid values"))
            }
        }
    };
    let outcome = once(state, &session, &visitor.path, &fields, write).await;
    if let Some(form) = invalid {
        return amendment_page(state, visitor, raw, StatusCode::UNPROCESSABLE_ENTITY, form).await;
    }
    match outcome {
        Ok(accepted) => redirect(format!(
            "/amendments/{id}?after={}#{name}",
            accepted.log_index
        )),
        Err(problem) => match refused(state, visitor, problem, form_copy) {
            Ok((status, form)) => amendment_page(state, visitor, raw, status, form).await,
            Err(page) => *page,
        },
    }
}

pub async fn vote_on_amendment(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Fields,
) -> Response {
    let fields = fields(form);
    let state_ref = &state;
    on_amendment(
        &state,
        &visitor,
        &headers,
        &raw,
        fields,
        "vote",
        |session, id, fields, form| async move {
            let target = Target::Amendment { amendment_id: id };
            match cast_or_retract(state_ref, &session.actor, target, field(&fields, "choice")).await
            {
                Ok(result) => Ok(result),
                Err(_) => Err(form.with_error("choice", "choose for, mixed, against or pass")),
            }
        },
    )
    .await
}

pub async fn argue(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Fields,
) -> Response {
    let fields = fields(form);
    let required = visitor.lang.texts().required_field;
    let state_ref = &state;
    on_amendment(
        &state,
        &visitor,
        &headers,
        &raw,
        fields,
        "argue",
        |session, id, fields, mut form| async move {
            let stance: Option<Stance> = variant(field(&fields, "stance"));
            let body = field(&fields, "body").trim().to_string();
            if stance.is_none() {
                form = form.with_error("stance", required);
            }
            if body.is_empty() {
                form = form.with_error("body", required);
            }
            let Some(stance) = stance.filter(|_| form.errors.is_empty()) else {
                return Err(form);
            };
            let request = service::PostArgument {
                target: Target::Amendment { amendment_id: id },
                stance,
                body,
            };
            Ok(service::post_argument(state_ref, &session.actor, request).await)
        },
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Fields,
) -> Response {
    let fields = fields(form);
    let required = visitor.lang.texts().required_field;
    let state_ref = &state;
    on_amendment(
        &state,
        &visitor,
        &headers,
        &raw,
        fields,
        "decide",
        |session, id, fields, mut form| async move {
            let outcome: Option<DecisionOutcome> = variant(field(&fields, "outcome"));
            let response = field(&fields, "response").trim().to_string();
            if outcome.is_none() {
                form = form.with_error("outcome", required);
            }
            if response.is_empty() {
                form = form.with_error("response", required);
            }
            let Some(outcome) = outcome.filter(|_| form.errors.is_empty()) else {
                return Err(form);
            };
            let request = service::Decide { outcome, response };
            Ok(service::decide_amendment(state_ref, &session.actor, id, request).await)
        },
    )
    .await
}

// ---------------------------------------------------------------- bill forms

pub async fn publish_version(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Fields,
) -> Response {
    let fields = fields(form);
    let session = match guard(&state, &visitor, &headers, &fields, true) {
        Ok(Some(session)) => session,
        Ok(None) => return problem_page(&state, &visitor, Problem::unauthorized("sign in first")),
        Err(refusal) => return *refusal,
    };
    let Ok(bill_id) = BillId::parse(&raw) else {
        return problem_page(&state, &visitor, Problem::not_found("no such bill"));
    };
    // The form's own checks come after the role's: a citizen's refusal must say why, not point
    // at fields of a form they are not shown.
    if !session.is_official() {
        return problem_page(
            &state,
            &visitor,
            Problem::forbidden("publishing a version of a bill needs the official role"),
        );
    }
    let t = visitor.lang.texts();
    let mut form = form_state("publish", fields.clone());
    let label = field(&fields, "label").trim().to_string();
    if label.is_empty() {
        form = form.with_error("label", t.required_field);
    }
    let number = field(&fields, "number").parse::<u32>();
    let apply: Result<Vec<AmendmentId>, _> = fields
        .iter()
        .filter(|(name, _)| name == "apply")
        .map(|(_, v)| AmendmentId::parse(v))
        .collect();
    let (Ok(number), Ok(apply), true) = (number, apply, form.errors.is_empty()) else {
        if form.errors.is_empty() {
            form.general = Some("the form was altered; reload the page".into());
        }
        return bill_page(
            &state,
            &visitor,
            &raw,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
        )
        .await;
    };
    let request = service::PublishVersion {
        number,
        label,
        note: field(&fields, "note").trim().to_string(),
        articles: None,
        apply: Some(apply),
        provenance: Vec::new(),
    };
    let publish = service::publish_version(&state, &session.actor, bill_id, request);
    match once(&state, session, &visitor.path, &fields, publish).await {
        Ok(accepted) => redirect(format!("/bills/{bill_id}?after={}", accepted.log_index)),
        Err(problem) => match refused(&state, &visitor, problem, form) {
            Ok((status, form)) => bill_page(&state, &visitor, &raw, status, form).await,
            Err(page) => *page,
        },
    }
}
