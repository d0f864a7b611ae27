//! The `Authorization: Bearer …` header, turned into the acting [`Actor`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sinmungo_core::domain::Actor;

use crate::problem::ApiError;
use crate::state::AppState;

/// The caller of a request: anonymous without a token; a bad token is a 401,
/// never silently anonymous.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Self(Actor::Anonymous));
        };
        let invalid =
            || ApiError::unauthenticated("invalid_token", "the access token is invalid or expired");
        let value = header.to_str().map_err(|_| invalid())?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(invalid)?;
        let principal = state.tokens().verify(token).map_err(|_| invalid())?;
        Ok(Self(Actor::User(principal)))
    }
}
