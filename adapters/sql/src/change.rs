//! Writing a [`ReportChange`]: what it writes, in which order, and what a
//! lost version check means. The dialect supplies the statements' SQL.

use sinmungo_core::domain::report::Report;
use sinmungo_core::ports::{ReportChange, ReportWrite, StoreError};
use sqlx::{Database, Executor, Transaction};

use crate::audit::audit_values;
use crate::correction::correction_values;
use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::outbox::event_values;
use crate::report::{report_values, rewritten_timeline_values, supporter_values, timeline_values};
use crate::value::{integer, SqlValue};

/// An `INSERT` a change makes, for the row layer to write with as many
/// rows as the change appends: the table with its columns, and what follows
/// each value's parameter (PostgreSQL's `::jsonb` casts; nothing in SQLite).
#[derive(Debug, Clone, Copy)]
pub struct Insert<'a> {
    /// The table and its columns, e.g. `timeline (id, report_id, at)`.
    pub into: &'a str,
    /// One a column, in order.
    pub casts: &'a [&'a str],
}

impl Insert<'_> {
    /// The statement that appends `rows` rows, parameters numbered from `first`.
    fn sql<D: Dialect>(&self, rows: usize, first: usize) -> String {
        let width = self.casts.len();
        let tuples: Vec<String> = (0..rows)
            .map(|row| {
                let values: Vec<String> = self
                    .casts
                    .iter()
                    .enumerate()
                    .map(|(i, cast)| format!("{}{cast}", D::placeholder(first + row * width + i)))
                    .collect();
                format!("({})", values.join(", "))
            })
            .collect();
        format!("INSERT INTO {} VALUES {}", self.into, tuples.join(", "))
    }

    /// The statement that appends one row, parameters from 1.
    pub fn one_row<D: Dialect>(&self) -> String {
        self.sql::<D>(1, 1)
    }
}

/// The statements of a change in a dialect's SQL, each taking its values in
/// the order given.
#[derive(Debug, Clone, Copy)]
pub struct ChangeStatements<'a> {
    /// Inserts a report: its id, then [`report_values`].
    pub insert_report: Insert<'a>,
    /// Replaces a report if its version is still the expected one:
    /// [`report_values`], its id, the expected version.
    pub update_report: &'a str,
    /// Selects a report's id if it is stored: the id.
    pub report_exists: &'a str,
    /// Appends a timeline entry: [`timeline_values`].
    pub insert_timeline: Insert<'a>,
    /// Replaces a timeline entry's kind: [`rewritten_timeline_values`].
    pub rewrite_timeline: &'a str,
    /// Records a supporter: [`supporter_values`].
    pub insert_supporter: Insert<'a>,
    /// Appends an event to the outbox, unpublished: [`event_values`].
    pub append_event: Insert<'a>,
    /// Appends an audit entry: [`audit_values`].
    pub insert_audit: Insert<'a>,
    /// Keeps an officer's correction of triage: [`correction_values`].
    pub insert_correction: Insert<'a>,
}

/// The most parameters one statement binds: below SQLite's 32,766 and
/// PostgreSQL's 65,535; a change appending more is written in several.
const MAX_PARAMETERS: usize = 30_000;

/// The rows a change appends, by table, each table's in the change's order
/// (so `seq` keeps it): reports created, timeline entries, supporters,
/// events, audit entries, corrections.
/// The rows of one table a change appends, each a row's values.
type Rows = Vec<Vec<SqlValue>>;

fn appended<'a>(
    sql: &ChangeStatements<'a>,
    change: &ReportChange,
) -> Result<Vec<(Insert<'a>, Rows)>, StoreError> {
    let reports = change
        .writes
        .iter()
        .filter_map(|write| match write {
            ReportWrite::Create(report) => Some(report),
            ReportWrite::Update { .. } => None,
        })
        .map(|report| {
            let id = SqlValue::Uuid(Some(report.id.0));
            Ok(std::iter::once(id).chain(report_values(report)?).collect())
        })
        .collect::<Result<Rows, StoreError>>()?;
    Ok(vec![
        (sql.insert_report, reports),
        (
            sql.insert_timeline,
            rows(&change.timeline, timeline_values)?,
        ),
        (
            sql.insert_supporter,
            rows(&change.supporters, |s| Ok(supporter_values(s)))?,
        ),
        (sql.append_event, rows(&change.events, event_values)?),
        (sql.insert_audit, rows(&change.audit, audit_values)?),
        (
            sql.insert_correction,
            rows(&change.corrections, correction_values)?,
        ),
    ])
}

/// The values of each of `items`, a row each.
fn rows<T, const N: usize>(
    items: &[T],
    values: impl Fn(&T) -> Result<[SqlValue; N], StoreError>,
) -> Result<Rows, StoreError> {
    items
        .iter()
        .map(|item| values(item).map(Vec::from))
        .collect()
}

