//! Use cases: one module per capability, each a struct holding the ports it
//! needs. [`UseCases`] builds them all from one set of [`Ports`].

mod accounts;
mod action;
mod analyze_report;
mod assign;
mod audit_trail;
mod classify;
mod comment;
mod corrections;
mod directory;
mod duplicates;
mod events;
mod fanout;
mod import_reports;
mod jobs;
mod mail_delivery;
mod notification_settings;
mod notifications;
mod notify;
mod paging;
mod photo_blobs;
mod photo_files;
mod photos;
mod privacy_review;
mod rate_limits;
mod read_reports;
mod recorder;
mod request_analysis;
mod retention;
mod secrets;
mod service_accounts;
mod sessions;
mod stats;
mod submit_report;
mod support;
mod transition;

use std::sync::Arc;

pub use accounts::{
    AccountAdminError, Accounts, ExternalLoginError, LoginError, NewAccount, PasswordChangeError,
    RegisterError, RegisterRequest, MAX_ACCOUNTS_PAGE,
};
pub use action::{ActionError, ConflictReason};
pub use analyze_report::{
    AnalyzeError, AnalyzeOutcome, AnalyzeReport, Preview, PreviewRequest, TriageProviders,
    ANALYSIS_REQUESTED, MAX_PHOTOS_ANALYZED, SUBMITTED,
};
pub use assign::{Assign, AssignRequest};
pub use audit_trail::{AuditError, AuditTrail};
pub use classify::{Reclassify, ReclassifyRequest};
pub use comment::{AddComment, CommentRequest};
pub use corrections::{CorrectionList, CorrectionListRequest, CorrectionsError, TriageCorrections};
pub use directory::{
    CategoryChange, DepartmentRequest, Directory, DirectoryError, SlaRequest,
    MAX_DUPLICATE_RADIUS_M,
};
pub use duplicates::{PossibleDuplicate, PossibleDuplicates};
#[cfg(any(test, feature = "mock"))]
pub use events::MockEventHandler;
pub use events::{EventHandler, HandlerError, InProcessBus, Relay, RelayError};
pub use fanout::InProcessFanout;
pub use import_reports::{ImportError, ImportReports, ImportRow};
pub use jobs::{
    tick_interval, JobError, Jobs, Schedule, TickOutcome, AUTO_CLOSE_AFTER, AUTO_CLOSE_NOTE,
};
pub use mail_delivery::{MailDelivery, MailDeliveryConfig, MailRound};
pub use notification_settings::{EmailSetting, NotificationSettings};
pub use notifications::{
    NotificationError, NotificationList, NotificationListRequest, Notifications,
};
pub use notify::Notify;
pub use photo_blobs::{
    LeftoverBlob, LeftoverReason, MAX_PHOTOS_PER_REPORT, MAX_PHOTOS_PER_REQUEST,
};
pub use photo_files::{PhotoFile, PhotoFileError, PhotoFiles};
pub use photos::{AddPhotos, PhotosAdded};
pub use privacy_review::{PrivacyReviewRequest, ReviewPrivacy};
pub use rate_limits::InProcessRateLimiter;
pub use read_reports::{
    ListRequest, ReadReports, ReportList, ReportView, TimelineView, ViewError, WindowRequest,
    WINDOW_DAYS, WINDOW_MAX,
};
pub use request_analysis::{AnalysisRequested, RequestAnalysis};
pub use retention::{Retention, RetentionError, ANONYMISED_EMAIL};
pub use secrets::{SecretError, SecretInfo, Secrets};
pub use service_accounts::{KeyToIssue, NewServiceAccount, ServiceAccounts};
pub use sessions::{SessionError, Sessions};
pub use stats::{Statistics, StatsError, StatsRequest, MAX_STATS_SPAN_DAYS};
pub use submit_report::{SubmitError, SubmitReport, SubmitRequest};
pub use support::Support;
pub use transition::{Transition, TransitionRequest};

/// Uploads as the [`PhotoProcessor`](crate::ports::PhotoProcessor) port prepares them.
pub use crate::ports::PreparedPhoto;

use crate::domain::duplicates::DuplicateSettings;
use crate::domain::geo::ServiceArea;
use crate::domain::masking::Masking;
use crate::domain::rules::RuleSet;
use crate::ports::{
    AuditLog, Clock, DirectoryStore, Fanout, IdGenerator, JobLease, MediaStore, NotificationStore,
    PasswordHasher, ReportStore, SecretSealer, SessionStore, SettingsStore, UserStore,
};

/// Every port the use cases need.
#[derive(Clone)]
pub struct Ports {
    /// Reports, timelines, outbox.
    pub reports: Arc<dyn ReportStore>,
    /// Accounts.
    pub users: Arc<dyn UserStore>,
    /// Categories and departments.
    pub directory: Arc<dyn DirectoryStore>,
    /// Refresh sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// Audit entries outside report changes.
    pub audit: Arc<dyn AuditLog>,
    /// Photos and their public copies and thumbnails.
    pub media: Arc<dyn MediaStore>,
    /// Sealed secrets.
    pub settings: Arc<dyn SettingsStore>,
    /// Notifications, each person's.
    pub notifications: Arc<dyn NotificationStore>,
    /// Live pushes to connected clients, on every instance.
    pub fanout: Arc<dyn Fanout>,
    /// Leases of the scheduled jobs (one instance runs each at a time).
    pub leases: Arc<dyn JobLease>,
    /// Seals and opens secrets.
    pub sealer: Arc<dyn SecretSealer>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Ids.
    pub ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports").finish_non_exhaustive()
    }
}

