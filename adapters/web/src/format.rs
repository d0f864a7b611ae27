//! How the console writes times, durations and codes: Korean, in KST.

use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use sinmungo_core::domain::{DecidedBy, Role, RoutingRule};

/// Korea Standard Time (UTC+9, no daylight saving).
fn kst() -> FixedOffset {
    // Nine hours is a valid offset: the fallback is never taken.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `2026-12-04 18:21`, in KST.
pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// How long ago `since` was, coarsely: `3일 4시간`, `5시간 2분`, `12분`.
pub(crate) fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    minutes((now - since).num_minutes().max(0))
}

/// A duration of whole seconds, coarsely: `3시간 20분`; under a minute `45초`.
pub(crate) fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 60 {
        format!("{seconds}초")
    } else {
        minutes(seconds / 60)
    }
}

/// `3일 4시간`, `5시간 2분`, `12분`.
fn minutes(minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        format!("{days}일 {hours}시간")
    } else if hours > 0 {
        format!("{hours}시간 {mins}분")
    } else {
        format!("{mins}분")
    }
}

/// A role's Korean name.
pub(crate) fn role(role: Role) -> &'static str {
    match role {
        Role::Citizen => "시민",
        Role::Service => "연계 시스템",
        Role::Staff => "담당 공무원",
        Role::Manager => "부서 관리자",
        Role::Admin => "관리자",
    }
}

/// Who made a classification decision, in Korean.
pub(crate) fn decided_by(by: DecidedBy) -> &'static str {
    match by {
        DecidedBy::Rules => "규칙",
        DecidedBy::Ai => "AI",
        DecidedBy::Human => "담당자",
    }
}

/// How the department was chosen, in Korean.
pub(crate) fn routing(rule: RoutingRule) -> &'static str {
    match rule {
        RoutingRule::Jurisdiction => "관할 시·군 부서",
        RoutingRule::ProvinceWide => "도 단위 부서",
        RoutingRule::CategoryDefault => "분류의 기본 부서",
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
}
