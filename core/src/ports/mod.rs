//! Ports: what the core needs from the outside world. Adapters implement them;
//! every one is used as `Arc<dyn Port>` and has a `mockall` mock under the
//! `mock` feature.

mod ai;
mod audit_log;
mod backup;
mod directory_store;
mod error;
mod event_publisher;
mod fanout;
mod identity_provider;
mod job_lease;
mod mail_queue;
mod mailer;
mod media_store;
mod notification_store;
mod outbox;
mod password_hasher;
mod photo_processor;
mod rate_limiter;
mod report_store;
mod session_store;
mod settings_store;
mod system;
mod user_store;

pub use ai::{
    AiError, CategoryChoice, Detection, Detections, ImageDetector, ImageInput, TextAnalyzer,
    TextRequest, TextSuggestion,
};
pub use audit_log::{AuditLog, AuditQuery};
pub use backup::{BackupReport, DatabaseBackup};
pub use directory_store::DirectoryStore;
pub use error::{StoreError, Uniqueness};
pub use event_publisher::{EventPublisher, PublishError};
pub use fanout::{Fanout, Push, PushSink};
pub use identity_provider::{
    Authorization, CodeExchange, IdentityError, IdentityProvider, ProviderChallenge,
    ProviderEndpoint,
};
pub use job_lease::JobLease;
pub use mail_queue::{MailQueue, QueuedDigest, QueuedMail};
pub use mailer::{MailError, Mailer, OutgoingMail};
pub use media_store::{Blob, InvalidMediaKey, MediaError, MediaKey, MediaStore};
pub use notification_store::{NotificationPage, NotificationQuery, NotificationStore};
pub use outbox::{ClaimedEvent, Outbox};
pub use password_hasher::{HashError, PasswordHasher};
pub use photo_processor::{PhotoInfo, PhotoProcessor, PhotoRejection, PreparedPhoto};
pub use rate_limiter::{Quota, RateDecision, RateLimitError, RateLimiter};
pub use report_store::{
    CorrectionPage, CorrectionQuery, Due, Page, ReportChange, ReportOrder, ReportQuery,
    ReportSketch, ReportStore, ReportWrite, Scope, Supporter, MAX_PAGE_SIZE,
};
pub use session_store::{Consumed, RefreshSession, SessionStore};
pub use settings_store::{SealError, SecretSealer, SettingsStore};
pub use system::{Clock, IdGenerator, SystemClock, UuidV7Ids};
pub use user_store::{Account, UserStore};

#[cfg(any(test, feature = "mock"))]
pub use ai::{MockImageDetector, MockTextAnalyzer};
#[cfg(any(test, feature = "mock"))]
pub use audit_log::MockAuditLog;
#[cfg(any(test, feature = "mock"))]
pub use backup::MockDatabaseBackup;
#[cfg(any(test, feature = "mock"))]
pub use directory_store::MockDirectoryStore;
#[cfg(any(test, feature = "mock"))]
pub use event_publisher::MockEventPublisher;
#[cfg(any(test, feature = "mock"))]
pub use fanout::MockFanout;
#[cfg(any(test, feature = "mock"))]
pub use identity_provider::MockIdentityProvider;
#[cfg(any(test, feature = "mock"))]
pub use job_lease::MockJobLease;
#[cfg(any(test, feature = "mock"))]
pub use mail_queue::MockMailQueue;
#[cfg(any(test, feature = "mock"))]
pub use mailer::MockMailer;
#[cfg(any(test, feature = "mock"))]
pub use media_store::MockMediaStore;
#[cfg(any(test, feature = "mock"))]
pub use notification_store::MockNotificationStore;
#[cfg(any(test, feature = "mock"))]
pub use outbox::MockOutbox;
#[cfg(any(test, feature = "mock"))]
pub use password_hasher::MockPasswordHasher;
#[cfg(any(test, feature = "mock"))]
pub use photo_processor::MockPhotoProcessor;
#[cfg(any(test, feature = "mock"))]
pub use rate_limiter::MockRateLimiter;
#[cfg(any(test, feature = "mock"))]
pub use report_store::MockReportStore;
#[cfg(any(test, feature = "mock"))]
pub use session_store::MockSessionStore;
#[cfg(any(test, feature = "mock"))]
pub use settings_store::{MockSecretSealer, MockSettingsStore};
#[cfg(any(test, feature = "mock"))]
pub use system::{MockClock, MockIdGenerator};
#[cfg(any(test, feature = "mock"))]
pub use user_store::MockUserStore;
