//! The API description (`/api/v1/openapi.json`) and its docs page
//! (`/api/v1/docs`), as an integrator meets them: the document is valid
//! OpenAPI 3.1 (checked against the OpenAPI Initiative's schema, vendored in
//! `tests/vendor/openapi-3.1`), names exactly the routes the server serves,
//! and the server's real answers fit the schemas it documents for them; the
//! docs page loads only files of this server.

use std::collections::BTreeSet;

use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Map, Value};
use sinmungo_http::ROUTES;

use crate::harness::{expect_problem, Session, TestApp, JEONJU};
use crate::notifications::notifications_until;
use crate::photos::header;

/// The OpenAPI 3.1 schema (2021-04-15 iteration).
const OPENAPI_3_1_SCHEMA: &str = include_str!("../../vendor/openapi-3.1/schema.json");

/// The methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn description(app: &TestApp) -> Value {
    let response = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), "application/json");
    response.json().await.expect("the description is JSON")
}

/// Every `(METHOD, path)` the description documents.
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(|method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_description_is_valid_openapi_3_1() {
    let app = TestApp::spawn().await;
    let document = description(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    let schema: Value = serde_json::from_str(OPENAPI_3_1_SCHEMA).expect("vendored schema");
    let validator = jsonschema::draft202012::new(&schema).expect("the OpenAPI 3.1 schema compiles");
    let errors = validator.iter_errors(&document).into_errors();
    assert!(errors.is_empty(), "not valid OpenAPI 3.1:\n{errors}");
    // The schema does judge: an operation without its responses is refused.
    let mut broken = document.clone();
    broken["paths"]["/reports"]["get"]["responses"] = json!(["200"]);
    assert!(!validator.is_valid(&broken));
    // OpenAPI 3.1's schema leaves the Schema Objects to JSON Schema: each
    // must itself be valid JSON Schema 2020-12.
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    assert!(schemas.contains_key("Problem") && schemas.contains_key("Report"));
    for (name, schema) in schemas {
        let errors = jsonschema::meta::validate(schema);
        assert!(errors.is_ok(), "{name}: {errors:?}");
    }
    // The two credentials the API takes.
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["accessToken"]["scheme"], "bearer");
    assert_eq!(schemes["serviceAccountKey"]["scheme"], "bearer");
    assert_eq!(document["servers"][0]["url"], "/api/v1");
}

#[tokio::test]
async fn every_route_is_described_and_every_described_operation_is_routed() {
    let app = TestApp::spawn().await;
    let document = description(&app).await;
    let documented = documented(&document);
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|route| (route.method.to_owned(), route.path.to_owned()))
        .collect();
    assert_eq!(documented, routed);
    // And the server answers each of them: not the router's own 404 (no such
    // route) or 405, whatever the handler then makes of the request.
    for (method, path) in &documented {
        let concrete = path
            .replace("{provider}", "google")
            .replace("{variant}", "public")
            .replace("{code}", "road_damage")
            .replace("{name}", "openrouter_api_key")
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{photo_id}", "00000000-0000-0000-0000-000000000000")
            .replace("{key_id}", "00000000-0000-0000-0000-000000000000");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .send(method.clone(), &format!("/api/v1{concrete}"), None, None)
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_ne!(body["detail"], "no such route", "{method} {path}");
    }
}

#[tokio::test]
async fn every_operation_lists_its_problems_and_who_may_call_it() {
    let app = TestApp::spawn().await;
    let document = description(&app).await;
    for route in ROUTES {
        let operation = &document["paths"][route.path][route.method.to_lowercase()];
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(&format!("`{:?}`", route.permission)),
            "{} {}: {description}",
            route.method,
            route.path
        );
        let responses = operation["responses"].as_object().expect("responses");
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let content = &response["content"]["application/problem+json"];
                assert_eq!(
                    content["schema"]["$ref"], "#/components/schemas/Problem",
                    "{} {} {status}",
                    route.method, route.path
                );
                let examples = content["examples"].as_object().expect("examples");
                for (code, example) in examples {
                    assert_eq!(&example["value"]["code"], code);
                    assert_eq!(example["value"]["status"].to_string(), *status);
                }
            }
        }
        // Every route answers 500 and a request timeout whatever it does.
        assert!(responses.contains_key("500") && responses.contains_key("408"));
        if route.takes_photos {
            assert!(operation["requestBody"]["content"]
                .get("multipart/form-data")
                .is_some());
        }
    }
    // A route that checks a report's state lists the conflicts it answers.
    let transition = &document["paths"]["/reports/{id}/transitions"]["post"]["responses"];
    assert!(
        transition["409"]["content"]["application/problem+json"]["examples"]
            .get("invalid_transition")
            .is_some()
    );
    // Anonymous callers need no credential to read reports; admins' routes do.
    assert!(document["paths"]["/reports"]["get"]["security"]
        .as_array()
        .expect("security")
        .contains(&json!({})));
    assert!(!document["paths"]["/admin/audit"]["get"]["security"]
        .as_array()
        .expect("security")
        .contains(&json!({})));
}

