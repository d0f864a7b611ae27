//! Retention: closed reports older than a configured age are anonymised —
//! their reporter unlinked and the personal data in their text removed —
//! so what stays is what the city needs for its statistics.
//!
//! `reports.reporter` cannot be empty, so an anonymised report is linked to
//! one system account, [`ANONYMISED_EMAIL`] (a citizen without a password,
//! which nobody can sign in as), created on first use. The timeline is
//! append-only history except here: the contact note an integration left
//! (Open311's `email`, `phone`, names) is replaced, and comments and notes
//! are masked like the report's text. Photo originals are not touched:
//! they are for staff only.

use std::sync::Arc;

use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::{Actor, Denied};
use crate::domain::masking::Masking;
use crate::domain::permission::Permission;
use crate::domain::report::{Report, ReportId};
use crate::domain::text::{Address, Description, DisplayName, ReportTitle};
use crate::domain::timeline::{TimelineEntry, TimelineKind, CONTACT_NOTE_REMOVED};
use crate::domain::user::{Email, Role, User, UserId};
use crate::ports::{Clock, IdGenerator, ReportStore, StoreError, Uniqueness, UserStore};

/// The system account anonymised reports are linked to.
pub const ANONYMISED_EMAIL: &str = "anonymised@sinmungo.invalid";

/// Why anonymising failed.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// Only administrators anonymise.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// No such report.
    #[error("report not found")]
    NotFound,
    /// The report changed meanwhile; run again.
    #[error("the report changed meanwhile; run again (다시 실행하세요)")]
    Conflict,
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for RetentionError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::VersionConflict => Self::Conflict,
            other => Self::Store(other),
        }
    }
}

/// Anonymises closed reports.
#[derive(Clone)]
pub struct Retention {
    reports: Arc<dyn ReportStore>,
    users: Arc<dyn UserStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    masking: Arc<Masking>,
}

impl std::fmt::Debug for Retention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retention").finish_non_exhaustive()
    }
}

/// `text` with personal data replaced, cut to `max` characters.
fn scrubbed(masking: &Masking, text: &str, max: usize) -> String {
    masking.mask(text).chars().take(max).collect()
}

/// `entry` without personal data, if it had any: a contact note emptied,
/// a comment's or a status change's note masked.
fn scrubbed_entry(masking: &Masking, entry: &TimelineEntry) -> Option<TimelineEntry> {
    let kind = match &entry.kind {
        kind if kind.is_contact_note() => TimelineKind::Comment {
            body: CONTACT_NOTE_REMOVED.to_owned(),
            internal: true,
        },
        TimelineKind::Comment { body, internal } => TimelineKind::Comment {
            body: masking.mask(body),
            internal: *internal,
        },
        TimelineKind::StatusChanged {
            from,
            to,
            note: Some(note),
        } => TimelineKind::StatusChanged {
            from: *from,
            to: *to,
            note: Some(masking.mask(note)),
        },
        _ => return None,
    };
    (kind != entry.kind).then(|| TimelineEntry {
        kind,
        ..entry.clone()
    })
}

impl Retention {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            users: ports.users.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            masking: policy.masking.clone(),
        }
    }

    /// The system account of anonymised reports, created on first use.
    pub async fn anonymised_reporter(&self) -> Result<UserId, RetentionError> {
        let email = Email::new(ANONYMISED_EMAIL)
            .map_err(|e| RetentionError::Store(StoreError::Unknown(anyhow::anyhow!(e.message))))?;
        if let Some(user) = self.users.find_by_email(&email).await? {
            return Ok(user.id);
        }
        let name = DisplayName::new("익명 (anonymised)")
            .map_err(|e| RetentionError::Store(StoreError::Unknown(anyhow::anyhow!(e.message))))?;
        let user = User {
            id: UserId(self.ids.new_id()),
            email: email.clone(),
            display_name: name,
            role: Role::Citizen,
            department: None,
            password_hash: None,
            created_at: self.clock.now(),
        };
        match self.users.create(&user).await {
            Ok(()) => Ok(user.id),
            // Two runs at once: the other one created it.
            Err(StoreError::AlreadyExists(Uniqueness::Email)) => self
                .users
                .find_by_email(&email)
                .await?
                .map(|u| u.id)
                .ok_or(RetentionError::NotFound),
            Err(other) => Err(other.into()),
        }
    }

    /// Whether `report` is closed and has not been anonymised (to `anonymised`).
    pub fn is_pending(report: &Report, anonymised: UserId) -> bool {
        !report.status.is_open() && report.reporter != anonymised
    }

    /// Anonymises one closed report as `actor` (administrators): the
    /// reporter becomes `anonymised` (from [`anonymised_reporter`](Self::anonymised_reporter)),
    /// personal data leaves its title, description, address, comments and
    /// notes, and a contact note is emptied. Returns whether it changed
    /// anything (an open or already anonymised report is left alone).
    pub async fn anonymise(
        &self,
        actor: &Actor,
        id: ReportId,
        anonymised: UserId,
    ) -> Result<bool, RetentionError> {
        actor.may_do(Permission::ManageUsers)?;
        let report = self
            .reports
            .get(id)
            .await?
            .ok_or(RetentionError::NotFound)?;
        if !Self::is_pending(&report, anonymised) {
            return Ok(false);
        }
        let mut next = report.clone();
        next.reporter = anonymised;
        let invalid = |e: crate::domain::validation::FieldError| {
            RetentionError::Store(StoreError::Unknown(anyhow::anyhow!(e.message)))
        };
        next.title = ReportTitle::new(&scrubbed(
            &self.masking,
            report.title.as_str(),
            ReportTitle::MAX_CHARS,
        ))
        .map_err(invalid)?;
        next.description = Description::new(&scrubbed(
            &self.masking,
            report.description.as_str(),
            Description::MAX_CHARS,
        ))
        .map_err(invalid)?;
        next.address = report
            .address
            .as_ref()
            .map(|a| Address::new(&scrubbed(&self.masking, a.as_str(), Address::MAX_CHARS)))
            .transpose()
            .map_err(invalid)?;
        // The pieces the LLM pointed at are personal data themselves; the
        // text they came from is scrubbed above.
        if let Some(analysis) = next.analysis.as_mut() {
            analysis.privacy.spans.clear();
        }
        let now = self.clock.now();
        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.update(next);
        for entry in self.reports.timeline(id).await? {
            if let Some(scrubbed) = scrubbed_entry(&self.masking, &entry) {
                change.rewrite(scrubbed);
            }
        }
        self.reports.apply(change.finish()).await?;
        Ok(true)
    }
}
