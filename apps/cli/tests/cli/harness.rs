//! A database with its accounts, opened in the test for setting up and
//! reading back, and the `sinmungo` binary pointed at it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sinmungo_core::app::{NewAccount, RegisterRequest, SubmitRequest, TransitionRequest};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::user::User;
use sinmungo_core::ports::{ReportQuery, Scope, MAX_PAGE_SIZE};
use sinmungo_tests::postgres::{postgres_url, TestSchema};
use sinmungo_wiring::{
    build_application, AccessConfig, Application, ApplicationConfig, ConnectionUrl, MediaConfig,
    StoreConfig, TriageConfig,
};
use sqlx::Connection as _;
use tempfile::TempDir;

/// Every test account's password.
pub const PASSWORD: &str = "jeonbuk-2026!";
pub const ADMIN: &str = "admin@jeonbuk.go.kr";
pub const MANAGER: &str = "manager@jeonbuk.go.kr";
pub const STAFF: &str = "staff@jeonbuk.go.kr";
pub const CITIZEN: &str = "citizen@example.kr";

/// Which store a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database, its files, and the application over it.
pub struct Env {
    pub dir: TempDir,
    pub backend: Backend,
    pub url: String,
    pub app: Application,
    pub citizen: User,
    pub admin: User,
    _schema: Option<TestSchema>,
}

/// Runs `$case(&Env)` on SQLite, and on PostgreSQL when it is configured.
#[macro_export]
macro_rules! on_every_store {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                let env = $crate::harness::Env::new($crate::harness::Backend::Sqlite).await?;
                match env {
                    Some(env) => super::$case(&env).await,
                    None => Ok(()),
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                let env = $crate::harness::Env::new($crate::harness::Backend::Postgres).await?;
                match env {
                    Some(env) => super::$case(&env).await,
                    None => Ok(()),
                }
            }
        }
    )*};
}