#[tokio::test]
async fn the_description_is_cacheable() {
    let app = TestApp::spawn().await;
    let first = app.get("/api/v1/openapi.json", None).await;
    let etag = header(&first, ETAG);
    assert!(etag.starts_with('"'), "ETag {etag:?}");
    assert!(header(&first, CACHE_CONTROL).starts_with("public"));
    let again = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.expect("body").is_empty());
}

/// The server's description, its schemas' `$ref`s inlined, to check answers with.
struct Contract {
    document: Value,
}

impl Contract {
    async fn of(app: &TestApp) -> Self {
        Self {
            document: description(app).await,
        }
    }

    /// Checks that `response` is one the description documents for `method
    /// path` (the path as documented, `{id}` and all): its status, its media
    /// type and, strictly (no property the schema does not name), its body.
    async fn check(&self, method: &str, path: &str, response: Response) -> Value {
        let status = response.status().as_u16().to_string();
        let media = header(&response, CONTENT_TYPE);
        let body: Value = response.json().await.expect("a JSON answer");
        let operation = &self.document["paths"][path][method.to_lowercase()];
        assert!(operation.is_object(), "{method} {path} is not described");
        let documented = &operation["responses"][&status];
        assert!(
            documented.is_object(),
            "{method} {path} answered {status}, which it does not describe: {body}"
        );
        let schema = &documented["content"][&media]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} {status} answered {media}, which it does not describe"
        );
        let mut schema = self.inlined(schema, 0);
        strict(&mut schema, false);
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the documented schema compiles");
        let errors = validator.iter_errors(&body).into_errors();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: the answer does not fit its schema:\n{errors}\n{body:#}"
        );
        body
    }

    /// `schema` with every `#/components/schemas/…` reference replaced by
    /// what it names (the DTOs hold no cycle).
    fn inlined(&self, schema: &Value, depth: usize) -> Value {
        assert!(depth < 32, "references nest too deep: {schema}");
        match schema {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let name = target
                        .strip_prefix("#/components/schemas/")
                        .expect("a component reference");
                    let mut resolved =
                        self.inlined(&self.document["components"]["schemas"][name], depth + 1);
                    if let Value::Object(resolved) = &mut resolved {
                        for (key, value) in map.iter().filter(|(key, _)| *key != "$ref") {
                            resolved.insert(key.clone(), self.inlined(value, depth + 1));
                        }
                    }
                    return resolved;
                }
                Value::Object(
                    map.iter()
                        .map(|(key, value)| (key.clone(), self.inlined(value, depth + 1)))
                        .collect::<Map<_, _>>(),
                )
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|value| self.inlined(value, depth + 1))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Makes every object in `schema` refuse properties it does not name, so a
/// field a DTO sends but the description lacks fails the check. Members of
/// an `allOf` (a `#[serde(flatten)]`) are only part of their object: the
/// whole is closed, with `unevaluatedProperties`, which sees every member.
fn strict(schema: &mut Value, member: bool) {
    let Value::Object(map) = schema else {
        return;
    };
    let object_like = ["properties", "allOf", "oneOf", "anyOf"]
        .iter()
        .any(|key| map.contains_key(*key));
    if object_like && !member && !map.contains_key("additionalProperties") {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Value::Object(properties) = value {
                    for property in properties.values_mut() {
                        strict(property, false);
                    }
                }
            }
            "items" | "additionalProperties" => strict(value, false),
            "allOf" => each(value, |member_schema| strict(member_schema, true)),
            "oneOf" | "anyOf" => each(value, |branch| strict(branch, member)),
            _ => {}
        }
    }
}

