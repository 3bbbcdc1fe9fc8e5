//! The OpenAPI 3.1 document (`GET /api/openapi.json`): it is valid against the official 3.1
//! schema, every route the router answers is in it and every operation it lists is answered,
//! each operation says what a client generator needs, and real answers match its schemas.
//!
//! The route list is read from the document and the router is probed with it; the router and
//! the document are built from the same `routes!` declarations (`api::routes`), and the tidy
//! check below keeps `axum::routing` (routes the document would miss) out of `api/src/routes`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::support::{both_backends, TestApp, TestDb};

both_backends!(every_documented_success_schema_matches_a_real_answer);

/// The official OpenAPI 3.1 schema (`$id` https://spec.openapis.org/oas/3.1/schema/2026-08-03),
/// vendored: see `openapi/SOURCE.md`.
const OAS_31_SCHEMA: &str = include_str!("openapi/oas-3.1-schema.json");

pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    /// As documented, with `{placeholders}`.
    pub path: String,
    pub spec: Value,
}

impl Operation {
    pub fn id(&self) -> &str {
        self.spec["operationId"].as_str().unwrap_or("?")
    }

    pub fn is_write(&self) -> bool {
        self.method != "get"
    }

    /// The documented parameters `in` a place (path, query, header).
    pub fn parameters(&self, place: &str) -> Vec<Value> {
        self.spec["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == place).cloned().collect())
            .unwrap_or_default()
    }

    /// The success response (2xx) and its status.
    pub fn success(&self) -> (u16, Value) {
        let responses = self.spec["responses"].as_object().expect("responses");
        let (status, response) = responses
            .iter()
            .find(|(s, _)| s.starts_with('2'))
            .unwrap_or_else(|| panic!("{} has no 2xx response", self.id()));
        (status.parse().unwrap(), response.clone())
    }

    pub fn documents_status(&self, status: u16) -> bool {
        self.spec["responses"].get(status.to_string()).is_some()
    }

    /// The JSON request body's schema, if the operation takes one.
    pub fn request_schema(&self) -> Option<Value> {
        self.spec
            .pointer("/requestBody/content/application~1json/schema")
            .cloned()
    }
}

/// The document as the router builds it (and serves it).
pub fn document() -> Value {
    api::routes::openapi_document()
}

/// Every operation of the document, in document order.
pub fn operations(document: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(spec) = item.get(method) {
                operations.push(Operation {
                    method: method.to_string(),
                    path: path.clone(),
                    spec: spec.clone(),
                });
            }
        }
    }
    operations
}

/// Resolves a `{"$ref": "#/components/…"}` (once) in the document.
pub fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved reference {reference}")),
        None => value,
    }
}

/// A JSON Schema validator for `schema`, a schema of the document (its `$ref`s into the
/// document's components resolve).
pub fn validator(document: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": document["components"],
    });
    jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("the schema {schema} does not compile: {e}"))
}

/// The errors of `instance` against `schema`, as text (empty when it is valid).
pub fn schema_errors(document: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    validator(document, schema)
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A path of the document with its placeholders filled from `ids`.
pub fn concrete_path(template: &str, ids: &BTreeMap<&str, String>) -> String {
    let mut path = template.to_string();
    for (name, value) in ids {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(
        !path.contains('{'),
        "no value for a placeholder of {template}: give one in the test's ids"
    );
    path
}

/// A value for each path placeholder that routes to the handler, whether or not it names
/// something that exists.
fn any_ids() -> BTreeMap<&'static str, String> {
    let unknown = "00000000-0000-4000-8000-000000000000".to_string();
    BTreeMap::from([
        ("bill_id", unknown.clone()),
        ("amendment_id", unknown.clone()),
        ("article_id", unknown),
        ("number", "1".into()),
        ("file", "contributions.csv".into()),
    ])
}

#[test]
fn the_document_is_valid_against_the_official_openapi_3_1_schema() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    let meta: Value = serde_json::from_str(OAS_31_SCHEMA).expect("vendored schema is JSON");
    let validator = jsonschema::validator_for(&meta).expect("the OpenAPI 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid OpenAPI 3.1:\n{}",
        errors.join("\n")
    );
    // The 3.1 schema leaves Schema Objects to JSON Schema: each must compile as one.
    for (name, schema) in document["components"]["schemas"]
        .as_object()
        .expect("component schemas")
    {
        let _ = validator_for_component(&document, name, schema);
    }
}

