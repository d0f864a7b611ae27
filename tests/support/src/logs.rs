//! What the code under test logs, captured: a `tracing` fmt subscriber
//! that writes plain text into memory, set as this thread's default.
//!
//! A test using it wants a test binary of its own: tracing caches per call
//! site whether anyone listens, so a test on another thread of the same
//! binary that hits a call site first, with no subscriber, would silence it
//! here. Async tests keep to one thread with `#[tokio::test]`'s default
//! current-thread runtime.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::subscriber::DefaultGuard;

/// Everything the fmt subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The logs of this thread, from [`CapturedLogs::start`] until it is dropped.
pub struct CapturedLogs {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl std::fmt::Debug for CapturedLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturedLogs").finish_non_exhaustive()
    }
}

impl CapturedLogs {
    /// Captures what this thread logs at `level` and above, without colours.
    #[must_use]
    pub fn start(level: tracing::Level) -> Self {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        Self {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything logged so far.
    #[must_use]
    pub fn text(&self) -> String {
        let bytes = self
            .buffer
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
