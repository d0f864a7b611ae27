//! Tests of the AI provider clients against `wiremock` servers on 127.0.0.1
//! answering with the providers' documented shapes.

// Fixture helpers are not `#[test]` functions, so clippy's test exemption
// misses them; a fixture that fails should fail the test loudly.
#![expect(clippy::unwrap_used, reason = "test fixtures")]

mod chat;
mod resilience;
mod roboflow;
mod secrets;
mod support;
