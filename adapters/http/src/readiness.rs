//! What `/ready` asks besides the stores: checks an app adds (the Kafka
//! topics the events go to), each able to say why the instance is not
//! ready in words an operator can act on.

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::StatusCode;

use crate::ApiError;

/// Why a [`ReadinessCheck`] failed: a stable code and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    /// The problem's `code` (`kafka_topic_missing`, …).
    pub code: &'static str,
    /// The problem's `detail`: what is missing and how to fix it, Korean first.
    pub detail: String,
}

/// One more thing `/ready` requires.
#[async_trait]
pub trait ReadinessCheck: Send + Sync + std::fmt::Debug {
    /// `Ok` when what it checks is in order.
    async fn check(&self) -> Result<(), NotReady>;
}

/// The checks of an instance, asked in order; the first failure answers.
pub(crate) type Checks = Arc<[Arc<dyn ReadinessCheck>]>;

/// The first failing check among `checks`, as the 503 `/ready` answers.
pub(crate) async fn first_failure(checks: &[Arc<dyn ReadinessCheck>]) -> Option<ApiError> {
    for check in checks {
        if let Err(not_ready) = check.check().await {
            return Some(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                not_ready.code,
                "준비되지 않음",
                not_ready.detail,
            ));
        }
    }
    None
}
