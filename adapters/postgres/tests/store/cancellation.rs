//! A client that hangs up mid-request drops the request's future, possibly
//! inside a write transaction. The store must come out of it clean: later
//! writes work, and every change is either wholly there or wholly absent.

use std::time::Duration;

use sinmungo_core::ports::ReportStore;

use crate::fixtures::{report, submission};
use sinmungo_postgres::{PostgresOptions, PostgresStore};

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
    // Rounds of 100 submissions, each cancelled after 0–3 ms: some before,
    // some inside, some after their transaction. After each round every write
    // must succeed on whichever pooled connection it gets.
    for round in 0..3u32 {
        let mut cancelled = Vec::new();
        for i in 1..=100u32 {
            let store = store.clone();
            let n = round * 1000 + i;
            cancelled.push(tokio::spawn(async move {
                let deadline = Duration::from_micros(u64::from(i) * 30);
                tokio::time::timeout(deadline, store.apply(submission(report(n))))
                    .await
                    .is_ok()
            }));
        }
        for task in cancelled {
            task.await.unwrap();
        }
        for i in 501..=510u32 {
            let n = round * 1000 + i;
            tokio::time::timeout(Duration::from_secs(10), store.apply(submission(report(n))))
                .await
                .unwrap_or_else(|_| panic!("round {round}: a write hung after cancellations"))
                .unwrap_or_else(|e| {
                    panic!("round {round}: a write failed after cancellations: {e}")
                });
        }
    }
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
    for n in (0..3u32).flat_map(|round| (1..=100u32).map(move |i| round * 1000 + i)) {
        let id = report(n).id;
        let stored = store.get(id).await.unwrap().is_some();
        let evented = outbox.iter().any(|event| event.report_id == id);
        assert_eq!(
            stored, evented,
            "report {n}: stored {stored}, event {evented}"
        );
    }
}