fn each(list: &mut Value, mut f: impl FnMut(&mut Value)) {
    if let Value::Array(items) = list {
        items.iter_mut().for_each(&mut f);
    }
}

/// A citizen reports a pothole and follows it; an officer works on it:
/// every answer on the way fits what the description says of it.
#[tokio::test]
async fn real_answers_fit_the_documented_schemas() {
    let app = TestApp::spawn().await;
    let contract = Contract::of(&app).await;

    let registered = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "citizen@example.kr", "password": "jeonbuk2026!", "display_name": "김전북"}),
        )
        .await;
    contract.check("POST", "/auth/register", registered).await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "citizen@example.kr", "password": "jeonbuk2026!"}),
        )
        .await;
    let session = contract.check("POST", "/auth/login", login).await;
    let citizen = session["access_token"].as_str().expect("token").to_owned();
    let me = app.get("/api/v1/me", Some(&citizen)).await;
    contract.check("GET", "/me", me).await;

    let submitted = app
        .post(
            "/api/v1/reports",
            Some(&citizen),
            json!({
                "title": "효자동 도로에 큰 포트홀",
                "description": "집 앞 도로에 큰 포트홀이 생겼어요. 연락처 010-1234-5678",
                "location": {"lat": JEONJU.0, "lng": JEONJU.1},
                "address": "전북특별자치도 전주시 완산구 효자동1가",
                "visibility": "public",
            }),
        )
        .await;
    assert_eq!(submitted.status(), StatusCode::CREATED);
    let report = contract.check("POST", "/reports", submitted).await;
    let id = report["id"].as_str().expect("id").to_owned();

    let list = app.get("/api/v1/reports", None).await;
    let page = contract.check("GET", "/reports", list).await;
    assert_eq!(page["items"][0]["id"], id.as_str());
    let one = app.get(&format!("/api/v1/reports/{id}"), None).await;
    contract.check("GET", "/reports/{id}", one).await;
    let categories = app.get("/api/v1/categories", None).await;
    contract.check("GET", "/categories", categories).await;
    let departments = app.get("/api/v1/departments", None).await;
    contract.check("GET", "/departments", departments).await;

    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let started = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(&officer.access_token),
            json!({"to": "in_progress", "note": "보수 작업을 시작했습니다"}),
        )
        .await;
    contract
        .check("POST", "/reports/{id}/transitions", started)
        .await;
    let comment = app
        .post(
            &format!("/api/v1/reports/{id}/comments"),
            Some(&officer.access_token),
            json!({"body": "현장을 확인했습니다. 이번 주 안에 보수하겠습니다.", "internal": false}),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::CREATED);
    contract
        .check("POST", "/reports/{id}/comments", comment)
        .await;
    let timeline = app
        .get(&format!("/api/v1/reports/{id}/timeline"), Some(&citizen))
        .await;
    let entries = contract
        .check("GET", "/reports/{id}/timeline", timeline)
        .await;
    let kinds: Vec<&str> = entries["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|entry| entry["type"].as_str())
        .collect();
    assert!(kinds.contains(&"status_changed") && kinds.contains(&"comment"));

    // Notifications are made from the events, a moment later.
    notifications_until(&app, &citizen, "", |page| page["unread_count"] != 0).await;
    let notifications = app.get("/api/v1/notifications", Some(&citizen)).await;
    let notifications = contract.check("GET", "/notifications", notifications).await;
    assert!(notifications["items"]
        .as_array()
        .is_some_and(|i| !i.is_empty()));
    let stats = app.get("/api/v1/stats", Some(&officer.access_token)).await;
    contract.check("GET", "/stats", stats).await;

    // Problems too: a report that is not there, and one that is not valid.
    let missing = app
        .get("/api/v1/reports/00000000-0000-0000-0000-000000000000", None)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let problem = contract.check("GET", "/reports/{id}", missing).await;
    assert_eq!(problem["code"], "not_found");
    let invalid = app
        .post(
            "/api/v1/reports",
            Some(&citizen),
            json!({"title": "", "description": "", "location": {"lat": JEONJU.0, "lng": JEONJU.1}}),
        )
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = contract.check("POST", "/reports", invalid).await;
    assert_eq!(problem["code"], "validation_failed");
    assert!(problem["errors"].as_array().is_some_and(|e| !e.is_empty()));
}

