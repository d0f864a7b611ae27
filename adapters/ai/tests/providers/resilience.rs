//! Timeouts, retries and the circuit breaker, for both clients.

use std::time::{Duration, Instant};

use sinmungo_ai::resilience::BreakerPolicy;
use sinmungo_core::ports::AiError;
use wiremock::ResponseTemplate;

use crate::support::{
    call_at, fast_retry, no_breaker, unreachable_base, Subject, BOTH, RETRY_AFTER_CAP,
};

#[tokio::test]
async fn refused_credentials_are_reported_after_one_request() {
    for kind in BOTH {
        for status in [401, 403] {
            let s = Subject::start(kind, fast_retry(), no_breaker()).await;
            s.endpoint(ResponseTemplate::new(status).set_body_string("{\"error\":\"bad key\"}"))
                .mount(&s.server)
                .await;

            assert_eq!(
                s.call().await,
                Err(AiError::Unauthorized),
                "{kind:?} {status}"
            );
            assert_eq!(s.requests().await, 1, "{kind:?} {status}: no retry");
        }
    }
}

#[tokio::test]
async fn a_rate_limited_call_waits_as_asked_then_succeeds() {
    for kind in BOTH {
        let s = Subject::start(kind, fast_retry(), no_breaker()).await;
        s.endpoint(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&s.server)
            .await;
        s.endpoint(s.success()).mount(&s.server).await;

        let started = Instant::now();
        assert_eq!(s.call().await, Ok(()), "{kind:?}");
        // The backoff alone would wait at most 10 ms; the capped Retry-After waits 300 ms.
        assert!(
            started.elapsed() >= RETRY_AFTER_CAP,
            "{kind:?} did not wait"
        );
        assert_eq!(s.requests().await, 2, "{kind:?}");
    }
}

