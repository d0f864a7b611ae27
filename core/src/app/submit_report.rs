//! Submitting a report: parse, locate, classify by the rules, route, store
//! (its photos' blobs first, then the report, all or nothing); or many
//! reports without photos at once, in one change (a bulk import).

use std::sync::Arc;

use chrono::{DateTime, Datelike, TimeDelta, Utc};

use crate::app::photo_blobs::{self, LeftoverBlob, PutBlobs, PutFailed};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::{Actor, Denied};
use crate::domain::category::{Category, CategoryCode};
use crate::domain::department::Department;
use crate::domain::event::ReportEvent;
use crate::domain::geo::{GeoPoint, Jurisdiction, ServiceArea};
use crate::domain::photo::{Photo, PhotoId, PhotoKind};
use crate::domain::priority::Priority;
use crate::domain::receipt::ReceiptNumber;
use crate::domain::report::{Analysis, DecidedBy, Privacy, Report, ReportId, Visibility};
use crate::domain::routing::{self, Route};
use crate::domain::rules::{Decision, RuleSet, TriageInput};
use crate::domain::status::ReportStatus;
use crate::domain::text::{Address, CommentBody, Description, ReportTitle};
use crate::domain::timeline::TimelineKind;
use crate::domain::user::UserId;
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{
    Clock, DirectoryStore, IdGenerator, MediaError, MediaStore, PreparedPhoto, ReportStore,
    StoreError,
};

/// Korea Standard Time (UTC+9, no daylight saving): receipt numbers follow the Korean calendar year.
const KST_OFFSET: TimeDelta = TimeDelta::hours(9);

/// A report as the citizen sent it.
#[derive(Debug, Clone, Default)]
pub struct SubmitRequest {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Latitude; with the longitude, where the problem is. Both absent: the
    /// first photo whose EXIF has a GPS position supplies it.
    pub lat: Option<f64>,
    /// Longitude.
    pub lng: Option<f64>,
    /// Street address.
    pub address: Option<String>,
    /// Chosen category code.
    pub category: Option<String>,
    /// `public` (default) or `private`.
    pub visibility: Option<String>,
    /// Up to [`MAX_PHOTOS_PER_REQUEST`](crate::app::MAX_PHOTOS_PER_REQUEST)
    /// photos, already processed; identical ones are stored once.
    pub photos: Vec<PreparedPhoto>,
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
    /// The submission failed as `error` says, and left photo blobs behind
    /// that it could not remove (or kept because nobody could tell whether
    /// the report was stored). `error` is what the client should hear; the
    /// blobs are for the operator's log. See [`into_parts`](Self::into_parts).
    #[error("{error}")]
    BlobsLeftBehind {
        /// The failure itself.
        error: Box<SubmitError>,
        /// What it left in the media store.
        blobs: Vec<LeftoverBlob>,
    },
}

impl SubmitError {
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
    fn leaving(self, blobs: Vec<LeftoverBlob>) -> Self {
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

impl From<StoreError> for SubmitError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl From<MediaError> for SubmitError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::Unavailable(reason) => Self::Unavailable(reason),
            MediaError::Unknown(error) => Self::Unknown(error),
        }
    }
}

