//! What every handler shares.

use std::sync::Arc;

use sinmungo_core::app::{InProcessRateLimiter, UseCases};
use sinmungo_core::ports::{PhotoProcessor, SystemClock};

use crate::auth::{OAuthClient, TokenService};
use crate::limits::{RateLimits, Throttle};
use crate::live::{Hub, LiveConfig};
use crate::open311::Open311Config;
use crate::readiness::{Checks, ReadinessCheck};
use crate::upload::PhotoIntake;
use crate::HttpConfig;

/// Shared state: the use cases, the token service and the photo intake.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    uploads: Arc<PhotoIntake>,
    throttle: Throttle,
    trust_forwarded_for: bool,
    oauth: Option<OAuthClient>,
    live: Hub,
    open311: Arc<Open311Config>,
    readiness: Checks,
}

#[derive(Debug)]
struct Inner {
    use_cases: UseCases,
    tokens: TokenService,
}

impl AppState {
    /// Bundles the use cases, the token service and the processor uploaded
    /// photos go through (uploads get [`HttpConfig`]'s byte limits until
    /// [`router`](crate::router) applies its own; pixel limits are the
    /// processor's).
    pub fn new(use_cases: UseCases, tokens: TokenService, photos: Arc<dyn PhotoProcessor>) -> Self {
        Self {
            live: Hub::new(use_cases.clone(), LiveConfig::default()),
            inner: Arc::new(Inner { use_cases, tokens }),
            uploads: Arc::new(PhotoIntake::new(HttpConfig::default(), photos)),
            throttle: Throttle::new(
                Arc::new(InProcessRateLimiter::new(Arc::new(SystemClock))),
                RateLimits::default(),
            ),
            trust_forwarded_for: false,
            oauth: None,
            open311: Arc::new(Open311Config::default()),
            readiness: Arc::new([]),
        }
    }

    /// The same state with `/ready` also requiring `check` (after the
    /// stores, and after the checks added before it).
    pub fn with_readiness(self, check: Arc<dyn ReadinessCheck>) -> Self {
        let readiness = self.readiness.iter().cloned().chain([check]).collect();
        Self { readiness, ..self }
    }

    /// What `/ready` requires besides the stores.
    pub(crate) fn readiness(&self) -> &Checks {
        &self.readiness
    }

    /// The same state with the Open311 interface set as `config` says.
    pub fn with_open311(self, config: Open311Config) -> Self {
        Self {
            open311: Arc::new(config),
            ..self
        }
    }

    /// The Open311 interface's settings.
    pub(crate) fn open311(&self) -> &Open311Config {
        &self.open311
    }

    /// The same state with sign-in through identity providers
    /// (`/api/v1/auth/oauth/{provider}/…`); without it every provider is
    /// unknown (404).
    pub fn with_oauth(self, oauth: OAuthClient) -> Self {
        Self {
            oauth: Some(oauth),
            ..self
        }
    }

    /// [`AppState::with_oauth`] when there is a client, else unchanged.
    pub fn with_oauth_client(self, oauth: Option<OAuthClient>) -> Self {
        match oauth {
            Some(client) => self.with_oauth(client),
            None => self,
        }
    }

    /// The OAuth client, when sign-in through providers is configured.
    pub fn oauth(&self) -> Option<&OAuthClient> {
        self.oauth.as_ref()
    }

    /// The same state with rate limits counted by `throttle`.
    pub fn with_throttle(self, throttle: Throttle) -> Self {
        Self { throttle, ..self }
    }

    /// The same state taking client addresses from `X-Forwarded-For` (behind
    /// a reverse proxy you trust) or not.
    pub fn with_forwarded_for(self, trust: bool) -> Self {
        Self {
            trust_forwarded_for: trust,
            ..self
        }
    }

    /// The same state with live connections set as `config` says (call it
    /// before handing [`AppState::live`] to the fan-out).
    pub fn with_live_config(self, config: LiveConfig) -> Self {
        Self {
            live: Hub::new(self.inner.use_cases.clone(), config),
            ..self
        }
    }

    /// The live connections of this instance: subscribe it to the fan-out
    /// (it is the [`PushSink`](sinmungo_core::ports::PushSink) that pushes
    /// reach clients through).
    pub fn live(&self) -> &Hub {
        &self.live
    }

    /// The rate limits.
    pub fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    /// Whether `X-Forwarded-For` names the client.
    pub(crate) fn trust_forwarded_for(&self) -> bool {
        self.trust_forwarded_for
    }

    /// The same state with uploads limited as `config` says.
    pub(crate) fn with_uploads(self, config: HttpConfig) -> Self {
        let processor = self.uploads.processor().clone();
        Self {
            uploads: Arc::new(PhotoIntake::new(config, processor)),
            ..self
        }
    }

    /// The use cases.
    pub fn use_cases(&self) -> &UseCases {
        &self.inner.use_cases
    }

    /// The token service.
    pub fn tokens(&self) -> &TokenService {
        &self.inner.tokens
    }

    /// Where uploaded photos are received and processed.
    pub fn uploads(&self) -> &PhotoIntake {
        &self.uploads
    }
}
