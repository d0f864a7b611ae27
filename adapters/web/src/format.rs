//! How the console writes times, durations and codes: in the request's
//! language (Korean first), always in KST.

use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use sinmungo_core::domain::{DecidedBy, Priority, ReportStatus, Role, RoutingRule};

use crate::lang::Lang;

/// Korea Standard Time (UTC+9, no daylight saving).
fn kst() -> FixedOffset {
    // Nine hours is a valid offset: the fallback is never taken.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `2026-12-04 18:21`, in KST (`2026-12-04 18:21 KST` in English).
pub(crate) fn time(at: DateTime<Utc>) -> String {
    let at = at.with_timezone(&kst()).format("%Y-%m-%d %H:%M");
    match Lang::current() {
        Lang::Ko => at.to_string(),
        Lang::En => format!("{at} KST"),
    }
}

/// How long ago `since` was, coarsely: `3일 4시간`, `5시간 2분`, `12분`
/// (`3 d 4 h`, `5 h 2 min`, `12 min`).
pub(crate) fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    minutes((now - since).num_minutes().max(0))
}

/// A duration of whole seconds, coarsely: `3시간 20분`; under a minute `45초`.
pub(crate) fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 60 {
        match Lang::current() {
            Lang::Ko => format!("{seconds}초"),
            Lang::En => format!("{seconds} s"),
        }
    } else {
        minutes(seconds / 60)
    }
}

/// `3일 4시간`, `5시간 2분`, `12분` (`3 d 4 h`, `5 h 2 min`, `12 min`).
fn minutes(minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if Lang::current() == Lang::En {
        return if days > 0 {
            format!("{days} d {hours} h")
        } else if hours > 0 {
            format!("{hours} h {mins} min")
        } else {
            format!("{mins} min")
        };
    }
    if days > 0 {
        format!("{days}일 {hours}시간")
    } else if hours > 0 {
        format!("{hours}시간 {mins}분")
    } else {
        format!("{mins}분")
    }
}

/// A role's name.
pub(crate) fn role(role: Role) -> &'static str {
    let lang = Lang::current();
    match role {
        Role::Citizen => lang.pick("시민", "Citizen"),
        Role::Service => lang.pick("연계 시스템", "Service"),
        Role::Staff => lang.pick("담당 공무원", "Officer"),
        Role::Manager => lang.pick("부서 관리자", "Department manager"),
        Role::Admin => lang.pick("관리자", "Administrator"),
    }
}

/// A category's or department's name: the English one on English pages
/// when it has one, else the Korean.
pub(crate) fn name(korean: String, english: String) -> String {
    if Lang::current() == Lang::En && !english.trim().is_empty() {
        english
    } else {
        korean
    }
}

/// A report status's name (core has the Korean).
pub(crate) fn status(status: ReportStatus) -> &'static str {
    let lang = Lang::current();
    lang.pick(
        status.label_ko(),
        match status {
            ReportStatus::Received => "Received",
            ReportStatus::Assigned => "Assigned",
            ReportStatus::InProgress => "In progress",
            ReportStatus::Resolved => "Resolved",
            ReportStatus::Rejected => "Rejected",
            ReportStatus::Closed => "Closed",
            ReportStatus::Duplicate => "Duplicate",
        },
    )
}

/// A priority's name (core has the Korean).
pub(crate) fn priority(priority: Priority) -> &'static str {
    let lang = Lang::current();
    lang.pick(
        priority.label_ko(),
        match priority {
            Priority::Urgent => "Urgent",
            Priority::High => "High",
            Priority::Normal => "Normal",
            Priority::Low => "Low",
        },
    )
}

/// Who made a classification decision.
pub(crate) fn decided_by(by: DecidedBy) -> &'static str {
    let lang = Lang::current();
    match by {
        DecidedBy::Rules => lang.pick("규칙", "Rules"),
        DecidedBy::Ai => "AI",
        DecidedBy::Human => lang.pick("담당자", "Officer"),
    }
}

/// How the department was chosen.
pub(crate) fn routing(rule: RoutingRule) -> &'static str {
    let lang = Lang::current();
    match rule {
        RoutingRule::Jurisdiction => {
            lang.pick("관할 시·군 부서", "The city's or county's department")
        }
        RoutingRule::ProvinceWide => lang.pick("도 단위 부서", "A province-wide department"),
        RoutingRule::CategoryDefault => {
            lang.pick("분류의 기본 부서", "The category's default department")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn times_are_written_in_kst() {
        let at = Utc.with_ymd_and_hms(2026, 12, 4, 9, 21, 30).unwrap();
        assert_eq!(time(at), "2026-12-04 18:21");
        let late = Utc.with_ymd_and_hms(2026, 12, 31, 16, 5, 0).unwrap();
        assert_eq!(
            time(late),
            "2027-01-01 01:05",
            "the date turns at KST midnight"
        );
    }

    #[test]
    fn ages_are_coarse_and_never_negative() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        assert_eq!(age(now - chrono::TimeDelta::minutes(12), now), "12분");
        assert_eq!(age(now - chrono::TimeDelta::minutes(302), now), "5시간 2분");
        assert_eq!(age(now - chrono::TimeDelta::hours(76), now), "3일 4시간");
        assert_eq!(age(now + chrono::TimeDelta::minutes(5), now), "0분");
    }

    #[test]
    fn durations_read_in_korean_units() {
        assert_eq!(duration(12_000), "3시간 20분");
        assert_eq!(duration(3 * 86_400 + 4 * 3_600 + 59), "3일 4시간");
        assert_eq!(duration(61), "1분");
        assert_eq!(duration(45), "45초");
        assert_eq!(duration(-5), "0초");
    }

    #[test]
    fn english_pages_say_kst_and_short_units() {
        crate::lang::in_english(|| {
            let at = Utc.with_ymd_and_hms(2026, 12, 4, 9, 21, 30).unwrap();
            assert_eq!(time(at), "2026-12-04 18:21 KST");
            assert_eq!(duration(3 * 86_400 + 4 * 3_600 + 59), "3 d 4 h");
            assert_eq!(duration(12_000), "3 h 20 min");
            assert_eq!(duration(45), "45 s");
            assert_eq!(status(ReportStatus::InProgress), "In progress");
            assert_eq!(priority(Priority::Urgent), "Urgent");
            assert_eq!(role(Role::Manager), "Department manager");
        });
        assert_eq!(status(ReportStatus::InProgress), "처리중", "Korean outside");
    }
}
