//! Test data for the contract checks: valid domain values built without
//! panicking (a fixture that fails to parse is an `Err`, not a crash).

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::category;
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::event::{EventEnvelope, ReportEvent};
use sinmungo_core::domain::geo::{GeoPoint, Jurisdiction};
use sinmungo_core::domain::photo::{Photo, PhotoId, PhotoKind};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Report, ReportId, Visibility};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::{Description, DisplayName, ReportTitle};
use sinmungo_core::domain::timeline::{TimelineEntry, TimelineKind};
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::domain::validation::FieldError;
use sinmungo_core::ports::{ReportChange, ReportStore, ReportWrite};
use uuid::Uuid;

use crate::contract::Stores;

/// The year every fixture report is numbered in.
pub const YEAR: i32 = 2026;

/// 2026-11-26 01:00:00 UTC (10:00 in Korea), a whole second.
pub fn t0() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + TimeDelta::seconds(1_795_654_800)
}

/// `t0` plus `seconds`.
pub fn t(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

/// A parsed fixture value, or an error naming the bad field.
pub fn parsed<T>(result: Result<T, FieldError>) -> anyhow::Result<T> {
    result.map_err(|e| anyhow::anyhow!("invalid fixture {}: {}", e.field, e.message))
}

/// A point in the service area.
pub fn point(lat: f64, lng: f64) -> anyhow::Result<GeoPoint> {
    parsed(GeoPoint::new(lat, lng))
}

/// A category code.
pub fn category(code: &str) -> anyhow::Result<CategoryCode> {
    parsed(CategoryCode::new(code))
}

/// A department code.
pub fn department(code: &str) -> anyhow::Result<DepartmentCode> {
    parsed(DepartmentCode::new(code))
}

/// The `n`-th report id. Ids look like UUIDv7s: `n` sits in the high (time)
/// bits and the low bits *fall* as `n` rises, so a store that orders by
/// anything but the whole id in byte order gets pages wrong.
pub fn report_id(n: u64) -> ReportId {
    let high = u128::from(n) << 80;
    let version_and_variant = 0x7000_8000_0000_0000_0000_u128;
    let low = u128::from(u32::MAX).saturating_sub(u128::from(n));
    ReportId(Uuid::from_u128(high | version_and_variant | low))
}

/// The `n` of each [`report_id`] in a list, for readable assertions.
pub fn numbers<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Vec<u64> {
    reports
        .into_iter()
        .map(|r| u64::try_from(r.id.0.as_u128() >> 80).unwrap_or(u64::MAX))
        .collect()
}

/// A fresh unique id for entries, events and audit records.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Jeonju's Wansan district office (전주시 완산구).
pub const JEONJU: (f64, f64) = (35.8242, 127.1480);

/// A received, public pothole report in Jeonju by `reporter`, created at `t0`, version 1.
pub fn report(id: ReportId, number: ReceiptNumber, reporter: UserId) -> anyhow::Result<Report> {
    Ok(Report {
        id,
        number,
        title: parsed(ReportTitle::new("도로 파손 신고"))?,
        description: parsed(Description::new("집 앞 도로에 큰 포트홀이 생겼어요"))?,
        category: category("road_damage")?,
        priority: Priority::Normal,
        status: ReportStatus::Received,
        location: point(JEONJU.0, JEONJU.1)?,
        address: None,
        jurisdiction: Jurisdiction {
            code: "35011".to_owned(),
            name: "전주시완산구".to_owned(),
        },
        department: Some(department("road_management")?),
        assignee: None,
        reporter,
        visibility: Visibility::Public,
        support_count: 0,
        duplicate_of: None,
        analysis: None,
        photos: Vec::new(),
        respond_by: t0() + TimeDelta::days(1),
        due_at: t0() + TimeDelta::days(7),
        response_breached_at: None,
        resolution_breached_at: None,
        responded_at: None,
        reopened_at: None,
        created_at: t0(),
        updated_at: t0(),
        resolved_at: None,
        status_changed_at: t0(),
        version: 1,
    })
}

/// Photo `n` of a report: a 4000 × 3000 JPEG uploaded by `by` at `at`.
pub fn photo(n: u128, kind: PhotoKind, by: UserId, at: DateTime<Utc>) -> Photo {
    Photo {
        id: PhotoId(Uuid::from_u128(
            0x0000_0000_0000_7000_8000_0000_0000_0000 + n,
        )),
        kind,
        content_type: "image/jpeg".to_owned(),
        width: 4000,
        height: 3000,
        size: 3_141_592,
        sha256: format!("{n:064x}"),
        uploaded_by: by,
        uploaded_at: at,
        merged_from: None,
    }
}

/// A change that creates one report, with its submission entry and event.
pub fn creation(report: &Report) -> ReportChange {
    ReportChange {
        writes: vec![ReportWrite::Create(report.clone())],
        timeline: vec![timeline_entry(
            report.id,
            report.created_at,
            TimelineKind::Submitted,
        )],
        supporters: Vec::new(),
        rewritten_timeline: Vec::new(),
        events: vec![ReportEvent::submitted(report).into_envelope(
            new_id(),
            report.id,
            report.created_at,
        )],
        audit: Vec::new(),
        corrections: Vec::new(),
    }
}

/// A change that writes `report` as the successor of `expected_version`.
pub fn update(report: &Report, expected_version: u64) -> ReportChange {
    ReportChange {
        writes: vec![ReportWrite::Update {
            report: report.clone(),
            expected_version,
        }],
        ..ReportChange::default()
    }
}

/// A system timeline entry.
pub fn timeline_entry(report_id: ReportId, at: DateTime<Utc>, kind: TimelineKind) -> TimelineEntry {
    TimelineEntry {
        id: new_id(),
        report_id,
        at,
        actor: None,
        actor_role: None,
        kind,
    }
}

/// A status-change event envelope.
pub fn status_event(report_id: ReportId, at: DateTime<Utc>, to: ReportStatus) -> EventEnvelope {
    ReportEvent::StatusChanged {
        from: ReportStatus::Received,
        to,
    }
    .into_envelope(new_id(), report_id, at)
}

/// An audit entry about `target`.
pub fn audit_entry(target: &str, at: DateTime<Utc>, action: &str) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at,
        actor: None,
        actor_role: None,
        action: action.to_owned(),
        target: target.to_owned(),
        before: serde_json::json!({ "status": "received" }),
        after: serde_json::json!({ "status": "in_progress", "note": "현장 확인" }),
    }
}

