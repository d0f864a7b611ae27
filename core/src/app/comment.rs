//! Comments: the reporter and officials talk on a report; officials also leave
//! internal notes citizens never see.

use std::sync::Arc;

use crate::app::action::{load_visible, ActionError};
use crate::app::recorder::Recorder;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::event::ReportEvent;
use crate::domain::report::ReportId;
use crate::domain::text::CommentBody;
use crate::domain::timeline::{TimelineEntry, TimelineKind};
use crate::ports::{Clock, IdGenerator, ReportStore};

/// A comment as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct CommentRequest {
    /// The text.
    pub body: String,
    /// Officials only.
    pub internal: bool,
}

/// Adds comments.
#[derive(Clone)]
pub struct AddComment {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for AddComment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddComment").finish_non_exhaustive()
    }
}

impl AddComment {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Adds a comment and returns its timeline entry.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
        request: CommentRequest,
    ) -> Result<TimelineEntry, ActionError> {
        let body = CommentBody::new(&request.body)?;
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        actor.may_comment(&report, request.internal)?;
        let mut change = Recorder::new(self.ids.as_ref(), actor, self.clock.now());
        let kind = TimelineKind::Comment {
            body: body.as_str().to_owned(),
            internal: request.internal,
        };
        let comment_id = change.timeline(id, kind);
        change.event(
            id,
            ReportEvent::Commented {
                comment_id,
                internal: request.internal,
            },
        );
        let change = change.finish();
        let entry = change
            .timeline
            .iter()
            .find(|e| e.id == comment_id)
            .cloned()
            .ok_or_else(|| {
                ActionError::Unknown(anyhow::anyhow!("comment entry missing from its change"))
            })?;
        self.reports.apply(change).await?;
        Ok(entry)
    }
}