/// Submits reports.
#[derive(Clone)]
pub struct SubmitReport {
    reports: Arc<dyn ReportStore>,
    media: Arc<dyn MediaStore>,
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
            media: ports.media.clone(),
            directory: ports.directory.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            area: policy.service_area.clone(),
            rules: policy.rules.clone(),
        }
    }

    /// Submits a report for the actor; it is classified by the rules and routed at once.
    ///
    /// Its photos' blobs are stored first, then the report naming them; if
    /// either fails, the blobs already stored are deleted again, so a failed
    /// submission leaves neither a report nor a blob.
    pub async fn execute(
        &self,
        actor: &Actor,
        request: SubmitRequest,
    ) -> Result<Report, SubmitError> {
        self.submit(actor, request, None).await
    }

    /// Like [`execute`](Self::execute), with the reporter's `contact`
    /// details that an integration passed on (one a line) kept for
    /// officials only: an internal contact note
    /// ([`TimelineKind::contact_note`]) recorded with the report, in the same
    /// transaction. Never shown to the public; anonymising the report
    /// removes it.
    pub async fn execute_with_contact(
        &self,
        actor: &Actor,
        request: SubmitRequest,
        contact: &str,
    ) -> Result<Report, SubmitError> {
        let note = CommentBody::new(&TimelineKind::contact_note(contact)).map_err(Invalid::from)?;
        self.submit(actor, request, Some(note)).await
    }

    /// Checks submissions as [`execute`](Self::execute) would — their
    /// fields, that they are inside the service area, that their category
    /// exists — and writes nothing: each one's outcome, in order. The
    /// directory is read once for all of them; only reading it fails the call.
    pub async fn check_each<'r>(
        &self,
        requests: impl IntoIterator<Item = &'r SubmitRequest>,
    ) -> Result<Vec<Result<(), SubmitError>>, SubmitError> {
        let categories = self.directory.categories().await?;
        Ok(requests
            .into_iter()
            .map(|request| self.checked(request, &categories).map(|_| ()))
            .collect())
    }

    /// Like [`execute`](Self::execute), with `note` (an internal comment)
    /// recorded in the same transaction as the report.
    async fn submit(
        &self,
        actor: &Actor,
        request: SubmitRequest,
        note: Option<CommentBody>,
    ) -> Result<Report, SubmitError> {
        let reporter = reporter(actor)?;
        let directory = self.directory_lists().await?;
        let triaged = self.triage(&request, &directory)?;

        let now = self.clock.now();
        let id = ReportId(self.ids.new_id());
        let records: Vec<(Photo, PreparedPhoto)> = photo_blobs::distinct(request.photos, None)
            .into_iter()
            .map(|prepared| {
                let photo =
                    prepared.record(PhotoId(self.ids.new_id()), PhotoKind::Report, reporter, now);
                (photo, prepared)
            })
            .collect();
        let photos: Vec<Photo> = records.iter().map(|(photo, _)| photo.clone()).collect();
        // Blobs before the receipt number: a storage failure leaves no gap in the numbers.
        let blobs = PutBlobs::put(self.media.as_ref(), id, records)
            .await
            .map_err(|PutFailed { error, left }| SubmitError::from(error).leaving(left))?;
        let number = match self.reports.next_receipt_number(receipt_year(now)).await {
            Ok(number) => number,
            Err(error) => {
                let left = blobs.discard(self.media.as_ref()).await;
                return Err(SubmitError::from(error).leaving(left));
            }
        };
        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        let filed = Filed {
            id,
            number,
            reporter,
            photos,
        };
        let report = record(&mut change, triaged, filed, note, None);
        let Err(error) = self.reports.apply(change.finish()).await else {
            blobs.keep();
            return Ok(report);
        };
        if blobs.is_empty() {
            return Err(error.into());
        }
        match photo_blobs::was_applied(self.reports.as_ref(), &error, id, |_| true).await {
            // Stored after all (the connection was lost while committing):
            // the citizen must not be told to submit it again.
            Some(true) => {
                blobs.keep();
                Ok(report)
            }
            Some(false) => {
                let left = blobs.discard(self.media.as_ref()).await;
                Err(SubmitError::from(error).leaving(left))
            }
            None => {
                let left = blobs.keep_unsure(&error);
                Err(SubmitError::from(error).leaving(left))
            }
        }
    }

    /// Submits many reports as the actor in one change, all or none, each
    /// with its audit entry: every one checked, classified and routed as
    /// [`execute`](Self::execute) would, against the directory read once,
    /// their receipt numbers drawn together (in the order given). They carry
    /// no photos (a bulk import has none); one that does is refused.
    pub(crate) async fn submit_all(
        &self,
        actor: &Actor,
        submissions: Vec<(SubmitRequest, SubmitAudit)>,
    ) -> Result<Vec<Report>, SubmitError> {
        let reporter = reporter(actor)?;
        let directory = self.directory_lists().await?;
        let mut triaged = Vec::with_capacity(submissions.len());
        for (request, audit) in submissions {
            if !request.photos.is_empty() {
                return Err(Invalid::from(FieldError::new(
                    "photos",
                    "not_allowed",
                    "reports submitted together carry no photos (일괄 등록에는 사진을 넣을 수 없습니다)",
                ))
                .into());
            }
            triaged.push((self.triage(&request, &directory)?, audit));
        }
        if triaged.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let count = u32::try_from(triaged.len())
            .map_err(|_| SubmitError::Unknown(anyhow::anyhow!("too many reports at once")))?;
        let numbers = self
            .reports
            .next_receipt_numbers(receipt_year(now), count)
            .await?;
        if numbers.len() != triaged.len() {
            return Err(SubmitError::Unknown(anyhow::anyhow!(
                "{} receipt numbers asked for, {} drawn",
                triaged.len(),
                numbers.len()
            )));
        }
        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        let reports: Vec<Report> = triaged
            .into_iter()
            .zip(numbers)
            .map(|((triaged, audit), number)| {
                let filed = Filed {
                    id: ReportId(self.ids.new_id()),
                    number,
                    reporter,
                    photos: Vec::new(),
                };
                record(&mut change, triaged, filed, None, Some(audit))
            })
            .collect();
        self.reports.apply(change.finish()).await?;
        Ok(reports)
    }

    /// The directory's categories and departments, read once for a submission or a batch.
    async fn directory_lists(&self) -> Result<DirectoryLists, SubmitError> {
        Ok(DirectoryLists {
            categories: self.directory.categories().await?,
            departments: self.directory.departments().await?,
        })
    }

    /// A request's fields parsed, where it is, and that its category (if it
    /// names one) is among `categories`.
    fn checked(
        &self,
        request: &SubmitRequest,
        categories: &[Category],
    ) -> Result<(Parsed, Jurisdiction), SubmitError> {
        let parsed = parse(request)?;
        let jurisdiction = self
            .area
            .locate(parsed.location)
            .ok_or(SubmitError::OutsideServiceArea)?
            .clone();
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
        Ok((parsed, jurisdiction))
    }

    /// A request checked, classified by the rules and routed.
    fn triage<'d>(
        &self,
        request: &SubmitRequest,
        directory: &'d DirectoryLists,
    ) -> Result<Triaged<'d>, SubmitError> {
        let (parsed, jurisdiction) = self.checked(request, &directory.categories)?;
        let decision = self.rules.classify(TriageInput {
            requested_category: parsed.category.as_ref(),
            jurisdiction: Some(&jurisdiction.code),
            ..TriageInput::text(parsed.title.as_str(), parsed.description.as_str())
        });
        let category = find_category(&directory.categories, &decision.category)?;
        let priority = decision.priority.unwrap_or(category.default_priority);
        let route = routing::route(category, &jurisdiction, &directory.departments);
        Ok(Triaged {
            parsed,
            jurisdiction,
            category,
            priority,
            decision,
            route,
        })
    }
}

