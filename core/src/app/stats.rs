//! Statistics (통계): officials see every figure; everyone else the public
//! version, counts and medians with small cells withheld
//! ([`StatsReport::public`]).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::category::CategoryCode;
use crate::domain::department::DepartmentCode;
use crate::domain::geo::{MunicipalityCode, ServiceArea};
use crate::domain::stats::{StatsQuery, StatsReport};
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{Clock, ReportStore, StoreError};

/// The longest window one request may ask for (three years and a leap day).
pub const MAX_STATS_SPAN_DAYS: i64 = 3 * 365 + 1;

/// A statistics request as the client sent it (query-string values).
#[derive(Debug, Clone, Default)]
pub struct StatsRequest {
    /// `since`: RFC 3339, or a date (`YYYY-MM-DD`, from 00:00 in Korea).
    pub since: Option<String>,
    /// `until` (exclusive): RFC 3339, or a date (`YYYY-MM-DD`, through the end of that Korean day).
    pub until: Option<String>,
    /// `jurisdiction`: a city or county code of the service area.
    pub jurisdiction: Option<String>,
    /// `department`: a department code.
    pub department: Option<String>,
    /// `category`: a category code.
    pub category: Option<String>,
}

/// Why statistics could not be given.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// A query parameter is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for StatsError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// Computes statistics for the caller.
#[derive(Clone)]
pub struct Statistics {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    service_area: Arc<ServiceArea>,
}

impl std::fmt::Debug for Statistics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statistics").finish_non_exhaustive()
    }
}

impl Statistics {
    pub(crate) fn new(ports: &Ports, service_area: Arc<ServiceArea>) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            service_area,
        }
    }

    /// The statistics `request` asks for, as `actor` may see them: in full
    /// for officials, the public version for everyone else.
    pub async fn report(
        &self,
        actor: &Actor,
        request: &StatsRequest,
    ) -> Result<StatsReport, StatsError> {
        let query = self.parse(request)?;
        let stats = self.reports.stats(&query, self.clock.now()).await?;
        Ok(if actor.is_official() {
            StatsReport::full(stats)
        } else {
            StatsReport::public(stats)
        })
    }

    /// The cities and counties statistics may be asked for (`jurisdiction`),
    /// with their Korean names, by code.
    pub fn municipalities(&self) -> Vec<(MunicipalityCode, String)> {
        self.service_area
            .municipalities()
            .into_iter()
            .filter_map(|m| {
                MunicipalityCode::new(&m.code)
                    .ok()
                    .map(|code| (code, m.name))
            })
            .collect()
    }

    fn parse(&self, request: &StatsRequest) -> Result<StatsQuery, Invalid> {
        let mut fields = Collector::default();
        let present = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut query = StatsQuery::default();
        if let Some(raw) = present(&request.since) {
            query.since = fields.take(instant("since", &raw, false));
        }
        if let Some(raw) = present(&request.until) {
            query.until = fields.take(instant("until", &raw, true));
        }
        if let (Some(since), Some(until)) = (query.since, query.until) {
            if since >= until {
                fields.push(FieldError::new(
                    "until",
                    "not_after_since",
                    "until must be after since (종료 시점은 시작 시점보다 뒤여야 합니다)",
                ));
            } else if until - since > TimeDelta::days(MAX_STATS_SPAN_DAYS) {
                fields.push(FieldError::new(
                    "until",
                    "window_too_long",
                    format!(
                        "since to until may span at most {MAX_STATS_SPAN_DAYS} days (조회 기간은 최대 3년입니다)"
                    ),
                ));
            }
        }
        if let Some(raw) = present(&request.jurisdiction) {
            query.jurisdiction = fields.take(MunicipalityCode::new(&raw).and_then(|code| {
                if self.service_area.has_municipality(&code) {
                    Ok(code)
                } else {
                    Err(FieldError::new(
                        "jurisdiction",
                        "unknown_jurisdiction",
                        format!("{code} is no city or county of the service area (서비스 지역의 시·군이 아닙니다)"),
                    ))
                }
            }));
        }
        if let Some(raw) = present(&request.department) {
            query.department = fields.take(DepartmentCode::new(&raw));
        }
        if let Some(raw) = present(&request.category) {
            query.category = fields.take(CategoryCode::new(&raw));
        }
        fields.finish()?;
        Ok(query)
    }
}

/// A time given as RFC 3339, or as a Korean date: its start, or for an
/// `end` bound the start of the next day (so `until=2026-11-30` takes in
/// the 30th).
fn instant(field: &str, raw: &str, end: bool) -> Result<DateTime<Utc>, FieldError> {
    if let Ok(time) = DateTime::parse_from_rfc3339(raw) {
        return Ok(time.with_timezone(&Utc));
    }
    let invalid = || {
        FieldError::new(
            field,
            "invalid_time",
            format!(
                "{field} must be a date (YYYY-MM-DD, in Korean time) or an RFC 3339 time (날짜 형식이 올바르지 않습니다)"
            ),
        )
    };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| invalid())?;
    let date = if end {
        date.succ_opt().ok_or_else(invalid)?
    } else {
        date
    };
    // Midnight in Korea (UTC+9) is 15:00 UTC the day before.
    Ok(date.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_korean_days_and_until_takes_in_its_day() {
        let start = instant("since", "2026-11-01", false).unwrap();
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 10, 31, 15, 0, 0).unwrap());
        let end = instant("until", "2026-11-30", true).unwrap();
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap());
        let exact = instant("until", "2026-11-30T12:00:00+09:00", true).unwrap();
        assert_eq!(exact, Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap());
        let error = instant("since", "yesterday", false).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.code),
            ("since", "invalid_time")
        );
        assert!(instant("since", "2026-02-30", false).is_err());
    }
}
