//! Open311 GeoReport v2 under `/open311/v2`, black box: every resource in
//! XML (parsed, and compared with the JSON answer) and JSON; a request
//! posted with a service account's API key comes back by its receipt
//! number; only public reports appear, masked, without the reporter's
//! contact details; errors in the specification's shape; the API keys'
//! rules and rate limits hold here too.

use quick_xml::events::Event;
use quick_xml::Reader;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::access::service_account;
use sinmungo_storage::samples::jpeg;

use crate::harness::{created, Form, TestApp, JEONJU};

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// An XML element as the tests compare it: its name, text and children.
#[derive(Debug)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn new(name: &[u8]) -> Self {
        Self {
            name: String::from_utf8(name.to_vec()).expect("UTF-8 element name"),
            text: String::new(),
            children: Vec::new(),
        }
    }

    fn child(&self, name: &str) -> &Element {
        self.children
            .iter()
            .find(|c| c.name == name)
            .expect("the element has that child")
    }
}

/// The root element of an XML document (which must be well-formed).
fn parse_xml(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Element::new(b"#document")];
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let top = stack.len() - 1;
        match event {
            Event::Start(e) => stack.push(Element::new(e.name().as_ref())),
            Event::Empty(e) => stack[top].children.push(Element::new(e.name().as_ref())),
            Event::End(_) => {
                let done = stack.pop().expect("an open element");
                stack.last_mut().expect("a parent").children.push(done);
            }
            Event::Text(text) => stack[top]
                .text
                .push_str(&text.decode().expect("UTF-8 text")),
            Event::GeneralRef(reference) => {
                let entity = match reference.resolve_char_ref().expect("a character reference") {
                    Some(c) => c.to_string(),
                    None => match reference.decode().expect("UTF-8 entity").as_ref() {
                        "amp" => Some("&"),
                        "lt" => Some("<"),
                        "gt" => Some(">"),
                        "quot" => Some("\""),
                        "apos" => Some("'"),
                        _ => None,
                    }
                    .expect("one of XML's predefined entities")
                    .to_owned(),
                };
                stack[top].text.push_str(&entity);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().expect("the document");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.remove(0)
}

/// Asserts that an XML element says what the JSON value says: an array is
/// one child per item, an object one child per field, `null` an empty
/// element, numbers and booleans their text.
fn assert_same(xml: &Element, json: &Value, at: &str) {
    match json {
        Value::Array(items) => {
            assert_eq!(xml.children.len(), items.len(), "{at}: {xml:?}");
            for (i, (child, item)) in xml.children.iter().zip(items).enumerate() {
                assert_same(child, item, &format!("{at}[{i}]"));
            }
        }
        Value::Object(fields) => {
            assert_eq!(
                xml.children.len(),
                fields.len(),
                "{at}: XML {:?} vs JSON {:?}",
                xml.children.iter().map(|c| &c.name).collect::<Vec<_>>(),
                fields.keys().collect::<Vec<_>>()
            );
            for (name, value) in fields {
                assert_same(xml.child(name), value, &format!("{at}.{name}"));
            }
        }
        Value::Null => {
            assert!(
                xml.text.is_empty() && xml.children.is_empty(),
                "{at}: {xml:?}"
            );
        }
        Value::String(text) => assert_eq!(&xml.text, text, "{at}"),
        Value::Bool(b) => assert_eq!(xml.text, b.to_string(), "{at}"),
        Value::Number(n) => {
            let parsed: f64 = xml.text.parse().expect("a number");
            assert_eq!(Some(parsed), n.as_f64(), "{at}");
        }
    }
}

/// The body of an answer with this status and content type.
async fn body(response: Response, status: StatusCode, content_type: &str) -> String {
    let got = response.status();
    let header = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    assert_eq!(got, status, "{text}");
    assert_eq!(header, content_type, "{text}");
    text
}

/// `GET /open311/v2/{path}.xml` and `.json` (with `query`): asserts both
/// answer `status`, that the XML has its declaration, its root is `root`
/// and it says what the JSON says; returns the JSON.
async fn both(app: &TestApp, path: &str, query: &str, status: StatusCode, root: &str) -> Value {
    let xml = body(
        app.get(&format!("/open311/v2/{path}.xml{query}"), None)
            .await,
        status,
        "text/xml; charset=utf-8",
    )
    .await;
    let json: Value = serde_json::from_str(
        &body(
            app.get(&format!("/open311/v2/{path}.json{query}"), None)
                .await,
            status,
            "application/json; charset=utf-8",
        )
        .await,
    )
    .expect("JSON");
    assert!(xml.starts_with(XML_DECLARATION), "{xml}");
    let element = parse_xml(&xml);
    assert_eq!(element.name, root, "{xml}");
    assert_same(&element, &json, root);
    json
}

/// `GET requests` with `query`, in both formats.
async fn requests(app: &TestApp, query: &str) -> Value {
    both(app, "requests", query, StatusCode::OK, "service_requests").await
}

/// The ids of a list of service requests, in order.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|r| r["service_request_id"].as_str().expect("id").to_owned())
        .collect()
}

