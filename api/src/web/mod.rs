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
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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
        .route("/sign-out", post(forms::sign_out))
        .route("/bills/{bill_id}/versions", post(forms::publish_version))
        .route(
            "/bills/{bill_id}/articles/{article_id}/vote",
            post(forms::vote_on_article),
        )
        .route(
            "/bills/{bill_id}/articles/{article_id}/amendments",
            post(forms::submit_amendment),
        )
        .route(
            "/amendments/{amendment_id}/vote",
            post(forms::vote_on_amendment),
        )
        .route("/amendments/{amendment_id}/arguments", post(forms::argue))
        .route("/amendments/{amendment_id}/decision", post(forms::decide))
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

const SITE_CSS: &str = include_str!("site.css");

/// The stylesheet's address, versioned by its content so it can be cached for a year.
static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    format!(
        "/static/site.css?v={}",
        &blake3::hash(SITE_CSS.as_bytes()).to_hex()[..12]
    )
});

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
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
    pub switch_href: String,
    pub switch_lang: &'static str,
    pub css_href: &'static str,
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
            switch_href: format!("{}?{}", visitor.path, query.join("&")),
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
        StatusCode::SERVICE_UNAVAILABLE => t.unavailable_title,
        _ => t.error_title,
    };
    let detail = (status != StatusCode::INTERNAL_SERVER_ERROR).then_some(problem.detail.clone());
    let message = match status {
        StatusCode::UNAUTHORIZED => t.sign_in_first.to_string(),
        _ => problem.title.clone(),
    };
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
