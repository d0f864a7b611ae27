//! Sinmungo's domain core: reports, users, classification rules, the ports the
//! outside world must implement, and the use cases that tie them together.
//!
//! Nothing here performs I/O. Adapters implement [`ports`]; apps wire them into
//! [`app::UseCases`].

// Every public item says what it is for: developers build on this crate.
#![deny(missing_docs)]

pub mod app;
pub mod domain;
pub mod ports;