/// An audit entry written with a submitted report, in its transaction:
/// its action, its target (the report's own when `None`) and its state
/// after, to which the report's id and number are added.
pub(crate) type SubmitAudit = (&'static str, Option<String>, serde_json::Value);

/// What a submission is checked and routed against.
struct DirectoryLists {
    categories: Vec<Category>,
    departments: Vec<Department>,
}

/// A submission checked, classified and routed: its report but for what
/// filing it gives (id, receipt number, reporter, photos, time).
struct Triaged<'d> {
    parsed: Parsed,
    jurisdiction: Jurisdiction,
    category: &'d Category,
    priority: Priority,
    decision: Decision,
    route: Route,
}

/// What filing gives a triaged submission.
struct Filed {
    id: ReportId,
    number: ReceiptNumber,
    reporter: UserId,
    photos: Vec<Photo>,
}

/// The submitting user, if the actor may submit.
fn reporter(actor: &Actor) -> Result<UserId, SubmitError> {
    actor
        .may_submit()
        .map_err(|_: Denied| SubmitError::SignInRequired)?;
    Ok(actor
        .principal()
        .map_err(|_| SubmitError::SignInRequired)?
        .id)
}

/// The year whose receipt numbers a report submitted at `now` takes.
fn receipt_year(now: DateTime<Utc>) -> i32 {
    (now + KST_OFFSET).year()
}

