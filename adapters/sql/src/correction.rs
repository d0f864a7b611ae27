//! Officers' corrections of triage as rows of `triage_corrections`, their
//! list query, and the per-rule precision over them, for both SQL stores.
//!
//! A correction's row holds no copy of the report's text: the list reads
//! the report's number, title and description through a join, so text that
//! retention anonymises is anonymised here too.

use std::str::FromStr;

use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::correction::{Correction, RulePrecision};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{DecidedBy, ReportId};
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{CorrectionPage, CorrectionQuery, StoreError, MAX_PAGE_SIZE};

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{json_text, SqlValue, SqlWriter};

/// The columns a [`Correction`] is written to, in the order of [`correction_values`].
pub const CORRECTION_COLUMNS: &str = "id, report_id, triage_category, triage_priority, \
     decided_by, rule, matched, category, priority, officer, at";

/// `SELECT … FROM triage_corrections AS c JOIN reports AS r`: a correction
/// with its report's number and text; `json_cast` follows the JSON column
/// (PostgreSQL's `::text`; nothing in SQLite).
pub fn correction_select(json_cast: &str) -> String {
    format!(
        "SELECT c.id, c.report_id, r.number, r.title, r.description, c.triage_category, \
         c.triage_priority, c.decided_by, c.rule, c.matched{json_cast} AS matched, c.category, \
         c.priority, c.officer, c.at \
         FROM triage_corrections AS c JOIN reports AS r ON r.id = c.report_id"
    )
}

/// A correction's values for [`CORRECTION_COLUMNS`], in that order.
pub fn correction_values(correction: &Correction) -> Result<[SqlValue; 11], StoreError> {
    Ok([
        SqlValue::Uuid(Some(correction.id)),
        SqlValue::Uuid(Some(correction.report_id.0)),
        SqlValue::text(correction.triage_category.as_str()),
        SqlValue::text(correction.triage_priority.as_str()),
        SqlValue::Text(correction.decided_by.map(|d| d.as_str().to_owned())),
        SqlValue::Text(correction.rule.clone()),
        SqlValue::text(json_text(&correction.matched, "matched words")?),
        SqlValue::text(correction.category.as_str()),
        SqlValue::text(correction.priority.as_str()),
        SqlValue::Uuid(Some(correction.officer.0)),
        SqlValue::Time(Some(correction.at)),
    ])
}

/// Parses a row selected with [`correction_select`].
impl<D: Dialect> FromSqlRow<D> for Correction {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "triage_corrections");
        Ok(Correction {
            id: r.uuid("id")?,
            report_id: ReportId(r.uuid("report_id")?),
            number: r.parse("number", ReceiptNumber::from_str)?,
            title: r.get("title")?,
            description: r.get("description")?,
            triage_category: r.parse("triage_category", CategoryCode::new)?,
            triage_priority: r.parse("triage_priority", Priority::parse)?,
            decided_by: r.parse_optional("decided_by", |raw| {
                DecidedBy::parse(raw).ok_or("not rules, ai or human")
            })?,
            rule: r.get("rule")?,
            matched: r.json("matched")?,
            category: r.parse("category", CategoryCode::new)?,
            priority: r.parse("priority", Priority::parse)?,
            officer: UserId(r.uuid("officer")?),
            at: r.time("at")?,
        })
    }
}

/// The page size a list reads, clamped to 1–[`MAX_PAGE_SIZE`].
fn page_size(query: &CorrectionQuery) -> u32 {
    query.limit.clamp(1, MAX_PAGE_SIZE)
}

/// Writes the list query after [`correction_select`]: the rule,
/// below the cursor, newest first, one row more than the page (to tell
/// whether there is a next page).
pub fn write_correction_list(query: &CorrectionQuery, sql: &mut impl SqlWriter) {
    let mut joiner = " WHERE ";
    if let Some(rule) = &query.rule {
        sql.push(joiner);
        sql.push("c.rule = ");
        sql.bind(SqlValue::text(rule.as_str()));
        joiner = " AND ";
    }
    if let Some(before) = query.before {
        sql.push(joiner);
        sql.push("c.id < ");
        sql.bind(SqlValue::Uuid(Some(before)));
    }
    sql.push(" ORDER BY c.id DESC LIMIT ");
    sql.bind(SqlValue::Integer(Some(i64::from(page_size(query)) + 1)));
}

/// The page of `rows` read by [`write_correction_list`].
pub fn correction_page(query: &CorrectionQuery, mut rows: Vec<Correction>) -> CorrectionPage {
    let size = usize::try_from(page_size(query)).unwrap_or(usize::MAX);
    let next = if rows.len() > size {
        rows.truncate(size);
        rows.last().map(|c| c.id)
    } else {
        None
    };
    CorrectionPage { items: rows, next }
}

/// Per rule, the decisions officers kept and overrode (the definitions are
/// [`RulePrecision`]'s), one row per source: the reports acted on whose
/// rule decision stands, and the corrections of rule decisions. Rows of one
/// rule are summed by [`RulePrecision::merge`].
pub const RULE_PRECISION: &str = "\
    SELECT analysis_rule AS rule, COUNT(*) AS kept, 0 AS overridden FROM reports \
    WHERE analysis_decided_by IN ('rules', 'ai') AND analysis_rule IS NOT NULL \
      AND status <> 'received' \
    GROUP BY analysis_rule \
    UNION ALL \
    SELECT rule, \
      SUM(CASE WHEN category = triage_category THEN 1 ELSE 0 END) AS kept, \
      SUM(CASE WHEN category <> triage_category THEN 1 ELSE 0 END) AS overridden \
    FROM triage_corrections \
    WHERE decided_by IN ('rules', 'ai') AND rule IS NOT NULL \
    GROUP BY rule";

/// Parses a row of [`RULE_PRECISION`].
impl<D: Dialect> FromSqlRow<D> for RulePrecision {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "rule precision");
        Ok(RulePrecision {
            rule: r.get("rule")?,
            kept: r.count("kept")?,
            overridden: r.count("overridden")?,
        })
    }
}
