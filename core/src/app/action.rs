//! What goes wrong when someone acts on an existing report. Transition,
//! assignment, reclassification, comments and support share these outcomes,
//! so they share one error type.

use crate::app::photo_blobs::LeftoverBlob;
use crate::domain::access::Actor;
use crate::domain::access::Denied;
use crate::domain::report::{Report, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::validation::{FieldError, Invalid};
use crate::ports::{ReportStore, StoreError};

/// Why an act on a report conflicts with its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictReason {
    /// The lifecycle has no such change.
    InvalidTransition {
        /// Current status.
        from: ReportStatus,
        /// Requested status.
        to: ReportStatus,
    },
    /// The report changed since the client read it.
    VersionMismatch {
        /// The version the client expected.
        expected: u64,
        /// The current version.
        current: u64,
    },
    /// Someone else changed it at the same moment; retrying may work.
    ConcurrentChange,
    /// The report is closed for this act.
    NotOpen(ReportStatus),
    /// This user already supported the report.
    AlreadySupported,
}

impl std::fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidTransition { from, to } => write!(
                f,
                "a report that is {from} ({}) cannot become {to} ({})",
                from.label_ko(),
                to.label_ko()
            ),
            Self::VersionMismatch { expected, current } => write!(
                f,
                "the report is at version {current}, not {expected}: reload it and try again (다른 사용자가 먼저 변경했습니다)"
            ),
            Self::ConcurrentChange => f.write_str("the report was changed at the same moment; try again"),
            Self::NotOpen(status) => write!(f, "the report is {status} ({}) and can no longer be changed this way", status.label_ko()),
            Self::AlreadySupported => f.write_str("you already supported this report (이미 공감하셨습니다)"),
        }
    }
}

/// Why an act on a report failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// No such report, or not one this actor may see.
    #[error("report not found")]
    NotFound,
    /// The act needs a signed-in user.
    #[error("sign in required")]
    SignInRequired,
    /// The actor may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The request is malformed.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The report's state does not allow it.
    #[error("{0}")]
    Conflict(ConflictReason),
    /// The store is down; try again later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or corrupt data.
    #[error(transparent)]
    Unknown(anyhow::Error),
    /// The act failed as `error` says, and left photo blobs behind that it
    /// could not remove (or kept because nobody could tell whether the
    /// change was applied). `error` is what the client should hear; the
    /// blobs are for the operator's log. See [`into_parts`](Self::into_parts).
    #[error("{error}")]
    BlobsLeftBehind {
        /// The failure itself.
        error: Box<ActionError>,
        /// What it left in the media store.
        blobs: Vec<LeftoverBlob>,
    },
}

impl ActionError {
    /// The failure itself, and the blobs it left behind in the media store
    /// (none for most failures).
    pub fn into_parts(self) -> (Self, Vec<LeftoverBlob>) {
        match self {
            Self::BlobsLeftBehind { error, mut blobs } => {
                let (error, mut inner) = error.into_parts();
                inner.append(&mut blobs);
                (error, inner)
            }
            other => (other, Vec::new()),
        }
    }

    /// This failure, with `blobs` left behind.
    pub(crate) fn leaving(self, blobs: Vec<LeftoverBlob>) -> Self {
        if blobs.is_empty() {
            return self;
        }
        let (error, mut left) = self.into_parts();
        left.extend(blobs);
        Self::BlobsLeftBehind {
            error: Box::new(error),
            blobs: left,
        }
    }
}

impl From<FieldError> for ActionError {
    fn from(error: FieldError) -> Self {
        Self::Invalid(Invalid::from(error))
    }
}

impl From<Denied> for ActionError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignInRequired => Self::SignInRequired,
            Denied::Forbidden(reason) => Self::Forbidden(reason),
        }
    }
}

impl From<StoreError> for ActionError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::VersionConflict => Self::Conflict(ConflictReason::ConcurrentChange),
            StoreError::AlreadyExists(crate::ports::Uniqueness::Supporter) => {
                Self::Conflict(ConflictReason::AlreadySupported)
            }
            StoreError::AlreadyExists(other) => Self::Unknown(anyhow::anyhow!(
                "unexpected uniqueness violation: {other:?}"
            )),
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            StoreError::Unknown(error) => Self::Unknown(error),
        }
    }
}

/// Loads a report the actor may see; anything else is "not found", so private
/// reports do not reveal that they exist.
pub(crate) async fn load_visible(
    reports: &dyn ReportStore,
    actor: &Actor,
    id: ReportId,
) -> Result<Report, ActionError> {
    match reports.get(id).await? {
        Some(report) if actor.can_view(&report) => Ok(report),
        _ => Err(ActionError::NotFound),
    }
}

/// A guard against a bug, not a limit anyone meets: each round of racing
/// changes to one report lets at least one of them win, so `n` callers at
/// once all succeed within `n` rounds.
const RACE_GUARD: usize = 1_000;

/// Runs `attempt` again for as long as another change to the same report
/// wins the race, for changes that do not depend on what they raced (a "me
/// too", an override without `expected_version`: the last writer wins).
pub(crate) async fn retrying_races<T, F, Fut>(mut attempt: F) -> Result<T, ActionError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ActionError>>,
{
    for _ in 1..RACE_GUARD {
        match attempt().await {
            Err(ActionError::Conflict(ConflictReason::ConcurrentChange)) => continue,
            outcome => return outcome,
        }
    }
    attempt().await
}

/// Refuses a stale `expected_version` before any work is done.
pub(crate) fn check_version(report: &Report, expected: Option<u64>) -> Result<(), ActionError> {
    match expected {
        Some(expected) if expected != report.version => {
            Err(ActionError::Conflict(ConflictReason::VersionMismatch {
                expected,
                current: report.version,
            }))
        }
        _ => Ok(()),
    }
}