/// The statements that append `tables`' rows: one multi-row `INSERT` a
/// table, and where the dialect allows ([`Dialect::INSERTS_IN_WITH`]) all
/// of them in one statement, each but the last as a `WITH` clause; split
/// where a statement would bind more than [`MAX_PARAMETERS`].
fn append_statements<D: Dialect>(tables: Vec<(Insert<'_>, Rows)>) -> Vec<(String, Vec<SqlValue>)> {
    /// The statement being built: its `INSERT`s and their values.
    #[derive(Default)]
    struct Building {
        inserts: Vec<String>,
        values: Vec<SqlValue>,
    }
    impl Building {
        fn finish(&mut self, statements: &mut Vec<(String, Vec<SqlValue>)>) {
            let inserts = std::mem::take(&mut self.inserts);
            let values = std::mem::take(&mut self.values);
            let Some((last, with)) = inserts.split_last() else {
                return;
            };
            let sql = if with.is_empty() {
                last.clone()
            } else {
                let clauses: Vec<String> = with
                    .iter()
                    .enumerate()
                    .map(|(i, insert)| format!("appended_{i} AS ({insert})"))
                    .collect();
                format!("WITH {} {last}", clauses.join(", "))
            };
            statements.push((sql, values));
        }
    }

    let mut statements = Vec::new();
    let mut building = Building::default();
    for (insert, rows) in tables {
        let mut first = building.values.len() + 1;
        let mut count = 0;
        for row in rows {
            if !building.values.is_empty() && building.values.len() + row.len() > MAX_PARAMETERS {
                if count > 0 {
                    building.inserts.push(insert.sql::<D>(count, first));
                }
                building.finish(&mut statements);
                first = 1;
                count = 0;
            }
            building.values.extend(row);
            count += 1;
        }
        if count > 0 {
            building.inserts.push(insert.sql::<D>(count, first));
            if !D::INSERTS_IN_WITH {
                building.finish(&mut statements);
            }
        }
    }
    building.finish(&mut statements);
    statements
}

/// Whether `change` is written by one statement, atomic without a
/// transaction around it: it only appends rows (no report updated, no
/// entry rewritten), and the dialect writes them all at once.
pub fn is_one_statement<D: Dialect>(sql: &ChangeStatements<'_>, change: &ReportChange) -> bool {
    let created = change
        .writes
        .iter()
        .filter(|write| matches!(write, ReportWrite::Create(_)))
        .count();
    let parameters = [
        (sql.insert_report, created),
        (sql.insert_timeline, change.timeline.len()),
        (sql.insert_supporter, change.supporters.len()),
        (sql.append_event, change.events.len()),
        (sql.insert_audit, change.audit.len()),
        (sql.insert_correction, change.corrections.len()),
    ]
    .iter()
    .map(|(insert, rows)| insert.casts.len() * rows)
    .sum::<usize>();
    D::INSERTS_IN_WITH
        && created == change.writes.len()
        && change.rewritten_timeline.is_empty()
        && parameters <= MAX_PARAMETERS
}

/// Writes every part of a change on `conn`, inside the caller's transaction
/// (or alone, when [`is_one_statement`]): reports updated, then the rows it
/// appends (reports created, timeline entries, supporters, events, audit
/// entries, corrections — in as few statements as the dialect allows), then
/// timeline entries rewritten. An update whose version check fails is
/// `VersionConflict` if the report exists, `NotFound` otherwise; a rewrite
/// of an entry that is not there is `NotFound`.
pub async fn write_change<D: Dialect>(
    sql: &ChangeStatements<'_>,
    conn: &mut <D::Database as Database>::Connection,
    change: &ReportChange,
) -> Result<(), StoreError>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
{
    for write in &change.writes {
        if let ReportWrite::Update {
            report,
            expected_version,
        } = write
        {
            update_report::<D>(sql, conn, report, *expected_version).await?;
        }
    }
    for (statement, values) in append_statements::<D>(appended(sql, change)?) {
        D::execute(D::statement(&statement, values), &mut *conn).await?;
    }
    for entry in &change.rewritten_timeline {
        let values = rewritten_timeline_values(entry)?;
        let rewritten = D::statement(sql.rewrite_timeline, values)
            .execute(&mut *conn)
            .await
            .map_err(D::store_error)?;
        if D::rows_affected(&rewritten) != 1 {
            return Err(StoreError::NotFound);
        }
    }
    Ok(())
}

/// Replaces `report` if its stored version is `expected_version`.
async fn update_report<D: Dialect>(
    sql: &ChangeStatements<'_>,
    conn: &mut <D::Database as Database>::Connection,
    report: &Report,
    expected_version: u64,
) -> Result<(), StoreError>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
{
    let id = SqlValue::Uuid(Some(report.id.0));
    let version = SqlValue::Integer(Some(integer(expected_version, "expected version")?));
    let values = report_values(report)?
        .into_iter()
        .chain([id.clone(), version]);
    let updated = D::statement(sql.update_report, values)
        .execute(&mut *conn)
        .await
        .map_err(D::store_error)?;
    if D::rows_affected(&updated) == 1 {
        return Ok(());
    }
    let exists = D::statement(sql.report_exists, [id])
        .fetch_optional(&mut *conn)
        .await
        .map_err(D::store_error)?
        .is_some();
    Err(if exists {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    })
}

/// Ends a transaction: commits it if what it wrote succeeded, else rolls it
/// back (a failed rollback is logged; the write's error is the answer).
pub async fn commit_or_roll_back<DB: Database>(
    tx: Transaction<'_, DB>,
    written: Result<(), StoreError>,
    store_error: fn(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    match written {
        Ok(()) => tx.commit().await.map_err(store_error),
        Err(error) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a failed change failed");
            }
            Err(error)
        }
    }
}
