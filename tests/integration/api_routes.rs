//! Bad input on every route of the OpenAPI document, on both backends: malformed and unknown ids
//! in the path, bad query parameters and headers, malformed JSON, wrong types, missing, unknown
//! and too long fields, no token, an unknown token, the wrong role. Each is answered with a
//! status the operation documents, as `application/problem+json` whose detail names what was
//! wrong, and a refused write leaves the log as it was.
//!
//! The cases are derived from the document (its operations, parameters and request schemas), so
//! a new route or field gets its bad-input cases without a new line here; what cannot be derived
//! (a valid body for each write, to reach the checks behind the body) is a table that must cover
//! every write the document lists.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

use crate::openapi::{
    concrete_path, document, operations, query_string, required_query, world, Operation, World,
};
use crate::support::{both_backends, TestDb};

both_backends!(every_route_answers_bad_input_with_a_documented_problem_naming_it);

/// One bad request and what it must be answered with.
struct Case {
    /// What is wrong, for the failure message.
    what: String,
    method: String,
    path: String,
    token: Option<String>,
    headers: Vec<(&'static str, String)>,
    /// The raw body and its Content-Type.
    body: Option<(String, &'static str)>,
    status: u16,
    /// Text the problem's detail must contain (the field, parameter or id at fault).
    names: String,
}

/// The answer to a case.
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
}

async fn send(world: &World, case: &Case) -> Answer {
    let mut builder = Request::builder()
        .method(case.method.as_str())
        .uri(&case.path);
    if let Some(token) = &case.token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in &case.headers {
        builder = builder.header(*name, value.as_str());
    }
    let request = match &case.body {
        Some((body, content_type)) => builder
            .header("content-type", *content_type)
            .body(Body::from(body.clone())),
        None => builder.body(Body::empty()),
    }
    .unwrap();
    let (status, headers, text) = world.app.send(request).await;
    Answer {
        status,
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// A body each write accepts from the right role in the test world: the starting point of the
/// cases that break one thing at a time.
fn valid_body(operation_id: &str, ids: &BTreeMap<&str, String>) -> Option<Value> {
    let amendment = json!({"kind": "amendment", "amendment_id": ids["amendment_id"]});
    Some(match operation_id {
        "create_bill" => json!({"title": "Loi", "articles": [{"number": "1", "text": "Texte."}]}),
        "open_consultation" => json!({"closes_at": "2099-12-24T18:00:00+01:00"}),
        "publish_version" => json!({"number": 2, "label": "Texte 2", "note": "",
            "articles": [{"id": ids["article_id"], "number": "1", "text": "Nouveau texte."}]}),
        "submit_amendment" => json!({"kind": "modify", "article_id": ids["article_id"],
            "title": "Titre", "proposed_text": "Texte proposé.", "rationale": "Parce que."}),
        "decide" => json!({"outcome": "rejected", "response": "Non retenue."}),
        "correct_response" => json!({"response": "Non retenue.", "reason": "Coquille."}),
        "vote" => json!({"target": amendment, "choice": "for"}),
        "retract_vote" => json!({"target": amendment}),
        "post_argument" => json!({"target": amendment, "stance": "for", "body": "Oui."}),
        "close_consultation" | "sign_now" => return None,
        other => panic!("no valid body for the write `{other}`: add one to valid_body"),
    })
}

/// The role a write needs, read from its documented description.
fn needs_role(operation: &Operation) -> &'static str {
    let description = operation.spec["description"].as_str().unwrap_or_default();
    if description.contains("official role") {
        "official"
    } else if description.contains("citizen role") {
        "citizen"
    } else {
        panic!(
            "{}: the description does not say which role it needs",
            operation.id()
        )
    }
}

/// A value of the wrong JSON type for a property of this schema.
fn wrong_type(document: &Value, schema: &Value) -> Value {
    let schema = crate::openapi::resolve(document, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object"], // a $ref'd enum or one-of: an object or a string
    };
    if types.contains(&"string") || schema.get("enum").is_some() {
        json!(12345)
    } else if types.contains(&"integer") || types.contains(&"number") {
        json!("twelve")
    } else if types.contains(&"array") {
        json!("not a list")
    } else {
        json!(true)
    }
}

fn cases(world: &World, document: &Value, operation: &Operation) -> Vec<Case> {
    let ids = &world.ids;
    let id = operation.id();
    let path = concrete_path(&operation.path, ids);
    let required = required_query(id);
    let query = query_string(&required);
    let mut cases = Vec::new();
    let token = if operation.is_write() {
        Some(if needs_role(operation) == "official" {
            world.official.clone()
        } else {
            world.citizen.clone()
        })
    } else {
        None
    };
    let valid = if operation.is_write() {
        valid_body(id, ids)
    } else {
        None
    };
    let json_body = |value: &Value| Some((value.to_string(), "application/json"));
    let base = |what: String, path: String, status: u16, names: String| Case {
        what,
        method: operation.method.to_uppercase(),
        path,
        token: token.clone(),
        headers: Vec::new(),
        body: valid.as_ref().and_then(&json_body),
        status,
        names,
    };

    // Path parameters: malformed, and well-formed but naming nothing.
    for parameter in operation.parameters("path") {
        let name = parameter["name"].as_str().unwrap();
        let (malformed, unknown) = match name {
            "number" => ("first", "99".to_string()),
            "file" => ("contributions.pdf", "nothing.csv".to_string()),
            _ => ("not-a-uuid", uuid::Uuid::new_v4().to_string()),
        };
        for bad in [malformed.to_string(), unknown] {
            let mut with = ids.clone();
            with.insert(name, bad.clone());
            let path = format!("{}{query}", concrete_path(&operation.path, &with));
            cases.push(base(
                format!("path parameter {name} = {bad}"),
                path,
                404,
                bad,
            ));
        }
    }

    // Query parameters: each one bad on its own.
    for parameter in operation.parameters("query") {
        let name = parameter["name"].as_str().unwrap();
        let schema = &parameter["schema"];
        let types = schema["type"].to_string();
        let mut bad: Vec<String> = vec![];
        if types.contains("integer") {
            bad.push("twelve".into());
            bad.push("-1".into());
        }
        if types.contains("boolean") {
            bad.push("maybe".into());
        }
        if schema["format"] == "uuid" {
            bad.push("not-a-uuid".into());
        }
        if let Some(max) = schema["maximum"].as_u64() {
            bad.push((max + 1).to_string());
        }
        if schema["minimum"].as_u64() == Some(1) {
            bad.push("0".into());
        }
        match name {
            "cursor" => bad.push("not-a-cursor".into()),
            "stance" | "state" => bad.push("undecided".into()),
            // Beyond the end of the log: nobody was given that index.
            "after" => bad.push("999999".into()),
            _ => {}
        }
        if name == "stream_type" || name == "stream_id" {
            continue; // free text; checked together with `sequence`
        }
        assert!(
            !bad.is_empty(),
            "{id}: no bad value known for ?{name}= (add one)"
        );
        for value in bad {
            let mut parameters: Vec<(&str, String)> = required
                .iter()
                .filter(|(k, _)| *k != name)
                .cloned()
                .collect();
            parameters.push((name, value.clone()));
            let path = format!("{path}{}", query_string(&parameters));
            cases.push(base(
                format!("?{name}={value}"),
                path,
                400,
                name.to_string(),
            ));
        }
    }

    // Header parameters.
    for parameter in operation.parameters("header") {
        let name = parameter["name"].as_str().unwrap();
        let (value, names) = match name {
            "Idempotency-Key" => ("x".repeat(256), "Idempotency-Key"),
            "Last-Event-ID" => ("yesterday".to_string(), "Last-Event-ID"),
            other => panic!("{id}: no bad value known for the header {other}"),
        };
        let mut case = base(
            format!("header {name}: {}", &value[..value.len().min(20)]),
            format!("{path}{query}"),
            400,
            names.to_string(),
        );
        case.headers.push((
            match name {
                "Idempotency-Key" => "idempotency-key",
                _ => "last-event-id",
            },
            value,
        ));
        cases.push(case);
    }

    if !operation.is_write() {
        return cases;
    }

    // Authentication and roles.
    let mut no_token = base("no token".into(), path.clone(), 401, "Bearer".into());
    no_token.token = None;
    cases.push(no_token);
    let mut unknown_token = base("an unknown token".into(), path.clone(), 401, "token".into());
    unknown_token.token = Some("plp_not_a_token_we_issued".into());
    cases.push(unknown_token);
    let role = needs_role(operation);
    let mut wrong_role = base(
        format!("a moderator (needs {role})"),
        path.clone(),
        403,
        role.into(),
    );
    wrong_role.token = Some(world.moderator.clone());
    cases.push(wrong_role);

    // The body.
    let Some(valid) = valid.clone() else {
        return cases;
    };
    let schema = operation
        .request_schema()
        .unwrap_or_else(|| panic!("{id} takes a body but documents no schema"));
    let schema = crate::openapi::resolve(document, &schema).clone();
    let with_body =
        |what: &str, body: String, content_type: &'static str, status: u16, names: &str| {
            let mut case = base(what.to_string(), path.clone(), status, names.to_string());
            case.body = Some((body, content_type));
            case
        };
    cases.push(with_body(
        "malformed JSON",
        r#"{"title": "#.into(),
        "application/json",
        400,
        "JSON",
    ));
    cases.push(with_body(
        "a duplicate key",
        r#"{"a": 1, "a": 2}"#.into(),
        "application/json",
        400,
        "duplicate",
    ));
    cases.push(with_body(
        "a form body",
        "title=Loi".into(),
        "application/x-www-form-urlencoded",
        415,
        "Content-Type: application/json",
    ));
    cases.push(with_body(
        "an array body",
        "[]".into(),
        "application/json",
        422,
        "JSON object",
    ));
    let limit = api::http::json::MAX_BODY_BYTES;
    let too_large = format!(r#"{{"title": "{}"}}"#, "a".repeat(limit));
    cases.push(with_body(
        "a body over the size limit",
        too_large,
        "application/json",
        413,
        &limit.to_string(),
    ));
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for required in schema["required"].as_array().into_iter().flatten() {
        let field = required.as_str().unwrap();
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        cases.push(with_body(
            &format!("missing field {field}"),
            body.to_string(),
            "application/json",
            422,
            field,
        ));
    }
    for (field, property) in &properties {
        let mut body = valid.clone();
        body[field] = wrong_type(document, property);
        cases.push(with_body(
            &format!("field {field} of the wrong type ({})", body[field]),
            body.to_string(),
            "application/json",
            422,
            field,
        ));
        if let Some(max) = property["maxLength"].as_u64() {
            let mut body = valid.clone();
            body[field] = json!("é".repeat(max as usize + 1));
            cases.push(with_body(
                &format!("field {field} one character too long"),
                body.to_string(),
                "application/json",
                422,
                field,
            ));
        }
    }
    if schema["additionalProperties"] == json!(false) {
        let mut body = valid.clone();
        body["surprise"] = json!(1);
        cases.push(with_body(
            "an unknown field",
            body.to_string(),
            "application/json",
            422,
            "surprise",
        ));
    }
    // Ids inside the body that name nothing.
    if valid.get("target").is_some() {
        let unknown = uuid::Uuid::new_v4().to_string();
        let mut body = valid.clone();
        body["target"]["amendment_id"] = json!(unknown);
        cases.push(with_body(
            "a target amendment that does not exist",
            body.to_string(),
            "application/json",
            404,
            &unknown,
        ));
    }
    if valid.get("article_id").is_some() {
        let unknown = uuid::Uuid::new_v4().to_string();
        let mut body = valid.clone();
        body["article_id"] = json!(unknown);
        cases.push(with_body(
            "an article that does not exist",
            body.to_string(),
            "application/json",
            422,
            &unknown,
        ));
    }
    cases
}

async fn every_route_answers_bad_input_with_a_documented_problem_naming_it(db: TestDb) {
    let world = world(db).await;
    let document = document();
    let mut failures = Vec::new();
    let mut count = 0;
    for operation in operations(&document) {
        for case in cases(&world, &document, &operation) {
            count += 1;
            let before = world.app.db.store.log_size().await.unwrap();
            let answer = send(&world, &case).await;
            let after = world.app.db.store.log_size().await.unwrap();
            let label = format!(
                "{} {} ({}), {}",
                case.method,
                case.path,
                operation.id(),
                case.what
            );
            let detail = answer.body["detail"].as_str().unwrap_or_default();
            if answer.status != case.status {
                failures.push(format!(
                    "{label}: expected {}, got {} {}",
                    case.status, answer.status, answer.body
                ));
            } else if answer.content_type != "application/problem+json" {
                failures.push(format!("{label}: answered as {:?}", answer.content_type));
            } else if answer.body["status"] != case.status {
                failures.push(format!(
                    "{label}: the problem says status {}",
                    answer.body["status"]
                ));
            } else if !detail.contains(&case.names) {
                failures.push(format!(
                    "{label}: the detail does not name `{}`: {detail}",
                    case.names
                ));
            } else if !operation.documents_status(case.status) {
                failures.push(format!(
                    "{label}: {} is not documented for this operation",
                    case.status
                ));
            }
            if before != after {
                failures.push(format!("{label}: the log grew from {before} to {after}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count > 300, "only {count} cases");
}
