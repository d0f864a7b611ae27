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
    announce_once(var);
}

/// Says once per test binary and variable, on the process's own standard
/// error — which the test harness does not capture, so it shows without
/// `--nocapture` — that tests of this binary pass without their service.
fn announce_once(var: &str) {
    use std::io::Write as _;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if said.iter().any(|v| v == var) {
        return;
    }
    said.push(var.to_owned());
    let binary = std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            // cargo names test binaries `name-<hash>`.
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_owned(),
            _ => stem,
        })
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED in {binary}: the tests that need {var} pass without checking anything \
         (set it, or run .ci/run, which starts every service and sets {REQUIRE_SERVICES}=1)"
    );
}