/// A user; e-mail `user<n>@example.kr`.
pub fn user(n: u128, role: Role, department: Option<DepartmentCode>) -> anyhow::Result<User> {
    Ok(User {
        id: UserId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 | n,
        )),
        email: parsed(Email::new(&format!("user{n}@example.kr")))?,
        display_name: parsed(DisplayName::new(&format!("시민{n}")))?,
        role,
        department,
        password_hash: Some(PasswordHash::new(format!(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${n}"
        ))),
        created_at: t0(),
    })
}

/// A backend prepared for report checks: the shipped directory, and two
/// citizens and an officer registered (stores with foreign keys need them).
#[derive(Debug)]
pub struct World<'a> {
    /// The backend under test.
    pub stores: &'a Stores,
    /// A citizen who reports.
    pub alice: User,
    /// Another citizen.
    pub bob: User,
    /// Staff of `road_management`.
    pub officer: User,
}

impl<'a> World<'a> {
    /// Seeds the directory and registers the people.
    pub async fn new(stores: &'a Stores) -> anyhow::Result<Self> {
        let (categories, departments) = category::seeded();
        for department in &departments {
            stores.directory.upsert_department(department).await?;
        }
        for category in &categories {
            stores.directory.upsert_category(category).await?;
        }
        let alice = user(1, Role::Citizen, None)?;
        let bob = user(2, Role::Citizen, None)?;
        let officer = user(3, Role::Staff, Some(department("road_management")?))?;
        for person in [&alice, &bob, &officer] {
            stores
                .users
                .create(person)
                .await
                .context("registering a fixture user")?;
        }
        Ok(Self {
            stores,
            alice,
            bob,
            officer,
        })
    }

    /// The store under test.
    pub fn reports(&self) -> &dyn ReportStore {
        self.stores.reports.as_ref()
    }

    /// Creates report `n` (numbered by the store) after `edit` changes the
    /// default [`report`] by Alice, and returns it as written.
    pub async fn create(&self, n: u64, edit: impl FnOnce(&mut Report)) -> anyhow::Result<Report> {
        let number = self.reports().next_receipt_number(YEAR).await?;
        let mut report = report(report_id(n), number, self.alice.id)?;
        edit(&mut report);
        self.reports()
            .apply(creation(&report))
            .await
            .with_context(|| format!("creating fixture report {n}"))?;
        Ok(report)
    }

    /// The stored report, which must exist.
    pub async fn get(&self, id: ReportId) -> anyhow::Result<Report> {
        self.reports()
            .get(id)
            .await?
            .with_context(|| format!("report {id} should exist"))
    }
}
