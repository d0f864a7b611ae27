//! A client that hangs up mid-request drops the request's future, possibly
//! inside a write transaction. The store must come out of it clean: later
//! writes work, and every change is either wholly there or wholly absent.

use std::time::Duration;

use sinmungo_core::ports::ReportStore;

use crate::fixtures::{fresh, report, submission};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cancelled_at_any_point_leave_no_open_transaction_behind() {
    let (_dir, store) = fresh().await;
    // Rounds of 300 submissions, each cancelled after 0–3 ms: some before,
    // some inside, some after their transaction. After each round every write
    // must succeed on whichever pooled connection it gets.
    for round in 0..6u32 {
        let mut cancelled = Vec::new();
        for i in 1..=300u32 {
            let store = store.clone();
            let n = round * 1000 + i;
            cancelled.push(tokio::spawn(async move {
                let deadline = Duration::from_micros(u64::from(i) * 10);
                tokio::time::timeout(deadline, store.apply(submission(report(n))))
                    .await
                    .is_ok()
            }));
        }
        for task in cancelled {
            task.await.unwrap();
        }
        for i in 501..=520u32 {
            let n = round * 1000 + i;
            tokio::time::timeout(Duration::from_secs(5), store.apply(submission(report(n))))
                .await
                .unwrap_or_else(|_| panic!("round {round}: a write hung after cancellations"))
                .unwrap_or_else(|e| {
                    panic!("round {round}: a write failed after cancellations: {e}")
                });
        }
    }
    // And each cancelled submission is all there or not at all: its report and its event together.
    let outbox = store.outbox_events().await.unwrap();
    for n in (0..6u32).flat_map(|round| (1..=300u32).map(move |i| round * 1000 + i)) {
        let id = report(n).id;
        let stored = store.get(id).await.unwrap().is_some();
        let evented = outbox.iter().any(|event| event.report_id == id);
        assert_eq!(
            stored, evented,
            "report {n}: stored {stored}, event {evented}"
        );
    }
}
