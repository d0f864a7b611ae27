//! The permission table: what each role may do, and on which reports.
//!
//! This table is the first word on every act — [`crate::domain::access`]
//! asks it before applying the finer rules of a report's state (the reopen
//! window, "not your own report") — and the README prints it
//! ([`markdown_table`]), so what the documentation says is what runs. The
//! HTTP adapter maps each route to one [`Permission`]; a black-box test walks
//! every route × role against this table.

use crate::domain::user::Role;

/// Something a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Create a citizen account.
    Register,
    /// Sign in, refresh a session, sign out.
    SignIn,
    /// Read one's own account.
    ViewOwnAccount,
    /// Change one's own password.
    ChangePassword,
    /// Read categories and departments.
    ViewReferenceData,
    /// Submit a report.
    SubmitReport,
    /// List, read reports, their timelines and their photos' public copies.
    ViewReports,
    /// Fetch photo originals (with EXIF: GPS, device).
    ViewPhotoOriginals,
    /// Move a report through its lifecycle.
    TransitionReport,
    /// Route a report to a department or officer.
    AssignReport,
    /// Override a report's category and priority.
    ReclassifyReport,
    /// Comment on a report (visible to the reporter).
    Comment,
    /// Write internal (staff-only) comments.
    CommentInternal,
    /// Say "me too" (공감).
    SupportReport,
    /// Add photos to a report.
    AddPhotos,
    /// List the open reports near a report (possible duplicates to merge).
    ViewNearbyReports,
    /// Create accounts, change roles and departments.
    ManageUsers,
    /// Create service accounts and issue or revoke their API keys.
    ManageServiceAccounts,
    /// Set and list stored secrets (values are never read back).
    ManageSecrets,
    /// Read the audit log.
    ViewAudit,
    /// Create and change departments (their place and categories) and
    /// categories (their SLA, duplicate radius and default department).
    ManageDirectory,
    /// Read one's own notifications and mark them read.
    ReadNotifications,
    /// Read and change one's own e-mail settings for notifications.
    ManageNotificationSettings,
    /// Open a live connection (WebSocket): one's notifications, and the
    /// reports one may see as they change.
    FollowLive,
    /// Read statistics: officials in full, everyone else the public
    /// version (counts and medians, small counts withheld).
    ViewStatistics,
    /// Read officers' corrections of triage (with the reports' text) and
    /// each rule's precision over them.
    ViewTriageCorrections,
}

impl Permission {
    /// Every permission, in the order the table prints them.
    pub const ALL: [Self; 26] = [
        Self::Register,
        Self::SignIn,
        Self::ViewOwnAccount,
        Self::ChangePassword,
        Self::ViewReferenceData,
        Self::SubmitReport,
        Self::ViewReports,
        Self::ViewPhotoOriginals,
        Self::TransitionReport,
        Self::AssignReport,
        Self::ReclassifyReport,
        Self::Comment,
        Self::CommentInternal,
        Self::SupportReport,
        Self::AddPhotos,
        Self::ViewNearbyReports,
        Self::ManageUsers,
        Self::ManageServiceAccounts,
        Self::ManageSecrets,
        Self::ViewAudit,
        Self::ManageDirectory,
        Self::ReadNotifications,
        Self::ManageNotificationSettings,
        Self::FollowLive,
        Self::ViewStatistics,
        Self::ViewTriageCorrections,
    ];

    /// How the table names it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Register => "register an account",
            Self::SignIn => "sign in, refresh, sign out",
            Self::ViewOwnAccount => "read own account",
            Self::ChangePassword => "change own password",
            Self::ViewReferenceData => "read categories, departments",
            Self::SubmitReport => "submit a report",
            Self::ViewReports => "read reports, timelines, photos",
            Self::ViewPhotoOriginals => "fetch photo originals (EXIF)",
            Self::TransitionReport => "change a report's status",
            Self::AssignReport => "assign a report",
            Self::ReclassifyReport => "override category, priority",
            Self::Comment => "comment",
            Self::CommentInternal => "internal comment",
            Self::SupportReport => "support (공감)",
            Self::AddPhotos => "add photos",
            Self::ViewNearbyReports => "nearby reports (duplicates)",
            Self::ManageUsers => "create accounts, change roles",
            Self::ManageServiceAccounts => "service accounts, API keys",
            Self::ManageSecrets => "set stored secrets",
            Self::ViewAudit => "read the audit log",
            Self::ManageDirectory => "departments, routing, category SLA",
            Self::ReadNotifications => "read own notifications",
            Self::ManageNotificationSettings => "own e-mail notification settings",
            Self::FollowLive => "live updates (WebSocket)",
            Self::ViewStatistics => "statistics (public version unless official)",
            Self::ViewTriageCorrections => "triage corrections, rule precision",
        }
    }
}

/// How far a permission reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grant {
    /// Not at all.
    Denied,
    /// Yes (the act concerns no report).
    Allowed,
    /// On public reports.
    Public,
    /// On public reports and one's own.
    PublicAndOwn,
    /// On one's own reports only.
    Own,
    /// On reports of one's own department.
    Department,
    /// On every report.
    Everywhere,
}

