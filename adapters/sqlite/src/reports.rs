//! `ReportStore`: reports, their timelines and supporters, and the outbox,
//! each change written in one `BEGIN IMMEDIATE` transaction.

use std::str::FromStr;
use std::sync::LazyLock;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::SubsecRound as _;
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
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool};
use tracing::Instrument as _;

use crate::codec::{id_text, integer, json_text, time_text, RowReader};
use crate::error::store_error;
use crate::{audit, outbox, report_query, SqliteStore};

/// Every column of `reports` but `seq` and `id`, in the order [`bind_report`] binds them.
const REPORT_COLUMNS: [&str; 37] = [
    "number",
    "title",
    "description",
    "title_folded",
    "description_folded",
    "category",
    "priority",
    "status",
    "lat",
    "lng",
    "address",
    "jurisdiction_code",
    "jurisdiction_name",
    "department",
    "assignee",
    "reporter",
    "visibility",
    "support_count",
    "duplicate_of",
    "analysis_category",
    "analysis_priority",
    "analysis_confidence",
    "analysis_decided_by",
    "analysis_rule",
    "analysis_needs_review",
    "analysis_decided_at",
    "analysis_models",
    "analysis_latency_ms",
    "analysis_note",
    "analysis_trigger",
    "photos",
    "due_at",
    "created_at",
    "updated_at",
    "resolved_at",
    "status_changed_at",
    "version",
];

/// The select list of a report read from `reports AS r`.
pub(crate) static SELECT_REPORT: LazyLock<String> = LazyLock::new(|| {
    std::iter::once("id")
        .chain(REPORT_COLUMNS)
        .map(|column| format!("r.{column} AS {column}"))
        .collect::<Vec<_>>()
        .join(", ")
});

static INSERT_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO reports (id, {}) VALUES (?{})",
        REPORT_COLUMNS.join(", "),
        ", ?".repeat(REPORT_COLUMNS.len())
    )
});

static UPDATE_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE reports SET ({}) = ({}) WHERE id = ? AND version = ?",
        REPORT_COLUMNS.join(", "),
        vec!["?"; REPORT_COLUMNS.len()].join(", ")
    )
});

static SELECT_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM reports AS r WHERE r.id = ?", *SELECT_REPORT));

type SqliteQuery<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Binds a report's values for [`REPORT_COLUMNS`], in that order.
fn bind_report<'q>(query: SqliteQuery<'q>, report: &Report) -> Result<SqliteQuery<'q>, StoreError> {
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
        .bind(report.assignee.map(|u| id_text(u.0)))
        .bind(id_text(report.reporter.0))
        .bind(report.visibility.as_str())
        .bind(i64::from(report.support_count))
        .bind(report.duplicate_of.map(|r| id_text(r.0)))
        .bind(analysis.map(|a| a.category.as_str().to_owned()))
        .bind(analysis.map(|a| a.priority.as_str()))
        .bind(analysis.map(|a| a.confidence))
        .bind(analysis.map(|a| a.decided_by.as_str()))
        .bind(analysis.and_then(|a| a.rule.clone()))
        .bind(analysis.map(|a| a.needs_review))
        .bind(analysis.map(|a| time_text(a.decided_at)))
        .bind(
            analysis
                .map(|a| json_text(&a.models, "analysis models"))
                .transpose()?,
        )
        .bind(analysis.map(|a| i64::from(a.latency_ms)))
        .bind(analysis.and_then(|a| a.note.clone()))
        .bind(analysis.and_then(|a| a.trigger).map(id_text))
        .bind(photos_json(&report.photos)?)
        .bind(time_text(report.due_at))
        .bind(time_text(report.created_at))
        .bind(time_text(report.updated_at))
        .bind(report.resolved_at.map(time_text))
        .bind(time_text(report.status_changed_at))
        .bind(integer(report.version, "report version")?))
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

