//! What the provider clients record through the `metrics` facade, per provider.

use std::time::Duration;

use sinmungo_core::ports::AiError;

use super::breaker::CircuitBreaker;

/// Calls to a provider (each with its retries), by outcome.
const CALLS: &str = "sinmungo_ai_calls_total";
/// How long a call took, retries and their waits included.
const DURATION: &str = "sinmungo_ai_call_duration_seconds";
/// The circuit breaker's state: 0 closed, 1 half-open, 2 open.
const BREAKER: &str = "sinmungo_ai_circuit_breaker_state";

/// The `# HELP` lines (once the process's recorder is installed).
pub(super) fn describe() {
    metrics::describe_counter!(
        CALLS,
        "Calls to an AI provider (retries included), by provider and outcome"
    );
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "How long a call to an AI provider took, retries and their waits included"
    );
    metrics::describe_gauge!(
        BREAKER,
        "An AI provider's circuit breaker: 0 closed, 1 half-open (one trial call), 2 open (calls refused)"
    );
}

/// Counts and times one call, `failure` being how it failed, if it did.
pub(super) fn call(provider: &'static str, failure: Option<&AiError>, took: Duration) {
    metrics::counter!(CALLS, "provider" => provider, "outcome" => outcome(failure)).increment(1);
    metrics::histogram!(DURATION, "provider" => provider).record(took.as_secs_f64());
}

/// Sets the breaker's gauge to its state now.
pub(super) fn breaker_state(provider: &'static str, breaker: &CircuitBreaker) {
    metrics::gauge!(BREAKER, "provider" => provider).set(f64::from(breaker.level()));
}

/// The outcome label: `ok`, or what kind of failure.
fn outcome(failure: Option<&AiError>) -> &'static str {
    match failure {
        None => "ok",
        Some(AiError::Unauthorized) => "unauthorized",
        Some(AiError::RateLimited { .. }) => "rate_limited",
        Some(AiError::Timeout) => "timeout",
        Some(AiError::Unavailable(_)) => "unavailable",
        Some(AiError::CircuitOpen) => "circuit_open",
        Some(AiError::Rejected(_)) => "rejected",
        Some(AiError::Malformed(_)) => "malformed",
    }
}
