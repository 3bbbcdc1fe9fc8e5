use axum::body::Body;
use axum::http::{HeaderMap, Request};
use chrono::Utc;
use serde_json::json;

use crate::support::{both_backends, TestApp, TestDb};

both_backends!(
    the_home_page_lists_each_bill_with_its_consultation_end_in_paris_time_and_headline_figures,
    the_bill_page_shows_the_current_text_what_touched_each_article_and_a_paged_timeline,
    the_article_page_shows_every_version_with_an_inline_diff_the_amendment_behind_it_and_the_blame,
    the_amendment_page_shows_the_diff_rationale_arguments_tallies_and_response_escaped,
    a_script_in_an_amendment_text_is_shown_as_text_never_run,
    the_audit_page_shows_the_checkpoint_the_key_the_commands_and_checks_an_inclusion_proof,
    a_post_without_a_valid_csrf_token_or_from_another_site_is_refused_and_changes_nothing,
    signing_in_sets_a_strict_http_only_cookie_and_signing_out_clears_it,
    a_bad_form_value_gets_the_form_back_with_422_the_message_and_the_input_kept,
    a_vote_through_the_form_redirects_to_the_page_that_shows_it,
    an_amendment_and_an_argument_submitted_through_the_forms_show_up,
    official_only_forms_are_refused_to_citizens_and_change_nothing,
    an_official_decides_and_publishes_a_version_through_the_forms,
    the_language_comes_from_the_query_then_the_cookie_then_accept_language_french_by_default,
    unknown_ids_get_a_404_page_and_bad_paging_a_400_page_in_html,
    forms_are_held_to_the_same_write_limits_as_the_api,
    a_control_character_in_a_form_is_refused_beside_its_field_and_changes_nothing,
    a_form_body_that_is_not_utf8_or_too_large_is_refused_and_changes_nothing,
    a_form_sent_twice_from_one_page_is_recorded_once,
    a_citizen_sending_the_publish_form_is_told_it_needs_the_official_role,
    forms_that_could_only_be_refused_are_not_offered_once_the_consultation_is_closed,
);

struct Scene {
    app: TestApp,
    official: String,
    citizen: String,
    bill: String,
    article: String,
    amendment: String,
}

const RESPONSE: &str = "Retenu : la « transparence » & l'ouverture <priment>.";
const RATIONALE: &str = "Les données publiques <doivent> être \"ouvertes\" & réutilisables.";

/// A bill in consultation until a fixed winter instant, one article, one citizen amendment
/// (decided, with a response and an argument), one version taking it in.
async fn scene(db: TestDb) -> Scene {
    scene_in(TestApp::new(db).await).await
}

