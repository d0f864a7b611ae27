//! A client that hangs up mid-request drops the request's future, possibly
//! inside a write transaction. The store must come out of it clean: later
//! writes work, and every change is either wholly there or wholly absent.

use std::time::Duration;

use sinmungo_sql::fixtures::{assert_all_or_nothing, cancel_submissions, Cancellations};

use crate::fixtures::fresh;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cancelled_at_any_point_leave_no_open_transaction_behind() {
    let (_dir, store) = fresh().await;
    // Rounds of 300 submissions, each cancelled after 0–3 ms.
    let plan = Cancellations {
        rounds: 6,
        per_round: 300,
        step: Duration::from_micros(10),
        after_each_round: 20,
        timeout: Duration::from_secs(5),
    };
    cancel_submissions(&store, plan).await;
    // And each cancelled submission is all there or not at all: its report and its event together.
    let outbox = store.outbox_events().await.unwrap();
    assert_all_or_nothing(&store, &outbox, plan).await;
}