#[tokio::test]
async fn rate_limited_to_the_end_reports_the_providers_retry_after() {
    for kind in BOTH {
        let retry = fast_retry()
            .with_max_attempts(2)
            .with_max_retry_after(Duration::from_millis(5));
        let s = Subject::start(kind, retry, no_breaker()).await;
        s.endpoint(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
            .mount(&s.server)
            .await;

        assert_eq!(
            s.call().await,
            Err(AiError::RateLimited {
                retry_after: Some(Duration::from_secs(1))
            }),
            "{kind:?}"
        );
        assert_eq!(s.requests().await, 2, "{kind:?}");
    }
}

#[tokio::test]
async fn server_errors_are_retried_max_attempts_times_then_unavailable() {
    for kind in BOTH {
        let s = Subject::start(kind, fast_retry(), no_breaker()).await;
        s.endpoint(ResponseTemplate::new(500).set_body_string("internal error"))
            .mount(&s.server)
            .await;

        assert_eq!(
            s.call().await,
            Err(AiError::Unavailable("HTTP 500: internal error".to_owned())),
            "{kind:?}"
        );
        assert_eq!(s.requests().await, 3, "{kind:?}");
    }
}

#[tokio::test]
async fn a_server_error_then_an_answer_succeeds() {
    for kind in BOTH {
        let s = Subject::start(kind, fast_retry(), no_breaker()).await;
        s.endpoint(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&s.server)
            .await;
        s.endpoint(s.success()).mount(&s.server).await;

        assert_eq!(s.call().await, Ok(()), "{kind:?}");
        assert_eq!(s.requests().await, 3, "{kind:?}");
    }
}

#[tokio::test]
async fn other_client_errors_are_rejected_at_once_with_a_short_excerpt() {
    for kind in BOTH {
        let s = Subject::start(kind, fast_retry(), no_breaker()).await;
        let body = format!(
            "{{\"error\":{{\"message\":\"{}\"}}}}",
            "too long ".repeat(100)
        );
        s.endpoint(ResponseTemplate::new(400).set_body_string(body))
            .mount(&s.server)
            .await;

        let Err(AiError::Rejected(message)) = s.call().await else {
            panic!("{kind:?}: expected Rejected");
        };
        assert!(
            message.starts_with("HTTP 400: {\"error\""),
            "{kind:?}: {message}"
        );
        assert!(message.chars().count() <= 220, "{kind:?}: {message}");
        assert_eq!(s.requests().await, 1, "{kind:?}: no retry");
    }
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_times_out_after_every_attempt() {
    for kind in BOTH {
        let retry = fast_retry().with_max_attempts(2);
        let s = Subject::start(kind, retry, no_breaker()).await;
        s.endpoint(s.success().set_delay(Duration::from_secs(2)))
            .mount(&s.server)
            .await;

        assert_eq!(s.call().await, Err(AiError::Timeout), "{kind:?}");
        assert_eq!(s.requests().await, 2, "{kind:?}");
    }
}

#[tokio::test]
async fn the_breaker_opens_after_consecutive_failures_and_a_success_closes_it() {
    let cool_down = Duration::from_millis(300);
    for kind in BOTH {
        let breaker = BreakerPolicy::default()
            .with_failure_threshold(2)
            .with_cool_down(cool_down);
        let s = Subject::start(kind, fast_retry().with_max_attempts(1), breaker).await;
        s.endpoint(ResponseTemplate::new(500))
            .mount(&s.server)
            .await;

        for _ in 0..2 {
            assert!(
                matches!(s.call().await, Err(AiError::Unavailable(_))),
                "{kind:?}"
            );
        }
        assert_eq!(s.call().await, Err(AiError::CircuitOpen), "{kind:?}");
        assert_eq!(
            s.requests().await,
            2,
            "{kind:?}: an open breaker sends nothing"
        );

        tokio::time::sleep(cool_down).await;
        s.server.reset().await;
        s.endpoint(s.success()).mount(&s.server).await;
        assert_eq!(
            s.call().await,
            Ok(()),
            "{kind:?}: the trial call goes through"
        );
        assert_eq!(s.call().await, Ok(()), "{kind:?}: and closed the breaker");
        assert_eq!(s.requests().await, 2, "{kind:?}");
    }
}

#[tokio::test]
async fn a_failed_trial_opens_the_breaker_again() {
    let cool_down = Duration::from_millis(200);
    for kind in BOTH {
        let breaker = BreakerPolicy::default()
            .with_failure_threshold(1)
            .with_cool_down(cool_down);
        let s = Subject::start(kind, fast_retry().with_max_attempts(1), breaker).await;
        s.endpoint(ResponseTemplate::new(502))
            .mount(&s.server)
            .await;

        assert!(matches!(s.call().await, Err(AiError::Unavailable(_))));
        assert_eq!(s.call().await, Err(AiError::CircuitOpen), "{kind:?}");
        tokio::time::sleep(cool_down).await;
        assert!(
            matches!(s.call().await, Err(AiError::Unavailable(_))),
            "{kind:?}: the trial reaches the provider"
        );
        assert_eq!(s.call().await, Err(AiError::CircuitOpen), "{kind:?}");
        assert_eq!(s.requests().await, 2, "{kind:?}");
    }
}

#[tokio::test]
async fn rejected_requests_do_not_open_the_breaker() {
    for kind in BOTH {
        let breaker = BreakerPolicy::default().with_failure_threshold(1);
        let s = Subject::start(kind, fast_retry(), breaker).await;
        s.endpoint(ResponseTemplate::new(422))
            .mount(&s.server)
            .await;

        for _ in 0..3 {
            assert!(
                matches!(s.call().await, Err(AiError::Rejected(_))),
                "{kind:?}"
            );
        }
        assert_eq!(s.requests().await, 3, "{kind:?}");
    }
}

#[tokio::test]
async fn an_unreachable_provider_is_unavailable_after_the_retries() {
    for kind in BOTH {
        let result = call_at(kind, &unreachable_base()).await;
        assert!(
            matches!(result, Err(AiError::Unavailable(_))),
            "{kind:?}: {result:?}"
        );
    }
}
