//! API keys stay out of the logs of successes, retries and failures.
//!
//! A test binary of its own: the subscriber is this thread's, and tracing
//! caches per call site whether anyone listens — a test on another thread
//! of the same binary, hitting a call site first with no subscriber, would
//! silence it here.

#![expect(clippy::unwrap_used, reason = "test fixtures")]

#[path = "../providers/support.rs"]
#[allow(
    dead_code,
    reason = "shared with the providers tests; this one uses a part"
)]
mod support;

use sinmungo_test_support::logs::CapturedLogs;
use wiremock::ResponseTemplate;

use crate::support::{
    call_at, fast_retry, no_breaker, unreachable_base, Subject, BOTH, CHAT_KEY, ROBOFLOW_KEY,
};

#[tokio::test]
async fn logs_of_successes_retries_and_failures_carry_no_key() {
    // A current-thread runtime: the calls below run on this thread.
    let captured = CapturedLogs::start(tracing::Level::TRACE);

    for kind in BOTH {
        let s = Subject::start(kind, fast_retry(), no_breaker()).await;
        s.endpoint(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&s.server)
            .await;
        s.endpoint(s.success()).mount(&s.server).await;
        s.call().await.unwrap();
        s.server.reset().await;
        s.endpoint(ResponseTemplate::new(401))
            .mount(&s.server)
            .await;
        s.call().await.unwrap_err();
        call_at(kind, &unreachable_base()).await.unwrap_err();
    }

    let logs = captured.text();
    for expected in [
        "retrying",
        "answered",
        "call failed",
        "HTTP 401",
        "pothole-detection-xyz/3",
    ] {
        assert!(
            logs.contains(expected),
            "no {expected:?} in the logs:\n{logs}"
        );
    }
    assert!(
        !logs.contains(ROBOFLOW_KEY) && !logs.contains(CHAT_KEY) && !logs.contains("SECRET"),
        "a key was logged:\n{logs}"
    );
}
