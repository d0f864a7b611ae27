//! Embedded triage: with an LLM configured (here a wiremock server answering
//! in OpenAI's chat-completions shape), a submitted report is analysed in the
//! server process shortly after it is stored, with no worker and no Kafka.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sinmungo_server::ApiSecret;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{expect_problem, Session, TestApp};

/// An OpenAI-shaped chat completion whose content is the triage verdict.
fn completion(verdict: &Value) -> Value {
    json!({
        "id": "gen-1",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "test/triage-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": verdict.to_string()},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    })
}

async fn app_with_llm(llm: &MockServer) -> TestApp {
    let base = llm.uri();
    TestApp::spawn_with(move |config| {
        config.triage.llm_model = Some("test/triage-model".to_owned());
        config.triage.llm_api_key = Some("sk-test-key".parse::<ApiSecret>().expect("key"));
        config.triage.llm_base_url = base;
        config.triage.llm_timeout_secs = 2;
    })
    .await
}

/// Polls a report until `done` holds (the relay runs every 100 ms), at most 10 s.
async fn eventually(app: &TestApp, id: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let report: Value = app
            .get(&format!("/api/v1/reports/{id}"), Some(token))
            .await
            .json()
            .await
            .expect("report JSON");
        if done(&report) || tokio::time::Instant::now() > deadline {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_llm_classifies_a_report_the_keywords_could_not() {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&json!({
            "category": "streetlight",
            "priority": "high",
            "confidence": 0.87,
            "summary": "골목 가로등이 꺼져 어두움"
        }))))
        .expect(1)
        .mount(&llm)
        .await;
    let app = app_with_llm(&llm).await;
    let citizen = app.citizen("minji@example.kr").await;

    let report = app
        .submit(
            &citizen.access_token,
            "밤길이 무서워요",
            "골목이 너무 어두워요",
            "public",
        )
        .await;
    assert_eq!(
        report["category"], "other",
        "the keywords alone found nothing"
    );
    let id = report["id"].as_str().expect("id");

    let analysed = eventually(&app, id, &citizen.access_token, |r| {
        r["analysis"]["decided_by"] == "ai"
    })
    .await;
    assert_eq!(analysed["category"], "streetlight", "{analysed}");
    assert_eq!(analysed["priority"], "high");
    assert_eq!(analysed["analysis"]["rule"], "llm_suggestion");
    assert_eq!(
        analysed["analysis"]["models"],
        json!(["llm:test/triage-model"])
    );
    assert!(analysed["analysis"].get("note").is_none());

    // What the provider was sent: the report's text, masked, and the categories.
    let requests = llm.received_requests().await.expect("recorded requests");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("request JSON");
    assert_eq!(body["model"], "test/triage-model");
    assert!(body.to_string().contains("골목이 너무 어두워요"));
    assert!(
        requests[0]
            .headers
            .get("authorization")
            .is_some_and(|h| h.as_bytes() == b"Bearer sk-test-key"),
        "the key goes in the Authorization header"
    );
}

#[tokio::test]
async fn a_failing_llm_leaves_the_rules_decision_and_tells_officers_why() {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded"))
        .mount(&llm)
        .await;
    let app = app_with_llm(&llm).await;
    let citizen = app.citizen("minji@example.kr").await;
    let officer = app
        .official("roads@example.kr", "staff", "road_management")
        .await;

    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id");
    let analysed = eventually(&app, id, &officer.access_token, |r| {
        r["analysis"]["note"].is_string()
    })
    .await;
    assert_eq!(analysed["category"], "road_damage");
    assert_eq!(analysed["analysis"]["decided_by"], "rules");
    assert_eq!(analysed["analysis"]["rule"], "road_pothole");
    let note = analysed["analysis"]["note"].as_str().unwrap_or_default();
    assert!(note.contains("LLM"), "{note}");

    let seen_by_citizen: Value = app
        .get(
            &format!("/api/v1/reports/{id}"),
            Some(&citizen.access_token),
        )
        .await
        .json()
        .await
        .expect("report JSON");
    assert!(
        seen_by_citizen["analysis"].get("note").is_none(),
        "internal notes are for officials"
    );
}

/// A server whose LLM always answers `verdict`, and that LLM.
async fn llm_answering(verdict: Value) -> (MockServer, TestApp) {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&verdict)))
        .mount(&llm)
        .await;
    let app = app_with_llm(&llm).await;
    (llm, app)
}

/// Report `id` as `token` (or anonymously) sees it.
async fn report_as(app: &TestApp, id: &str, token: Option<&str>) -> Value {
    app.get(&format!("/api/v1/reports/{id}"), token)
        .await
        .json()
        .await
        .expect("report JSON")
}

