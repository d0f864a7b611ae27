//! Contract suites for the ports and helpers for black-box tests.

pub mod contract;
pub mod postgres;
pub use sinmungo_test_support::{proxy, services};
