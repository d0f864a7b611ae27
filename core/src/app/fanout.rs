//! The fan-out of a single instance: pushes go straight to this process's
//! subscribers. (With Redis, `sinmungo-redis` carries them to every instance.)

use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;

use crate::ports::{Fanout, Push, PushSink};

/// Hands every push to the sinks subscribed in this process.
#[derive(Default)]
pub struct InProcessFanout {
    sinks: RwLock<Vec<Arc<dyn PushSink>>>,
}

impl std::fmt::Debug for InProcessFanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sinks = self
            .sinks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("InProcessFanout")
            .field("sinks", &sinks)
            .finish()
    }
}

impl InProcessFanout {
    /// Adds a sink that receives every push from now on.
    pub fn subscribe(&self, sink: Arc<dyn PushSink>) {
        self.sinks
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sink);
    }

    /// Hands `push` to every sink.
    fn hand_out(&self, push: &Push) {
        let sinks = self
            .sinks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for sink in sinks {
            sink.deliver(push);
        }
    }
}

#[async_trait]
impl Fanout for InProcessFanout {
    async fn publish(&self, push: Push) {
        self.hand_out(&push);
    }
}

/// A transport (Redis) hands what it receives from every instance here, to
/// this process's sinks.
impl PushSink for InProcessFanout {
    fn deliver(&self, push: &Push) {
        self.hand_out(push);
    }
}
