//! Domain types: parsed on construction, so a value that exists is valid.

pub mod access;
pub mod audit;
pub mod category;
pub mod correction;
pub mod department;
pub mod duplicates;
pub mod event;
pub mod geo;
pub mod identity;
pub mod mail;
pub mod masking;
pub mod notification;
pub mod permission;
pub mod photo;
pub mod priority;
pub mod receipt;
pub mod report;
pub mod routing;
pub mod rules;
pub mod stats;
pub mod status;
pub mod text;
pub mod timeline;
pub mod user;
pub mod validation;

pub use access::{Actor, Principal};
pub use audit::AuditEntry;
pub use category::{Category, CategoryCode, SlaHours, SlaOverrides};
pub use department::{Department, DepartmentCode};
pub use event::{EventEnvelope, ReportEvent};
pub use geo::{BoundingBox, Circle, GeoPoint, Jurisdiction, MunicipalityCode, ServiceArea};
pub use identity::{
    ApiKey, ExternalIdentity, ExternalProfile, Provider, SealedSecret, SecretName, SecretValue,
    SessionId,
};
pub use notification::{Message, Notification, NotificationId, NotificationKind};
pub use permission::{Grant, Permission};
pub use photo::{Photo, PhotoId, PhotoKind, PhotoVariant};
pub use priority::{Priority, Sla};
pub use receipt::ReceiptNumber;
pub use report::{
    Analysis, DecidedBy, Privacy, PrivacyDecision, PrivacyReview, Report, ReportId, Visibility,
    DESCRIPTION_AWAITING_REVIEW, DESCRIPTION_KEPT_HIDDEN,
};
pub use routing::{Route, RoutingRule};
pub use status::ReportStatus;
pub use text::{Address, CommentBody, Description, DisplayName, Note, ReportTitle};
pub use timeline::{TimelineEntry, TimelineKind};
pub use user::{Email, Password, PasswordHash, Role, User, UserId};
pub use validation::{FieldError, Invalid};
