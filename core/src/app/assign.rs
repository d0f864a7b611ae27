//! Assignment: a manager routes a report to a department and/or an officer.

use std::sync::Arc;

use uuid::Uuid;

use crate::app::action::{load_visible, ActionError, ConflictReason};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::department::DepartmentCode;
use crate::domain::event::ReportEvent;
use crate::domain::masking::Masking;
use crate::domain::report::ReportId;
use crate::domain::status::ReportStatus;
use crate::domain::timeline::TimelineKind;
use crate::domain::user::UserId;
use crate::domain::validation::{FieldError, Invalid};
use crate::ports::{Clock, DirectoryStore, IdGenerator, ReportStore, UserStore};

/// An assignment as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct AssignRequest {
    /// The department to route to.
    pub department: Option<String>,
    /// The officer to assign.
    pub assignee: Option<Uuid>,
}

/// Assigns reports.
#[derive(Clone)]
pub struct Assign {
    reports: Arc<dyn ReportStore>,
    users: Arc<dyn UserStore>,
    directory: Arc<dyn DirectoryStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Assign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assign").finish_non_exhaustive()
    }
}

impl Assign {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            users: ports.users.clone(),
            directory: ports.directory.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Routes an open report. A received report becomes assigned; moving it to
    /// another department without naming an officer clears the assignee.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
        request: AssignRequest,
    ) -> Result<ReportView, ActionError> {
        let department = match request
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(raw) => Some(DepartmentCode::new(raw)?),
            None => None,
        };
        if department.is_none() && request.assignee.is_none() {
            return Err(Invalid::from(FieldError::new(
                "department",
                "required",
                "name a department, an assignee, or both",
            ))
            .into());
        }
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        actor.may_assign(&report)?;
        if !report.status.is_open() {
            return Err(ActionError::Conflict(ConflictReason::NotOpen(
                report.status,
            )));
        }
        if let Some(department) = &department {
            if !self
                .directory
                .departments()
                .await?
                .iter()
                .any(|d| &d.code == department)
            {
                return Err(Invalid::from(FieldError::new(
                    "department",
                    "unknown_department",
                    format!("no department {department}"),
                ))
                .into());
            }
        }
        let target = department.clone().or_else(|| report.department.clone());
        if let Some(assignee) = request.assignee {
            let officer = self.users.get(UserId(assignee)).await?;
            let eligible = officer.is_some_and(|u| {
                u.role.is_official() && u.department.is_some() && u.department == target
            });
            if !eligible {
                return Err(Invalid::from(FieldError::new(
                    "assignee",
                    "not_in_department",
                    "the assignee must be an official of the report's department",
                ))
                .into());
            }
        }

        let now = self.clock.now();
        let mut updated = report.clone();
        if department.is_some() && department != report.department {
            updated.assignee = None;
        }
        updated.department = target;
        if let Some(assignee) = request.assignee {
            updated.assignee = Some(UserId(assignee));
        }
        if report.status == ReportStatus::Received {
            updated.change_status(ReportStatus::Assigned, now);
        }

        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.timeline(
            id,
            TimelineKind::Assigned {
                department: updated.department.as_ref().map(ToString::to_string),
                assignee: updated.assignee,
            },
        );
        change.event(
            id,
            ReportEvent::Assigned {
                department: updated.department.clone(),
                assignee: updated.assignee,
            },
        );
        if updated.status != report.status {
            change.timeline(
                id,
                TimelineKind::StatusChanged {
                    from: report.status,
                    to: updated.status,
                    note: None,
                },
            );
            change.event(
                id,
                ReportEvent::StatusChanged {
                    from: report.status,
                    to: updated.status,
                },
            );
        }
        change.audit(
            "report.assign",
            id,
            serde_json::json!({ "department": report.department, "assignee": report.assignee, "status": report.status }),
            serde_json::json!({ "department": updated.department, "assignee": updated.assignee, "status": updated.status }),
        );
        let updated = change.update(updated);
        self.reports.apply(change.finish()).await?;
        Ok(view(actor, updated, now, &self.masking))
    }
}