/// Asserts an Open311 error in both formats, with this status; returns its description.
async fn both_fail(app: &TestApp, path: &str, query: &str, status: StatusCode) -> String {
    let json = both(app, path, query, status, "errors").await;
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json[0]["code"], status.as_u16(), "{json}");
    json[0]["description"]
        .as_str()
        .expect("a description")
        .to_owned()
}

/// `POST /open311/v2/requests.json` with a form.
async fn post(app: &TestApp, form: &[(&str, &str)]) -> Response {
    post_as(app, "json", form).await
}

async fn post_as(app: &TestApp, format: &str, form: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(&format!("/open311/v2/requests.{format}")))
        .form(form)
        .send()
        .await
        .expect("request reaches the server")
}

/// The fields of a valid pothole, with `api_key` when there is a key.
fn fields(key: Option<&str>) -> Vec<(&'static str, &str)> {
    let mut fields = vec![
        ("service_code", "road_damage"),
        ("lat", LAT),
        ("long", LONG),
        ("description", "포트홀이 있어요"),
    ];
    if let Some(key) = key {
        fields.insert(0, ("api_key", key));
    }
    fields
}

/// An Open311 JSON error answer with this status; returns its description.
async fn failed(response: Response, status: StatusCode) -> String {
    let json: Value =
        serde_json::from_str(&body(response, status, "application/json; charset=utf-8").await)
            .expect("JSON");
    assert_eq!(json[0]["code"], status.as_u16(), "{json}");
    json[0]["description"]
        .as_str()
        .expect("a description")
        .to_owned()
}

const LAT: &str = "35.8242";
const LONG: &str = "127.148";

/// A pothole posted with `key`; returns its service_request_id.
async fn post_pothole(app: &TestApp, key: &str, description: &str) -> String {
    let response = post(
        app,
        &[
            ("api_key", key),
            ("service_code", "road_damage"),
            ("lat", LAT),
            ("long", LONG),
            ("address_string", "전주시 완산구 효자동"),
            ("description", description),
        ],
    )
    .await;
    posted_id(response).await
}

/// The `service_request_id` of a 201 JSON answer to `POST requests`.
async fn posted_id(response: Response) -> String {
    let json: Value = serde_json::from_str(
        &body(
            response,
            StatusCode::CREATED,
            "application/json; charset=utf-8",
        )
        .await,
    )
    .expect("JSON");
    json[0]["service_request_id"]
        .as_str()
        .expect("the id at once, no token")
        .to_owned()
}

/// The name of the department `code`, as the REST API lists it.
async fn department_name(app: &TestApp, code: &str) -> String {
    let departments: Value = app
        .get("/api/v1/departments", None)
        .await
        .json()
        .await
        .expect("departments");
    departments
        .as_array()
        .or_else(|| departments["items"].as_array())
        .expect("a list")
        .iter()
        .find(|d| d["code"] == code)
        .and_then(|d| d["name"].as_str())
        .expect("the department")
        .to_owned()
}

