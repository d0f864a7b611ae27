//! `ReportStore`: reports, their timelines and supporters, and the outbox,
//! each change written in one transaction on the primary.
//!
//! Transactions run at READ COMMITTED: an update carries its version check in
//! its `WHERE`, so of two changes from one version the second finds no row
//! to update once the first commits (0 rows: `VersionConflict` if the report
//! exists, `NotFound` otherwise).

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::LazyLock;

use anyhow::anyhow;
use async_trait::async_trait;
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::{GeoPoint, Jurisdiction};
use sinmungo_core::domain::photo::Photo;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Analysis, DecidedBy, Report, ReportId, Visibility};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::{Address, Description, ReportTitle};
use sinmungo_core::domain::timeline::TimelineEntry;
use sinmungo_core::domain::user::{Role, UserId};
use sinmungo_core::ports::{
    Page, ReportChange, ReportQuery, ReportStore, ReportWrite, StoreError, Supporter,
};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres, Row};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::codec::{bigint, json_text, micros, RowReader};
use crate::error::store_error;
use crate::{audit, outbox, report_query, PostgresStore};

/// Every column of `reports` but `id`, in the order [`bind_report`] binds
/// them; `true` marks `jsonb` columns, bound and selected as text.
const REPORT_COLUMNS: [(&str, bool); 37] = [
    ("number", false),
    ("title", false),
    ("description", false),
    ("title_folded", false),
    ("description_folded", false),
    ("category", false),
    ("priority", false),
    ("status", false),
    ("lat", false),
    ("lng", false),
    ("address", false),
    ("jurisdiction_code", false),
    ("jurisdiction_name", false),
    ("department", false),
    ("assignee", false),
    ("reporter", false),
    ("visibility", false),
    ("support_count", false),
    ("duplicate_of", false),
    ("analysis_category", false),
    ("analysis_priority", false),
    ("analysis_confidence", false),
    ("analysis_decided_by", false),
    ("analysis_rule", false),
    ("analysis_needs_review", false),
    ("analysis_decided_at", false),
    ("analysis_models", true),
    ("analysis_latency_ms", false),
    ("analysis_note", false),
    ("analysis_trigger", false),
    ("photos", true),
    ("due_at", false),
    ("created_at", false),
    ("updated_at", false),
    ("resolved_at", false),
    ("status_changed_at", false),
    ("version", false),
];

/// The select list of a report read from `reports AS r`.
pub(crate) static SELECT_REPORT: LazyLock<String> = LazyLock::new(|| {
    std::iter::once(("id", false))
        .chain(REPORT_COLUMNS)
        .map(|(column, json)| {
            if json {
                format!("r.{column}::text AS {column}")
            } else {
                format!("r.{column} AS {column}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
});

/// `$first, $first+1, …` for [`REPORT_COLUMNS`], with `::jsonb` casts.
fn report_placeholders(first: usize) -> String {
    REPORT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (_, json))| {
            let n = first + i;
            if *json {
                format!("${n}::jsonb")
            } else {
                format!("${n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn column_names() -> String {
    REPORT_COLUMNS
        .iter()
        .map(|(column, _)| *column)
        .collect::<Vec<_>>()
        .join(", ")
}

static INSERT_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO reports (id, {}) VALUES ($1, {})",
        column_names(),
        report_placeholders(2)
    )
});

static UPDATE_REPORT: LazyLock<String> = LazyLock::new(|| {
    let n = REPORT_COLUMNS.len();
    format!(
        "UPDATE reports SET ({}) = ROW({}) WHERE id = ${} AND version = ${}",
        column_names(),
        report_placeholders(1),
        n + 1,
        n + 2
    )
});

static SELECT_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM reports AS r WHERE r.id = $1",
        *SELECT_REPORT
    )
});

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// Binds a report's values for [`REPORT_COLUMNS`], in that order.
fn bind_report<'q>(query: PgQuery<'q>, report: &Report) -> Result<PgQuery<'q>, StoreError> {
    let analysis = report.analysis.as_ref();
    Ok(query
        .bind(report.number.to_string())
        .bind(report.title.as_str().to_owned())
        .bind(report.description.as_str().to_owned())
        .bind(report.title.as_str().to_lowercase())
        .bind(report.description.as_str().to_lowercase())
        .bind(report.category.as_str().to_owned())
        .bind(report.priority.as_str())
        .bind(report.status.as_str())
        .bind(report.location.lat())
        .bind(report.location.lng())
        .bind(report.address.as_ref().map(|a| a.as_str().to_owned()))
        .bind(report.jurisdiction.code.clone())
        .bind(report.jurisdiction.name.clone())
        .bind(report.department.as_ref().map(|d| d.as_str().to_owned()))
        .bind(report.assignee.map(|u| u.0))
        .bind(report.reporter.0)
        .bind(report.visibility.as_str())
        .bind(i64::from(report.support_count))
        .bind(report.duplicate_of.map(|r| r.0))
        .bind(analysis.map(|a| a.category.as_str().to_owned()))
        .bind(analysis.map(|a| a.priority.as_str()))
        .bind(analysis.map(|a| a.confidence))
        .bind(analysis.map(|a| a.decided_by.as_str()))
        .bind(analysis.and_then(|a| a.rule.clone()))
        .bind(analysis.map(|a| a.needs_review))
        .bind(analysis.map(|a| micros(a.decided_at)))
        .bind(
            analysis
                .map(|a| json_text(&a.models, "analysis models"))
                .transpose()?,
        )
        .bind(analysis.map(|a| i64::from(a.latency_ms)))
        .bind(analysis.and_then(|a| a.note.clone()))
        .bind(analysis.and_then(|a| a.trigger))
        .bind(photos_json(&report.photos)?)
        .bind(micros(report.due_at))
        .bind(micros(report.created_at))
        .bind(micros(report.updated_at))
        .bind(report.resolved_at.map(micros))
        .bind(micros(report.status_changed_at))
        .bind(bigint(report.version, "report version")?))
}

