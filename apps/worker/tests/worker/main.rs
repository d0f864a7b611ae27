//! The worker, started in-process on port 0 over a fresh SQLite database,
//! librdkafka's mock cluster and a wiremock LLM answering in OpenAI's
//! chat-completions shape.

// Fixture helpers are not `#[test]` functions, so clippy's test exemption
// misses them; a fixture that fails should fail the test loudly.
#![expect(clippy::expect_used, reason = "test fixtures")]

mod analyze;
mod controller;
mod ops;
mod pipeline;
mod server;
mod support;
mod topics;
