//! The access policy. Use cases ask it before acting, so no route can forget a check.
//!
//! - Anyone sees public reports; citizens also see their own private ones;
//!   officials (staff, managers, admins) see every report.
//! - Staff act on their own department's reports; managers also assign them;
//!   admins do everything. Service accounts (integrations) submit and follow
//!   their own reports.
//! - [`crate::domain::permission`] holds the table by role; this module adds
//!   what depends on the report (its department, its reporter, its state).
//! - Reporters confirm (close) their resolved reports and may reopen them
//!   within [`REOPEN_WINDOW_DAYS`] days.
//! - Reporters add photos until an official takes their report up; officials
//!   of the department add resolution photos at any time. Photo originals
//!   (EXIF: GPS, device) are for officials only.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::department::DepartmentCode;
use crate::domain::permission::{self, Grant, Permission};
use crate::domain::photo::{PhotoKind, PhotoVariant};
use crate::domain::report::{Report, Visibility};
use crate::domain::status::ReportStatus;
use crate::domain::user::{Role, UserId};

/// How long a reporter may reopen a resolved or rejected report.
pub const REOPEN_WINDOW_DAYS: i64 = 14;

/// A signed-in person, as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who.
    pub id: UserId,
    /// Their role.
    pub role: Role,
    /// Their department (staff and managers).
    pub department: Option<DepartmentCode>,
}

impl From<&crate::domain::user::User> for Principal {
    fn from(user: &crate::domain::user::User) -> Self {
        Self {
            id: user.id,
            role: user.role,
            department: user.department.clone(),
        }
    }
}

/// Whoever is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in.
    Anonymous,
    /// A signed-in user.
    User(Principal),
}

/// Why the policy said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The act needs a signed-in user.
    #[error("sign in required (로그인이 필요합니다)")]
    SignInRequired,
    /// The user may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
}

impl Actor {
    /// The signed-in principal, or [`Denied::SignInRequired`].
    pub fn principal(&self) -> Result<&Principal, Denied> {
        match self {
            Self::User(principal) => Ok(principal),
            Self::Anonymous => Err(Denied::SignInRequired),
        }
    }

