//! Submitting a report: parse, locate, classify by the rules, route, store.

use std::sync::Arc;

use chrono::{Datelike, TimeDelta};

use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::{Actor, Denied};
use crate::domain::category::{Category, CategoryCode};
use crate::domain::event::ReportEvent;
use crate::domain::geo::{GeoPoint, ServiceArea};
use crate::domain::report::{Analysis, DecidedBy, Report, ReportId, Visibility};
use crate::domain::rules::{RuleSet, TriageInput};
use crate::domain::status::ReportStatus;
use crate::domain::text::{Address, Description, ReportTitle};
use crate::domain::timeline::TimelineKind;
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{Clock, DirectoryStore, IdGenerator, ReportStore, StoreError};

/// Korea Standard Time (UTC+9, no daylight saving): receipt numbers follow the Korean calendar year.
const KST_OFFSET: TimeDelta = TimeDelta::hours(9);

/// A report as the citizen sent it.
#[derive(Debug, Clone, Default)]
pub struct SubmitRequest {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Street address.
    pub address: Option<String>,
    /// Chosen category code.
    pub category: Option<String>,
    /// `public` (default) or `private`.
    pub visibility: Option<String>,
}

/// Why a submission failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Only signed-in users submit.
    #[error("sign in required")]
    SignInRequired,
    /// A field is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The location is outside the service area.
    #[error("the location is outside the service area (전북특별자치도 관할 구역 밖의 위치입니다)")]
    OutsideServiceArea,
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for SubmitError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// Submits reports.
#[derive(Clone)]
pub struct SubmitReport {
    reports: Arc<dyn ReportStore>,
    directory: Arc<dyn DirectoryStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    area: Arc<ServiceArea>,
    rules: Arc<RuleSet>,
}

impl std::fmt::Debug for SubmitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmitReport").finish_non_exhaustive()
    }
}

/// The parsed fields of a submission.
struct Parsed {
    title: ReportTitle,
    description: Description,
    location: GeoPoint,
    address: Option<Address>,
    category: Option<CategoryCode>,
    visibility: Visibility,
}

impl SubmitReport {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            directory: ports.directory.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            area: policy.service_area.clone(),
            rules: policy.rules.clone(),
        }
    }

    /// Submits a report for the actor; it is classified by the rules and routed at once.
    pub async fn execute(
        &self,
        actor: &Actor,
        request: SubmitRequest,
    ) -> Result<Report, SubmitError> {
        actor
            .may_submit()
            .map_err(|_: Denied| SubmitError::SignInRequired)?;
        let reporter = actor
            .principal()
            .map_err(|_| SubmitError::SignInRequired)?
            .id;
        let parsed = parse(&request)?;
        let jurisdiction = self
            .area
            .locate(parsed.location)
            .ok_or(SubmitError::OutsideServiceArea)?
            .clone();

        let categories = self.directory.categories().await?;
        if let Some(requested) = &parsed.category {
            if !categories.iter().any(|c| &c.code == requested) {
                return Err(Invalid::from(FieldError::new(
                    "category",
                    "unknown_category",
                    format!("no category {requested}; see GET /api/v1/categories"),
                ))
                .into());
            }
        }
        let decision = self.rules.classify(TriageInput {
            requested_category: parsed.category.as_ref(),
            jurisdiction: Some(&jurisdiction.code),
            ..TriageInput::text(parsed.title.as_str(), parsed.description.as_str())
        });
        let category = find_category(&categories, &decision.category)?;
        let priority = decision.priority.unwrap_or(category.default_priority);

        let now = self.clock.now();
        let year = (now + KST_OFFSET).year();
        let number = self.reports.next_receipt_number(year).await?;
        let report = Report {
            id: ReportId(self.ids.new_id()),
            number,
            title: parsed.title,
            description: parsed.description,
            category: category.code.clone(),
            priority,
            status: ReportStatus::Received,
            location: parsed.location,
            address: parsed.address,
            jurisdiction,
            department: Some(category.department.clone()),
            assignee: None,
            reporter,
            visibility: parsed.visibility,
            support_count: 0,
            duplicate_of: None,
            analysis: Some(Analysis {
                category: category.code.clone(),
                priority,
                confidence: decision.confidence,
                decided_by: DecidedBy::Rules,
                rule: decision.rule.clone(),
                needs_review: decision.needs_review,
                decided_at: now,
                models: Vec::new(),
                latency_ms: 0,
                note: None,
                trigger: None,
            }),
            photos: Vec::new(),
            due_at: Report::due_for(now, priority),
            created_at: now,
            updated_at: now,
            resolved_at: None,
            status_changed_at: now,
            version: 1,
        };

        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.timeline(report.id, TimelineKind::Submitted);
        change.system_timeline(
            report.id,
            TimelineKind::Classified {
                category: report.category.to_string(),
                priority: priority.to_string(),
                decided_by: DecidedBy::Rules,
                rule: decision.rule,
            },
        );
        change.event(report.id, ReportEvent::submitted(&report));
        change.create(report.clone());
        self.reports.apply(change.finish()).await?;
        Ok(report)
    }
}

fn find_category<'a>(
    categories: &'a [Category],
    code: &CategoryCode,
) -> Result<&'a Category, SubmitError> {
    categories
        .iter()
        .find(|c| &c.code == code)
        .or_else(|| categories.iter().find(|c| c.code == CategoryCode::other()))
        .ok_or_else(|| {
            SubmitError::Unknown(anyhow::anyhow!(
                "the directory has no category {code} and no `other`"
            ))
        })
}

fn parse(request: &SubmitRequest) -> Result<Parsed, Invalid> {
    let mut fields = Collector::default();
    let title = fields.take(ReportTitle::new(&request.title));
    let description = fields.take(Description::new(&request.description));
    let location = fields.take(GeoPoint::new(request.lat, request.lng));
    let address = match request
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(raw) => fields.take(Address::new(raw)).map(Some),
        None => Some(None),
    };
    let category = match request
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(raw) => fields.take(CategoryCode::new(raw)).map(Some),
        None => Some(None),
    };
    let visibility = match request.visibility.as_deref() {
        Some(raw) => fields.take(Visibility::parse(raw)),
        None => Some(Visibility::Public),
    };
    fields.finish()?;
    match (title, description, location, address, category, visibility) {
        (
            Some(title),
            Some(description),
            Some(location),
            Some(address),
            Some(category),
            Some(visibility),
        ) => Ok(Parsed {
            title,
            description,
            location,
            address,
            category,
            visibility,
        }),
        _ => Err(Invalid(Vec::new())),
    }
}
