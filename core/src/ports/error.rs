//! The error every store port speaks.

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    /// An account with this e-mail exists.
    Email,
    /// This user already supported this report.
    Supporter,
    /// The id or receipt number is taken.
    Identity,
}

/// Why a store operation failed, in the domain's words (never a driver's).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A record a write refers to does not exist.
    #[error("not found")]
    NotFound,
    /// The report changed since it was read (optimistic concurrency).
    #[error("the report was changed by someone else")]
    VersionConflict,
    /// A uniqueness rule was broken.
    #[error("already exists: {0:?}")]
    AlreadyExists(Uniqueness),
    /// The store cannot be reached now; trying again later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else (corrupt rows, bugs).
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}