/// A report's photos as stored: JSON, with times to the microsecond like every other time.
fn photos_json(photos: &[Photo]) -> Result<String, StoreError> {
    let stored: Vec<Photo> = photos
        .iter()
        .map(|photo| Photo {
            uploaded_at: micros(photo.uploaded_at),
            ..photo.clone()
        })
        .collect();
    json_text(&stored, "report photos")
}

/// Parses a row selected with [`SELECT_REPORT`].
pub(crate) fn report_from_row(row: &PgRow) -> Result<Report, StoreError> {
    let r = RowReader::new(row, "reports");
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
        due_at: r.time("due_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        resolved_at: r.time_optional("resolved_at")?,
        status_changed_at: r.time("status_changed_at")?,
        version: r.count("version")?,
    })
}

fn analysis_from_row(r: &RowReader<'_>) -> Result<Option<Analysis>, StoreError> {
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
        needs_review: needs_review.ok_or_else(|| r.corrupt("analysis_needs_review", "NULL"))?,
        decided_at: r.time("analysis_decided_at")?,
        models: r.json("analysis_models")?,
        latency_ms: latency_ms.ok_or_else(|| r.corrupt("analysis_latency_ms", "NULL"))?,
        note: r.get("analysis_note")?,
        trigger: r.uuid_optional("analysis_trigger")?,
    }))
}

fn timeline_from_row(row: &PgRow) -> Result<TimelineEntry, StoreError> {
    let r = RowReader::new(row, "timeline");
    Ok(TimelineEntry {
        id: r.uuid("id")?,
        report_id: ReportId(r.uuid("report_id")?),
        at: r.time("at")?,
        actor: r.uuid_optional("actor")?.map(UserId),
        actor_role: r.parse_optional("actor_role", Role::parse)?,
        kind: r.json("kind")?,
    })
}

/// The existing reports a change touches: everything it names but creates.
fn touched_reports(change: &ReportChange) -> Vec<Uuid> {
    let created: BTreeSet<Uuid> = change
        .writes
        .iter()
        .filter_map(|write| match write {
            ReportWrite::Create(report) => Some(report.id.0),
            ReportWrite::Update { .. } => None,
        })
        .collect();
    let updated = change.writes.iter().filter_map(|write| match write {
        ReportWrite::Update { report, .. } => Some(report.id.0),
        ReportWrite::Create(_) => None,
    });
    let named: BTreeSet<Uuid> = updated
        .chain(change.timeline.iter().map(|e| e.report_id.0))
        .chain(change.supporters.iter().map(|s| s.report_id.0))
        .chain(change.events.iter().map(|e| e.report_id.0))
        .collect();
    named.difference(&created).copied().collect()
}