#[tokio::test]
async fn discovery_services_and_service_definitions_answer_in_both_formats() {
    let app = TestApp::spawn().await;
    let discovery = both(&app, "discovery", "", StatusCode::OK, "discovery").await;
    let endpoint = &discovery["endpoints"][0];
    assert_eq!(
        endpoint["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert_eq!(endpoint["url"], "/open311/v2");
    assert_eq!(endpoint["formats"], json!(["text/xml", "application/json"]));

    let services = both(&app, "services", "", StatusCode::OK, "services").await;
    let services = services.as_array().expect("a list");
    assert_eq!(services.len(), 14, "the seeded categories");
    let road = services
        .iter()
        .find(|s| s["service_code"] == "road_damage")
        .expect("road damage");
    assert_eq!(road["service_name"], "도로 파손");
    assert_eq!(road["metadata"], false);
    assert_eq!(road["type"], "realtime");
    assert_eq!(
        road["group"],
        department_name(&app, "road_management").await
    );

    let definition = both(
        &app,
        "services/road_damage",
        "",
        StatusCode::OK,
        "service_definition",
    )
    .await;
    assert_eq!(
        definition,
        json!({"service_code": "road_damage", "attributes": []})
    );
    let unknown = both_fail(&app, "services/no_such", "", StatusCode::NOT_FOUND).await;
    assert!(unknown.contains("no_such"), "{unknown}");

    // The jurisdiction: ours is accepted, another one is unknown.
    both(
        &app,
        "services",
        "?jurisdiction_id=jeonbuk.go.kr",
        StatusCode::OK,
        "services",
    )
    .await;
    both_fail(
        &app,
        "services",
        "?jurisdiction_id=seoul.go.kr",
        StatusCode::NOT_FOUND,
    )
    .await;
    // A resource without a format, or with another, is no resource.
    let plain = app.get("/open311/v2/services", None).await;
    assert_eq!(plain.status(), StatusCode::NOT_FOUND);
    assert!(plain
        .text()
        .await
        .expect("body")
        .starts_with(XML_DECLARATION));
}

#[tokio::test]
async fn a_request_posted_with_an_api_key_comes_back_masked_and_without_its_contact() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, key) = service_account(&app, &admin, "callcenter").await;
    let response = post(
        &app,
        &[
            ("api_key", key.as_str()),
            ("jurisdiction_id", "jeonbuk.go.kr"),
            ("service_code", "road_damage"),
            ("lat", LAT),
            ("long", LONG),
            ("address_string", "전주시 완산구 효자동"),
            ("description", "포트홀이 깊어요. 연락 주세요 010-1234-5678"),
            ("email", "reporter@example.kr"),
            ("first_name", "길동"),
            ("last_name", "홍"),
            ("phone", "010-9876-5432"),
            ("media_url", "https://cdn.example.kr/p/1.jpg"),
            ("attribute[depth]", "깊음"),
        ],
    )
    .await;
    let id = posted_id(response).await;
    assert!(
        id.starts_with("JB-20") && id.len() == "JB-2026-000001".len(),
        "{id}"
    );

    let one = both(
        &app,
        &format!("requests/{id}"),
        "",
        StatusCode::OK,
        "service_requests",
    )
    .await;
    let request = &one[0];
    assert_eq!(one.as_array().map(Vec::len), Some(1));
    assert_eq!(request["service_request_id"], id.as_str());
    assert_eq!(request["status"], "open");
    assert_eq!(request["service_code"], "road_damage");
    assert_eq!(request["service_name"], "도로 파손");
    assert_eq!(
        request["agency_responsible"],
        department_name(&app, "road_management").await
    );
    assert_eq!(request["address"], "전주시 완산구 효자동");
    assert_eq!(request["lat"], 35.8242);
    assert_eq!(request["long"], 127.148);
    assert_eq!(request["media_url"], Value::Null, "no photo of ours");
    assert_eq!(request["status_notes"], Value::Null);
    let description = request["description"].as_str().expect("description");
    assert!(description.starts_with("포트홀이 깊어요"), "{description}");
    assert!(!description.contains("1234-5678"), "masked: {description}");
    for field in [
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        let at = request[field].as_str().expect(field);
        assert!(at.ends_with("+09:00"), "{field}: {at}");
        chrono::DateTime::parse_from_rfc3339(at).expect("ISO 8601 with offset");
    }

    // The reporter's contact is nowhere public: not in Open311's answers
    // (either format), nor in the REST API's public view of the report.
    let everything = requests(&app, "").await;
    let public_report = app
        .get(&format!("/api/v1/reports?q={}", "포트홀이"), None)
        .await
        .json::<Value>()
        .await
        .expect("list");
    let report = public_report["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["number"] == id.as_str()))
        .expect("the report through the API")
        .clone();
    let report_id = report["id"].as_str().expect("id").to_owned();
    let public_timeline = app
        .get(&format!("/api/v1/reports/{report_id}/timeline"), None)
        .await
        .text()
        .await
        .expect("timeline");
    let xml = app
        .get(&format!("/open311/v2/requests/{id}.xml"), None)
        .await
        .text()
        .await
        .expect("XML");
    for public in [
        everything.to_string(),
        xml,
        report.to_string(),
        public_timeline,
    ] {
        for secret in [
            "reporter@example.kr",
            "길동",
            "9876-5432",
            "1234-5678",
            "cdn.example.kr",
        ] {
            assert!(!public.contains(secret), "{secret} published: {public}");
        }
    }
    // Officials have it, as an internal note on the report.
    let staff_timeline: Value = app
        .get(
            &format!("/api/v1/reports/{report_id}/timeline"),
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .expect("timeline");
    let note = staff_timeline["items"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["type"] == "comment" || e["kind"]["type"] == "comment")
        .map(Value::to_string)
        .expect("an internal note");
    for kept in [
        "reporter@example.kr",
        "길동",
        "010-9876-5432",
        "https://cdn.example.kr/p/1.jpg",
        "depth",
    ] {
        assert!(note.contains(kept), "{kept} in {note}");
    }

    // The token of a request is its id.
    let token = both(
        &app,
        &format!("tokens/{id}"),
        "",
        StatusCode::OK,
        "service_requests",
    )
    .await;
    assert_eq!(token, json!([{"service_request_id": id, "token": id}]));
    both_fail(&app, "tokens/JB-2020-999999", "", StatusCode::NOT_FOUND).await;
    both_fail(&app, "requests/JB-2020-999999", "", StatusCode::NOT_FOUND).await;
    both_fail(&app, "requests/not-a-number", "", StatusCode::NOT_FOUND).await;

    // XML in, XML out.
    let response = post_as(
        &app,
        "xml",
        &[
            ("api_key", key.as_str()),
            ("service_code", "streetlight"),
            ("lat", LAT),
            ("long", LONG),
            ("description", "가로등이 꺼져 있어요"),
        ],
    )
    .await;
    let xml = body(response, StatusCode::CREATED, "text/xml; charset=utf-8").await;
    assert!(xml.starts_with(XML_DECLARATION));
    let root = parse_xml(&xml);
    assert_eq!(root.name, "service_requests");
    let second = root
        .child("request")
        .child("service_request_id")
        .text
        .clone();
    assert_ne!(second, id);
    let listed = both(
        &app,
        "requests",
        &format!("?service_request_id={id},{second}"),
        StatusCode::OK,
        "service_requests",
    )
    .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert_eq!(
        listed[0]["service_request_id"],
        second.as_str(),
        "newest first"
    );
    assert_eq!(listed[0]["service_code"], "streetlight");
}

#[tokio::test]
async fn requests_are_filtered_and_private_ones_never_appear() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let fixed = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let open = app
        .submit(
            &citizen.access_token,
            "가로등 고장",
            "가로등이 꺼져 있어요",
            "public",
        )
        .await;
    let private = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "비공개로 신고합니다 포트홀",
            "private",
        )
        .await;
    let number = |report: &Value| report["number"].as_str().expect("number").to_owned();
    let fixed_id = fixed["id"].as_str().expect("id");
    for (to, note) in [
        ("in_progress", None),
        ("resolved", Some("보수 완료했습니다")),
    ] {
        let response = app
            .post(
                &format!("/api/v1/reports/{fixed_id}/transitions"),
                Some(&staff.access_token),
                json!({"to": to, "note": note}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    let all = requests(&app, "").await;
    assert_eq!(
        ids(&all),
        [number(&open), number(&fixed)],
        "public only, newest first"
    );

    let closed = requests(&app, "?status=closed").await;
    assert_eq!(ids(&closed), [number(&fixed)]);
    assert_eq!(closed[0]["status"], "closed");
    assert_eq!(closed[0]["status_notes"], "보수 완료했습니다");
    let open_list = requests(&app, "?status=open").await;
    assert_eq!(ids(&open_list), [number(&open)]);
    assert_eq!(open_list[0]["status_notes"], Value::Null);
    assert_eq!(ids(&requests(&app, "?status=open,closed").await).len(), 2);
    assert_eq!(
        ids(&requests(&app, "?service_code=streetlight").await),
        [number(&open)]
    );
    both_fail(
        &app,
        "requests",
        "?service_code=no_such",
        StatusCode::NOT_FOUND,
    )
    .await;

    // By id: a private report is not found, even by its number; the id list
    // overrides the other filters.
    let by_id = format!(
        "?service_request_id={},{}&status=open",
        number(&fixed),
        number(&private)
    );
    assert_eq!(ids(&requests(&app, &by_id).await), [number(&fixed)]);
    both_fail(
        &app,
        &format!("requests/{}", number(&private)),
        "",
        StatusCode::NOT_FOUND,
    )
    .await;

    // The time window.
    let now = chrono::Utc::now();
    let hour = chrono::TimeDelta::hours(1);
    let date = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let future = format!("?start_date={}", date(now + hour));
    assert!(ids(&requests(&app, &future).await).is_empty());
    let past = format!("?end_date={}", date(now - hour));
    assert!(ids(&requests(&app, &past).await).is_empty());
    let around = format!(
        "?start_date={}&end_date={}",
        date(now - hour),
        date(now + hour)
    );
    assert_eq!(ids(&requests(&app, &around).await).len(), 2);
    // An offset whose `+` was not percent-encoded still reads.
    let kst = format!(
        "?start_date={}",
        (now - hour)
            .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("KST"))
            .format("%Y-%m-%dT%H:%M:%S+09:00")
    );
    assert_eq!(ids(&requests(&app, &kst).await).len(), 2);

    // Bad parameters are 400 in the specification's shape.
    let bad_date = both_fail(
        &app,
        "requests",
        "?start_date=yesterday",
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(bad_date.contains("start_date"), "{bad_date}");
    both_fail(&app, "requests", "?status=pending", StatusCode::BAD_REQUEST).await;
    both_fail(
        &app,
        "requests",
        "?start_date=2026-12-02&end_date=2026-12-01",
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn posting_takes_only_a_service_accounts_valid_key_and_valid_fields() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let (account, key) = service_account(&app, &admin, "gis").await;
    let missing = failed(post(&app, &fields(None)).await, StatusCode::FORBIDDEN).await;
    assert!(missing.contains("api_key"), "{missing}");
    failed(
        post(&app, &fields(Some("smk_not-a-key"))).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // A citizen's access token is no API key.
    failed(
        post(&app, &fields(Some(&citizen.access_token))).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Fields the API would refuse are refused here too, as 400s.
    let with_key = fields(Some(&key));
    let without = |name: &str| -> Vec<(&str, &str)> {
        with_key
            .iter()
            .copied()
            .filter(|(n, _)| *n != name)
            .collect()
    };
    let replaced = |name: &str, value: &'static str| -> Vec<(&str, &str)> {
        with_key
            .iter()
            .map(|&(n, v)| if n == name { (n, value) } else { (n, v) })
            .collect()
    };
    let no_code = failed(
        post(&app, &without("service_code")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(no_code.contains("service_code"), "{no_code}");
    failed(
        post(&app, &replaced("service_code", "no_such")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    failed(
        post(&app, &without("description")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    failed(post(&app, &without("lat")).await, StatusCode::BAD_REQUEST).await;
    failed(
        post(&app, &replaced("lat", "north")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let seoul = failed(
        post(&app, &replaced("lat", "37.5665")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(seoul.contains("service area"), "{seoul}");
    failed(
        post(
            &app,
            &[with_key.as_slice(), &[("jurisdiction_id", "seoul.go.kr")]].concat(),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let json_body = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .json(&json!({"api_key": key}))
        .send()
        .await
        .expect("sent");
    failed(json_body, StatusCode::BAD_REQUEST).await;
    // Nothing was stored by any of them.
    let listed = requests(&app, "").await;
    assert_eq!(listed, json!([]));

    // Once the key is revoked, it is refused.
    post_pothole(&app, &key, "포트홀이 있어요").await;
    let keys: Value = app
        .get(
            &format!("/api/v1/admin/service-accounts/{account}/keys"),
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .expect("keys");
    let key_id = keys[0]["id"].as_str().expect("key id");
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/service-accounts/{account}/keys/{key_id}"),
            Some(&admin.access_token),
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let refused = failed(post(&app, &with_key).await, StatusCode::FORBIDDEN).await;
    assert!(refused.contains("revoked"), "{refused}");
}

#[tokio::test]
async fn posting_counts_against_the_submission_rate_limit_of_the_account() {
    let app = TestApp::spawn_with(|config| {
        config.access.rate_submit_per_account = "2/1h".parse().expect("a limit");
    })
    .await;
    let admin = app.admin().await;
    let (_, key) = service_account(&app, &admin, "callcenter").await;
    post_pothole(&app, &key, "첫 번째 포트홀").await;
    post_pothole(&app, &key, "두 번째 포트홀").await;
    let response = post(
        &app,
        &[
            ("api_key", key.as_str()),
            ("service_code", "road_damage"),
            ("lat", LAT),
            ("long", LONG),
            ("description", "세 번째 포트홀"),
        ],
    )
    .await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1);
    failed(response, StatusCode::TOO_MANY_REQUESTS).await;
    // The same account through the REST API is at its limit too.
    let api = app
        .post(
            "/api/v1/reports",
            Some(&key),
            json!({
                "title": "포트홀",
                "description": "네 번째 포트홀",
                "location": {"lat": JEONJU.0, "lng": JEONJU.1},
            }),
        )
        .await;
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    let listed = requests(&app, "").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn media_url_is_the_public_copy_of_the_first_photo_under_the_public_url() {
    let app = TestApp::spawn_with(|config| {
        config.mail.public_url = Some("https://sinmungo.jeonbuk.go.kr/".to_owned());
    })
    .await;
    let citizen = app.citizen("citizen@example.kr").await;
    let form = Form::report("포트홀 사진").photo("pothole.jpg", &jpeg(640, 480, 7));
    let report = created(
        app.post_form("/api/v1/reports", Some(&citizen.access_token), form)
            .await,
    )
    .await;
    let public_url = report["photos"][0]["urls"]["public"]
        .as_str()
        .expect("the public copy's URL")
        .to_owned();
    let number = report["number"].as_str().expect("number");
    let one = both(
        &app,
        &format!("requests/{number}"),
        "",
        StatusCode::OK,
        "service_requests",
    )
    .await;
    assert_eq!(
        one[0]["media_url"],
        format!("https://sinmungo.jeonbuk.go.kr{public_url}")
    );
    let photo = app.get(&public_url, None).await;
    assert_eq!(photo.status(), StatusCode::OK, "the public may fetch it");
    let discovery = both(&app, "discovery", "", StatusCode::OK, "discovery").await;
    assert_eq!(
        discovery["endpoints"][0]["url"],
        "https://sinmungo.jeonbuk.go.kr/open311/v2"
    );
}