/// The actions of the audit log's entries about report `id`.
async fn audited(app: &TestApp, admin: &str, id: &str) -> Vec<String> {
    let audit: Value = app
        .get(
            &format!("/api/v1/admin/audit?target=report:{id}"),
            Some(admin),
        )
        .await
        .json()
        .await
        .expect("audit JSON");
    audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

/// `POST /api/v1/reports/{id}/analysis` as `token`.
async fn request_analysis(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/reports/{id}/analysis"),
        Some(token),
        None,
    )
    .await
}

/// A 202 answer's body.
async fn accepted(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    serde_json::from_str(&text).expect("JSON body")
}

/// A report triaged by an LLM that says `streetlight`, on a server of its
/// own: the server, the LLM, the report's id once analysed, the reporter,
/// and a staff member of the department it ended up in.
struct Analysed {
    app: TestApp,
    llm: MockServer,
    id: String,
    citizen: Session,
    staff: Session,
}

async fn analysed(title: &str, description: &str) -> Analysed {
    let (llm, app) = llm_answering(json!({
        "category": "streetlight",
        "priority": "high",
        "confidence": 0.87
    }))
    .await;
    let citizen = app.citizen("minji@example.kr").await;
    let report = app
        .submit(&citizen.access_token, title, description, "public")
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    // Triage of the submission is done (and may have re-routed it).
    let first = eventually(&app, &id, &citizen.access_token, |r| {
        r["analysis"]["models"] == json!(["llm:test/triage-model"])
    })
    .await;
    let department = first["department"].as_str().expect("routed");
    let staff = app.official("staff@example.kr", "staff", department).await;
    Analysed {
        app,
        llm,
        id,
        citizen,
        staff,
    }
}