    /// The user's id, if signed in.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User(p) => Some(p.id),
            Self::Anonymous => None,
        }
    }

    /// The role, if signed in.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::User(p) => Some(p.role),
            Self::Anonymous => None,
        }
    }

    /// Staff, manager or admin.
    pub fn is_official(&self) -> bool {
        self.role().is_some_and(Role::is_official)
    }

    /// The reporter of this report.
    pub fn is_reporter_of(&self, report: &Report) -> bool {
        self.user_id() == Some(report.reporter)
    }

    /// What the permission table grants this actor of `permission`.
    pub fn grant(&self, permission: Permission) -> Grant {
        permission::grant(self.role(), permission)
    }

    /// Whether `grant` reaches this report.
    fn reaches(&self, grant: Grant, report: &Report) -> bool {
        let public = report.visibility == Visibility::Public;
        match grant {
            Grant::Denied => false,
            Grant::Allowed | Grant::Everywhere => true,
            Grant::Public => public,
            Grant::PublicAndOwn => public || self.is_reporter_of(report),
            Grant::Own => self.is_reporter_of(report),
            Grant::Department => matches!(
                self,
                Self::User(Principal { department: Some(own), .. })
                    if report.department.as_ref() == Some(own)
            ),
        }
    }

    /// Whether the table lets this actor do `permission` to this report.
    fn may(&self, permission: Permission, report: &Report) -> bool {
        self.reaches(self.grant(permission), report)
    }

    /// `Forbidden(reason)`, or [`Denied::SignInRequired`] for anonymous actors.
    fn refuse(&self, reason: &'static str) -> Denied {
        match self {
            Self::Anonymous => Denied::SignInRequired,
            Self::User(_) => Denied::Forbidden(reason),
        }
    }

    /// Whether the report exists for this actor at all (others get "not found").
    pub fn can_view(&self, report: &Report) -> bool {
        self.may(Permission::ViewReports, report)
    }

    /// Whether the actor sees personal data unmasked and the reporter's identity.
    pub fn sees_personal_data(&self, report: &Report) -> bool {
        self.is_official() || self.is_reporter_of(report)
    }

    /// Whether internal (staff-only) comments are shown.
    pub fn sees_internal_notes(&self) -> bool {
        self.is_official()
    }

    /// May do something the table grants without reference to a report
    /// (administration, submitting, one's own account).
    pub fn may_do(&self, permission: Permission) -> Result<(), Denied> {
        if self.grant(permission).is_granted() {
            Ok(())
        } else {
            Err(self.refuse("your role may not do this (권한이 없습니다)"))
        }
    }

    /// May submit reports: anyone signed in.
    pub fn may_submit(&self) -> Result<(), Denied> {
        self.may_do(Permission::SubmitReport)
    }

    /// May move the report to `to` now. The caller has already checked that the
    /// lifecycle has this change at all ([`ReportStatus::can_become`]).
    ///
    /// On top of the table: receiving a report into a department (assigning)
    /// and closing it for the reporter are for those who may assign; a
    /// reporter (grant [`Grant::Own`]) only confirms or, within
    /// [`REOPEN_WINDOW_DAYS`], reopens.
    pub fn may_transition(
        &self,
        report: &Report,
        to: ReportStatus,
        now: DateTime<Utc>,
    ) -> Result<(), Denied> {
        use ReportStatus::*;
        self.principal()?;
        let grant = self.grant(Permission::TransitionReport);
        let allowed = self.reaches(grant, report)
            && match (report.status, to) {
                (Received, Assigned) => self.may(Permission::AssignReport, report),
                (Resolved, Closed) => {
                    grant == Grant::Own || self.may(Permission::AssignReport, report)
                }
                (Resolved | Rejected, InProgress) if grant == Grant::Own => {
                    if now - report.status_changed_at > TimeDelta::days(REOPEN_WINDOW_DAYS) {
                        return Err(Denied::Forbidden(
                            "the 14-day reopen window has passed (재처리 요청 기간 14일이 지났습니다)",
                        ));
                    }
                    true
                }
                _ => grant != Grant::Own,
            };
        if allowed {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "only officials of the report's department may make this change (담당 부서만 처리할 수 있습니다)",
            ))
        }
    }

    /// May route the report to a department or officer.
    pub fn may_assign(&self, report: &Report) -> Result<(), Denied> {
        self.principal()?;
        if self.may(Permission::AssignReport, report) {
            Ok(())
        } else {
            Err(Denied::Forbidden("only managers of the report's department may assign it (부서 관리자만 배정할 수 있습니다)"))
        }
    }

    /// May override the category and priority.
    pub fn may_reclassify(&self, report: &Report) -> Result<(), Denied> {
        self.principal()?;
        if self.may(Permission::ReclassifyReport, report) {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "only officials of the report's department may reclassify it",
            ))
        }
    }

    /// May comment: the reporter and officials of the report's department;
    /// internal comments are for those officials only.
    pub fn may_comment(&self, report: &Report, internal: bool) -> Result<(), Denied> {
        self.principal()?;
        let permission = if internal {
            Permission::CommentInternal
        } else {
            Permission::Comment
        };
        if self.may(permission, report) {
            Ok(())
        } else if internal {
            Err(Denied::Forbidden(
                "internal comments are for officials of the report's department only",
            ))
        } else {
            Err(Denied::Forbidden(
                "only the reporter and officials of the report's department may comment on it",
            ))
        }
    }

    /// May say "me too": citizens, on a public report not their own.
    pub fn may_support(&self, report: &Report) -> Result<(), Denied> {
        self.principal()?;
        if self.is_reporter_of(report) {
            return Err(Denied::Forbidden("you cannot support your own report"));
        }
        if self.may(Permission::SupportReport, report) {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "only citizens support reports (공감은 시민만 할 수 있습니다)",
            ))
        }
    }

    /// May add photos to the report, and of which kind: the reporter adds
    /// [`PhotoKind::Report`] photos while it is `received` (no official has
    /// taken it up yet); officials of its department and admins add
    /// [`PhotoKind::Resolution`] photos at any time. Once the report is taken
    /// up the reporter is refused (403, not 409): the policy, not the report's
    /// state alone, decides — officials may still add photos to it.
    pub fn may_add_photos(&self, report: &Report) -> Result<PhotoKind, Denied> {
        self.principal()?;
        let grant = self.grant(Permission::AddPhotos);
        let reaches = self.reaches(grant, report);
        match grant {
            Grant::Own if reaches && report.status == ReportStatus::Received => {
                Ok(PhotoKind::Report)
            }
            Grant::Own if reaches => Err(Denied::Forbidden(
                "an official has taken this report up; the reporter can no longer add photos (담당자가 접수한 신고에는 사진을 추가할 수 없습니다; 댓글로 알려 주세요)",
            )),
            Grant::Department | Grant::Everywhere if reaches => Ok(PhotoKind::Resolution),
            _ => Err(Denied::Forbidden(
                "only the reporter and officials of the report's department may add photos",
            )),
        }
    }

    /// May fetch this variant of a photo of a report it can see: originals
    /// keep their EXIF (GPS position, device), so they are for officials only
    /// — the reporter included sees the public copy.
    pub fn may_view_photo(&self, variant: PhotoVariant) -> Result<(), Denied> {
        if !variant.staff_only() || self.grant(Permission::ViewPhotoOriginals).is_granted() {
            return Ok(());
        }
        Err(self
            .refuse("photo originals (with their EXIF location and device) are for officials only"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::category::CategoryCode;
    use crate::domain::geo::{GeoPoint, Jurisdiction};
    use crate::domain::priority::Priority;
    use crate::domain::receipt::ReceiptNumber;
    use crate::domain::report::{Report, ReportId};
    use crate::domain::text::{Description, ReportTitle};
    use chrono::TimeZone;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn roads() -> DepartmentCode {
        DepartmentCode::new("road_management").unwrap()
    }

    fn report(status: ReportStatus, reporter: UserId, visibility: Visibility) -> Report {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        Report {
            id: ReportId(Uuid::nil()),
            number: ReceiptNumber::new(2026, 1),
            title: ReportTitle::new("포트홀").unwrap(),
            description: Description::new("큰 포트홀").unwrap(),
            category: CategoryCode::new("road_damage").unwrap(),
            priority: Priority::Normal,
            status,
            location: GeoPoint::new(35.8242, 127.1480).unwrap(),
            address: None,
            jurisdiction: Jurisdiction {
                code: "35011".into(),
                name: "전주시완산구".into(),
            },
            department: Some(roads()),
            assignee: None,
            reporter,
            visibility,
            support_count: 0,
            duplicate_of: None,
            analysis: None,
            photos: Vec::new(),
            respond_by: at,
            due_at: at,
            response_breached_at: None,
            resolution_breached_at: None,
            responded_at: None,
            reopened_at: None,
            created_at: at,
            updated_at: at,
            resolved_at: None,
            status_changed_at: at,
            version: 1,
        }
    }

    fn user(n: u128, role: Role, department: Option<DepartmentCode>) -> Actor {
        Actor::User(Principal {
            id: UserId(Uuid::from_u128(n)),
            role,
            department,
        })
    }

    const REPORTER: u128 = 1;

    fn actors() -> Vec<(&'static str, Actor)> {
        let elsewhere = DepartmentCode::new("parks").unwrap();
        vec![
            ("anonymous", Actor::Anonymous),
            ("reporter", user(REPORTER, Role::Citizen, None)),
            ("other citizen", user(2, Role::Citizen, None)),
            ("staff", user(3, Role::Staff, Some(roads()))),
            (
                "staff elsewhere",
                user(4, Role::Staff, Some(elsewhere.clone())),
            ),
            ("manager", user(5, Role::Manager, Some(roads()))),
            ("manager elsewhere", user(6, Role::Manager, Some(elsewhere))),
            ("admin", user(7, Role::Admin, None)),
            ("service", user(8, Role::Service, None)),
        ]
    }

    /// Who may make each lifecycle change, per the product specification.
    fn expected(from: ReportStatus, to: ReportStatus) -> &'static [&'static str] {
        use ReportStatus::*;
        match (from, to) {
            (Received, Assigned) => &["manager", "admin"],
            (Resolved, Closed) => &["reporter", "manager", "admin"],
            (Resolved | Rejected, InProgress) => &["reporter", "staff", "manager", "admin"],
            _ => &["staff", "manager", "admin"],
        }
    }

    #[test]
    fn every_transition_times_every_role_matches_the_product_table() {
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        for from in ReportStatus::ALL {
            for to in ReportStatus::ALL
                .into_iter()
                .filter(|&to| from.can_become(to))
            {
                let report = report(from, UserId(Uuid::from_u128(REPORTER)), Visibility::Public);
                for (name, actor) in actors() {
                    let allowed = actor.may_transition(&report, to, now).is_ok();
                    assert_eq!(
                        allowed,
                        expected(from, to).contains(&name),
                        "{name}: {from} → {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn anonymous_actors_are_asked_to_sign_in_not_forbidden() {
        let report = report(
            ReportStatus::Received,
            UserId(Uuid::from_u128(REPORTER)),
            Visibility::Public,
        );
        let now = report.created_at;
        assert_eq!(
            Actor::Anonymous.may_transition(&report, ReportStatus::InProgress, now),
            Err(Denied::SignInRequired)
        );
        assert_eq!(Actor::Anonymous.may_submit(), Err(Denied::SignInRequired));
    }

    #[test]
    fn reporters_may_reopen_only_within_fourteen_days() {
        let reporter = user(REPORTER, Role::Citizen, None);
        let report = report(
            ReportStatus::Resolved,
            UserId(Uuid::from_u128(REPORTER)),
            Visibility::Public,
        );
        let inside = report.status_changed_at + TimeDelta::days(14);
        let outside = inside + TimeDelta::seconds(1);
        assert!(reporter
            .may_transition(&report, ReportStatus::InProgress, inside)
            .is_ok());
        assert!(reporter
            .may_transition(&report, ReportStatus::InProgress, outside)
            .is_err());
        // Staff may reopen at any time.
        let staff = user(3, Role::Staff, Some(roads()));
        assert!(staff
            .may_transition(&report, ReportStatus::InProgress, outside)
            .is_ok());
    }

    #[test]
    fn private_reports_are_seen_only_by_their_reporter_and_officials() {
        let private = report(
            ReportStatus::Received,
            UserId(Uuid::from_u128(REPORTER)),
            Visibility::Private,
        );
        let seeing: Vec<_> = actors()
            .into_iter()
            .filter(|(_, a)| a.can_view(&private))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            seeing,
            [
                "reporter",
                "staff",
                "staff elsewhere",
                "manager",
                "manager elsewhere",
                "admin"
            ]
        );
        let public = report(
            ReportStatus::Received,
            UserId(Uuid::from_u128(REPORTER)),
            Visibility::Public,
        );
        assert!(actors().iter().all(|(_, a)| a.can_view(&public)));
        assert!(!user(2, Role::Citizen, None).sees_personal_data(&public));
    }

    #[test]
    fn reporters_add_photos_until_the_report_is_taken_up_and_officials_of_the_department_always() {
        use PhotoKind::{Report as R, Resolution as S};
        for status in ReportStatus::ALL {
            let report = report(
                status,
                UserId(Uuid::from_u128(REPORTER)),
                Visibility::Public,
            );
            let received = status == ReportStatus::Received;
            for (name, actor) in actors() {
                let expected = match name {
                    "reporter" if received => Some(R),
                    "staff" | "manager" | "admin" => Some(S),
                    _ => None,
                };
                assert_eq!(
                    actor.may_add_photos(&report).ok(),
                    expected,
                    "{name} on a {status} report"
                );
            }
        }
        let received = report(
            ReportStatus::Received,
            UserId(Uuid::from_u128(REPORTER)),
            Visibility::Public,
        );
        assert_eq!(
            Actor::Anonymous.may_add_photos(&received),
            Err(Denied::SignInRequired)
        );
    }

    #[test]
    fn only_officials_fetch_photo_originals() {
        for (name, actor) in actors() {
            for variant in PhotoVariant::ALL {
                let allowed = actor.may_view_photo(variant).is_ok();
                let official = matches!(
                    name,
                    "staff" | "staff elsewhere" | "manager" | "manager elsewhere" | "admin"
                );
                assert_eq!(
                    allowed,
                    !variant.staff_only() || official,
                    "{name}: {}",
                    variant.as_str()
                );
            }
        }
        assert_eq!(
            Actor::Anonymous.may_view_photo(PhotoVariant::Original),
            Err(Denied::SignInRequired)
        );
    }

    proptest! {
        #[test]
        fn citizens_never_act_for_a_department(from in 0usize..7, to in 0usize..7, n in 2u128..1000) {
            let (from, to) = (ReportStatus::ALL[from], ReportStatus::ALL[to]);
            prop_assume!(from.can_become(to));
            let report = report(from, UserId(Uuid::from_u128(REPORTER)), Visibility::Public);
            let citizen = user(n, Role::Citizen, None);
            prop_assert!(citizen.may_transition(&report, to, report.created_at).is_err());
            prop_assert!(citizen.may_assign(&report).is_err());
            prop_assert!(citizen.may_reclassify(&report).is_err());
            prop_assert!(citizen.may_comment(&report, true).is_err());
        }
    }
}