impl Grant {
    /// How the table prints it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Denied => "–",
            Self::Allowed => "yes",
            Self::Public => "public",
            Self::PublicAndOwn => "public + own",
            Self::Own => "own",
            Self::Department => "department",
            Self::Everywhere => "all",
        }
    }

    /// Anything but [`Grant::Denied`].
    pub fn is_granted(self) -> bool {
        self != Self::Denied
    }
}

/// The columns of the table: nobody signed in, then each role.
pub const COLUMNS: [Option<Role>; 6] = [
    None,
    Some(Role::Citizen),
    Some(Role::Service),
    Some(Role::Staff),
    Some(Role::Manager),
    Some(Role::Admin),
];

/// What `role` (`None`: anonymous) may do of `permission`.
pub fn grant(role: Option<Role>, permission: Permission) -> Grant {
    use Grant::*;
    use Permission::*;
    use Role::{Admin, Citizen, Manager, Service, Staff};
    match (permission, role) {
        (Register | SignIn | ViewReferenceData | FollowLive | ViewStatistics, _) => Allowed,
        (ViewOwnAccount | ReadNotifications | ManageNotificationSettings, Some(_)) => Allowed,
        (ChangePassword, Some(Citizen | Staff | Manager | Admin)) => Allowed,
        (SubmitReport, Some(_)) => Allowed,
        (ViewReports, None) => Public,
        (ViewReports, Some(Citizen | Service)) => PublicAndOwn,
        (ViewReports | ViewPhotoOriginals | ViewNearbyReports, Some(Staff | Manager | Admin)) => {
            Everywhere
        }
        (TransitionReport, Some(Citizen)) => Own,
        (TransitionReport | ReclassifyReport, Some(Staff | Manager)) => Department,
        (AssignReport, Some(Manager)) => Department,
        (Comment | AddPhotos, Some(Citizen | Service)) => Own,
        (Comment | CommentInternal | AddPhotos, Some(Staff | Manager)) => Department,
        (SupportReport, Some(Citizen)) => Public,
        (
            TransitionReport | AssignReport | ReclassifyReport | Comment | CommentInternal
            | AddPhotos,
            Some(Admin),
        ) => Everywhere,
        (
            ManageUsers
            | ManageServiceAccounts
            | ManageSecrets
            | ViewAudit
            | ManageDirectory
            | ViewTriageCorrections,
            Some(Admin),
        ) => Allowed,
        _ => Denied,
    }
}

/// The table as Markdown, one row per permission, one column per role.
pub fn markdown_table() -> String {
    let mut out = String::from("| may … | anonymous |");
    for role in COLUMNS.iter().flatten() {
        out.push(' ');
        out.push_str(role.as_str());
        out.push_str(" |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(COLUMNS.len()));
    for permission in Permission::ALL {
        out.push_str("\n| ");
        out.push_str(permission.describe());
        out.push_str(" |");
        for role in COLUMNS {
            out.push(' ');
            out.push_str(grant(role, permission).describe());
            out.push_str(" |");
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administration_is_for_admins_alone() {
        for permission in [
            Permission::ManageUsers,
            Permission::ManageServiceAccounts,
            Permission::ManageSecrets,
            Permission::ViewAudit,
            Permission::ManageDirectory,
            Permission::ViewTriageCorrections,
        ] {
            for role in COLUMNS {
                assert_eq!(
                    grant(role, permission).is_granted(),
                    role == Some(Role::Admin),
                    "{role:?} {permission:?}"
                );
            }
        }
    }

    #[test]
    fn anonymous_callers_only_read_public_things_and_sign_in() {
        let granted: Vec<_> = Permission::ALL
            .into_iter()
            .filter(|&p| grant(None, p).is_granted())
            .collect();
        assert_eq!(
            granted,
            [
                Permission::Register,
                Permission::SignIn,
                Permission::ViewReferenceData,
                Permission::ViewReports,
                Permission::FollowLive,
                Permission::ViewStatistics
            ]
        );
        assert_eq!(grant(None, Permission::ViewReports), Grant::Public);
    }

    #[test]
    fn service_accounts_never_act_for_a_department_or_see_originals() {
        for permission in Permission::ALL {
            let g = grant(Some(Role::Service), permission);
            assert!(
                !matches!(g, Grant::Department | Grant::Everywhere),
                "{permission:?}: {g:?}"
            );
        }
        assert!(!grant(Some(Role::Service), Permission::ChangePassword).is_granted());
    }

    #[test]
    fn the_markdown_table_has_a_row_per_permission_and_a_column_per_role() {
        let table = markdown_table();
        let lines: Vec<_> = table.lines().collect();
        assert_eq!(lines.len(), 2 + Permission::ALL.len());
        assert!(lines[0].contains("| citizen | service | staff | manager | admin |"));
        assert!(lines
            .iter()
            .all(|l| l.matches('|').count() == COLUMNS.len() + 2));
    }
}
