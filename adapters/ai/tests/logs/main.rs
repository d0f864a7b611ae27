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

use std::io;
use std::sync::{Arc, Mutex};

use wiremock::ResponseTemplate;

use crate::support::{
    call_at, fast_retry, no_breaker, unreachable_base, Subject, BOTH, CHAT_KEY, ROBOFLOW_KEY,
};

/// Everything the fmt subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_of_successes_retries_and_failures_carry_no_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // A current-thread runtime: the calls below run on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);

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

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
