//! Fault injection: one switch shared by every memory store, so tests can
//! make the "store is down" paths (HTTP 503) happen on demand.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use sinmungo_core::ports::StoreError;

/// The reason every injected failure carries.
pub const INJECTED_FAULT: &str = "injected fault";

/// A cloneable handle; every clone controls the same stores.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    unavailable: AtomicBool,
    fail_next: AtomicU32,
}

impl Faults {
    /// A handle with no faults injected.
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every store call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        self.inner.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// The next `calls` store calls (of any store sharing this handle) fail, then calls succeed again.
    pub fn fail_next(&self, calls: u32) {
        self.inner.fail_next.store(calls, Ordering::SeqCst);
    }

    /// Removes every injected fault.
    pub fn clear(&self) {
        self.set_unavailable(false);
        self.fail_next(0);
    }

    /// Called first by every store method: the injected failure, if one is due.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        let due = self.inner.unavailable.load(Ordering::SeqCst)
            || self
                .inner
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if due {
            Err(StoreError::Unavailable(INJECTED_FAULT.to_owned()))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_next_fails_exactly_that_many_calls_across_clones() {
        let faults = Faults::new();
        let clone = faults.clone();
        faults.fail_next(2);
        assert!(clone.check().is_err());
        assert!(faults.check().is_err());
        assert!(clone.check().is_ok());
    }

    #[test]
    fn unavailable_lasts_until_switched_off() {
        let faults = Faults::new();
        faults.set_unavailable(true);
        for _ in 0..3 {
            assert!(matches!(
                faults.check(),
                Err(StoreError::Unavailable(reason)) if reason == INJECTED_FAULT
            ));
        }
        faults.set_unavailable(false);
        assert!(faults.check().is_ok());
    }
}
