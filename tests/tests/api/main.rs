#![expect(
    clippy::expect_used,
    reason = "test harness helpers: a failed setup must fail the test loudly"
)]
//! Black-box tests of the API server: each test starts the real server on
//! 127.0.0.1:0 over a fresh SQLite file and drives it over HTTP, as a client would.

mod access;
mod auth;
mod browser;
mod browser_map;
mod console;
mod console_admin;
mod console_english;
mod console_live;
mod console_map_stats;
mod console_report;
mod corrections;
mod cors;
mod duplicates;
mod errors;
mod hardening;
mod harness;
mod lifecycle;
mod live;
mod mail;
mod masking;
mod metrics;
mod notifications;
mod oauth;
mod officers_work;
mod open311;
mod openapi;
mod outage;
mod photos;
mod privacy;
mod redis;
mod restart;
mod stats;
mod triage;