/// Records a new report in `change` — the report, its `submitted` and
/// `classified` timeline entries, `note` as an internal comment, its
/// `submitted` event and `audit` — and returns it.
fn record(
    change: &mut Recorder<'_>,
    triaged: Triaged<'_>,
    filed: Filed,
    note: Option<CommentBody>,
    audit: Option<SubmitAudit>,
) -> Report {
    let Triaged {
        parsed,
        jurisdiction,
        category,
        priority,
        decision,
        route,
    } = triaged;
    let now = change.at();
    let sla = category.sla(priority);
    let report = Report {
        id: filed.id,
        number: filed.number,
        title: parsed.title,
        description: parsed.description,
        category: category.code.clone(),
        priority,
        status: ReportStatus::Received,
        location: parsed.location,
        address: parsed.address,
        jurisdiction,
        department: Some(route.department),
        assignee: None,
        reporter: filed.reporter,
        visibility: parsed.visibility,
        support_count: 0,
        duplicate_of: None,
        analysis: Some(Analysis {
            category: category.code.clone(),
            priority,
            confidence: decision.confidence,
            decided_by: DecidedBy::Rules,
            rule: decision.rule.clone(),
            matched: decision.matched.clone(),
            needs_review: decision.needs_review,
            decided_at: now,
            models: Vec::new(),
            latency_ms: 0,
            note: decision.doubt(),
            trigger: None,
            routing: Some(route.rule),
            privacy: Privacy::default(),
        }),
        photos: filed.photos,
        respond_by: now + sla.first_response,
        due_at: now + sla.resolution,
        response_breached_at: None,
        resolution_breached_at: None,
        responded_at: None,
        reopened_at: None,
        created_at: now,
        updated_at: now,
        resolved_at: None,
        status_changed_at: now,
        version: 1,
    };

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
    if let Some(note) = note {
        change.timeline(
            report.id,
            TimelineKind::Comment {
                body: note.as_str().to_owned(),
                internal: true,
            },
        );
    }
    change.event(report.id, ReportEvent::submitted(&report));
    if let Some((action, target, mut after)) = audit {
        if let Some(fields) = after.as_object_mut() {
            fields.insert("report_id".to_owned(), serde_json::json!(report.id));
            fields.insert("number".to_owned(), serde_json::json!(report.number));
        }
        let target = target.unwrap_or_else(|| format!("report:{}", report.id));
        change.audit_on(action, target, serde_json::Value::Null, after);
    }
    change.create(report.clone());
    report
}

/// The location sent, or else the first photo's EXIF GPS position.
fn location(request: &SubmitRequest) -> Result<GeoPoint, FieldError> {
    let required = |field: &str| {
        FieldError::new(
            field,
            "required",
            "location {lat, lng} is required, or a photo carrying its GPS position (위치를 입력해 주세요)",
        )
    };
    match (request.lat, request.lng) {
        (Some(lat), Some(lng)) => GeoPoint::new(lat, lng),
        (Some(_), None) => Err(required("location.lng")),
        (None, Some(_)) => Err(required("location.lat")),
        (None, None) => request
            .photos
            .iter()
            .find_map(|photo| photo.gps)
            .ok_or_else(|| required("location")),
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
    let location = fields.take(location(request));
    photo_blobs::check_uploads(&request.photos, &mut fields);
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
