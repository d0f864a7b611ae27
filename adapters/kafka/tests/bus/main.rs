//! The Kafka adapter against librdkafka's mock cluster: a real
//! Kafka-protocol broker on a loopback port, with fault injection.

// Fixture helpers are not `#[test]` functions, so clippy's test exemption
// misses them; a fixture that fails should fail the test loudly.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test fixtures"
)]

mod dead_letters;
mod ordering;
mod outage;
mod redelivery;
mod round_trip;
mod shutdown;
mod support;
mod world;