impl Env {
    /// A fresh database with an admin, a manager, an officer and a citizen;
    /// `None` when the backend is not configured (the test is skipped).
    pub async fn new(backend: Backend) -> anyhow::Result<Option<Self>> {
        let dir = tempfile::tempdir()?;
        let (url, schema) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("sinmungo.db").display()),
                None,
            ),
            Backend::Postgres => {
                let Some(base) = postgres_url()? else {
                    return Ok(None);
                };
                let schema = TestSchema::create(&base).await?;
                // The binary reaches the schema through the connection's search path.
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!(
                    "{base}{separator}options=-c%20search_path%3D{}%2Cpublic",
                    schema.name()
                );
                (url, Some(schema))
            }
        };
        let app = build_application(&config(&url, dir.path())).await?;
        let mut accounts = Vec::new();
        for (email, role, department) in [
            (ADMIN, "admin", None),
            (MANAGER, "manager", Some("road_management")),
            (STAFF, "staff", Some("road_management")),
            (CITIZEN, "citizen", None),
        ] {
            let user = app
                .use_cases
                .accounts
                .create_by_operator(NewAccount {
                    registration: RegisterRequest {
                        email: email.to_owned(),
                        password: PASSWORD.to_owned(),
                        display_name: role.to_owned(),
                    },
                    role: role.to_owned(),
                    department: department.map(str::to_owned),
                })
                .await?;
            accounts.push(user);
        }
        let citizen = accounts
            .pop()
            .ok_or_else(|| anyhow::anyhow!("no citizen"))?;
        let admin = accounts.swap_remove(0);
        Ok(Some(Self {
            dir,
            backend,
            url,
            app,
            citizen,
            admin,
            _schema: schema,
        }))
    }

    /// The binary, configured for this database, acting as the admin.
    pub fn cli(&self) -> Command {
        let mut command = self.cli_as(ADMIN);
        command.env("SINMUNGO_PASSWORD", PASSWORD);
        command
    }

    /// The binary acting as `email`, with no password set.
    #[expect(clippy::expect_used, reason = "cargo builds the binary for its tests")]
    pub fn cli_as(&self, email: &str) -> Command {
        let mut command = Command::cargo_bin("sinmungo").expect("the sinmungo binary is built");
        command
            .env_clear()
            .env("SINMUNGO_DATABASE_URL", &self.url)
            .env("SINMUNGO_DATA_DIR", self.dir.path())
            .env("SINMUNGO_STORAGE_URL", self.media_url())
            .env("SINMUNGO_AS", email)
            .current_dir(self.dir.path());
        command
    }

    fn media_url(&self) -> String {
        format!("file://{}", self.dir.path().join("media").display())
    }

    /// A path in the test's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The citizen, as an actor.
    pub fn citizen_actor(&self) -> Actor {
        Actor::User((&self.citizen).into())
    }

    /// The admin, as an actor.
    pub fn admin_actor(&self) -> Actor {
        Actor::User((&self.admin).into())
    }

    /// Submits `n` reports as the citizen, each with a phone number in its description.
    pub async fn submit_reports(&self, n: usize) -> anyhow::Result<Vec<Report>> {
        let mut reports = Vec::with_capacity(n);
        for i in 0..n {
            let report = self
                .app
                .use_cases
                .submit
                .execute(
                    &self.citizen_actor(),
                    SubmitRequest {
                        title: format!("도로 파손 {i}"),
                        description: format!(
                            "집 앞 도로에 큰 포트홀이 생겼어요, \"급함\". 연락처 010-1234-{:04}",
                            i % 10_000
                        ),
                        lat: Some(35.8242 + (i % 50) as f64 * 0.001),
                        lng: Some(127.1480 + (i / 50) as f64 * 0.001),
                        address: Some(format!("전주시 완산구 효자동 {i}")),
                        ..SubmitRequest::default()
                    },
                )
                .await?;
            reports.push(report);
        }
        Ok(reports)
    }

    /// Rejects a report as the admin (closing it).
    pub async fn reject(&self, report: &Report) -> anyhow::Result<()> {
        self.app
            .use_cases
            .transition
            .execute(
                &self.admin_actor(),
                report.id,
                TransitionRequest {
                    to: "rejected".to_owned(),
                    note: Some("중복 신고".to_owned()),
                    duplicate_of: None,
                    expected_version: None,
                },
            )
            .await?;
        Ok(())
    }

    /// Makes the database refuse (with an error of its own) to store a
    /// report titled `title`, as a disk or a constraint might, until
    /// [`cure`](Self::cure) is called.
    pub async fn poison(&self, title: &str) -> anyhow::Result<()> {
        let title = title.replace('\'', "''");
        match self.backend {
            Backend::Sqlite => {
                self.execute(&format!(
                    "CREATE TRIGGER poison BEFORE INSERT ON reports WHEN NEW.title = '{title}' \
                     BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
                ))
                .await?;
            }
            Backend::Postgres => {
                self.execute(&format!(
                    "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN IF NEW.title = '{title}' THEN RAISE EXCEPTION 'poisoned'; END IF; \
                     RETURN NEW; END $$"
                ))
                .await?;
                self.execute(
                    "CREATE TRIGGER poison BEFORE INSERT ON reports \
                     FOR EACH ROW EXECUTE FUNCTION poison()",
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Undoes [`poison`](Self::poison).
    pub async fn cure(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => self.execute("DROP TRIGGER poison").await,
            Backend::Postgres => self.execute("DROP TRIGGER poison ON reports").await,
        }
    }

    /// Runs one SQL statement on the test's database, beside the application.
    async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                sqlx::query(sql).execute(&mut conn).await?;
                conn.close().await?;
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::query(sql).execute(&mut conn).await?;
                conn.close().await?;
            }
        }
        Ok(())
    }

    /// Every stored report, newest first.
    pub async fn reports(&self) -> anyhow::Result<Vec<Report>> {
        let mut all = Vec::new();
        let mut query = ReportQuery {
            limit: MAX_PAGE_SIZE,
            ..ReportQuery::new(Scope::All)
        };
        loop {
            let page = self.app.stores.reports.list(&query).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(all),
            }
        }
    }
}

/// The configuration of an application over `url`, with files in `dir`.
pub fn config(url: &str, dir: &Path) -> ApplicationConfig {
    ApplicationConfig {
        store: StoreConfig {
            database_url: ConnectionUrl::new(url),
            // The CLI processes change the directory under this application.
            directory_cache_ms: 0,
            ..StoreConfig::embedded_defaults()
        },
        triage: TriageConfig::rules_only(),
        media: MediaConfig {
            storage_url: format!("file://{}", dir.join("media").display()),
        },
        access: AccessConfig::embedded_defaults(),
        data_dir: dir.to_path_buf(),
        rules: None,
        service_area: None,
        duplicates: sinmungo_wiring::DuplicateConfig::default(),
        masking: sinmungo_wiring::MaskingConfig::default(),
    }
}

/// Standard output as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a command printed with `--output json`, after checking it succeeded.
pub fn json_summary(output: &std::process::Output) -> anyhow::Result<serde_json::Value> {
    anyhow::ensure!(
        output.status.code() == Some(0),
        "exit {:?}: {}",
        output.status.code(),
        stderr(output)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}
