//! Backups: not built yet.
