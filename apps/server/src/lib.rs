//! The Sinmungo API server: configuration and wiring.
