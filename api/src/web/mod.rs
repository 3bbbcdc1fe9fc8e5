//! Server-rendered HTML pages for citizens and auditors: home, bill, article history, amendment,
//! audit; sign-in and the write forms. No JavaScript. Pages read the same views through the same
//! queries (`crate::reads`) as the JSON routes, and forms run the same use cases
//! (`crate::service`); templates (askama, `templates/`) escape every value.
//!
//! Every answer carries a strict Content-Security-Policy and `nosniff`; pages are `no-store`
//! (they hold a CSRF token and the signed-in pseudonym).

pub mod forms;
mod i18n;
mod pages;
pub mod session;

use std::sync::LazyLock;

use askama::Template;
use axum::extract::{FromRequestParts, RawQuery, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::DateTime;
use chrono_tz::Tz;

pub use i18n::{Lang, Texts};
use session::{csrf_token, Visitor, LANG_COOKIE};

use crate::http::problem::Problem;
use crate::state::AppState;

/// Whether a path belongs to the pages (answered in HTML) rather than to the JSON API.
pub fn is_page_path(path: &str) -> bool {
    !(path == "/api" || path.starts_with("/api/") || path == "/healthz")
}

/// The pages and forms, to merge into the app's router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/bills/{bill_id}", get(pages::bill))
        .route(
            "/bills/{bill_id}/articles/{article_id}",
            get(pages::article),
        )
        .route("/amendments/{amendment_id}", get(pages::amendment))
        .route("/audit", get(pages::audit))
        .route("/sign-in", get(forms::sign_in_page).post(forms::sign_in))
        // A GET on a form's address (a reload of a form sent back with its errors, the language
        // switch of such a page) goes to the page the form lives on.
        .route("/sign-out", get(to_form_page).post(forms::sign_out))
        .route(
            "/bills/{bill_id}/versions",
            get(to_form_page).post(forms::publish_version),
        )
        .route(
            "/bills/{bill_id}/articles/{article_id}/vote",
            get(to_form_page).post(forms::vote_on_article),
        )
        .route(
            "/bills/{bill_id}/articles/{article_id}/amendments",
            get(to_form_page).post(forms::submit_amendment),
        )
        .route(
            "/amendments/{amendment_id}/vote",
            get(to_form_page).post(forms::vote_on_amendment),
        )
        .route(
            "/amendments/{amendment_id}/arguments",
            get(to_form_page).post(forms::argue),
        )
        .route(
            "/amendments/{amendment_id}/decision",
            get(to_form_page).post(forms::decide),
        )
        .route("/robots.txt", get(robots))
        .route("/static/site.css", get(stylesheet))
        // Browsers ask for /favicon.ico on their own; a 404 there is an error in every console.
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .layer(middleware::map_response(security_headers))
}

const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}

/// What a GET on an address the site does not have answers (outside `/api/` and `/healthz`,
/// which answer problem+json): the 404 page in the visitor's language.
pub async fn not_found(state: &AppState, request: Request) -> Response {
    let visitor = visitor_of(state, request).await;
    let problem = Problem::not_found(format!("there is no page at {}", visitor.path));
    security_headers(problem_page(state, &visitor, problem)).await
}

/// A method an HTML address does not take (e.g. a POST on a read page): the 405 page.
pub async fn method_not_allowed(state: &AppState, request: Request) -> Response {
    let visitor = visitor_of(state, request).await;
    let problem = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!("{} does not take this method", visitor.path),
    );
    security_headers(problem_page(state, &visitor, problem)).await
}

async fn visitor_of(state: &AppState, request: Request) -> Visitor {
    let (mut parts, _) = request.into_parts();
    match Visitor::from_request_parts(&mut parts, state).await {
        Ok(visitor) => visitor,
        Err(never) => match never {},
    }
}

/// The page whose form posts to `path`: a form's address is its page's address plus one
/// segment (`/amendments/{id}/vote` → `/amendments/{id}`); sign-out, in every page's header,
/// goes home. Any other address is a page of its own.
fn page_of_form(path: &str) -> &str {
    const FORM_SEGMENTS: [&str; 5] = [
        "/vote",
        "/arguments",
        "/decision",
        "/amendments",
        "/versions",
    ];
    if path == "/sign-out" {
        return "/";
    }
    FORM_SEGMENTS
        .iter()
        .find_map(|segment| path.strip_suffix(segment))
        .filter(|page| page.len() > 1)
        .unwrap_or(path)
}

