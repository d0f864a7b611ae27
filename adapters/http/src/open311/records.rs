//! What Open311 calls things: our categories are its services, our reports
//! (as the public sees them) its service requests.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use sinmungo_core::app::ReportView;
use sinmungo_core::domain::photo::{PhotoKind, PhotoVariant};
use sinmungo_core::domain::timeline::{TimelineEntry, TimelineKind};
use sinmungo_core::domain::{Category, Department};

use super::format::Node;
use super::Open311Config;

/// The version of this interface's behaviour, for discovery's `changeset`.
const CHANGESET: &str = "2026-12-07T00:00:00+09:00";

/// Times are written in Korea Standard Time, with the offset.
pub(crate) fn kst(at: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(9 * 3600) {
        Some(offset) => at
            .with_timezone(&offset)
            .to_rfc3339_opts(SecondsFormat::Secs, false),
        None => at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// The names the answers need: categories' and departments'.
#[derive(Debug, Default)]
pub struct Directory {
    categories: HashMap<String, Category>,
    departments: HashMap<String, String>,
}

impl Directory {
    /// From the directory's lists.
    pub fn new(categories: Vec<Category>, departments: &[Department]) -> Self {
        Self {
            categories: categories
                .into_iter()
                .map(|c| (c.code.as_str().to_owned(), c))
                .collect(),
            departments: departments
                .iter()
                .map(|d| (d.code.as_str().to_owned(), d.name.clone()))
                .collect(),
        }
    }

    /// The category of a service code.
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.get(code)
    }

    fn department_name(&self, code: &str) -> Option<String> {
        self.departments.get(code).cloned()
    }

    /// `services`: every category, by code.
    pub fn services(&self) -> Node {
        let mut categories: Vec<&Category> = self.categories.values().collect();
        categories.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        Node::List(
            "service",
            categories.into_iter().map(|c| self.service(c)).collect(),
        )
    }

    /// One service: `metadata` is false, as our categories ask no questions.
    fn service(&self, category: &Category) -> Node {
        Node::Record(vec![
            (
                "service_code",
                Node::Text(category.code.as_str().to_owned()),
            ),
            ("service_name", Node::Text(category.name.clone())),
            ("description", Node::Text(category.name_en.clone())),
            ("metadata", Node::Bool(false)),
            ("type", Node::Text("realtime".to_owned())),
            ("keywords", Node::Empty),
            (
                "group",
                Node::text_or_empty(self.department_name(category.department.as_str())),
            ),
        ])
    }

    /// A service request: the report as the public sees it, with its last
    /// public note (from its timeline as the public sees it).
    pub fn request(
        &self,
        view: &ReportView,
        timeline: &[TimelineEntry],
        config: &Open311Config,
    ) -> Node {
        let report = &view.report;
        let category = self.category(report.category.as_str());
        let photo = report
            .photos
            .iter()
            .find(|p| p.kind == PhotoKind::Report)
            .or_else(|| report.photos.first());
        let media_url = photo.map(|photo| {
            config.absolute(&format!(
                "/api/v1/reports/{}/photos/{}/{}",
                report.id,
                photo.id,
                PhotoVariant::Public.as_str()
            ))
        });
        Node::Record(vec![
            ("service_request_id", Node::Text(report.number.to_string())),
            (
                "status",
                Node::Text(
                    if report.status.is_open() {
                        "open"
                    } else {
                        "closed"
                    }
                    .to_owned(),
                ),
            ),
            (
                "status_notes",
                Node::text_or_empty(last_public_note(timeline)),
            ),
            (
                "service_name",
                Node::text_or_empty(category.map(|c| c.name.clone())),
            ),
            (
                "service_code",
                Node::Text(report.category.as_str().to_owned()),
            ),
            ("description", Node::Text(view.description.clone())),
            (
                "agency_responsible",
                Node::text_or_empty(
                    report
                        .department
                        .as_ref()
                        .and_then(|d| self.department_name(d.as_str())),
                ),
            ),
            ("service_notice", Node::Empty),
            ("requested_datetime", Node::Text(kst(report.created_at))),
            ("updated_datetime", Node::Text(kst(report.updated_at))),
            ("expected_datetime", Node::Text(kst(report.due_at))),
            ("address", Node::text_or_empty(view.address.clone())),
            ("address_id", Node::Empty),
            ("zipcode", Node::Empty),
            ("lat", Node::Number(report.location.lat())),
            ("long", Node::Number(report.location.lng())),
            ("media_url", Node::text_or_empty(media_url)),
        ])
    }
}

/// The newest note the public may read: a status change's note (a
/// resolution note, a rejection reason) or an official's public comment.
fn last_public_note(timeline: &[TimelineEntry]) -> Option<String> {
    timeline.iter().rev().find_map(|entry| match &entry.kind {
        TimelineKind::StatusChanged { note, .. } => note.clone(),
        TimelineKind::Comment {
            body,
            internal: false,
        } if entry.actor_role.is_some_and(|r| r.is_official()) => Some(body.clone()),
        _ => None,
    })
}

/// `services/{code}`: the definition of a service, with its attributes
/// (none: our categories ask no questions).
pub fn service_definition(category: &Category) -> Node {
    Node::Record(vec![
        (
            "service_code",
            Node::Text(category.code.as_str().to_owned()),
        ),
        ("attributes", Node::List("attribute", Vec::new())),
    ])
}

/// `discovery`: where this interface is and what it speaks.
pub fn discovery(config: &Open311Config) -> Node {
    Node::Record(vec![
        ("changeset", Node::Text(CHANGESET.to_owned())),
        (
            "contact",
            Node::Text("전북특별자치도 신문고 (Jeonbuk Report Platform)".to_owned()),
        ),
        (
            "key_service",
            Node::Text(
                "API keys of service accounts are issued by an administrator (API 키는 관리자가 발급합니다)"
                    .to_owned(),
            ),
        ),
        (
            "endpoints",
            Node::List(
                "endpoint",
                vec![Node::Record(vec![
                    (
                        "specification",
                        Node::Text("http://wiki.open311.org/GeoReport_v2".to_owned()),
                    ),
                    ("url", Node::Text(config.absolute("/open311/v2"))),
                    ("changeset", Node::Text(CHANGESET.to_owned())),
                    ("type", Node::Text("production".to_owned())),
                    (
                        "formats",
                        Node::List(
                            "format",
                            vec![
                                Node::Text("text/xml".to_owned()),
                                Node::Text("application/json".to_owned()),
                            ],
                        ),
                    ),
                ])],
            ),
        ),
    ])
}

/// The answer to a `POST requests`: the receipt number at once (we create
/// requests synchronously, so no token is needed).
pub fn created(number: &str) -> Node {
    Node::List(
        "request",
        vec![Node::Record(vec![
            ("service_request_id", Node::Text(number.to_owned())),
            (
                "service_notice",
                Node::Text(format!(
                    "Received as {number} (접수되었습니다. 접수번호 {number})"
                )),
            ),
            ("account_id", Node::Empty),
        ])],
    )
}

/// `tokens/{token}`: a token is the receipt number it stands for.
pub fn token(number: &str) -> Node {
    Node::List(
        "request",
        vec![Node::Record(vec![
            ("service_request_id", Node::Text(number.to_owned())),
            ("token", Node::Text(number.to_owned())),
        ])],
    )
}