/// An administrator's answers fit too: accounts, keys, the audit log.
#[tokio::test]
async fn administrators_answers_fit_the_documented_schemas() {
    let app = TestApp::spawn().await;
    let contract = Contract::of(&app).await;
    let Session { access_token, .. } = app.admin().await;
    let admin = Some(access_token.as_str());
    let account = app
        .post(
            "/api/v1/admin/service-accounts",
            admin,
            json!({"name": "전주시 민원 연계 시스템", "contact_email": "it@jeonju.go.kr"}),
        )
        .await;
    let account = contract
        .check("POST", "/admin/service-accounts", account)
        .await;
    let keys = format!(
        "/api/v1/admin/service-accounts/{}/keys",
        account["id"].as_str().expect("id")
    );
    let issued = app.post(&keys, admin, json!({"label": "운영 서버"})).await;
    let issued = contract
        .check("POST", "/admin/service-accounts/{id}/keys", issued)
        .await;
    assert!(issued["key"]
        .as_str()
        .is_some_and(|k| k.starts_with("smk_")));
    let listed = app.get(&keys, admin).await;
    contract
        .check("GET", "/admin/service-accounts/{id}/keys", listed)
        .await;
    let audit = app.get("/api/v1/admin/audit", admin).await;
    let audit = contract.check("GET", "/admin/audit", audit).await;
    assert!(audit.as_array().is_some_and(|entries| !entries.is_empty()));
    // A citizen is refused, as the description says.
    let citizen = app.citizen("citizen@example.kr").await;
    let refused = app
        .get("/api/v1/admin/audit", Some(&citizen.access_token))
        .await;
    let refused = contract.check("GET", "/admin/audit", refused).await;
    assert_eq!(refused["code"], "forbidden");
}

/// The `src` and `href` values of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("a closing quote");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

#[tokio::test]
async fn the_docs_page_loads_only_files_of_this_server() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/v1/docs", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(header(&page, CONTENT_TYPE), "text/html; charset=utf-8");
    let policy = header(&page, CONTENT_SECURITY_POLICY);
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
    let base = reqwest::Url::parse(&app.url("/api/v1/docs")).expect("page URL");
    let html = page.text().await.expect("HTML");
    assert!(
        html.contains("<title>전북 신문고 API 문서</title>"),
        "{html}"
    );
    // No inline script: every script has a src.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count()
    );
    let references = references(&html);
    assert_eq!(references.len(), 3, "{references:?}");
    for reference in &references {
        let url = base.join(reference).expect("a URL");
        assert_eq!(url.origin(), base.origin(), "{reference} leaves the server");
        let asset = app.client.get(url.clone()).send().await.expect("asset");
        assert_eq!(asset.status(), StatusCode::OK, "{url}");
        let expected = if url.path().ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(header(&asset, CONTENT_TYPE), expected, "{url}");
        if url.path().contains("/swagger-ui-") {
            assert!(header(&asset, CACHE_CONTROL).contains("max-age=31536000"));
        }
        if url.path().ends_with("init.js") {
            // It reads the description beside the page and never the online validator.
            let script = asset.text().await.expect("script");
            assert!(script.contains("\"openapi.json\"") && script.contains("validatorUrl: null"));
        }
    }
    let missing = app
        .get("/api/v1/docs/swagger-ui-1.0.0/swagger-ui.css", None)
        .await;
    expect_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

/// In a real browser the page lists every operation, and nothing it loads
/// comes from anywhere but this server.
#[tokio::test]
async fn the_docs_page_shows_every_operation_in_a_browser() {
    let app = TestApp::spawn().await;
    crate::browser::run("openapi_docs_page", |client| async move {
        client.goto(&app.url("/api/v1/docs")).await?;
        let expected = json!(ROUTES.len());
        crate::browser_map::until(
            &client,
            "return document.querySelectorAll('.opblock').length;",
            &expected,
        )
        .await?;
        let title = client.title().await?;
        anyhow::ensure!(title == "전북 신문고 API 문서", "title {title}");
        let loaded = client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name);",
                vec![],
            )
            .await?;
        let loaded = loaded.as_array().cloned().unwrap_or_default();
        anyhow::ensure!(!loaded.is_empty(), "the page loaded nothing");
        for url in &loaded {
            let url = url.as_str().unwrap_or_default();
            anyhow::ensure!(url.starts_with(&app.base), "{url} is not this server");
        }
        Ok(())
    })
    .await;
}