/// GET on a form's address: 303 to its page, keeping `?lang=`. The address is the request's
/// own (still percent-encoded) path, so it is always a valid `Location`, on this site.
async fn to_form_page(visitor: Visitor) -> Response {
    let page = page_of_form(&visitor.path);
    let to = match visitor.query.get("lang").and_then(|l| Lang::parse(l)) {
        Some(lang) => format!("{page}?lang={}", lang.code()),
        None => page.to_string(),
    };
    Redirect::to(&to).into_response()
}

async fn robots() -> Response {
    (
        [
            (CONTENT_TYPE, "text/plain; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        "User-agent: *\nAllow: /\n",
    )
        .into_response()
}

const SITE_CSS: &str = include_str!("site.css");

/// The stylesheet's version: the start of its content's hash.
static CSS_VERSION: LazyLock<String> =
    LazyLock::new(|| blake3::hash(SITE_CSS.as_bytes()).to_hex()[..12].to_string());

/// The stylesheet's address, versioned by its content so it can be cached for a year.
static CSS_HREF: LazyLock<String> =
    LazyLock::new(|| format!("/static/site.css?v={}", CSS_VERSION.as_str()));

/// The stylesheet. Only its current versioned address is cached for a year (`immutable`): any
/// other (no `v`, an old or made-up one) gets five minutes, or a cache would keep an old
/// stylesheet under an address that will serve a new one.
async fn stylesheet(RawQuery(query): RawQuery) -> Response {
    let current = query.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair == format!("v={}", CSS_VERSION.as_str()))
    });
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, cache),
        ],
        SITE_CSS,
    )
        .into_response()
}

const FAVICON_SVG: &str = include_str!("favicon.svg");

async fn favicon() -> Response {
    (
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_SVG,
    )
        .into_response()
}

/// What every page's frame shows: language, the signed-in pseudonym, the CSRF token of the
/// forms, the language switch.
pub struct Chrome {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub title: String,
    pub user: Option<String>,
    pub official: bool,
    pub csrf: String,
    /// A fresh id per rendered page, sent back by its forms: a form sent twice from one page
    /// (a double click, a resend after a lost answer) is recorded once.
    pub submission: String,
    /// The sign-in page, asked to come back to this page afterwards.
    pub sign_in_href: String,
    pub switch_href: String,
    pub switch_lang: &'static str,
    pub css_href: &'static str,
}

/// The address of the page shown: a page rendered in answer to a POST (a form sent back with
/// its errors) is the form's page, not the address the form posted to.
/// Where to go back to after signing in: a page of this site, given as a path. Anything else
/// (another site, `//host`, a backslash trick, an API address) is ignored: no open redirect.
pub fn return_path(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    (local && is_page_path(next)).then_some(next)
}

fn page_path(visitor: &Visitor) -> &str {
    if visitor.method == Method::GET || visitor.method == Method::HEAD {
        &visitor.path
    } else {
        page_of_form(&visitor.path)
    }
}

impl Chrome {
    pub fn new(state: &AppState, visitor: &Visitor, title: impl Into<String>) -> Self {
        let other = visitor.lang.other();
        // The same page in the other language; only the paging parameters are kept (digits).
        let mut query: Vec<String> = ["cursor", "limit", "log_index"]
            .iter()
            .filter_map(|key| {
                visitor
                    .query
                    .get(*key)
                    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .map(|v| format!("{key}={v}"))
            })
            .collect();
        query.push(format!("lang={}", other.code()));
        Self {
            t: visitor.lang.texts(),
            lang: visitor.lang.code(),
            title: title.into(),
            user: visitor
                .session
                .as_ref()
                .map(|s| s.actor.participant.as_str().to_string()),
            official: visitor.session.as_ref().is_some_and(|s| s.is_official()),
            csrf: csrf_token(state, visitor.session.as_ref().map(|s| s.token.as_str())),
            submission: uuid::Uuid::new_v4().to_string(),
            sign_in_href: match page_path(visitor) {
                "/" | "/sign-in" => "/sign-in".to_string(),
                path => format!(
                    "/sign-in?next={}",
                    percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
                ),
            },
            switch_href: format!("{}?{}", page_path(visitor), query.join("&")),
            switch_lang: other.code(),
            css_href: CSS_HREF.as_str(),
        }
    }
}

/// Renders a page: HTML, `no-store`, and the `lang` cookie when `?lang=` chose the language.
pub fn render(visitor: &Visitor, status: StatusCode, template: &impl Template) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "a page template failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let mut response = (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response();
    if visitor.lang_chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            visitor.lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    message: String,
    detail: Option<String>,
}