fn validator_for_component(document: &Value, name: &str, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": document["components"],
    });
    jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("component schema {name} is not a valid JSON Schema: {e}"))
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn walk(document: &Value, value: &Value, at: &str, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    if document
                        .pointer(reference.trim_start_matches('#'))
                        .is_none()
                    {
                        missing.push(format!("{reference} (at {at})"));
                    }
                }
                for (k, v) in map {
                    walk(document, v, &format!("{at}/{k}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(document, v, &format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let document = document();
    let mut missing = Vec::new();
    walk(&document, &document, "", &mut missing);
    assert!(missing.is_empty(), "references to nothing: {missing:?}");
}

#[test]
fn every_operation_has_an_id_a_summary_typed_parameters_and_its_responses() {
    let document = document();
    let operations = operations(&document);
    assert!(
        operations.len() >= 36,
        "only {} operations",
        operations.len()
    );
    let mut ids = BTreeSet::new();
    for op in &operations {
        let name = format!("{} {} ({})", op.method.to_uppercase(), op.path, op.id());
        assert!(
            ids.insert(op.id().to_string()),
            "{name}: operationId used twice"
        );
        assert!(
            op.spec["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{name}: no summary"
        );
        for parameter in op.spec["parameters"].as_array().into_iter().flatten() {
            assert!(
                parameter["schema"].is_object(),
                "{name}: parameter {} has no schema",
                parameter["name"]
            );
        }
        // Every placeholder of the path is a documented, required path parameter.
        for segment in op.path.split('/') {
            if let Some(placeholder) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let documented = op
                    .parameters("path")
                    .iter()
                    .any(|p| p["name"] == placeholder && p["required"] == true);
                assert!(
                    documented,
                    "{name}: path parameter {placeholder} undocumented"
                );
            }
        }
        let (status, success) = op.success();
        let content = success["content"].as_object();
        assert!(
            content.is_some_and(|c| c.values().all(|m| m["schema"].is_object())),
            "{name}: the {status} answer has no content schema"
        );
        // Every error answer is problem+json with the Problem schema.
        for (status, response) in op.spec["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                let response = resolve(&document, response);
                let schema = response.pointer("/content/application~1problem+json/schema");
                assert_eq!(
                    schema,
                    Some(&json!({"$ref": "#/components/schemas/Problem"})),
                    "{name}: {status} is not documented as problem+json"
                );
            }
        }
        if op.is_write() {
            assert_eq!(
                op.spec["security"],
                json!([{"bearer": []}]),
                "{name}: a write must declare the bearer scheme"
            );
            for status in [401, 403, 429] {
                assert!(op.documents_status(status), "{name}: {status} undocumented");
            }
            let retry_after = op.spec.pointer("/responses/429/headers/Retry-After");
            assert!(retry_after.is_some(), "{name}: 429 without Retry-After");
            if status == 201 && op.id() != "sign_now" {
                assert!(
                    success.pointer("/headers/Idempotent-Replayed").is_some(),
                    "{name}: 201 without the Idempotent-Replayed header"
                );
                assert!(
                    op.parameters("header")
                        .iter()
                        .any(|p| p["name"] == "Idempotency-Key"),
                    "{name}: no Idempotency-Key header"
                );
            }
        }
        if let Some(schema) = op.request_schema() {
            let example = op
                .spec
                .pointer("/requestBody/content/application~1json/example")
                .unwrap_or_else(|| panic!("{name}: the request body has no example"));
            let errors = schema_errors(&document, &schema, example);
            assert!(
                errors.is_empty(),
                "{name}: the request example does not match its schema: {errors:?}"
            );
        }
    }
    let security = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(security["type"], "http");
    assert_eq!(security["scheme"], "bearer");
    let events = operations
        .iter()
        .find(|op| op.id() == "bill_events")
        .expect("the event stream is documented");
    assert!(events.success().1["content"]["text/event-stream"].is_object());
    assert!(events
        .parameters("header")
        .iter()
        .any(|p| p["name"] == "Last-Event-ID"));
}

#[tokio::test]
async fn every_documented_operation_is_answered_and_no_other_method_is() {
    let app = TestApp::new(TestDb::sqlite().await).await;
    let document = document();
    let mut by_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in operations(&document) {
        by_path.entry(op.path).or_default().insert(op.method);
    }
    for (template, methods) in &by_path {
        let path = concrete_path(template, &any_ids());
        for method in METHODS {
            let answer = app.request(&method.to_uppercase(), &path, None, None).await;
            let routed = !(answer.status == 405
                || answer.status == 404
                    && answer.body["detail"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("no such route")));
            assert_eq!(
                routed,
                methods.contains(method),
                "{} {path} (documented as {template}): answered {} {}; the router and the document disagree",
                method.to_uppercase(),
                answer.status,
                answer.body
            );
        }
    }
}

#[tokio::test]
async fn a_path_outside_the_document_is_not_routed() {
    let app = TestApp::new(TestDb::sqlite().await).await;
    for path in [
        "/api/v1",
        "/api/v1/nothing",
        "/api/v2/bills",
        "/api/v1/bills/x/y/z/w",
    ] {
        let answer = app.get(path).await;
        let detail = answer.problem(404);
        assert!(detail.starts_with("no such route"), "{path}: {detail}");
    }
}

#[test]
fn routes_are_only_added_through_their_openapi_declarations() {
    // `axum::routing::{get, post, …}` would add a route the document does not list; the route
    // modules use `utoipa_axum::routes!` instead. (HTML pages live outside `api/src/routes`.)
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src/routes");
    for entry in std::fs::read_dir(&dir).expect("api/src/routes") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for forbidden in [
                "axum::routing",
                ".route(",
                ".route_service(",
                ".nest_service(",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses `{forbidden}`: add routes with `.routes(routes!(handler))` so the \
                     OpenAPI document lists them",
                    path.display()
                );
            }
        }
    }
}

