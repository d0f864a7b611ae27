//! What every handler shares.

use std::sync::Arc;

use sinmungo_core::app::UseCases;

use crate::auth::TokenService;

/// Shared state: the use cases and the token service.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    use_cases: UseCases,
    tokens: TokenService,
}

impl AppState {
    /// Bundles the use cases and token service.
    pub fn new(use_cases: UseCases, tokens: TokenService) -> Self {
        Self {
            inner: Arc::new(Inner { use_cases, tokens }),
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
}
