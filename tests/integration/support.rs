use std::path::PathBuf;

use projections::{DatabaseUrl, EventStore};
use serde_json::json;
use tempfile::TempDir;

/// Where the PostgreSQL tests connect: a server where the user may create databases.
pub fn postgres_admin_url() -> String {
    std::env::var("PALIMPSEST_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh, empty database of one backend, deleted when dropped.
pub struct TestDb {
    pub store: EventStore,
    pub url: DatabaseUrl,
    _dir: Option<TempDir>,
    postgres_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path: PathBuf = dir.path().join("palimpsest.db");
        let url = DatabaseUrl::Sqlite(path);
        let store = EventStore::open(&url).await.expect("open sqlite");
        Self {
            store,
            url,
            _dir: Some(dir),
            postgres_name: None,
        }
    }

    pub async fn postgres() -> Self {
        use sqlx::Connection;
        let admin = postgres_admin_url();
        let name = format!("palimpsest_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                "PostgreSQL tests need a server at {admin} ({e}). Run the suite with ops/test.sh, \
                 which finds or starts one, or set PALIMPSEST_TEST_POSTGRES_URL."
            )
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let url = DatabaseUrl::Postgres(database_url_for(&admin, &name));
        let store = EventStore::open(&url).await.expect("open postgres");
        Self {
            store,
            url,
            _dir: None,
            postgres_name: Some(name),
        }
    }

    /// Another handle on this database (e.g. from `reopen`) that does not delete it when dropped.
    pub fn borrowed(&self, store: EventStore) -> TestDb {
        TestDb {
            store,
            url: self.url.clone(),
            _dir: None,
            postgres_name: None,
        }
    }

    /// A second handle on the same database, as another process would open it.
    pub async fn reopen(&self) -> EventStore {
        EventStore::open(&self.url).await.expect("reopen")
    }
}

fn database_url_for(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin, String::new()),
    };
    let without_db = match base.rfind('/') {
        Some(i) if i > base.find("://").map(|s| s + 2).unwrap_or(0) => &base[..i],
        _ => base,
    };
    format!("{without_db}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_name.take() {
            let admin = postgres_admin_url();
            // Dropping needs async I/O; do it on a thread of its own so any runtime state is fine.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Declares `mod NAME { sqlite; postgres }`: the scenario `async fn NAME(TestDb)` on both backends.
macro_rules! both_backends {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    super::$scenario($crate::support::TestDb::sqlite().await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() {
                    super::$scenario($crate::support::TestDb::postgres().await).await
                }
            }
        )+
    };
}
pub(crate) use both_backends;

/// A minimal pending event for store-level tests.
pub fn pending(stream: &str, sequence: u64, text: &str) -> projections::PendingEvent {
    projections::PendingEvent {
        stream_type: "note".into(),
        stream_id: stream.into(),
        sequence,
        event_type: "NoteWritten".into(),
        event_version: "1".into(),
        payload: json!({ "NoteWritten": { "text": text, "n": sequence } }),
        metadata: json!({ "occurred_at": "2015-09-26T10:00:00+02:00" }),
        actor: "u0123456789".into(),
    }
}

/// The app on a test database, driven without a socket.
pub struct TestApp {
    pub db: TestDb,
    pub router: axum::Router,
    /// The app's live views (to catch them up or inspect them from a test).
    pub views: projections::views::Views,
}

/// A decoded HTTP answer.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: serde_json::Value,
}

impl TestApp {
    /// An app with the default settings, but no write limits (most scenarios write fast with
    /// one token; the limits have their own tests).
    pub async fn new(db: TestDb) -> Self {
        let settings = api::state::Settings {
            write_limits: api::http::rate_limit::WriteLimits::off(),
            ..api::state::Settings::default()
        };
        Self::with_settings(db, settings).await
    }

    /// An app with these settings (time zone, clock, write limits).
    pub async fn with_settings(db: TestDb, settings: api::state::Settings) -> Self {
        let state = api::server::app_state_with(db.store.clone(), test_signing_key(), settings)
            .await
            .unwrap();
        Self {
            views: state.views.clone(),
            router: api::routes::router(state),
            db,
        }
    }

    pub async fn token(&self, participant: &str, roles: &[&str]) -> String {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        api::auth::issue_token(&self.db.store, participant, &roles, "test")
            .await
            .unwrap()
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut builder = axum::http::Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string())),
            None => builder.body(axum::body::Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// A GET whose body is not JSON (CSV, NDJSON, XML): status, Content-Type and the text.
    pub async fn get_text(&self, path: &str) -> (u16, String, String) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(bytes.to_vec()).expect("a UTF-8 body");
        (status, content_type, text)
    }

    /// Sends a request as built; answers the status, the headers and the body as text.
    pub async fn send(
        &self,
        request: axum::http::Request<axum::body::Body>,
    ) -> (u16, axum::http::HeaderMap, String) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request("GET", path, None, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: serde_json::Value) -> Answer {
        self.request("POST", path, Some(token), Some(&body.to_string()))
            .await
    }
}

impl Answer {
    /// Asserts a problem+json answer with this status and returns its detail.
    #[track_caller]
    pub fn problem(&self, status: u16) -> String {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["status"], status);
        self.body["detail"].as_str().unwrap_or_default().to_string()
    }
}

/// A fixed signing key for tests (never use a known seed in production).
pub fn test_signing_key() -> domain::integrity::checkpoint::SigningKey {
    domain::integrity::checkpoint::SigningKey::from_seed("palimpsest.test/log", [9; 32]).unwrap()
}

/// Runs the independent Python verifier (tests/verifier) with these arguments.
pub fn python_verifier(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("verifier/palimpsest_verify.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 must be installed to run the independent verifier");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(
        output.status.code(),
        Some(2),
        "the Python verifier could not run (pip install blake3 cryptography; ops/test.sh does it): {text}"
    );
    (output.status.success(), text)
}

/// Sends a POST with an arbitrary Content-Type; returns the status.
pub trait ContentTypeProbe {
    async fn oneshot_with_content_type(self, path: &str, token: &str, content_type: &str) -> u16;
}

impl ContentTypeProbe for axum::Router {
    async fn oneshot_with_content_type(self, path: &str, token: &str, content_type: &str) -> u16 {
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("bEaReR {token}"))
            .header("content-type", content_type)
            .body(axum::body::Body::from("{}"))
            .unwrap();
        self.oneshot(request).await.unwrap().status().as_u16()
    }
}