/// Locks the rows of the existing reports a change touches, in id order.
///
/// Two reasons. Every change takes its locks in one global order before it
/// writes, so two changes of the same reports queue instead of deadlocking
/// (an update alone would lock in the change's own write order). And events
/// of an existing report are appended under its lock, so that report's
/// events get their `seq` in commit order: a relay never sees a later event
/// of a report committed before an earlier one, which its per-report order
/// rule relies on. (A new report's events are appended by the change that
/// creates it, which nobody else can name before it commits.)
async fn lock_reports(conn: &mut PgConnection, ids: &[Uuid]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT id FROM reports WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Writes every part of a change on one connection (inside the caller's transaction).
async fn write_change(conn: &mut PgConnection, change: &ReportChange) -> Result<(), StoreError> {
    lock_reports(conn, &touched_reports(change)).await?;
    for write in &change.writes {
        match write {
            ReportWrite::Create(report) => insert_report(conn, report).await?,
            ReportWrite::Update {
                report,
                expected_version,
            } => update_report(conn, report, *expected_version).await?,
        }
    }
    for entry in &change.timeline {
        insert_timeline(conn, entry).await?;
    }
    for supporter in &change.supporters {
        insert_supporter(conn, supporter).await?;
    }
    for event in &change.events {
        outbox::append(&mut *conn, event).await?;
    }
    for entry in &change.audit {
        audit::insert(&mut *conn, entry).await?;
    }
    Ok(())
}

async fn insert_report(conn: &mut PgConnection, report: &Report) -> Result<(), StoreError> {
    let query = sqlx::query(&INSERT_REPORT).bind(report.id.0);
    bind_report(query, report)?
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

async fn update_report(
    conn: &mut PgConnection,
    report: &Report,
    expected_version: u64,
) -> Result<(), StoreError> {
    let updated = bind_report(sqlx::query(&UPDATE_REPORT), report)?
        .bind(report.id.0)
        .bind(bigint(expected_version, "expected version")?)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?
        .rows_affected();
    if updated == 1 {
        return Ok(());
    }
    let exists = sqlx::query("SELECT 1 FROM reports WHERE id = $1")
        .bind(report.id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .is_some();
    Err(if exists {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    })
}

async fn insert_timeline(conn: &mut PgConnection, entry: &TimelineEntry) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO timeline (id, report_id, at, actor, actor_role, kind) \
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
    )
    .bind(entry.id)
    .bind(entry.report_id.0)
    .bind(micros(entry.at))
    .bind(entry.actor.map(|u| u.0))
    .bind(entry.actor_role.map(Role::as_str))
    .bind(json_text(&entry.kind, "a timeline entry")?)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

async fn insert_supporter(
    conn: &mut PgConnection,
    supporter: &Supporter,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO supporters (report_id, user_id, at) VALUES ($1, $2, $3)")
        .bind(supporter.report_id.0)
        .bind(supporter.user_id.0)
        .bind(micros(supporter.at))
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Writes a change in one transaction on the primary.
async fn apply_in_transaction(primary: PgPool, change: ReportChange) -> Result<(), StoreError> {
    let mut tx = primary.begin().await.map_err(store_error)?;
    match write_change(&mut tx, &change).await {
        Ok(()) => tx.commit().await.map_err(store_error),
        Err(error) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a failed change failed");
            }
            Err(error)
        }
    }
}

#[async_trait]
impl ReportStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(year = year))]
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
        // One statement: concurrent callers queue on the year's row (the
        // first insert of a year too, through the primary key), and each
        // gets its own number.
        let last: i64 = sqlx::query(
            "INSERT INTO receipt_counters AS counter (year, last) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last = counter.last + 1 \
             RETURNING last",
        )
        .bind(year)
        .fetch_one(&self.primary)
        .await
        .map_err(store_error)?
        .try_get("last")
        .map_err(store_error)?;
        let sequence = u32::try_from(last).map_err(|_| {
            StoreError::Unknown(anyhow!("receipt sequence {last} of {year} is out of range"))
        })?;
        Ok(ReceiptNumber::new(year, sequence))
    }

    #[tracing::instrument(skip_all, fields(writes = change.writes.len(), events = change.events.len()))]
    async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
        // The transaction runs on its own task: when a client hangs up, axum
        // drops the request's future, and the change must still end in a
        // commit or a rollback, with its row locks held no longer than the
        // transaction. (sqlx 0.8 alone would be safe too — a dropped
        // `Transaction` queues a ROLLBACK that the pool flushes, with a ping,
        // before it hands the connection out again — but only on a later
        // task, with the locks held until then, and a commit cut short would
        // leave the caller not knowing whether it happened.)
        let primary = self.primary.clone();
        tokio::spawn(apply_in_transaction(primary, change).in_current_span())
            .await
            .map_err(|e| StoreError::Unknown(anyhow!("the write task failed: {e}")))?
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
        sqlx::query(&SELECT_BY_ID)
            .bind(id.0)
            .fetch_optional(&self.reader)
            .await
            .map_err(store_error)?
            .as_ref()
            .map(report_from_row)
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
        report_query::list(&self.reader, query).await
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
        sqlx::query(
            "SELECT id, report_id, at, actor, actor_role, kind::text AS kind FROM timeline \
             WHERE report_id = $1 ORDER BY at, seq",
        )
        .bind(id.0)
        .fetch_all(&self.reader)
        .await
        .map_err(store_error)?
        .iter()
        .map(timeline_from_row)
        .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        PostgresStore::ping(self).await
    }
}