/// The policy a deployment configures.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where reports may be made, and their jurisdictions.
    pub service_area: Arc<ServiceArea>,
    /// The classification rules.
    pub rules: Arc<RuleSet>,
    /// The duplicate search.
    pub duplicates: DuplicateSettings,
    /// How personal data is masked wherever text leaves for someone not
    /// entitled to it.
    pub masking: Arc<Masking>,
}

impl Default for Policy {
    /// Jeonbuk, the Korean keyword rules, duplicate suggestions within 30
    /// days, and masking that keeps vehicle plates and public numbers.
    fn default() -> Self {
        Self {
            service_area: Arc::new(ServiceArea::jeonbuk()),
            rules: Arc::new(RuleSet::default_korean()),
            duplicates: DuplicateSettings::default(),
            masking: Arc::new(Masking::default()),
        }
    }
}

/// Every use case, ready to serve.
#[derive(Debug, Clone)]
pub struct UseCases {
    /// Registration, login and account administration.
    pub accounts: Accounts,
    /// Refresh-token sessions.
    pub sessions: Sessions,
    /// Service accounts and their API keys.
    pub service_accounts: ServiceAccounts,
    /// Stored secrets.
    pub secrets: Secrets,
    /// The audit log, read.
    pub audit: AuditTrail,
    /// Submitting reports.
    pub submit: SubmitReport,
    /// Reading reports and timelines.
    pub read: ReadReports,
    /// Status changes.
    pub transition: Transition,
    /// Assignment.
    pub assign: Assign,
    /// Classification overrides.
    pub reclassify: Reclassify,
    /// Officials' requests for a fresh analysis.
    pub request_analysis: RequestAnalysis,
    /// Officers' decisions on descriptions that may hold personal data.
    pub privacy_review: ReviewPrivacy,
    /// Officers' corrections of triage, and each rule's precision over them.
    pub corrections: TriageCorrections,
    /// Comments.
    pub comment: AddComment,
    /// "Me too".
    pub support: Support,
    /// Possible duplicates: at submission, and officers' nearby lists.
    pub duplicates: PossibleDuplicates,
    /// Photos added after submission.
    pub add_photos: AddPhotos,
    /// Serving photos.
    pub photo_files: PhotoFiles,
    /// Categories and departments.
    pub directory: Directory,
    /// One's notifications.
    pub notifications: Notifications,
    /// One's e-mail settings for notifications.
    pub notification_settings: NotificationSettings,
    /// Turning events into notifications (a handler of the bus).
    pub notify: Notify,
    /// Importing reports from a legacy system.
    pub import: ImportReports,
    /// Anonymising closed reports.
    pub retention: Retention,
    /// Statistics.
    pub stats: Statistics,
    ports: Ports,
}

impl UseCases {
    /// Builds every use case over the same ports.
    pub fn new(ports: Ports, policy: &Policy) -> Self {
        Self {
            accounts: Accounts::new(&ports),
            sessions: Sessions::new(&ports),
            service_accounts: ServiceAccounts::new(&ports),
            secrets: Secrets::new(&ports),
            audit: AuditTrail::new(&ports),
            submit: SubmitReport::new(&ports, policy),
            read: ReadReports::new(&ports, policy),
            transition: Transition::new(&ports, policy),
            assign: Assign::new(&ports, policy),
            reclassify: Reclassify::new(&ports, policy),
            request_analysis: RequestAnalysis::new(&ports),
            privacy_review: ReviewPrivacy::new(&ports, policy),
            corrections: TriageCorrections::new(&ports),
            comment: AddComment::new(&ports),
            support: Support::new(&ports, policy),
            duplicates: PossibleDuplicates::new(&ports, policy),
            add_photos: AddPhotos::new(&ports, policy),
            photo_files: PhotoFiles::new(&ports),
            directory: Directory::new(&ports, policy.service_area.clone()),
            notifications: Notifications::new(&ports),
            notification_settings: NotificationSettings::new(&ports),
            notify: Notify::new(&ports, policy),
            import: ImportReports::new(&ports, SubmitReport::new(&ports, policy)),
            retention: Retention::new(&ports, policy),
            stats: Statistics::new(&ports, policy.service_area.clone()),
            ports,
        }
    }

    /// The scheduled jobs of this instance (known to the job leases by a fresh id).
    pub fn jobs(&self, schedule: Schedule) -> Jobs {
        Jobs::new(&self.ports, schedule, self.ports.ids.new_id())
    }

    /// Whether the stores answer: the report store, and the session store
    /// (Redis when configured; every signed-in request needs it), asked
    /// about a session that cannot exist.
    pub async fn ready(&self) -> bool {
        let probe = crate::domain::identity::SessionId(uuid::Uuid::nil());
        self.ports.reports.ping().await.is_ok()
            && self
                .ports
                .sessions
                .is_active(probe, self.ports.clock.now())
                .await
                .is_ok()
    }
}
