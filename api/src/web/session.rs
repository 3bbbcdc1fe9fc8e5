//! Who is looking at a page: their language, and, once signed in, their session.
//!
//! Sign-in stores the API bearer token the person pasted in a cookie (`HttpOnly`,
//! `SameSite=Strict`, `Path=/`, `Secure` when the request came over https); every page request
//! maps it to the actor exactly as the API maps an `Authorization` header
//! ([`crate::auth::actor_for_token`]), so a revoked token signs the person out at once.
//!
//! CSRF: every POST form carries `csrf` = keyed blake3 of the session token, under a key derived
//! from the checkpoint signing key (see [`csrf_key`]); a POST whose token does not match, or
//! whose `Origin` (or `Sec-Fetch-Site`) names another site, is refused before anything runs.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::{FromRequestParts, Query};
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use domain::actor::{Actor, Role};

use super::i18n::Lang;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "palimpsest_session";
pub const LANG_COOKIE: &str = "lang";

/// The blake3 context of the CSRF key (domain separation from every other use of the key).
const CSRF_CONTEXT: &str = "palimpsest 2026 web-forms CSRF token key v1";

/// The key of the CSRF MACs, derived from the checkpoint signing key's secret.
///
/// Why the signing key rather than a per-process random secret: the forms keep working across a
/// restart (a deploy does not turn every open form into a 403) and across several API nodes
/// sharing the key (the scale-out plan), with no new secret to provision. `derive_key` with its
/// own context makes the MAC key independent of the signing key: knowing MACs reveals nothing
/// about it, and a MAC is never a signature. The MAC input is the session token itself, which
/// only the signed-in browser (and the server) knows.
fn csrf_key(state: &AppState) -> [u8; 32] {
    state.signer.derive_secret(CSRF_CONTEXT)
}

/// The CSRF token of a session (hex); of the empty session before sign-in.
pub fn csrf_token(state: &AppState, session_token: Option<&str>) -> String {
    blake3::keyed_hash(&csrf_key(state), session_token.unwrap_or("").as_bytes())
        .to_hex()
        .to_string()
}

/// Whether `given` is the CSRF token of this session (compared in constant time).
pub fn csrf_matches(state: &AppState, session_token: Option<&str>, given: Option<&str>) -> bool {
    let Some(given) = given.and_then(|g| blake3::Hash::from_hex(g.trim()).ok()) else {
        return false;
    };
    let expected = blake3::keyed_hash(&csrf_key(state), session_token.unwrap_or("").as_bytes());
    // blake3::Hash's equality is constant-time.
    expected == given
}

/// Whether a POST comes from our own pages: no `Sec-Fetch-Site: cross-site`/`same-site`, and an
/// `Origin`, when sent, whose host is the `Host` the request was sent to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if matches!(site, "cross-site" | "same-site") {
            return false;
        }
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(origin_host) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        // "null" (sandboxed or privacy-sensitive contexts) and any other scheme.
        return false;
    };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).or_else(|| {
        headers
            .get("x-forwarded-host")
            .and_then(|h| h.to_str().ok())
    });
    host.is_some_and(|host| host.eq_ignore_ascii_case(origin_host.trim_end_matches('/')))
}

/// The token a signed-in browser presents (its session cookie), whether or not it is valid:
/// the write limits count forms per token, as they count the API's bearer tokens.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookies(headers)
        .remove(SESSION_COOKIE)
        .filter(|token| !token.is_empty())
}

/// The cookies of a request, by name (the first of a repeated name).
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for header in headers.get_all(COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                found
                    .entry(name.trim().to_string())
                    .or_insert_with(|| value.trim().to_string());
            }
        }
    }
    found
}

/// A token as it may appear in a cookie: visible ASCII without separators.
pub fn plausible_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 200
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether the request reached us over https (directly, or through a proxy saying so).
pub fn over_https(parts_uri_scheme: Option<&str>, headers: &HeaderMap) -> bool {
    parts_uri_scheme == Some("https")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The session cookie (`Max-Age` 0 clears it).
pub fn session_cookie(value: &str, secure: bool, max_age: u64) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A signed-in person.
#[derive(Clone)]
pub struct Session {
    pub token: String,
    pub actor: Actor,
}

impl Session {
    pub fn is_official(&self) -> bool {
        self.actor.has(Role::Official)
    }
}

/// The person asking for a page: language, session, and what the response needs to know.
pub struct Visitor {
    pub lang: Lang,
    /// `?lang=` was given: the answer remembers it in the `lang` cookie.
    pub lang_chosen: bool,
    pub session: Option<Session>,
    pub secure: bool,
    /// The request's method and path (still percent-encoded).
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        let cookies = cookies(&parts.headers);
        let chosen = query.get("lang").and_then(|l| Lang::parse(l));
        let lang = chosen
            .or_else(|| cookies.get(LANG_COOKIE).and_then(|l| Lang::parse(l)))
            .or_else(|| Lang::from_accept_language(&parts.headers))
            .unwrap_or(Lang::Fr);
        let session = match cookies.get(SESSION_COOKIE) {
            Some(token) if plausible_token(token) => {
                match crate::auth::actor_for_token(&state.store, token).await {
                    Ok(actor) => Some(Session {
                        token: token.clone(),
                        actor,
                    }),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        Ok(Self {
            lang,
            lang_chosen: chosen.is_some(),
            session,
            secure: over_https(parts.uri.scheme_str(), &parts.headers),
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            query,
        })
    }
}
