//! The one place test helpers live that every suite shares — the black-box
//! tests in `tests/` and each adapter's own tests: whether a service-backed
//! test runs, is skipped or fails ([`services`]), and a TCP proxy that takes
//! a service away and brings it back ([`proxy`]), a reader of
//! Prometheus's text format ([`prometheus`]), and what the code under test
//! logs, captured ([`logs`]).
//!
//! It depends on no Sinmungo crate, so any adapter can use it as a
//! dev-dependency.

pub mod logs;
pub mod prometheus;
pub mod proxy;
pub mod services;
