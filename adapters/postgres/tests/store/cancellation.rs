//! A client that hangs up mid-request drops the request's future, possibly
//! inside a write transaction. The store must come out of it clean: later
//! writes work, and every change is either wholly there or wholly absent.

use std::time::Duration;

use sinmungo_postgres::{PostgresOptions, PostgresStore};
use sinmungo_sql::fixtures::{assert_all_or_nothing, cancel_submissions, Cancellations};

use crate::schema::{postgres_url, with_param, Schema};

/// Names this test's connections in `pg_stat_activity`.
const APPLICATION: &str = "sinmungo_cancellation_test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cancelled_at_any_point_leave_no_open_transaction_behind() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    let store = PostgresStore::connect(&PostgresOptions {
        url: with_param(&url, &format!("application_name={APPLICATION}")),
        ..schema.options()
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    // Rounds of 100 submissions, each cancelled after 0–3 ms.
    let plan = Cancellations {
        rounds: 3,
        per_round: 100,
        step: Duration::from_micros(30),
        after_each_round: 10,
        timeout: Duration::from_secs(10),
    };
    cancel_submissions(&store, plan).await;
    // Let the writes whose callers gave up finish on their own tasks.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut conn = schema.connection().await;
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE application_name = $1 AND state LIKE 'idle in transaction%'",
    )
    .bind(APPLICATION)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(open, 0, "no connection is left inside a transaction");
    // And each cancelled submission is all there or not at all: its report and its event together.
    let outbox = store.outbox_events().await.unwrap();
    assert_all_or_nothing(&store, &outbox, plan).await;
}
