//! Every fake wired into one [`Ports`] bundle, with handles to steer and inspect them.

use std::sync::Arc;

use sinmungo_core::app::{InProcessFanout, Ports};

use crate::{
    FakePasswordHasher, FakeSealer, Faults, ManualClock, MemoryAuditLog, MemoryDirectoryStore,
    MemoryJobLease, MemoryMediaStore, MemoryNotificationStore, MemoryReportStore,
    MemorySessionStore, MemorySettingsStore, MemoryUserStore, SequentialIds,
};

/// The concrete fakes behind a [`Ports`] bundle, sharing one [`Faults`] handle.
#[derive(Debug, Clone)]
pub struct MemoryHandles {
    /// Makes every store fail on demand.
    pub faults: Faults,
    /// The time every use case sees.
    pub clock: Arc<ManualClock>,
    /// The id generator.
    pub ids: Arc<SequentialIds>,
    /// Reports, timelines and the outbox.
    pub reports: Arc<MemoryReportStore>,
    /// Accounts.
    pub users: Arc<MemoryUserStore>,
    /// Categories and departments (empty until seeded).
    pub directory: Arc<MemoryDirectoryStore>,
    /// Refresh sessions.
    pub sessions: Arc<MemorySessionStore>,
    /// The audit log, shared with the report store as in a database.
    pub audit: MemoryAuditLog,
    /// Photo blobs.
    pub media: Arc<MemoryMediaStore>,
    /// Sealed secrets (sealed by [`FakeSealer`]).
    pub settings: Arc<MemorySettingsStore>,
    /// Notifications.
    pub notifications: Arc<MemoryNotificationStore>,
    /// Live pushes, to subscribers in this process.
    pub fanout: Arc<InProcessFanout>,
    /// Scheduled jobs' leases.
    pub leases: Arc<MemoryJobLease>,
}

impl MemoryHandles {
    /// Fresh, empty fakes; the clock shows [`ManualClock::default`].
    pub fn new() -> Self {
        let faults = Faults::new();
        let audit = MemoryAuditLog::new(faults.clone());
        Self {
            clock: Arc::new(ManualClock::default()),
            ids: Arc::new(SequentialIds::default()),
            reports: Arc::new(MemoryReportStore::with_audit_log(
                faults.clone(),
                audit.clone(),
            )),
            users: Arc::new(MemoryUserStore::new(faults.clone())),
            directory: Arc::new(MemoryDirectoryStore::new(faults.clone())),
            sessions: Arc::new(MemorySessionStore::new(faults.clone())),
            media: Arc::new(MemoryMediaStore::new(faults.clone())),
            settings: Arc::new(MemorySettingsStore::new(faults.clone())),
            notifications: Arc::new(MemoryNotificationStore::new(faults.clone())),
            fanout: Arc::new(InProcessFanout::default()),
            leases: Arc::new(MemoryJobLease::new(faults.clone())),
            audit,
            faults,
        }
    }

    /// The fakes as the port bundle the use cases take (password hashing is [`FakePasswordHasher`]).
    pub fn ports(&self) -> Ports {
        Ports {
            reports: self.reports.clone(),
            users: self.users.clone(),
            directory: self.directory.clone(),
            sessions: self.sessions.clone(),
            audit: Arc::new(self.audit.clone()),
            media: self.media.clone(),
            settings: self.settings.clone(),
            notifications: self.notifications.clone(),
            fanout: self.fanout.clone(),
            leases: self.leases.clone(),
            sealer: Arc::new(FakeSealer),
            hasher: Arc::new(FakePasswordHasher),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
        }
    }
}

impl Default for MemoryHandles {
    fn default() -> Self {
        Self::new()
    }
}

/// Fresh fakes as a [`Ports`] bundle plus the handles to steer and inspect them.
pub fn memory_ports() -> (Ports, MemoryHandles) {
    let handles = MemoryHandles::new();
    (handles.ports(), handles)
}
