//! A report as a row of `reports`: its columns, the values written to them
//! and the report read back; and its timeline entries and supporters.

use std::str::FromStr;

use chrono::SubsecRound as _;
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::{GeoPoint, Jurisdiction};
use sinmungo_core::domain::photo::Photo;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Analysis, DecidedBy, Privacy, Report, ReportId, Visibility};
use sinmungo_core::domain::routing::RoutingRule;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::{fold_for_search, Address, Description, ReportTitle};
use sinmungo_core::domain::timeline::TimelineEntry;
use sinmungo_core::domain::user::{Role, UserId};
use sinmungo_core::ports::{StoreError, Supporter};

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{integer, json_text, SqlValue};

/// A column of `reports`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportColumn {
    /// Its name.
    pub name: &'static str,
    /// Whether it holds JSON (PostgreSQL: `jsonb`, bound and selected as text).
    pub json: bool,
}

const fn column(name: &'static str) -> ReportColumn {
    ReportColumn { name, json: false }
}

const fn json(name: &'static str) -> ReportColumn {
    ReportColumn { name, json: true }
}

/// Every column of `reports` but `id` (and SQLite's `seq`), in the order of
/// [`report_values`].
pub const REPORT_COLUMNS: [ReportColumn; 45] = [
    column("number"),
    column("title"),
    column("description"),
    column("title_folded"),
    column("description_folded"),
    column("category"),
    column("priority"),
    column("status"),
    column("lat"),
    column("lng"),
    column("address"),
    column("jurisdiction_code"),
    column("jurisdiction_name"),
    column("department"),
    column("assignee"),
    column("reporter"),
    column("visibility"),
    column("support_count"),
    column("duplicate_of"),
    column("analysis_category"),
    column("analysis_priority"),
    column("analysis_confidence"),
    column("analysis_decided_by"),
    column("analysis_rule"),
    column("analysis_needs_review"),
    column("analysis_decided_at"),
    json("analysis_models"),
    column("analysis_latency_ms"),
    column("analysis_note"),
    column("analysis_trigger"),
    json("photos"),
    column("due_at"),
    column("created_at"),
    column("updated_at"),
    column("resolved_at"),
    column("status_changed_at"),
    column("version"),
    column("respond_by"),
    column("response_breached_at"),
    column("resolution_breached_at"),
    column("responded_at"),
    column("reopened_at"),
    column("analysis_routing"),
    json("analysis_matched"),
    json("analysis_privacy"),
];

