//! In-memory fakes of every Sinmungo port, for tests and demos: they keep the
//! contract of each port (checked by the contract suite in `sinmungo-tests`),
//! keep times to the microsecond as a database would, and fail on demand
//! through a shared [`Faults`] handle.
//!
//! ```
//! use sinmungo_core::app::{Policy, UseCases};
//!
//! let (ports, handles) = sinmungo_memory::memory_ports();
//! let use_cases = UseCases::new(ports, &Policy::default());
//! handles.faults.set_unavailable(true); // every store call now fails with `Unavailable`
//! # let _ = use_cases;
//! ```

mod audit_log;
mod directory_store;
mod faults;
mod job_lease;
mod media_store;
mod notification_store;
mod password_hasher;
mod ports;
mod report_store;
mod session_store;
mod settings_store;
mod system;
mod time;
mod user_store;

pub use audit_log::MemoryAuditLog;
pub use directory_store::MemoryDirectoryStore;
pub use faults::{Faults, INJECTED_FAULT};
pub use job_lease::MemoryJobLease;
pub use media_store::MemoryMediaStore;
pub use notification_store::MemoryNotificationStore;
pub use password_hasher::FakePasswordHasher;
pub use ports::{memory_ports, MemoryHandles};
pub use report_store::MemoryReportStore;
pub use session_store::MemorySessionStore;
pub use settings_store::{FakeSealer, MemorySettingsStore};
pub use system::{ManualClock, SequentialIds};
pub use user_store::MemoryUserStore;