async fn scene_in(app: TestApp) -> Scene {
    let official = app.token("gouvernement", &["official"]).await;
    let citizen = app.token("u0123456789", &["citizen"]).await;
    let created = app
        .post(
            "/api/v1/bills",
            &official,
            json!({"title": "Loi pour une République numérique",
                   "articles": [{"number": "1", "heading": "Objet", "text": "Les administrations publient leurs données.\n\nSous douze mois."}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let bill = created.body["id"].as_str().unwrap().to_string();
    let closes_at = (Utc::now() + chrono::Duration::days(400))
        .format("%Y-12-24T18:00:00+01:00")
        .to_string();
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
            json!({"kind": "modify", "article_id": article, "title": "Données ouvertes par défaut",
                   "proposed_text": "Les administrations publient leurs données ouvertes.\n\nSous six mois.",
                   "rationale": RATIONALE}),
        )
        .await;
    assert_eq!(amended.status, 201, "{}", amended.body);
    let amendment = amended.body["id"].as_str().unwrap().to_string();
    Scene {
        app,
        official,
        citizen,
        bill,
        article,
        amendment,
    }
}

async fn decide_and_publish(s: &Scene) {
    let decided = s
        .app
        .post(
            &format!("/api/v1/amendments/{}/decision", s.amendment),
            &s.official,
            json!({"outcome": "accepted", "response": RESPONSE}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.body);
    let published = s
        .app
        .post(
            &format!("/api/v1/bills/{}/versions", s.bill),
            &s.official,
            json!({"number": 2, "label": "Après consultation", "apply": [s.amendment]}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
}

struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    #[track_caller]
    fn contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text),
            "the page ({}) lacks {text:?}:\n{}",
            self.status,
            self.body
        );
        self
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The CSRF token of the page's forms.
    fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF token")
            + "name=\"csrf\" value=\"".len();
        self.body[start..start + 64].to_string()
    }
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>, headers: &[(&str, &str)]) -> Page {
    let mut request = Request::builder().uri(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, headers, body) = app.send(request.body(Body::empty()).unwrap()).await;
    Page {
        status,
        headers,
        body,
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Page {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, headers, body) = app.send(request.body(Body::from(body)).unwrap()).await;
    Page {
        status,
        headers,
        body,
    }
}

fn session(token: &str) -> String {
    format!("palimpsest_session={token}")
}

async fn the_home_page_lists_each_bill_with_its_consultation_end_in_paris_time_and_headline_figures(
    db: TestDb,
) {
    let s = scene(db).await;
    let home = get(&s.app, "/", None, &[]).await;
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        home.header("content-security-policy"),
        "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    assert_eq!(home.header("x-content-type-options"), "nosniff");
    home.contains("<html lang=\"fr\">")
        .contains("Loi pour une République numérique")
        .contains(&format!("href=\"/bills/{}\"", s.bill))
        .contains("Consultation ouverte jusqu&#39;au")
        // 18:00 at +01:00 is 18:00 in Paris in winter, shown with its offset.
        .contains("24/12/")
        .contains("18:00 (UTC+01:00)")
        .contains("<strong>1</strong> amendement ou contribution")
        .contains("<main id=\"main\"")
        .contains("href=\"#main\"");
    let css = get(&s.app, "/static/site.css", None, &[]).await;
    assert_eq!(css.status, 200);
    // Its cache lifetime: only_the_current_stylesheet_address_is_cached_as_immutable.
    assert!(css.header("content-type").starts_with("text/css"));
}

async fn the_bill_page_shows_the_current_text_what_touched_each_article_and_a_paged_timeline(
    db: TestDb,
) {
    let s = scene(db).await;
    let path = format!("/bills/{}", s.bill);
    let page = get(&s.app, &path, None, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.contains("<h1>Loi pour une République numérique</h1>")
        .contains("Article 1 — Objet")
        .contains("<p>Les administrations publient leurs données.</p>")
        .contains("1 amendement · 0 décision · 0 vote")
        .contains(&format!(
            "href=\"/bills/{}/articles/{}\"",
            s.bill, s.article
        ))
        .contains("id=\"timeline\"")
        .contains(&format!("href=\"/amendments/{}\"", s.amendment));
    assert_eq!(page.body.matches("<h1").count(), 1);
    // The timeline is paged: one point per page, then the next link carries the cursor.
    let first = get(&s.app, &format!("{path}?limit=1"), None, &[]).await;
    assert_eq!(first.status, 200);
    first.contains("rel=\"next\"").contains("?cursor=");
}

async fn the_article_page_shows_every_version_with_an_inline_diff_the_amendment_behind_it_and_the_blame(
    db: TestDb,
) {
    let s = scene(db).await;
    decide_and_publish(&s).await;
    let page = get(
        &s.app,
        &format!("/bills/{}/articles/{}?lang=en", s.bill, s.article),
        None,
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.contains("<h1>Article 1 — Article history</h1>")
        .contains("Version 2 · Après consultation")
        .contains("Version 1")
        // The word diff, marked for screen readers too.
        .contains("<ins><span class=\"vh\">[insertion start]</span>")
        .contains("<del><span class=\"vh\">[deletion start]</span>")
        .contains("six<span class=\"vh\">[insertion end]</span></ins>")
        .contains("douze")
        .contains("Données ouvertes par défaut")
        .contains("Official response")
        .contains("Retenu : la « transparence » &#38; l&#39;ouverture &#60;priment&#62;.")
        // The blame attributes the current words to the versions.
        .contains("Where each word came from")
        .contains("href=\"#v2\"")
        .contains("href=\"#v1\"");
}

async fn the_amendment_page_shows_the_diff_rationale_arguments_tallies_and_response_escaped(
    db: TestDb,
) {
    let s = scene(db).await;
    let argued = s
        .app
        .post(
            "/api/v1/arguments",
            &s.citizen,
            json!({"target": {"kind": "amendment", "amendment_id": s.amendment}, "stance": "against", "body": "Trop <court> délai"}),
        )
        .await;
    assert_eq!(argued.status, 201, "{}", argued.body);
    decide_and_publish(&s).await;
    let page = get(&s.app, &format!("/amendments/{}", s.amendment), None, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.contains("Données ouvertes par défaut")
        .contains("u0123456789")
        .contains(
            "Les données publiques &#60;doivent&#62; être &#34;ouvertes&#34; &#38; réutilisables.",
        )
        .contains("Retenu : la « transparence » &#38; l&#39;ouverture &#60;priment&#62;.")
        .contains("<strong>Accepté</strong>")
        .contains("Trop &#60;court&#62; délai")
        .contains("Arguments (1)")
        .contains("Bulletins exprimés sur ce service")
        .contains("<ins>")
        .contains("Intégré par la version");
    assert!(!page.body.contains("<doivent>"));
    assert!(!page.body.contains("<priment>"));
    // Arguments are paged.
    let paged = get(
        &s.app,
        &format!("/amendments/{}?limit=1&cursor=5", s.amendment),
        None,
        &[],
    )
    .await;
    assert_eq!(paged.status, 200);
    assert!(!paged.body.contains("Trop &#60;court&#62; délai"));
}

async fn a_script_in_an_amendment_text_is_shown_as_text_never_run(db: TestDb) {
    let s = scene(db).await;
    let amended = s
        .app
        .post(
            &format!("/api/v1/bills/{}/amendments", s.bill),
            &s.citizen,
            json!({"kind": "modify", "article_id": s.article, "title": "<script>alert('t')</script>",
                   "proposed_text": "Texte <script>alert(1)</script> nouveau.",
                   "rationale": "<img src=x onerror=alert(2)>"}),
        )
        .await;
    assert_eq!(amended.status, 201, "{}", amended.body);
    let id = amended.body["id"].as_str().unwrap();
    for path in [
        format!("/amendments/{id}"),
        format!("/bills/{}/articles/{}", s.bill, s.article),
        format!("/bills/{}", s.bill),
    ] {
        let page = get(&s.app, &path, None, &[]).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains("<script"), "{path}: {}", page.body);
        assert!(!page.body.contains("<img"), "{path}");
    }
    get(&s.app, &format!("/amendments/{id}"), None, &[])
        .await
        .contains("&#60;script&#62;alert(&#39;t&#39;)&#60;/script&#62;")
        .contains("&#60;img src=x onerror=alert(2)&#62;");
}

async fn the_audit_page_shows_the_checkpoint_the_key_the_commands_and_checks_an_inclusion_proof(
    db: TestDb,
) {
    let s = scene(db).await;
    let signed = s
        .app
        .request("POST", "/api/v1/log/checkpoints", Some(&s.official), None)
        .await;
    assert_eq!(signed.status, 201);
    let page = get(&s.app, "/audit", None, &[("host", "deliberation.example")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.contains("palimpsest.test/log")
        .contains("palimpsest verify --proof proof.json --checkpoint checkpoint.txt --public-key public-key.vkey")
        .contains("palimpsest verify --export export/ --checkpoint checkpoint.txt")
        .contains("palimpsest export --out export/")
        .contains("$PALIMPSEST_URL/api/v1/log/checkpoint")
        .contains("<label for=\"log_index\">");
    let checked = get(&s.app, "/audit?log_index=2", None, &[]).await;
    assert_eq!(checked.status, 200);
    checked
        .contains("Preuve vérifiée")
        .contains("bill/")
        .contains(&s.bill);
    let bad = get(&s.app, "/audit?log_index=deux", None, &[]).await;
    assert_eq!(bad.status, 400);
    bad.contains("Indiquez un nombre entier");
}

async fn a_post_without_a_valid_csrf_token_or_from_another_site_is_refused_and_changes_nothing(
    db: TestDb,
) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let path = format!("/amendments/{}/vote", s.amendment);
    let page = get(
        &s.app,
        &format!("/amendments/{}", s.amendment),
        Some(&cookie),
        &[],
    )
    .await;
    let csrf = page.csrf();
    let before = s.app.db.store.log_size().await.unwrap();
    let other_session = get(&s.app, "/", Some(&session(&s.official)), &[])
        .await
        .csrf();
    for (what, fields, headers) in [
        ("missing token", vec![("choice", "for")], vec![]),
        (
            "wrong token",
            vec![("choice", "for"), ("csrf", "00ff")],
            vec![],
        ),
        (
            "another session's token",
            vec![("choice", "for"), ("csrf", other_session.as_str())],
            vec![],
        ),
        (
            "foreign origin",
            vec![("choice", "for"), ("csrf", csrf.as_str())],
            vec![
                ("origin", "https://evil.example"),
                ("host", "deliberation.example"),
            ],
        ),
        (
            "cross-site fetch",
            vec![("choice", "for"), ("csrf", csrf.as_str())],
            vec![("sec-fetch-site", "cross-site")],
        ),
    ] {
        let refused = post_form(&s.app, &path, Some(&cookie), &fields, &headers).await;
        assert_eq!(refused.status, 403, "{what}: {}", refused.body);
        refused
            .contains("Action refusée")
            .contains("Rien n&#39;a été modifié");
        assert_eq!(
            s.app.db.store.log_size().await.unwrap(),
            before,
            "{what} changed the log"
        );
    }
    // The same form, from our own origin with the session's token, is accepted.
    let accepted = post_form(
        &s.app,
        &path,
        Some(&cookie),
        &[("choice", "for"), ("csrf", &csrf)],
        &[
            ("origin", "https://deliberation.example"),
            ("host", "deliberation.example"),
        ],
    )
    .await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    assert_eq!(s.app.db.store.log_size().await.unwrap(), before + 1);
}

async fn signing_in_sets_a_strict_http_only_cookie_and_signing_out_clears_it(db: TestDb) {
    let s = scene(db).await;
    let form = get(&s.app, "/sign-in", None, &[]).await;
    assert_eq!(form.status, 200);
    form.contains("<label for=\"token\">")
        .contains("id=\"token\"");
    let csrf = form.csrf();
    let signed_in = post_form(
        &s.app,
        "/sign-in",
        None,
        &[("csrf", &csrf), ("token", &s.citizen)],
        &[],
    )
    .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let cookie = signed_in.header("set-cookie");
    assert!(cookie.starts_with(&format!("palimpsest_session={};", s.citizen)));
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let over_https = post_form(
        &s.app,
        "/sign-in",
        None,
        &[("csrf", &csrf), ("token", &s.citizen)],
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(over_https.header("set-cookie").contains("; Secure"));
    // Signed in: the pseudonym shows, and the sign-out form.
    let home = get(&s.app, "/", Some(&session(&s.citizen)), &[]).await;
    home.contains("<strong>u0123456789</strong>")
        .contains("action=\"/sign-out\"");
    let signed_out = post_form(
        &s.app,
        "/sign-out",
        Some(&session(&s.citizen)),
        &[("csrf", &home.csrf())],
        &[],
    )
    .await;
    assert_eq!(signed_out.status, 303);
    let cleared = signed_out.header("set-cookie");
    assert!(cleared.starts_with("palimpsest_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0") && cleared.contains("HttpOnly"));
    // An unknown token is refused next to the field, and never echoed back.
    let unknown = post_form(
        &s.app,
        "/sign-in",
        None,
        &[("csrf", &csrf), ("token", "plp_0000")],
        &[],
    )
    .await;
    assert_eq!(unknown.status, 422);
    unknown.contains("Ce jeton est inconnu ou révoqué.");
    assert!(!unknown.body.contains("plp_0000"));
    assert!(unknown.header("set-cookie").is_empty());
}

async fn a_bad_form_value_gets_the_form_back_with_422_the_message_and_the_input_kept(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let csrf = get(&s.app, &article_page, Some(&cookie), &[]).await.csrf();
    let before = s.app.db.store.log_size().await.unwrap();
    // No title: refused before the use case, the rest kept.
    let refused = post_form(
        &s.app,
        &format!("{article_page}/amendments"),
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("kind", "modify"),
            ("title", ""),
            ("proposed_text", "Un texte <gardé>."),
            ("rationale", "Parce que & voilà"),
        ],
        &[],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused
        .contains("id=\"amend-title-error\">obligatoire")
        .contains(">Un texte &#60;gardé&#62;.</textarea>")
        .contains(">Parce que &#38; voilà</textarea>")
        .contains("<option value=\"modify\" selected>");
    // A value the use case refuses (no proposed text to modify): its message beside the field.
    let refused = post_form(
        &s.app,
        &format!("{article_page}/amendments"),
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("kind", "modify"),
            ("title", "Un titre"),
            ("proposed_text", ""),
            ("rationale", "Parce que"),
        ],
        &[],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused
        .contains("id=\"amend-text-error\">field `proposed_text`")
        .contains("value=\"Un titre\"");
    assert_eq!(s.app.db.store.log_size().await.unwrap(), before);
}

async fn a_vote_through_the_form_redirects_to_the_page_that_shows_it(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let page = get(
        &s.app,
        &format!("/amendments/{}", s.amendment),
        Some(&cookie),
        &[],
    )
    .await;
    page.contains("<button type=\"submit\" name=\"choice\" value=\"for\">Pour</button>")
        .contains("Pour\u{a0}: <strong>0</strong>");
    let voted = post_form(
        &s.app,
        &format!("/amendments/{}/vote", s.amendment),
        Some(&cookie),
        &[("csrf", &page.csrf()), ("choice", "for")],
        &[],
    )
    .await;
    assert_eq!(voted.status, 303, "{}", voted.body);
    let location = voted.header("location").to_string();
    assert!(
        location.starts_with(&format!("/amendments/{}?after=", s.amendment)),
        "{location}"
    );
    let shown = get(&s.app, &location, Some(&cookie), &[]).await;
    assert_eq!(shown.status, 200);
    shown.contains("Pour\u{a0}: <strong>1</strong>");
    // On an article too.
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let voted = post_form(
        &s.app,
        &format!("{article_page}/vote"),
        Some(&cookie),
        &[("csrf", &page.csrf()), ("choice", "against")],
        &[],
    )
    .await;
    assert_eq!(voted.status, 303, "{}", voted.body);
    get(&s.app, voted.header("location"), None, &[])
        .await
        .contains("Contre\u{a0}: <strong>1</strong>");
}

async fn an_amendment_and_an_argument_submitted_through_the_forms_show_up(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let csrf = get(&s.app, &article_page, Some(&cookie), &[]).await.csrf();
    let submitted = post_form(
        &s.app,
        &format!("{article_page}/amendments"),
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("kind", "modify"),
            ("title", "Trois mois suffisent"),
            (
                "proposed_text",
                "Les administrations publient leurs données.\n\nSous trois mois.",
            ),
            ("rationale", "Plus vite."),
        ],
        &[],
    )
    .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let location = submitted.header("location").to_string();
    assert!(location.starts_with("/amendments/"), "{location}");
    let page = get(&s.app, &location, Some(&cookie), &[]).await;
    page.contains("Trois mois suffisent")
        .contains("trois<span class=\"vh\">[fin d&#39;ajout]</span></ins>");
    let amendment_path = location.split('?').next().unwrap().to_string();
    let argued = post_form(
        &s.app,
        &format!("{amendment_path}/arguments"),
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("stance", "for"),
            ("body", "Trois mois, c'est assez."),
        ],
        &[],
    )
    .await;
    assert_eq!(argued.status, 303, "{}", argued.body);
    get(&s.app, argued.header("location"), None, &[])
        .await
        .contains("Trois mois, c&#39;est assez.")
        .contains("Arguments (1)");
}

async fn official_only_forms_are_refused_to_citizens_and_change_nothing(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let page = get(
        &s.app,
        &format!("/amendments/{}", s.amendment),
        Some(&cookie),
        &[],
    )
    .await;
    assert!(
        !page.body.contains("id=\"decide\""),
        "citizens see no decide form"
    );
    let before = s.app.db.store.log_size().await.unwrap();
    let decided = post_form(
        &s.app,
        &format!("/amendments/{}/decision", s.amendment),
        Some(&cookie),
        &[
            ("csrf", &page.csrf()),
            ("outcome", "accepted"),
            ("response", "Oui"),
        ],
        &[],
    )
    .await;
    assert_eq!(decided.status, 403, "{}", decided.body);
    decided.contains("Action refusée");
    let published = post_form(
        &s.app,
        &format!("/bills/{}/versions", s.bill),
        Some(&cookie),
        &[
            ("csrf", &page.csrf()),
            ("number", "2"),
            ("label", "v2"),
            ("apply", &s.amendment),
        ],
        &[],
    )
    .await;
    assert!([403, 422].contains(&published.status), "{}", published.body);
    assert_eq!(s.app.db.store.log_size().await.unwrap(), before);
    // Not signed in at all: asked to sign in, nothing runs.
    let anonymous = post_form(
        &s.app,
        &format!("/amendments/{}/vote", s.amendment),
        None,
        &[("choice", "for")],
        &[],
    )
    .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(s.app.db.store.log_size().await.unwrap(), before);
}

async fn an_official_decides_and_publishes_a_version_through_the_forms(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.official);
    let page = get(
        &s.app,
        &format!("/amendments/{}", s.amendment),
        Some(&cookie),
        &[],
    )
    .await;
    page.contains("id=\"decide\"");
    let decided = post_form(
        &s.app,
        &format!("/amendments/{}/decision", s.amendment),
        Some(&cookie),
        &[
            ("csrf", &page.csrf()),
            ("outcome", "accepted"),
            ("response", RESPONSE),
        ],
        &[],
    )
    .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let after = get(&s.app, decided.header("location"), Some(&cookie), &[]).await;
    assert!(
        !after.body.contains("id=\"decide\""),
        "a decided amendment offers no second decision"
    );
    after
        .contains("<strong>Accepté</strong>")
        .contains("Retenu : la « transparence » &#38; l&#39;ouverture &#60;priment&#62;.");
    let bill_page = get(&s.app, &format!("/bills/{}", s.bill), Some(&cookie), &[]).await;
    bill_page
        .contains("name=\"number\" value=\"2\"")
        .contains(&format!("value=\"{}\"", s.amendment));
    let published = post_form(
        &s.app,
        &format!("/bills/{}/versions", s.bill),
        Some(&cookie),
        &[
            ("csrf", &bill_page.csrf()),
            ("number", "2"),
            ("label", "Après consultation"),
            ("apply", &s.amendment),
        ],
        &[],
    )
    .await;
    assert_eq!(published.status, 303, "{}", published.body);
    get(&s.app, published.header("location"), None, &[])
        .await
        .contains("Version 2 · Après consultation")
        .contains("Sous six mois.");
}

async fn the_language_comes_from_the_query_then_the_cookie_then_accept_language_french_by_default(
    db: TestDb,
) {
    let s = scene(db).await;
    let default = get(&s.app, "/", None, &[]).await;
    default
        .contains("<html lang=\"fr\">")
        .contains("Textes en délibération")
        .contains("href=\"/?lang=en\" lang=\"en\"");
    let accept = get(
        &s.app,
        "/",
        None,
        &[("accept-language", "en-GB,en;q=0.9,fr;q=0.5")],
    )
    .await;
    accept
        .contains("<html lang=\"en\">")
        .contains("Bills under deliberation")
        .contains("href=\"/?lang=fr\" lang=\"fr\"");
    let cookie = get(&s.app, "/", Some("lang=fr"), &[("accept-language", "en")]).await;
    cookie.contains("<html lang=\"fr\">");
    let query = get(&s.app, "/audit?lang=en", Some("lang=fr"), &[]).await;
    query
        .contains("<html lang=\"en\">")
        .contains("Audit the log");
    assert!(query.header("set-cookie").starts_with("lang=en;"));
}

async fn unknown_ids_get_a_404_page_and_bad_paging_a_400_page_in_html(db: TestDb) {
    let s = scene(db).await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/bills/{unknown}"),
        "/bills/pas-un-id".to_string(),
        format!("/amendments/{unknown}"),
        format!("/bills/{}/articles/{unknown}", s.bill),
    ] {
        let page = get(&s.app, &path, None, &[]).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(
            page.header("content-type").starts_with("text/html"),
            "{path}"
        );
        page.contains("<h1>Page introuvable</h1>");
    }
    get(&s.app, &format!("/amendments/{unknown}?lang=en"), None, &[])
        .await
        .contains("<h1>Page not found</h1>");
    for path in [
        format!("/bills/{}?limit=0", s.bill),
        format!("/bills/{}?cursor=abc", s.bill),
        format!("/amendments/{}?limit=9999", s.amendment),
    ] {
        let page = get(&s.app, &path, None, &[]).await;
        assert_eq!(page.status, 400, "{path}");
        page.contains("<h1>Requête incorrecte</h1>");
    }
}

async fn log_size(app: &TestApp) -> u64 {
    app.db.store.log_size().await.unwrap()
}

/// The hidden id of the page render its forms send back.
fn submission_of(page: &Page) -> String {
    let marker = "name=\"submission\" value=\"";
    let start = page.body.find(marker).expect("a form with a submission id") + marker.len();
    page.body[start..start + 36].to_string()
}

async fn forms_are_held_to_the_same_write_limits_as_the_api(db: TestDb) {
    let settings = api::state::Settings {
        write_limits: api::http::rate_limit::WriteLimits {
            per_token: api::http::rate_limit::Rate {
                per_second: 1,
                burst: 2,
            },
            ..api::http::rate_limit::WriteLimits::off()
        },
        ..api::state::Settings::default()
    };
    let s = scene_in(TestApp::with_settings(db, settings).await).await;
    // The scene's own API writes used the citizen's burst; wait for it to refill.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let csrf = get(&s.app, &article_page, Some(&cookie), &[]).await.csrf();
    let mut statuses = Vec::new();
    for i in 0..5 {
        let sent = post_form(
            &s.app,
            &format!("{article_page}/amendments"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("kind", "modify"),
                ("title", &format!("Rafale {i}")),
                ("proposed_text", "Un texte."),
                ("rationale", "Une raison."),
            ],
            // A made-up bearer header beside the cookie must not open a fresh bucket.
            &[("authorization", &format!("Bearer made-up-{i}"))],
        )
        .await;
        if sent.status == 429 {
            assert!(
                !sent.header("retry-after").is_empty(),
                "429 says when to retry"
            );
            assert!(
                sent.header("content-type").starts_with("text/html"),
                "a page, not JSON"
            );
        }
        statuses.push(sent.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        2,
        "the burst of 2 passes, the rest is refused: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );
}

async fn a_control_character_in_a_form_is_refused_beside_its_field_and_changes_nothing(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let csrf = get(&s.app, &article_page, Some(&cookie), &[]).await.csrf();
    let before = log_size(&s.app).await;
    for title in [
        "nul\u{0}byte",
        "bip\u{7}",
        "esc\u{1b}[31m",
        "next\u{85}line",
    ] {
        let sent = post_form(
            &s.app,
            &format!("{article_page}/amendments"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("kind", "modify"),
                ("title", title),
                ("proposed_text", "Un texte."),
                ("rationale", "Une raison."),
            ],
            &[],
        )
        .await;
        assert_eq!(sent.status, 422, "{title:?}: {}", sent.body);
        sent.contains("control characters other than tab, line feed and carriage return")
            .contains("aria-invalid=\"true\" aria-describedby=\"amend-title-error\"");
    }
    let argued = post_form(
        &s.app,
        &format!("/amendments/{}/arguments", s.amendment),
        Some(&cookie),
        &[("csrf", &csrf), ("stance", "for"), ("body", "a\u{0}b")],
        &[],
    )
    .await;
    assert_eq!(argued.status, 422, "{}", argued.body);
    assert_eq!(log_size(&s.app).await, before, "nothing was recorded");
    // The API refuses the same text the same way.
    let api = s
        .app
        .post(
            &format!("/api/v1/bills/{}/amendments", s.bill),
            &s.citizen,
            json!({"kind": "modify", "article_id": s.article, "title": "x\u{1}y",
                   "proposed_text": "Un texte.", "rationale": "Une raison."}),
        )
        .await;
    assert_eq!(api.status, 422, "{}", api.body);
}

async fn a_form_body_that_is_not_utf8_or_too_large_is_refused_and_changes_nothing(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let csrf = get(&s.app, &article_page, Some(&cookie), &[]).await.csrf();
    let before = log_size(&s.app).await;
    let send = |body: Vec<u8>| {
        let request = Request::builder()
            .method("POST")
            .uri(format!("{article_page}/amendments"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .body(Body::from(body))
            .unwrap();
        s.app.send(request)
    };
    let latin1 =
        format!("csrf={csrf}&kind=modify&title=caf%E9&proposed_text=texte&rationale=raison");
    let (status, headers, body) = send(latin1.into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(
        body.contains("field `title`: the text is not UTF-8"),
        "{body}"
    );
    let huge = format!(
        "csrf={csrf}&kind=modify&title={}",
        "a".repeat(3 * 1024 * 1024)
    );
    let (status, _, body) = send(huge.into_bytes()).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(log_size(&s.app).await, before, "nothing was recorded");
}

async fn a_form_sent_twice_from_one_page_is_recorded_once(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let page = get(&s.app, &article_page, Some(&cookie), &[]).await;
    let (csrf, submission) = (page.csrf(), submission_of(&page));
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("kind", "modify"),
        ("title", "Double clic"),
        ("proposed_text", "Un texte."),
        ("rationale", "Une raison."),
    ];
    let path = format!("{article_page}/amendments");
    let before = log_size(&s.app).await;
    // A double click: both copies in flight at once.
    let (first, second) = tokio::join!(
        post_form(&s.app, &path, Some(&cookie), &fields, &[]),
        post_form(&s.app, &path, Some(&cookie), &fields, &[]),
    );
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(second.status, 303, "{}", second.body);
    let target = |p: &Page| p.header("location").split('?').next().unwrap().to_string();
    assert_eq!(
        target(&first),
        target(&second),
        "both land on the one amendment"
    );
    // A resend later from the same page is answered the same way.
    let again = post_form(&s.app, &path, Some(&cookie), &fields, &[]).await;
    assert_eq!(target(&again), target(&first));
    assert_eq!(log_size(&s.app).await, before + 1, "recorded once");
    let listed = s
        .app
        .get(&format!(
            "/api/v1/bills/{}/amendments?after={}",
            s.bill, before
        ))
        .await;
    let titles: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .filter(|t| *t == "Double clic")
        .collect();
    assert_eq!(titles.len(), 1, "{}", listed.body);

    // A fresh page render is a new submission: the same text sent from it is a second one.
    let fresh = get(&s.app, &article_page, Some(&cookie), &[]).await;
    let renewed = submission_of(&fresh);
    assert_ne!(renewed, submission);
    let mut fields = fields;
    fields[1].1 = renewed.as_str();
    let second_time = post_form(&s.app, &path, Some(&cookie), &fields, &[]).await;
    assert_eq!(second_time.status, 303);
    assert_ne!(target(&second_time), target(&first));
}

async fn a_citizen_sending_the_publish_form_is_told_it_needs_the_official_role(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let csrf = get(&s.app, &format!("/bills/{}", s.bill), Some(&cookie), &[])
        .await
        .csrf();
    let before = log_size(&s.app).await;
    let sent = post_form(
        &s.app,
        &format!("/bills/{}/versions", s.bill),
        Some(&cookie),
        &[("csrf", &csrf), ("label", ""), ("number", "x")],
        &[],
    )
    .await;
    assert_eq!(sent.status, 403, "{}", sent.body);
    sent.contains("needs the official role");
    assert_eq!(log_size(&s.app).await, before);
}

async fn forms_that_could_only_be_refused_are_not_offered_once_the_consultation_is_closed(
    db: TestDb,
) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let article_page = format!("/bills/{}/articles/{}", s.bill, s.article);
    let amendment_page = format!("/amendments/{}", s.amendment);
    let open = get(&s.app, &article_page, Some(&cookie), &[]).await;
    open.contains("id=\"vote\"").contains("id=\"amend\"");
    let closed = s
        .app
        .post(
            &format!("/api/v1/bills/{}/consultation/close", s.bill),
            &s.official,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, 201, "{}", closed.body);
    let after = format!("?after={}", closed.body["log_index"]);
    for path in [&article_page, &amendment_page] {
        let page = get(&s.app, &format!("{path}{after}"), Some(&cookie), &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for form in ["id=\"vote\"", "id=\"amend\"", "id=\"argue\""] {
            assert!(!page.body.contains(form), "{path} still offers {form}");
        }
        page.contains("La consultation n&#39;est pas ouverte");
    }
}

// ------------------------------------------------------------ defects found in the web review
//
// Each test pins one kind of defect a tester found, named by the behaviour it keeps.

both_backends!(
    addresses_outside_the_api_get_an_html_404_page_and_the_api_keeps_problem_json,
    a_get_on_a_form_address_goes_to_the_page_of_the_form_and_the_language_switch_of_a_posted_form_too,
    the_audit_page_tells_a_failed_proof_apart_from_an_event_not_yet_covered_or_absent,
    the_audit_commands_use_the_configured_public_url_and_never_the_host_header,
    error_pages_counts_punctuation_and_timeline_instants_follow_the_pages_language,
    a_parliamentary_author_is_labelled_author_not_pseudonym,
    only_the_current_stylesheet_address_is_cached_as_immutable,
);

async fn addresses_outside_the_api_get_an_html_404_page_and_the_api_keeps_problem_json(db: TestDb) {
    let s = scene(db).await;
    for path in [
        "/bills".to_string(),
        format!("/bills/{}/", s.bill),
        "/amendments".to_string(),
        "/nope".to_string(),
        "/static/nope.css".to_string(),
        "/apis".to_string(),
    ] {
        let page = get(&s.app, &path, None, &[]).await;
        assert_eq!(page.status, 404, "{path}");
        assert_eq!(
            page.header("content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        page.contains("<html lang=\"fr\">")
            .contains("<h1>Page introuvable</h1>");
    }
    get(&s.app, "/nope", None, &[("accept-language", "en")])
        .await
        .contains("<h1>Page not found</h1>");
    // A read page does not take POST: a 405 page, not JSON.
    let posted = post_form(&s.app, "/audit", None, &[], &[]).await;
    assert_eq!(posted.status, 405);
    posted.contains("<h1>Méthode non acceptée</h1>");
    for path in ["/api/v1/nope", "/api/nope", "/api", "/healthz/nope"] {
        s.app.get(path).await.problem(404);
    }
    s.app
        .request("DELETE", &format!("/api/v1/bills/{}", s.bill), None, None)
        .await
        .problem(405);
    let robots = get(&s.app, "/robots.txt", None, &[]).await;
    assert_eq!(robots.status, 200);
    assert!(robots.header("content-type").starts_with("text/plain"));
    assert_eq!(robots.body, "User-agent: *\nAllow: /\n");
}

async fn a_get_on_a_form_address_goes_to_the_page_of_the_form_and_the_language_switch_of_a_posted_form_too(
    db: TestDb,
) {
    let s = scene(db).await;
    let amendment = format!("/amendments/{}", s.amendment);
    let article = format!("/bills/{}/articles/{}", s.bill, s.article);
    let bill = format!("/bills/{}", s.bill);
    for (form, page) in [
        (format!("{amendment}/vote"), amendment.clone()),
        (format!("{amendment}/arguments"), amendment.clone()),
        (format!("{amendment}/decision"), amendment.clone()),
        (format!("{article}/vote"), article.clone()),
        (format!("{article}/amendments"), article.clone()),
        (format!("{bill}/versions"), bill.clone()),
        ("/sign-out".to_string(), "/".to_string()),
    ] {
        let answer = get(&s.app, &form, None, &[]).await;
        assert_eq!(answer.status, 303, "GET {form}: {}", answer.body);
        assert_eq!(answer.header("location"), page, "GET {form}");
        let answer = get(&s.app, &format!("{form}?lang=en"), None, &[]).await;
        assert_eq!(answer.status, 303, "GET {form}?lang=en");
        assert_eq!(
            answer.header("location"),
            format!("{page}?lang=en"),
            "GET {form}?lang=en"
        );
    }
    // A form sent back with its errors is shown at the POST address; its language switch
    // leads to the page, not to the form's address.
    let cookie = session(&s.citizen);
    let csrf = get(&s.app, &amendment, Some(&cookie), &[]).await.csrf();
    let refused = post_form(
        &s.app,
        &format!("{amendment}/arguments"),
        Some(&cookie),
        &[("csrf", &csrf), ("stance", "for"), ("body", "")],
        &[],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.contains(&format!("href=\"{amendment}?lang=en\" lang=\"en\""));
    assert!(
        !refused.body.contains("/arguments?lang="),
        "{}",
        refused.body
    );
}

/// Signs a checkpoint of the log as it is now.
async fn sign_checkpoint(s: &Scene) {
    let signed = s
        .app
        .request("POST", "/api/v1/log/checkpoints", Some(&s.official), None)
        .await;
    assert_eq!(signed.status, 201, "{}", signed.body);
}

async fn the_audit_page_tells_a_failed_proof_apart_from_an_event_not_yet_covered_or_absent(
    db: TestDb,
) {
    let s = scene(db).await;
    let failed = |page: &Page| {
        assert!(
            !page.body.contains("✘") && !page.body.contains("class=\"error\""),
            "shown as a failure:\n{}",
            page.body
        );
    };
    // (d) No checkpoint yet: a neutral notice.
    let none = get(&s.app, "/audit?log_index=1", None, &[]).await;
    assert_eq!(none.status, 200);
    none.contains("Aucun point de contrôle n&#39;a encore été signé");
    failed(&none);
    sign_checkpoint(&s).await;
    let size = s.app.db.store.log_size().await.unwrap();
    // (a) Covered: verified.
    get(&s.app, &format!("/audit?log_index={size}"), None, &[])
        .await
        .contains("✔ Preuve vérifiée");
    // (b) Newer than the checkpoint: it will be covered by the next one.
    let voted = s
        .app
        .post(
            "/api/v1/votes",
            &s.citizen,
            json!({"target": {"kind": "amendment", "amendment_id": s.amendment}, "choice": "for"}),
        )
        .await;
    assert_eq!(voted.status, 201, "{}", voted.body);
    let pending = get(&s.app, &format!("/audit?log_index={}", size + 1), None, &[]).await;
    assert_eq!(pending.status, 200);
    pending.contains(&format!(
        "plus récent que le dernier point de contrôle signé (taille {size})"
    ));
    failed(&pending);
    get(
        &s.app,
        &format!("/audit?log_index={}&lang=en", size + 1),
        None,
        &[],
    )
    .await
    .contains(&format!(
        "This event is newer than the latest signed checkpoint (size {size}); it will be covered by the next one"
    ));
    // (c) Beyond the log: a 400 notice, not a failure.
    let beyond = get(&s.app, "/audit?log_index=999", None, &[]).await;
    assert_eq!(beyond.status, 400);
    beyond.contains("Aucun événement n&#39;a l&#39;index 999");
    failed(&beyond);
}

async fn the_audit_commands_use_the_configured_public_url_and_never_the_host_header(db: TestDb) {
    let s = scene(db).await;
    let page = get(&s.app, "/audit", None, &[("host", "evil.example")]).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("evil.example"), "{}", page.body);
    assert!(!page.body.contains("localhost:8080"), "{}", page.body);
    page.contains("curl -o checkpoint.txt &#34;$PALIMPSEST_URL/api/v1/log/checkpoint&#34;")
        .contains("export PALIMPSEST_URL=");
    let settings = api::state::Settings {
        write_limits: api::http::rate_limit::WriteLimits::off(),
        public_url: Some(
            api::state::PublicUrl::parse("https://deliberation.example.org/").unwrap(),
        ),
        ..api::state::Settings::default()
    };
    let configured =
        TestApp::with_settings(s.app.db.borrowed(s.app.db.store.clone()), settings).await;
    let page = get(&configured, "/audit", None, &[("host", "evil.example")]).await;
    assert!(!page.body.contains("evil.example"), "{}", page.body);
    assert!(!page.body.contains("PALIMPSEST_URL"), "{}", page.body);
    page.contains(
        "curl -o checkpoint.txt &#39;https://deliberation.example.org/api/v1/log/checkpoint&#39;",
    )
    .contains("&#39;https://deliberation.example.org/api/v1/log/proof/inclusion?log_index=1&#39;");
}

async fn error_pages_counts_punctuation_and_timeline_instants_follow_the_pages_language(
    db: TestDb,
) {
    let s = scene(db).await;
    let missing = format!("/amendments/{}", uuid::Uuid::new_v4());
    let fr = get(&s.app, &missing, None, &[]).await;
    fr.contains("Il n&#39;y a rien à cette adresse")
        .contains("Détail technique\u{a0}: </span>");
    assert!(!fr.body.contains("Not found"), "{}", fr.body);
    let en = get(&s.app, &format!("{missing}?lang=en"), None, &[]).await;
    en.contains("There is nothing at this address")
        .contains("Technical detail: </span>");
    assert!(
        !en.body.contains(" :"),
        "a space before a colon:\n{}",
        en.body
    );
    get(&s.app, "/bills/pas-un-id?limit=0", None, &[])
        .await
        .contains("<h1>Page introuvable</h1>");
    // Counts agree: French says 0 and 1 in the singular, English only 1.
    get(&s.app, "/", None, &[])
        .await
        .contains("<strong>1</strong> texte</li>")
        .contains("<strong>1</strong> amendement ou contribution</li>")
        .contains("<strong>0</strong> décision officielle</li>")
        .contains("1 version · 1 article · 1 amendement");
    get(&s.app, "/?lang=en", None, &[])
        .await
        .contains("<strong>1</strong> bill</li>")
        .contains("<strong>0</strong> official decisions</li>")
        .contains("1 version · 1 article · 1 amendment<");
    let bill = get(&s.app, &format!("/bills/{}", s.bill), None, &[]).await;
    bill.contains("1 amendement · 0 décision · 0 vote ·");
    // The timeline's instants are in Paris time, like the rest of the page.
    bill.contains("24/12/").contains(" 18:00 (UTC+01:00)");
    assert!(!bill.body.contains("T17:00:00+00:00"), "{}", bill.body);
    get(&s.app, &format!("/bills/{}?lang=en", s.bill), None, &[])
        .await
        .contains("1 amendment · 0 decisions · 0 votes ·");
}

async fn a_parliamentary_author_is_labelled_author_not_pseudonym(db: TestDb) {
    api::import::fabrique::import(
        &db.store,
        vec![api::import::sources::fabrique::bundled::ppl11_290()],
    )
    .await
    .unwrap();
    let app = TestApp::new(db).await;
    let bill = api::import::fabrique::bill_id("ppl11-290");
    let listed = app.get(&format!("/api/v1/bills/{bill}/amendments")).await;
    let id = listed.body["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an amendment in {}", listed.body));
    let page = get(&app, &format!("/amendments/{id}"), None, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.contains("<dt>Auteur·e</dt>");
    assert!(!page.body.contains("pseudonyme"), "{}", page.body);
    get(&app, &format!("/amendments/{id}?lang=en"), None, &[])
        .await
        .contains("<dt>Author</dt>");
}

async fn only_the_current_stylesheet_address_is_cached_as_immutable(db: TestDb) {
    let s = scene(db).await;
    let home = get(&s.app, "/", None, &[]).await;
    let start = home
        .body
        .find("/static/site.css?v=")
        .expect("a stylesheet link");
    let end = start + home.body[start..].find('"').unwrap();
    let current = get(&s.app, &home.body[start..end], None, &[]).await;
    assert_eq!(
        current.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    for other in [
        "/static/site.css",
        "/static/site.css?v=0123456789ab",
        "/static/site.css?v=",
    ] {
        let answer = get(&s.app, other, None, &[]).await;
        assert_eq!(answer.status, 200, "{other}");
        assert_eq!(
            answer.header("cache-control"),
            "public, max-age=300",
            "{other}"
        );
    }
}

both_backends!(the_vote_form_shows_ones_current_vote_and_can_withdraw_it);

async fn the_vote_form_shows_ones_current_vote_and_can_withdraw_it(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.citizen);
    let page_path = format!("/amendments/{}", s.amendment);
    let page = get(&s.app, &page_path, Some(&cookie), &[]).await;
    assert!(!page.body.contains("class=\"mine\""), "no vote yet");
    let vote = |choice: &'static str, page: Page| {
        let (csrf, submission) = (page.csrf(), submission_of(&page));
        let path = format!("{page_path}/vote");
        let cookie = cookie.clone();
        let app = &s.app;
        async move {
            let sent = post_form(
                app,
                &path,
                Some(&cookie),
                &[
                    ("csrf", &csrf),
                    ("submission", &submission),
                    ("choice", choice),
                ],
                &[],
            )
            .await;
            assert_eq!(sent.status, 303, "{}", sent.body);
            get(app, sent.header("location"), Some(&cookie), &[]).await
        }
    };
    let voted = vote("against", page).await;
    voted
        .contains("Votre vote\u{a0}: Contre</strong>")
        .contains("Contre\u{a0}: <strong>1</strong>")
        .contains("value=\"retract\"");
    let withdrawn = vote("retract", voted).await;
    assert!(
        !withdrawn.body.contains("class=\"mine\""),
        "the vote is withdrawn"
    );
    withdrawn.contains("Contre\u{a0}: <strong>0</strong>");
}

both_backends!(
    a_bad_note_on_the_publish_form_is_shown_beside_the_note,
    a_form_refused_by_the_record_as_it_stands_says_why_on_a_page,
);

async fn a_bad_note_on_the_publish_form_is_shown_beside_the_note(db: TestDb) {
    let s = scene(db).await;
    decide_and_publish(&s).await;
    let cookie = session(&s.official);
    let page = get(&s.app, &format!("/bills/{}", s.bill), Some(&cookie), &[]).await;
    let before = log_size(&s.app).await;
    let sent = post_form(
        &s.app,
        &format!("/bills/{}/versions", s.bill),
        Some(&cookie),
        &[
            ("csrf", &page.csrf()),
            ("number", "3"),
            ("label", "Troisième"),
            ("note", "une note\u{7}sonore"),
        ],
        &[],
    )
    .await;
    assert_eq!(sent.status, 422, "{}", sent.body);
    sent.contains("id=\"publish-note-error\"")
        .contains("field `note`: control characters");
    assert_eq!(log_size(&s.app).await, before);
}

async fn a_form_refused_by_the_record_as_it_stands_says_why_on_a_page(db: TestDb) {
    let s = scene(db).await;
    let cookie = session(&s.official);
    // The official opened the page before someone else decided.
    let stale = get(
        &s.app,
        &format!("/amendments/{}", s.amendment),
        Some(&cookie),
        &[],
    )
    .await;
    decide_and_publish(&s).await;
    let before = log_size(&s.app).await;
    let sent = post_form(
        &s.app,
        &format!("/amendments/{}/decision", s.amendment),
        Some(&cookie),
        &[
            ("csrf", &stale.csrf()),
            ("outcome", "rejected"),
            ("response", "Trop tard."),
        ],
        &[],
    )
    .await;
    assert_eq!(sent.status, 409, "{}", sent.body);
    sent.contains("Le dossier refuse ce changement dans son état actuel");
    assert_eq!(log_size(&s.app).await, before);
}

both_backends!(signing_in_from_a_page_comes_back_to_it_and_never_leaves_the_site);

async fn signing_in_from_a_page_comes_back_to_it_and_never_leaves_the_site(db: TestDb) {
    let s = scene(db).await;
    let amendment_page = format!("/amendments/{}", s.amendment);
    let anonymous = get(&s.app, &amendment_page, None, &[]).await;
    let encoded = amendment_page.replace('/', "%2F").replace('-', "%2D");
    anonymous.contains(&format!("href=\"/sign-in?next={encoded}\""));
    let sign_in = |next: &str| {
        let path = format!("/sign-in?next={}", encode(next));
        let token = s.citizen.clone();
        let app = &s.app;
        let next = next.to_string();
        async move {
            let page = get(app, &path, None, &[]).await;
            let given = page.body.contains("name=\"next\"").then(|| next.clone());
            let mut fields = vec![("csrf", page.csrf()), ("token", token)];
            if let Some(next) = given {
                fields.push(("next", next));
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let sent = post_form(app, "/sign-in", None, &fields, &[]).await;
            assert_eq!(sent.status, 303, "{}", sent.body);
            sent.header("location").to_string()
        }
    };
    assert_eq!(sign_in(&amendment_page).await, amendment_page);
    for elsewhere in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/api/v1/bills",
    ] {
        assert_eq!(sign_in(elsewhere).await, "/", "{elsewhere}");
    }
    // A forged `next` field is checked too, not only the one the page offers.
    let page = get(&s.app, "/sign-in", None, &[]).await;
    let sent = post_form(
        &s.app,
        "/sign-in",
        None,
        &[
            ("csrf", &page.csrf()),
            ("token", &s.citizen),
            ("next", "//evil.example/"),
        ],
        &[],
    )
    .await;
    assert_eq!(sent.header("location"), "/");
}