/// Parses a row selected with [`SELECT_REPORT`].
pub(crate) fn report_from_row(row: &SqliteRow) -> Result<Report, StoreError> {
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
    Ok(Some(Analysis {
        category,
        priority: r.parse("analysis_priority", Priority::parse)?,
        confidence: r.get("analysis_confidence")?,
        decided_by: r.parse("analysis_decided_by", |raw| {
            DecidedBy::parse(raw).ok_or("not rules, ai or human")
        })?,
        rule: r.get("analysis_rule")?,
        needs_review: r.get("analysis_needs_review")?,
        decided_at: r.time("analysis_decided_at")?,
        models: r.json("analysis_models")?,
        latency_ms: r.count("analysis_latency_ms")?,
        note: r.get("analysis_note")?,
        trigger: r.uuid_optional("analysis_trigger")?,
    }))
}

fn timeline_from_row(row: &SqliteRow) -> Result<TimelineEntry, StoreError> {
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

/// Writes every part of a change on one connection (inside the caller's transaction).
async fn write_change(
    conn: &mut SqliteConnection,
    change: &ReportChange,
) -> Result<(), StoreError> {
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

async fn insert_report(conn: &mut SqliteConnection, report: &Report) -> Result<(), StoreError> {
    let query = sqlx::query(&INSERT_REPORT).bind(id_text(report.id.0));
    bind_report(query, report)?
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

async fn update_report(
    conn: &mut SqliteConnection,
    report: &Report,
    expected_version: u64,
) -> Result<(), StoreError> {
    let updated = bind_report(sqlx::query(&UPDATE_REPORT), report)?
        .bind(id_text(report.id.0))
        .bind(integer(expected_version, "expected version")?)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?
        .rows_affected();
    if updated == 1 {
        return Ok(());
    }
    let exists = sqlx::query("SELECT 1 FROM reports WHERE id = ?")
        .bind(id_text(report.id.0))
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

async fn insert_timeline(
    conn: &mut SqliteConnection,
    entry: &TimelineEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO timeline (id, report_id, at, actor, actor_role, kind) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id_text(entry.id))
    .bind(id_text(entry.report_id.0))
    .bind(time_text(entry.at))
    .bind(entry.actor.map(|u| id_text(u.0)))
    .bind(entry.actor_role.map(Role::as_str))
    .bind(json_text(&entry.kind, "a timeline entry")?)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

async fn insert_supporter(
    conn: &mut SqliteConnection,
    supporter: &Supporter,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO supporters (report_id, user_id, at) VALUES (?, ?, ?)")
        .bind(id_text(supporter.report_id.0))
        .bind(id_text(supporter.user_id.0))
        .bind(time_text(supporter.at))
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Writes a change in one transaction on the writer connection.
async fn apply_in_transaction(writer: SqlitePool, change: ReportChange) -> Result<(), StoreError> {
    // IMMEDIATE takes the write lock up front, so the transaction cannot fail
    // half-way on a lock upgrade (another process, such as `create-user`, may write too).
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(store_error)?;
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
impl ReportStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(year))]
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
        // One statement, so concurrent callers serialise on SQLite's write lock
        // and each gets its own number.
        let last: i64 = sqlx::query(
            "INSERT INTO receipt_counters (year, last) VALUES (?, 1) \
             ON CONFLICT (year) DO UPDATE SET last = last + 1 \
             RETURNING last",
        )
        .bind(year)
        .fetch_one(&self.writer)
        .await
        .map_err(store_error)?
        .try_get("last")
        .map_err(store_error)?;
        let sequence = u32::try_from(last).map_err(|_| {
            StoreError::Unknown(anyhow!("receipt sequence {last} of {year} is out of range"))
        })?;
        Ok(ReceiptNumber::new(year, sequence))
    }

    #[tracing::instrument(skip_all)]
    async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
        // The transaction runs on its own task: when a client hangs up, axum
        // drops the request's future, and a transaction abandoned between two
        // awaits would go back to the pool still open. On its own task it
        // always ends in a commit or a rollback.
        let writer = self.writer.clone();
        tokio::spawn(apply_in_transaction(writer, change).in_current_span())
            .await
            .map_err(|e| StoreError::Unknown(anyhow!("the write task failed: {e}")))?
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
        sqlx::query(&SELECT_BY_ID)
            .bind(id_text(id.0))
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .as_ref()
            .map(report_from_row)
            .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
        report_query::list(&self.pool, query).await
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
        sqlx::query(
            "SELECT id, report_id, at, actor, actor_role, kind FROM timeline \
             WHERE report_id = ? ORDER BY at, seq",
        )
        .bind(id_text(id.0))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(timeline_from_row)
        .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