#[tokio::test]
async fn the_document_is_served_as_json_and_is_the_one_the_router_builds() {
    let app = TestApp::new(TestDb::sqlite().await).await;
    let answer = app.get("/api/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.body, document());
    assert!(answer.body["info"]["title"].is_string());
}

/// A bill in consultation with an amendment, a vote, an argument and a signed checkpoint: the
/// ids every route can be called with.
pub struct World {
    pub app: TestApp,
    pub official: String,
    pub citizen: String,
    /// A token whose role may write nothing here.
    pub moderator: String,
    pub ids: BTreeMap<&'static str, String>,
}

pub async fn world(db: TestDb) -> World {
    let app = TestApp::new(db).await;
    let official = app.token("gouvernement", &["official"]).await;
    let citizen = app.token("u0123456789", &["citizen"]).await;
    let moderator = app.token("u0aaaaaaaaa", &["moderator"]).await;
    let created = app
        .post(
            "/api/v1/bills",
            &official,
            json!({"title": "Loi pour une République numérique", "articles": [
                {"number": "1", "heading": "Objet", "text": "Les administrations publient leurs données."},
                {"number": "2", "text": "Les codes sources sont des documents administratifs."}
            ]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let bill = created.body["id"].as_str().unwrap().to_string();
    let closes_at = (chrono::Utc::now() + chrono::Duration::days(21)).to_rfc3339();
    let opened = app
        .post(
            &format!("/api/v1/bills/{bill}/consultation/open"),
            &official,
            json!({ "closes_at": closes_at }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let version = app.get(&format!("/api/v1/bills/{bill}/versions/1")).await;
    let article = version.body["articles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let amended = app
        .post(
            &format!("/api/v1/bills/{bill}/amendments"),
            &citizen,
            json!({"kind": "modify", "article_id": article, "title": "Et leurs codes sources",
                   "proposed_text": "Les administrations publient leurs données et leurs codes sources.",
                   "rationale": "Les algorithmes publics doivent être lisibles."}),
        )
        .await;
    assert_eq!(amended.status, 201, "{}", amended.body);
    let amendment = amended.body["id"].as_str().unwrap().to_string();
    let voted = app
        .post(
            "/api/v1/votes",
            &citizen,
            json!({"target": {"kind": "amendment", "amendment_id": amendment}, "choice": "for"}),
        )
        .await;
    assert_eq!(voted.status, 201, "{}", voted.body);
    let argued = app
        .post(
            "/api/v1/arguments",
            &citizen,
            json!({"target": {"kind": "amendment", "amendment_id": amendment}, "stance": "for", "body": "Oui."}),
        )
        .await;
    assert_eq!(argued.status, 201, "{}", argued.body);
    let signed = app
        .request("POST", "/api/v1/log/checkpoints", Some(&official), None)
        .await;
    assert_eq!(signed.status, 201, "signing a checkpoint");
    let ids = BTreeMap::from([
        ("bill_id", bill),
        ("amendment_id", amendment),
        ("article_id", article),
        ("number", "1".to_string()),
        ("file", "contributions.csv".to_string()),
    ]);
    World {
        app,
        official,
        citizen,
        moderator,
        ids,
    }
}

/// Query parameters some reads need to answer 200.
pub fn required_query(operation_id: &str) -> Vec<(&'static str, String)> {
    match operation_id {
        "inclusion" => vec![("log_index", "1".into())],
        "consistency" => vec![("from", "1".into()), ("to", "2".into())],
        _ => vec![],
    }
}

/// `?k=v&…` of these parameters (empty without any).
pub fn query_string(parameters: &[(&str, String)]) -> String {
    if parameters.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("?{}", pairs.join("&"))
}

async fn every_documented_success_schema_matches_a_real_answer(db: TestDb) {
    let world = world(db).await;
    let document = document();
    let mut checked = 0;
    for op in operations(&document) {
        if op.is_write() || op.id() == "bill_events" {
            continue; // writes: below; the stream never ends (its own tests read it)
        }
        let path = format!(
            "{}{}",
            concrete_path(&op.path, &world.ids),
            query_string(&required_query(op.id()))
        );
        let (status, response) = op.success();
        let (code, content_type, text) = world.app.get_text(&path).await;
        assert_eq!(code, status, "GET {path} ({}): {text}", op.id());
        let content = response["content"].as_object().unwrap();
        let media = content_type.split(';').next().unwrap_or("").trim();
        let schema = &content.get(media).unwrap_or_else(|| {
            panic!(
                "GET {path} ({}) answered {media}, documented {:?}",
                op.id(),
                content.keys()
            )
        })["schema"];
        if media == "application/json" {
            let body: Value = serde_json::from_str(&text).unwrap();
            let errors = schema_errors(&document, schema, &body);
            assert!(
                errors.is_empty(),
                "GET {path} ({}): the answer does not match its documented schema: {errors:?}\n{body}",
                op.id()
            );
            checked += 1;
        }
    }
    assert!(checked >= 19, "only {checked} JSON answers checked");
    // A write's answer.
    let accepted = world
        .app
        .post(
            "/api/v1/votes",
            &world.citizen,
            json!({"target": {"kind": "amendment", "amendment_id": world.ids["amendment_id"]}, "choice": "against"}),
        )
        .await;
    assert_eq!(accepted.status, 201);
    let schema = json!({"$ref": "#/components/schemas/Accepted"});
    assert_eq!(
        schema_errors(&document, &schema, &accepted.body),
        Vec::<String>::new()
    );
}
