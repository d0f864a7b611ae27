//! The precision every store keeps: whole microseconds (what PostgreSQL's
//! `timestamptz` holds). The memory stores truncate on write so tests against
//! them see what a database would give back.

use chrono::{DateTime, SubsecRound, Utc};

/// `at` truncated (not rounded) to whole microseconds.
pub(crate) fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}
