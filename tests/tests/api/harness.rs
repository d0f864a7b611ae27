//! Starting a server and talking to it.

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use sinmungo_server::{CreateUserArgs, MediaConfig, Server, ServerConfig, StoreConfig};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Jeonju City Hall, inside the service area.
pub const JEONJU: (f64, f64) = (35.8242, 127.1480);

/// A running server over its own data directory.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    config: ServerConfig,
    // Shared across restarts; the directory is removed when the last handle drops.
    dir: std::sync::Arc<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// Logs are quiet unless `TEST_LOG` is set.
fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("TEST_LOG").is_some() {
        ONCE.call_once(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info")
                .with_test_writer()
                .try_init();
        });
    }
}

impl TestApp {
    /// A fresh server with an empty database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A fresh server with an empty database, its configuration changed by `edit`.
    pub async fn spawn_with(edit: impl FnOnce(&mut ServerConfig)) -> Self {
        init_logging();
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temporary directory"));
        let config = ServerConfig {
            store: StoreConfig {
                database_url: format!("sqlite://{}", dir.path().join("sinmungo.db").display())
                    .into(),
                ..StoreConfig::embedded_defaults()
            },
            media: MediaConfig {
                storage_url: format!("file://{}", dir.path().join("media").display()),
            },
            listen: "127.0.0.1:0".parse().expect("address"),
            data_dir: dir.path().to_owned(),
            body_limit: 64 * 1024,
            ..ServerConfig::embedded_defaults()
        };
        let mut config = config;
        edit(&mut config);
        Self::start(config, dir).await
    }

    async fn start(config: ServerConfig, dir: std::sync::Arc<TempDir>) -> Self {
        let server = Server::bind(&config).await.expect("server starts");
        let addr = server.local_addr().expect("bound address");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            config,
            dir,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// A second server over the same data (database, keys, photos) beside
    /// this one, its configuration changed by `edit`: two instances behind
    /// one load balancer.
    pub async fn spawn_beside(&self, edit: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut config = ServerConfig {
            listen: "127.0.0.1:0".parse().expect("address"),
            ..self.config.clone()
        };
        edit(&mut config);
        Self::start(config, self.dir.clone()).await
    }

    /// Stops the server gracefully and starts a new one over the same data.
    pub async fn restart(self) -> Self {
        self.restart_with(|_| {}).await
    }

    /// Like [`TestApp::restart`], with the configuration changed by `edit`.
    pub async fn restart_with(mut self, edit: impl FnOnce(&mut ServerConfig)) -> Self {
        self.stop().await;
        let mut config = ServerConfig {
            listen: "127.0.0.1:0".parse().expect("address"),
            ..self.config.clone()
        };
        edit(&mut config);
        Self::start(config, self.dir.clone()).await
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server ran cleanly");
        }
    }

    /// The server's data directory (its SQLite file, generated keys, media).
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request reaches the server")
    }

    /// Posts a `multipart/form-data` body.
    pub async fn post_form(&self, path: &str, token: Option<&str>, form: Form) -> Response {
        let content_type = form.content_type();
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(form.into_body());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request reaches the server")
    }

    /// Every file under the media storage directory (blobs, and any
    /// temporary file a write left behind).
    pub fn media_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, files);
                } else {
                    files.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.dir.path().join("media"), &mut files);
        files
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::POST, path, token, Some(body)).await
    }

    /// Registers a citizen and returns their session.
    pub async fn citizen(&self, email: &str) -> Session {
        let response = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": "jeonbuk2026!", "display_name": "김전북"}),
            )
            .await;
        session(&created(response).await)
    }

    /// Creates an official with the server's `create-user` path and signs them in.
    pub async fn official(&self, email: &str, role: &str, department: &str) -> Session {
        sinmungo_server::create_user(
            &self.config,
            CreateUserArgs {
                email: email.to_owned(),
                display_name: format!("{role} 담당자"),
                role: role.to_owned(),
                department: Some(department.to_owned()),
            },
            "officer-pass-2026".to_owned(),
        )
        .await
        .expect("official created");
        self.login(email, "officer-pass-2026").await
    }

    /// A citizen `reporter` and a staff officer of road management (which
    /// takes potholes, `staff@jeonbuk.go.kr`), both signed in.
    pub async fn reporter_and_staff(&self, reporter: &str) -> (Session, Session) {
        let reporter = self.citizen(reporter).await;
        let staff = self
            .official("staff@jeonbuk.go.kr", "staff", "road_management")
            .await;
        (reporter, staff)
    }

    /// The JSON `GET path` answers to `token` (none: anonymous).
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        self.get(path, token)
            .await
            .json()
            .await
            .expect("a JSON answer")
    }

    /// The timeline of report `id`, as `token` reads it.
    pub async fn timeline(&self, id: &str, token: &str) -> Value {
        self.get_json(&format!("/api/v1/reports/{id}/timeline"), Some(token))
            .await
    }

    /// An administrator (`admin@jeonbuk.go.kr`), signed in.
    pub async fn admin(&self) -> Session {
        self.official("admin@jeonbuk.go.kr", "admin", "road_management")
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let response = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        session(&response.json().await.expect("session JSON"))
    }

    /// Submits a report at Jeonju City Hall and returns the created report.
    pub async fn submit(
        &self,
        token: &str,
        title: &str,
        description: &str,
        visibility: &str,
    ) -> Value {
        let response = self
            .post(
                "/api/v1/reports",
                Some(token),
                json!({
                    "title": title,
                    "description": description,
                    "location": {"lat": JEONJU.0, "lng": JEONJU.1},
                    "address": "전주시 완산구 효자동",
                    "visibility": visibility,
                }),
            )
            .await;
        created(response).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A `multipart/form-data` body, built by hand so a test controls every
/// part's name, file name and declared type.
pub struct Form {
    boundary: String,
    body: Vec<u8>,
}

impl Form {
    pub fn new() -> Self {
        Self {
            boundary: "sinmungo-test-boundary-7f3a9c".to_owned(),
            body: Vec::new(),
        }
    }

    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.head(&format!(
            "Content-Disposition: form-data; name=\"{name}\"\r\n"
        ));
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    pub fn file(mut self, name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Self {
        self.head(&format!(
            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n"
        ));
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// A JPEG photo part named `photos`.
    pub fn photo(self, file_name: &str, bytes: &[u8]) -> Self {
        self.file("photos", file_name, "image/jpeg", bytes)
    }

    fn head(&mut self, headers: &str) {
        self.body
            .extend_from_slice(format!("--{}\r\n{headers}\r\n", self.boundary).as_bytes());
    }

    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    pub fn into_body(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        self.body
    }

    /// The report fields of a public report in Jeonju (without photos).
    pub fn report(title: &str) -> Self {
        Self::new()
            .text("title", title)
            .text("description", "집 앞 도로에 큰 포트홀이 생겼어요")
            .text("lat", &JEONJU.0.to_string())
            .text("lng", &JEONJU.1.to_string())
            .text("address", "전주시 완산구 효자동")
            .text("visibility", "public")
    }
}

/// The JSON body of a 201 answer; any other status fails the test and shows the body.
pub async fn created(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("response body");
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).expect("JSON body")
}

fn session(body: &Value) -> Session {
    Session {
        id: body["user"]["id"].as_str().expect("user id").to_owned(),
        access_token: body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh_token: body["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
    }
}

/// Asserts a 200 answer and returns its JSON body.
pub async fn ok(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("response body");
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("JSON body")
}

/// Asserts a problem-details answer with this status and code, and returns its body.
pub async fn expect_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}
