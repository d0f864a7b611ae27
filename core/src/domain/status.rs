//! The report lifecycle: statuses and which changes between them exist at all.
//! Who may make each change is [`crate::domain::access`]'s business.

use serde::{Deserialize, Serialize};

use crate::domain::validation::FieldError;

/// Where a report is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// 접수: submitted, routed to a department's queue.
    Received,
    /// 배정: a manager assigned it.
    Assigned,
    /// 처리중: an officer is working on it.
    InProgress,
    /// 처리완료: fixed, awaiting the reporter's confirmation.
    Resolved,
    /// 반려: will not be handled, with a reason.
    Rejected,
    /// 종결: confirmed or closed automatically.
    Closed,
    /// 중복: merged into another report.
    Duplicate,
}

impl ReportStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 7] = [
        Self::Received,
        Self::Assigned,
        Self::InProgress,
        Self::Resolved,
        Self::Rejected,
        Self::Closed,
        Self::Duplicate,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Assigned => "assigned",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Rejected => "rejected",
            Self::Closed => "closed",
            Self::Duplicate => "duplicate",
        }
    }

    /// The Korean label shown to citizens.
    pub fn label_ko(self) -> &'static str {
        match self {
            Self::Received => "접수",
            Self::Assigned => "배정",
            Self::InProgress => "처리중",
            Self::Resolved => "처리완료",
            Self::Rejected => "반려",
            Self::Closed => "종결",
            Self::Duplicate => "중복",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| {
            FieldError::new(
                "status",
                "unknown_status",
                "status must be one of received, assigned, in_progress, resolved, rejected, closed, duplicate",
            )
        })
    }

    /// Open in the Open311 sense: still being handled.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Received | Self::Assigned | Self::InProgress)
    }

    /// Whether the lifecycle has a change from `self` to `to`, for anyone.
    pub fn can_become(self, to: Self) -> bool {
        use ReportStatus::*;
        matches!(
            (self, to),
            (Received, Assigned)
                | (Received | Assigned, InProgress)
                | (InProgress, Resolved)
                | (Received | Assigned | InProgress, Rejected)
                | (Received | Assigned | InProgress, Duplicate)
                | (Resolved, Closed)
                | (Resolved | Rejected, InProgress)
        )
    }
}

impl std::fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ReportStatus::*;
    use super::*;

    #[test]
    fn the_lifecycle_has_exactly_the_product_transitions() {
        let allowed: Vec<(ReportStatus, ReportStatus)> = ReportStatus::ALL
            .iter()
            .flat_map(|&from| ReportStatus::ALL.iter().map(move |&to| (from, to)))
            .filter(|&(from, to)| from.can_become(to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Received, Assigned),
                (Received, InProgress),
                (Received, Rejected),
                (Received, Duplicate),
                (Assigned, InProgress),
                (Assigned, Rejected),
                (Assigned, Duplicate),
                (InProgress, Resolved),
                (InProgress, Rejected),
                (InProgress, Duplicate),
                (Resolved, InProgress),
                (Resolved, Closed),
                (Rejected, InProgress),
            ]
        );
    }

    #[test]
    fn closed_and_duplicate_are_final() {
        for to in ReportStatus::ALL {
            assert!(!Closed.can_become(to));
            assert!(!Duplicate.can_become(to));
        }
    }

    #[test]
    fn names_round_trip() {
        for s in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(s.as_str()), Ok(s));
        }
        assert!(ReportStatus::parse("done").is_err());
    }
}
