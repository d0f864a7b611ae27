//! The `sinmungo.v1` WebSocket protocol: JSON text messages, each with a
//! `type`.
//!
//! From the client: `{"type":"subscribe","topic":…}`,
//! `{"type":"unsubscribe","topic":…}`, `{"type":"ping"}`. Topics:
//! `report:{id}`, `department:{code}`, `bbox:minLng,minLat,maxLng,maxLat`.
//!
//! From the server: `hello`, `subscribed`, `unsubscribed`, `pong`, `error`,
//! `notification`, `report` (a report changed, as this client may see it),
//! `resync` (the client fell behind: re-read over REST and reconnect) and
//! `session_ended`.

use serde::{Deserialize, Serialize};
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::BoundingBox;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::{Actor, Principal};
use uuid::Uuid;

use crate::dto::{NotificationDto, ReportDto};

/// The subprotocol the server speaks.
pub const PROTOCOL: &str = "sinmungo.v1";

/// The subprotocol prefix a browser carries its access token in.
pub const BEARER_PREFIX: &str = "bearer.";

/// What a client may follow.
#[derive(Debug, Clone, PartialEq)]
pub enum Topic {
    /// One report's changes.
    Report(ReportId),
    /// A department's queue (its officials, and admins).
    Department(DepartmentCode),
    /// Reports changing in a map area.
    Area(BoundingBox),
}

impl Topic {
    /// Parses `report:{id}`, `department:{code}` or `bbox:minLng,minLat,maxLng,maxLat`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (kind, value) = raw
            .split_once(':')
            .ok_or_else(|| format!("unknown topic {raw:?}: use report:{{id}}, department:{{code}} or bbox:minLng,minLat,maxLng,maxLat"))?;
        match kind {
            "report" => Uuid::parse_str(value.trim())
                .map(|id| Self::Report(ReportId(id)))
                .map_err(|_| "report:{id} needs a report id".to_owned()),
            "department" => DepartmentCode::new(value.trim())
                .map(Self::Department)
                .map_err(|e| e.message),
            "bbox" => BoundingBox::parse(value)
                .map(Self::Area)
                .map_err(|e| e.message),
            _ => Err(format!(
                "unknown topic {raw:?}: use report:{{id}}, department:{{code}} or bbox:minLng,minLat,maxLng,maxLat"
            )),
        }
    }

    /// Whether a change to `report` concerns this topic.
    pub fn covers(&self, report: &Report) -> bool {
        match self {
            Self::Report(id) => *id == report.id,
            Self::Department(code) => report.department.as_ref() == Some(code),
            Self::Area(bbox) => bbox.contains(report.location),
        }
    }

    /// Whether `actor` may follow this topic at all (what each push shows
    /// is decided per report, as the actor may see it).
    pub fn allowed_for(&self, actor: &Actor) -> Result<(), &'static str> {
        match (self, actor) {
            (Self::Department(_), Actor::Anonymous) => {
                Err("sign in to follow a department (로그인이 필요합니다)")
            }
            (
                Self::Department(code),
                Actor::User(Principal {
                    role, department, ..
                }),
            ) => {
                if *role == sinmungo_core::domain::Role::Admin
                    || (role.is_official() && department.as_ref() == Some(code))
                {
                    Ok(())
                } else {
                    Err("only the department's officials follow its queue (담당 부서만 구독할 수 있습니다)")
                }
            }
            _ => Ok(()),
        }
    }
}

/// A message from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Follow a topic.
    Subscribe {
        /// The topic.
        topic: String,
    },
    /// Stop following a topic.
    Unsubscribe {
        /// The topic.
        topic: String,
    },
    /// Is the server there?
    Ping,
}

/// The signed-in person a connection belongs to, as `hello` says.
#[derive(Debug, Clone, Serialize)]
pub struct HelloUser {
    /// Identity.
    pub id: Uuid,
    /// Role.
    pub role: &'static str,
    /// Department, for officials.
    pub department: Option<String>,
}

/// A message to the client.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The first message: who the server thinks the client is (`null`: anonymous).
    Hello {
        /// The protocol.
        protocol: &'static str,
        /// The signed-in person.
        user: Option<HelloUser>,
    },
    /// A subscription is in place.
    Subscribed {
        /// As the client wrote it.
        topic: String,
    },
    /// A subscription is gone.
    Unsubscribed {
        /// As the client wrote it.
        topic: String,
    },
    /// The answer to a ping.
    Pong,
    /// A message was refused.
    Error {
        /// Stable code: `invalid_message`, `invalid_topic`, `forbidden`,
        /// `not_found`, `too_many_subscriptions`.
        code: &'static str,
        /// What went wrong (Korean in parentheses).
        message: String,
        /// The topic concerned, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
    },
    /// A new notification for this person (the REST shape).
    Notification {
        /// It.
        notification: NotificationDto,
    },
    /// A report this client follows changed: the report as this client may see it.
    Report {
        /// The event that changed it (`report.status_changed`, …).
        event: String,
        /// The subscribed topics it falls under.
        topics: Vec<String>,
        /// The report.
        report: Box<ReportDto>,
    },
    /// The client fell behind: pushes were dropped. Re-read over REST and reconnect.
    Resync,
    /// The sign-in this connection was opened with has ended.
    SessionEnded,
}

impl HelloUser {
    /// The `hello` of `actor`.
    pub fn of(actor: &Actor) -> Option<Self> {
        match actor {
            Actor::Anonymous => None,
            Actor::User(p) => Some(Self {
                id: p.id.0,
                role: p.role.as_str(),
                department: p.department.as_ref().map(|d| d.as_str().to_owned()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_or_say_what_is_expected() {
        let id = Uuid::now_v7();
        assert_eq!(
            Topic::parse(&format!("report:{id}")),
            Ok(Topic::Report(ReportId(id)))
        );
        assert!(matches!(
            Topic::parse("department:road_management"),
            Ok(Topic::Department(_))
        ));
        assert!(matches!(
            Topic::parse("bbox:127.10,35.80,127.20,35.85"),
            Ok(Topic::Area(_))
        ));
        for bad in [
            "report:x",
            "bbox:1,2",
            "weather:seoul",
            "nothing",
            "department:",
        ] {
            assert!(Topic::parse(bad).is_err(), "{bad}");
        }
    }
}