/// The names of [`REPORT_COLUMNS`], comma-separated.
pub fn report_column_names() -> String {
    REPORT_COLUMNS
        .iter()
        .map(|column| column.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The select list of a report read from `reports AS r`, read back as a [`Report`]:
/// `id` and every column, JSON columns followed by `json_cast` (PostgreSQL's
/// `::text`; nothing in SQLite).
pub fn report_select_list(json_cast: &str) -> String {
    std::iter::once(column("id"))
        .chain(REPORT_COLUMNS)
        .map(|ReportColumn { name, json }| {
            let cast = if json { json_cast } else { "" };
            format!("r.{name}{cast} AS {name}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A report's values for [`REPORT_COLUMNS`], in that order.
pub fn report_values(report: &Report) -> Result<[SqlValue; 45], StoreError> {
    use SqlValue::{Bool, Integer, Real, Text, Time, Uuid};
    let analysis = report.analysis.as_ref();
    Ok([
        text(report.number.to_string()),
        text(report.title.as_str()),
        text(report.description.as_str()),
        text(fold_for_search(report.title.as_str())),
        text(fold_for_search(report.description.as_str())),
        text(report.category.as_str()),
        text(report.priority.as_str()),
        text(report.status.as_str()),
        Real(Some(report.location.lat())),
        Real(Some(report.location.lng())),
        Text(report.address.as_ref().map(|a| a.as_str().to_owned())),
        text(&report.jurisdiction.code),
        text(&report.jurisdiction.name),
        Text(report.department.as_ref().map(|d| d.as_str().to_owned())),
        Uuid(report.assignee.map(|u| u.0)),
        Uuid(Some(report.reporter.0)),
        text(report.visibility.as_str()),
        Integer(Some(i64::from(report.support_count))),
        Uuid(report.duplicate_of.map(|r| r.0)),
        Text(analysis.map(|a| a.category.as_str().to_owned())),
        Text(analysis.map(|a| a.priority.as_str().to_owned())),
        Real(analysis.map(|a| a.confidence)),
        Text(analysis.map(|a| a.decided_by.as_str().to_owned())),
        Text(analysis.and_then(|a| a.rule.clone())),
        Bool(analysis.map(|a| a.needs_review)),
        Time(analysis.map(|a| a.decided_at)),
        Text(
            analysis
                .map(|a| json_text(&a.models, "analysis models"))
                .transpose()?,
        ),
        Integer(analysis.map(|a| i64::from(a.latency_ms))),
        Text(analysis.and_then(|a| a.note.clone())),
        Uuid(analysis.and_then(|a| a.trigger)),
        text(photos_json(&report.photos)?),
        Time(Some(report.due_at)),
        Time(Some(report.created_at)),
        Time(Some(report.updated_at)),
        Time(report.resolved_at),
        Time(Some(report.status_changed_at)),
        Integer(Some(integer(report.version, "report version")?)),
        Time(Some(report.respond_by)),
        Time(report.response_breached_at),
        Time(report.resolution_breached_at),
        Time(report.responded_at),
        Time(report.reopened_at),
        Text(
            analysis
                .and_then(|a| a.routing)
                .map(|rule| rule.as_str().to_owned()),
        ),
        Text(
            analysis
                .map(|a| json_text(&a.matched, "matched words"))
                .transpose()?,
        ),
        Text(
            analysis
                .map(|a| json_text(&a.privacy, "analysis privacy"))
                .transpose()?,
        ),
    ])
}

fn text(value: impl Into<String>) -> SqlValue {
    SqlValue::text(value)
}

/// A report's photos as stored: JSON, with times to the microsecond like every other time.
fn photos_json(photos: &[Photo]) -> Result<String, StoreError> {
    let stored: Vec<Photo> = photos
        .iter()
        .map(|photo| Photo {
            uploaded_at: photo.uploaded_at.trunc_subsecs(6),
            ..photo.clone()
        })
        .collect();
    json_text(&stored, "report photos")
}

/// Parses a row selected with [`report_select_list`].
impl<D: Dialect> FromSqlRow<D> for Report {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        let (lat, lng): (f64, f64) = (r.get("lat")?, r.get("lng")?);
        Ok(Report {
            id: ReportId(r.uuid("id")?),
            number: r.parse("number", ReceiptNumber::from_str)?,
            title: r.parse("title", ReportTitle::new)?,
            description: r.parse("description", Description::new)?,
            category: r.parse("category", CategoryCode::new)?,
            priority: r.parse("priority", Priority::parse)?,
            status: r.parse("status", ReportStatus::parse)?,
            location: GeoPoint::new(lat, lng).map_err(|e| r.corrupt("lat/lng", e))?,
            address: r.parse_optional("address", Address::new)?,
            jurisdiction: Jurisdiction {
                code: r.get("jurisdiction_code")?,
                name: r.get("jurisdiction_name")?,
            },
            department: r.parse_optional("department", DepartmentCode::new)?,
            assignee: r.uuid_optional("assignee")?.map(UserId),
            reporter: UserId(r.uuid("reporter")?),
            visibility: r.parse("visibility", Visibility::parse)?,
            support_count: r.count("support_count")?,
            duplicate_of: r.uuid_optional("duplicate_of")?.map(ReportId),
            analysis: analysis_from_row(&r)?,
            photos: r.json("photos")?,
            respond_by: r.time("respond_by")?,
            due_at: r.time("due_at")?,
            response_breached_at: r.time_optional("response_breached_at")?,
            resolution_breached_at: r.time_optional("resolution_breached_at")?,
            responded_at: r.time_optional("responded_at")?,
            reopened_at: r.time_optional("reopened_at")?,
            created_at: r.time("created_at")?,
            updated_at: r.time("updated_at")?,
            resolved_at: r.time_optional("resolved_at")?,
            status_changed_at: r.time("status_changed_at")?,
            version: r.count("version")?,
        })
    }
}

/// The analysis, present when `analysis_category` is.
fn analysis_from_row<D: Dialect>(r: &RowReader<'_, D>) -> Result<Option<Analysis>, StoreError> {
    let Some(category) = r.parse_optional("analysis_category", CategoryCode::new)? else {
        return Ok(None);
    };
    let needs_review: Option<bool> = r.get("analysis_needs_review")?;
    let latency_ms: Option<u32> = r.count_optional("analysis_latency_ms")?;
    Ok(Some(Analysis {
        category,
        priority: r.parse("analysis_priority", Priority::parse)?,
        confidence: r.get("analysis_confidence")?,
        decided_by: r.parse("analysis_decided_by", |raw| {
            DecidedBy::parse(raw).ok_or("not rules, ai or human")
        })?,
        rule: r.get("analysis_rule")?,
        // NULL on analyses stored before the words were kept.
        matched: r
            .parse_optional("analysis_matched", |raw| {
                serde_json::from_str::<Vec<String>>(raw)
            })?
            .unwrap_or_default(),
        needs_review: needs_review.ok_or_else(|| r.corrupt("analysis_needs_review", "NULL"))?,
        decided_at: r.time("analysis_decided_at")?,
        models: r.json("analysis_models")?,
        latency_ms: latency_ms.ok_or_else(|| r.corrupt("analysis_latency_ms", "NULL"))?,
        note: r.get("analysis_note")?,
        trigger: r.uuid_optional("analysis_trigger")?,
        routing: r.parse_optional("analysis_routing", |raw| {
            RoutingRule::parse(raw).ok_or("not jurisdiction, province_wide or category_default")
        })?,
        // NULL on analyses stored before personal data was looked for.
        privacy: r
            .parse_optional("analysis_privacy", |raw| {
                serde_json::from_str::<Privacy>(raw)
            })?
            .unwrap_or_default(),
    }))
}

/// A timeline entry's values for `timeline (id, report_id, at, actor,
/// actor_role, kind)`, in that order.
pub fn timeline_values(entry: &TimelineEntry) -> Result<[SqlValue; 6], StoreError> {
    Ok([
        SqlValue::Uuid(Some(entry.id)),
        SqlValue::Uuid(Some(entry.report_id.0)),
        SqlValue::Time(Some(entry.at)),
        SqlValue::Uuid(entry.actor.map(|u| u.0)),
        SqlValue::Text(entry.actor_role.map(|role| role.as_str().to_owned())),
        text(json_text(&entry.kind, "a timeline entry")?),
    ])
}

/// A rewritten timeline entry's values for `UPDATE timeline SET kind = ?
/// WHERE id = ? AND report_id = ?`, in that order.
pub fn rewritten_timeline_values(entry: &TimelineEntry) -> Result<[SqlValue; 3], StoreError> {
    Ok([
        text(json_text(&entry.kind, "a timeline entry")?),
        SqlValue::Uuid(Some(entry.id)),
        SqlValue::Uuid(Some(entry.report_id.0)),
    ])
}

/// A supporter's values for `supporters (report_id, user_id, at)`, in that order.
pub fn supporter_values(supporter: &Supporter) -> [SqlValue; 3] {
    [
        SqlValue::Uuid(Some(supporter.report_id.0)),
        SqlValue::Uuid(Some(supporter.user_id.0)),
        SqlValue::Time(Some(supporter.at)),
    ]
}

/// A supporter read back from `supporters`: who (`user_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupportingUser(pub UserId);

/// Parses a row of `supporters` (`user_id`).
impl<D: Dialect> FromSqlRow<D> for SupportingUser {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "supporters");
        Ok(SupportingUser(UserId(r.uuid("user_id")?)))
    }
}

/// Parses a row of `timeline` (`id, report_id, at, actor, actor_role, kind`).
impl<D: Dialect> FromSqlRow<D> for TimelineEntry {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "timeline");
        Ok(TimelineEntry {
            id: r.uuid("id")?,
            report_id: ReportId(r.uuid("report_id")?),
            at: r.time("at")?,
            actor: r.uuid_optional("actor")?.map(UserId),
            actor_role: r.parse_optional("actor_role", Role::parse)?,
            kind: r.json("kind")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_select_list_casts_only_json_columns() {
        let list = report_select_list("::text");
        assert!(list.starts_with("r.id AS id, r.number AS number, "));
        assert!(list.contains(", r.analysis_models::text AS analysis_models, "));
        assert!(list.contains(", r.photos::text AS photos, "));
        assert!(list.ends_with(", r.analysis_privacy::text AS analysis_privacy"));
        assert_eq!(list.matches("::text").count(), 4);
        assert!(!report_select_list("").contains("::"));
    }
}