/// An error as a page in the visitor's language, with the problem's status; the problem's
/// detail (English, precise) is shown as the technical detail.
pub fn problem_page(state: &AppState, visitor: &Visitor, problem: Problem) -> Response {
    let t = visitor.lang.texts();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let heading = match status {
        StatusCode::NOT_FOUND => t.not_found_title,
        StatusCode::BAD_REQUEST => t.bad_request_title,
        StatusCode::FORBIDDEN => t.forbidden_title,
        StatusCode::UNAUTHORIZED => t.unauthorized_title,
        StatusCode::METHOD_NOT_ALLOWED => t.method_not_allowed_title,
        StatusCode::SERVICE_UNAVAILABLE => t.unavailable_title,
        _ => t.error_title,
    };
    let detail = (status != StatusCode::INTERNAL_SERVER_ERROR).then_some(problem.detail.clone());
    // The problem's title is English; the page says what happened in its own language.
    let message = match status {
        StatusCode::UNAUTHORIZED => t.sign_in_first,
        StatusCode::NOT_FOUND => t.not_found_message,
        StatusCode::BAD_REQUEST => t.bad_request_message,
        StatusCode::PAYLOAD_TOO_LARGE => t.too_large_message,
        StatusCode::FORBIDDEN => t.forbidden_message,
        StatusCode::METHOD_NOT_ALLOWED => t.method_not_allowed_message,
        StatusCode::CONFLICT => t.conflict_message,
        StatusCode::UNPROCESSABLE_ENTITY => t.invalid_message,
        StatusCode::TOO_MANY_REQUESTS => t.too_many_requests_message,
        StatusCode::SERVICE_UNAVAILABLE => t.unavailable_message,
        _ => t.internal_message,
    }
    .to_string();
    error_page(state, visitor, status, heading, message, detail)
}

pub fn error_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    heading: &str,
    message: String,
    detail: Option<String>,
) -> Response {
    let page = ErrorPage {
        chrome: Chrome::new(state, visitor, heading),
        message,
        detail,
    };
    let mut response = render(visitor, status, &page);
    if let Some(seconds) = (status == StatusCode::SERVICE_UNAVAILABLE).then_some(1) {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

/// An instant as shown: in the organisation's zone, with its offset, and machine-readable.
pub struct When {
    pub iso: String,
    pub text: String,
}

/// Shows instants of the views (RFC 3339) in the organisation's time zone.
#[derive(Clone, Copy)]
pub struct Clock {
    pub zone: Tz,
    pub lang: Lang,
}

impl Clock {
    pub fn when(&self, rfc3339: &str) -> When {
        match DateTime::parse_from_rfc3339(rfc3339) {
            Ok(at) => self.at(at.to_utc()),
            Err(_) => When {
                iso: rfc3339.to_string(),
                text: rfc3339.to_string(),
            },
        }
    }

    pub fn at(&self, at: DateTime<chrono::Utc>) -> When {
        let local = at.with_timezone(&self.zone);
        let format = match self.lang {
            Lang::Fr => "%d/%m/%Y %H:%M (UTC%:z)",
            Lang::En => "%Y-%m-%d %H:%M (UTC%:z)",
        };
        When {
            iso: local.to_rfc3339(),
            text: local.format(format).to_string(),
        }
    }

    /// A recorded sentence (a timeline step) with each RFC 3339 instant in it shown as the
    /// page shows instants: in the organisation's zone, in the page's format.
    pub fn instants_in_text(&self, text: &str) -> String {
        text.split(' ')
            .map(|word| {
                // An instant ends with a digit or `Z`; what follows is punctuation.
                let end = word
                    .rfind(|c: char| c.is_ascii_digit() || c == 'Z')
                    .map_or(0, |i| i + 1);
                let (instant, rest) = word.split_at(end);
                match DateTime::parse_from_rfc3339(instant) {
                    Ok(at) => format!("{}{rest}", self.at(at.to_utc()).text),
                    Err(_) => word.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A date alone, for "consultation open until …".
    pub fn date(&self, at: DateTime<chrono::Utc>) -> When {
        let local = at.with_timezone(&self.zone);
        let format = match self.lang {
            Lang::Fr => "%d/%m/%Y à %H:%M (UTC%:z)",
            Lang::En => "%Y-%m-%d at %H:%M (UTC%:z)",
        };
        When {
            iso: local.to_rfc3339(),
            text: local.format(format).to_string(),
        }
    }
}
