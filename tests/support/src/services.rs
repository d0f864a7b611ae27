//! Service-backed tests (PostgreSQL, Redis, S3, …) find their service in a
//! `SINMUNGO_TEST_*` variable. Unset, a test says it is skipped and passes;
//! with `SINMUNGO_REQUIRE_SERVICES=1` (as `.ci/run` sets) a missing service
//! fails the test instead, so CI never passes silently without it.

/// The variable that turns a missing service into a failure.
pub const REQUIRE_SERVICES: &str = "SINMUNGO_REQUIRE_SERVICES";

/// The service URL in the variable `var`; `Ok(None)` (after printing
/// `skipped: <var> not set`) when it is unset or empty, or an error saying
/// what is missing when `SINMUNGO_REQUIRE_SERVICES=1`.
pub fn service_url(var: &str) -> anyhow::Result<Option<String>> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Ok(Some(url)),
        _ if services_required() => anyhow::bail!(
            "{var} is not set, but {REQUIRE_SERVICES}=1 requires the service: \
             set {var} to its URL (or unset {REQUIRE_SERVICES} to skip)"
        ),
        _ => {
            skipped(var);
            Ok(None)
        }
    }
}

fn services_required() -> bool {
    std::env::var(REQUIRE_SERVICES).is_ok_and(|value| value.trim() == "1")
}

#[expect(
    clippy::print_stderr,
    reason = "a skipped test says so where cargo test shows it"
)]
fn skipped(var: &str) {
    eprintln!("skipped: {var} not set");
}
