//! Submissions under concurrency on PostgreSQL, through core's use cases (the
//! real submit path: directory read, receipt number, one `apply`): 8
//! citizens submitting 1,000 reports each at the same time lose nothing and
//! never share a receipt number. Read back with SQL, not through the store.
//!
//! Skipped when `SINMUNGO_TEST_POSTGRES_URL` is unset (a failure under
//! `SINMUNGO_REQUIRE_SERVICES=1`).

use std::sync::Arc;

use sinmungo_core::app::{InProcessFanout, Policy, Ports, SubmitRequest, UseCases};
use sinmungo_core::domain::access::{Actor, Principal};
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::ports::{Clock, SystemClock, UserStore, UuidV7Ids};
use sinmungo_memory::{FakePasswordHasher, FakeSealer, MemoryMediaStore};
use sinmungo_tests::contract::fixtures::parsed;
use sinmungo_tests::postgres::{postgres_url, TestSchema};
use tokio::task::JoinSet;

const SUBMITTERS: usize = 8;
const REPORTS_EACH: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_submitters_of_a_thousand_reports_lose_nothing_and_share_no_number(
) -> anyhow::Result<()> {
    let Some(url) = postgres_url()? else {
        return Ok(());
    };
    let schema = TestSchema::create(&url).await?;
    let store = schema.store().await?;
    let sql = store.sql_ports();
    let ports = Ports {
        reports: Arc::new(store.clone()),
        users: Arc::new(store.clone()),
        directory: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        audit: Arc::new(store.clone()),
        media: Arc::new(MemoryMediaStore::default()),
        settings: Arc::new(store.clone()),
        notifications: sql.notifications,
        fanout: Arc::new(InProcessFanout::default()),
        leases: sql.leases,
        sealer: Arc::new(FakeSealer),
        hasher: Arc::new(FakePasswordHasher),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7Ids),
    };
    let use_cases = UseCases::new(ports, &Policy::default());
    use_cases.directory.seed().await?;

    let mut submitters = JoinSet::new();
    for n in 0..SUBMITTERS {
        let citizen = User {
            id: UserId(uuid::Uuid::now_v7()),
            email: parsed(Email::new(&format!("citizen{n}@example.kr")))?,
            display_name: parsed(DisplayName::new(&format!("시민{n}")))?,
            role: Role::Citizen,
            department: None,
            password_hash: Some(PasswordHash::new("fake$unused".to_owned())),
            created_at: SystemClock.now(),
        };
        store.create(&citizen).await?;
        let actor = Actor::User(Principal {
            id: citizen.id,
            role: Role::Citizen,
            department: None,
        });
        let submit = use_cases.submit.clone();
        submitters.spawn(async move {
            for i in 0..REPORTS_EACH {
                submit
                    .execute(
                        &actor,
                        SubmitRequest {
                            title: format!("도로 포트홀 {n}-{i}"),
                            description: "차선 위에 큰 구멍이 있어요".to_owned(),
                            // Around Jeonju, inside the service area.
                            lat: Some(35.8242 + (i % 50) as f64 * 0.0001),
                            lng: Some(127.1480 + n as f64 * 0.0001),
                            ..SubmitRequest::default()
                        },
                    )
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(submitter) = submitters.join_next().await {
        submitter??;
    }

    let total = i64::try_from(SUBMITTERS * REPORTS_EACH)?;
    let mut conn = schema.connection().await?;
    let (reports, numbers): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT number) FROM reports")
            .fetch_one(&mut conn)
            .await?;
    assert_eq!(reports, total, "every report was stored");
    assert_eq!(numbers, total, "no receipt number was handed out twice");
    let (events, submitted, distinct_reports): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE event_type = 'report.submitted'), \
         count(DISTINCT report_id) FROM outbox",
    )
    .fetch_one(&mut conn)
    .await?;
    assert_eq!(events, total, "one outbox event per report");
    assert_eq!(submitted, total, "all of them report.submitted");
    assert_eq!(distinct_reports, total, "each about its own report");
    let last: i64 =
        sqlx::query_scalar("SELECT max(split_part(number, '-', 3)::bigint) FROM reports")
            .fetch_one(&mut conn)
            .await?;
    assert_eq!(last, total, "numbers 1–8000 without gaps");
    store.close().await;
    Ok(())
}