#[tokio::test]
async fn an_official_asks_for_a_fresh_analysis_and_triage_runs_again() {
    let Analysed {
        app,
        llm,
        id,
        citizen,
        staff,
    } = analysed("밤길이 무서워요", "골목이 너무 어두워요").await;
    let id = id.as_str();
    let admin = app.admin().await;
    let before = report_as(&app, id, Some(&staff.access_token)).await;

    let refused = request_analysis(&app, id, &citizen.access_token).await;
    expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let missing =
        request_analysis(&app, &uuid::Uuid::now_v7().to_string(), &staff.access_token).await;
    expect_problem(missing, StatusCode::NOT_FOUND, "not_found").await;

    // Counted before, not assumed: a call that times out on a loaded machine is retried.
    let asked_before = llm.received_requests().await.expect("recorded").len();
    let request = accepted(request_analysis(&app, id, &staff.access_token).await).await;
    assert_eq!(request["report_id"], id);
    let event = request["event_id"].as_str().expect("event id").to_owned();
    let again = eventually(&app, id, &staff.access_token, |r| {
        r["analysis"]["trigger"] == event.as_str()
    })
    .await;
    assert_eq!(again["analysis"]["trigger"], event.as_str(), "{again}");
    assert_eq!(again["analysis"]["decided_by"], "ai");
    assert_eq!(again["category"], "streetlight");
    let decided = |r: &Value| {
        r["analysis"]["decided_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .expect("decided_at")
    };
    assert!(decided(&again) > decided(&before), "{before} → {again}");
    assert!(
        llm.received_requests().await.expect("recorded").len() > asked_before,
        "the LLM was asked again"
    );
    // The trigger is for officials.
    let public = report_as(&app, id, None).await;
    assert!(public["analysis"].get("trigger").is_none(), "{public}");

    let audit = audited(&app, &admin.access_token, id).await;
    assert!(
        audit.iter().any(|a| a == "report.analysis_requested"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_fresh_analysis_leaves_an_officers_classification_standing() {
    let Analysed { app, id, .. } = analysed("도로 파손", "집 앞 도로에 큰 포트홀이 생겼어요").await;
    let id = id.as_str();
    // An administrator acts on any department's reports, wherever triage routed it.
    let admin = app.admin().await;
    let classified: Value = app
        .send(
            Method::PUT,
            &format!("/api/v1/reports/{id}/classification"),
            Some(&admin.access_token),
            Some(json!({"category": "road_damage", "priority": "urgent"})),
        )
        .await
        .json()
        .await
        .expect("report JSON");
    assert_eq!(classified["category"], "road_damage", "{classified}");
    let department = classified["department"].clone();

    let request = accepted(request_analysis(&app, id, &admin.access_token).await).await;
    let event = request["event_id"].as_str().expect("event id").to_owned();
    let after = eventually(&app, id, &admin.access_token, |r| {
        r["analysis"]["trigger"] == event.as_str()
    })
    .await;
    assert_eq!(after["analysis"]["trigger"], event.as_str(), "{after}");
    assert_eq!(after["category"], "road_damage");
    assert_eq!(after["priority"], "urgent");
    assert_eq!(after["department"], department);
    assert_eq!(after["analysis"]["decided_by"], "human");
    assert_eq!(
        after["analysis"]["models"],
        json!(["llm:test/triage-model"])
    );
    let note = after["analysis"]["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("담당자 분류 유지") && note.contains("triage would decide"),
        "{note}"
    );
}

#[tokio::test]
async fn a_description_the_llm_flags_is_withheld_from_the_public_until_an_officer_looks() {
    let (_llm, app) = llm_answering(json!({
        "category": "road_damage",
        "priority": "normal",
        "confidence": 0.9,
        "summary": "도로 포트홀",
        "personal_data": true,
        "personal_data_spans": ["김철수", "not in the text"]
    }))
    .await;
    let citizen = app.citizen("minji@example.kr").await;
    let neighbour = app.citizen("neighbour@example.kr").await;
    let admin = app.admin().await;
    let description = "김철수 씨 집 앞 도로에 큰 포트홀이 생겼어요";
    let report = app
        .submit(&citizen.access_token, "도로 파손", description, "public")
        .await;
    let id = report["id"].as_str().expect("id");
    let number = report["number"].as_str().expect("number").to_owned();
    let department = report["department"].as_str().expect("routed").to_owned();
    let flagged = eventually(&app, id, &admin.access_token, |r| {
        r["analysis"]["personal_data"] == true
    })
    .await;
    assert_eq!(flagged["analysis"]["personal_data"], true, "{flagged}");
    assert_eq!(
        flagged["analysis"]["personal_data_spans"],
        json!(["김철수"]),
        "only pieces of the text count"
    );
    assert_eq!(flagged["description"], description, "officials read it");
    let staff = app.official("roads@example.kr", "staff", &department).await;

    let own = report_as(&app, id, Some(&citizen.access_token)).await;
    assert_eq!(own["description"], description, "the reporter reads it");
    assert_eq!(own["description_withheld"], false);
    for public in [None, Some(neighbour.access_token.as_str())] {
        let seen = report_as(&app, id, public).await;
        assert_eq!(seen["description_withheld"], true, "{seen}");
        assert_eq!(
            seen["description"],
            "개인정보가 포함되어 있을 수 있어 담당자 확인 후 공개됩니다."
        );
        assert_eq!(seen["analysis"]["personal_data"], true);
        assert!(seen["analysis"].get("personal_data_spans").is_none());
        assert!(!seen.to_string().contains("김철수"), "{seen}");
    }
    let open311 = app
        .get(&format!("/open311/v2/requests/{number}.json"), None)
        .await
        .text()
        .await
        .expect("Open311 JSON");
    assert!(
        open311.contains("담당자 확인 후 공개") && !open311.contains("김철수"),
        "{open311}"
    );

    // Only officials of the department decide, and only publish or keep_hidden.
    let review = |token: &str, decision: &'static str| {
        let (app, token) = (&app, token.to_owned());
        async move {
            app.send(
                Method::POST,
                &format!("/api/v1/reports/{id}/privacy-review"),
                Some(&token),
                Some(json!({ "decision": decision })),
            )
            .await
        }
    };
    expect_problem(
        review(&neighbour.access_token, "publish").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        review(&staff.access_token, "maybe").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        report_as(&app, id, None).await["description_withheld"],
        true
    );

    let published = review(&staff.access_token, "publish").await;
    assert_eq!(published.status(), StatusCode::OK);
    let published: Value = published.json().await.expect("report JSON");
    assert_eq!(
        published["analysis"]["privacy_review"]["decision"],
        "publish"
    );
    assert_eq!(
        published["analysis"]["privacy_review"]["by"],
        staff.id.as_str()
    );
    let seen = report_as(&app, id, None).await;
    assert_eq!(seen["description_withheld"], false, "{seen}");
    assert!(
        seen["description"]
            .as_str()
            .is_some_and(|d| d.contains("포트홀")),
        "{seen}"
    );
    assert!(seen["analysis"].get("privacy_review").is_none());

    // Recorded for staff only, and audited.
    let timeline = |token: Option<&str>| {
        let app = &app;
        let token = token.map(str::to_owned);
        async move {
            app.get(&format!("/api/v1/reports/{id}/timeline"), token.as_deref())
                .await
                .text()
                .await
                .expect("timeline")
        }
    };
    assert!(timeline(Some(&staff.access_token))
        .await
        .contains("개인정보 검토"));
    assert!(!timeline(None).await.contains("개인정보 검토"));
    let audit = audited(&app, &admin.access_token, id).await;
    assert!(
        audit.iter().any(|a| a == "report.privacy_review"),
        "{audit:?}"
    );

    // Kept hidden, it stays hidden for good.
    assert_eq!(
        review(&staff.access_token, "keep_hidden").await.status(),
        StatusCode::OK
    );
    let seen = report_as(&app, id, None).await;
    assert_eq!(seen["description_withheld"], true);
    assert!(!seen.to_string().contains("김철수"));
}
