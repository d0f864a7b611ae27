//! Browser sessions of the console: the cookie, the signed-in officer of a
//! request, and the form token every form carries.
//!
//! The cookie holds a token signed with the API's keys naming the user and
//! the sign-in (a session family, as for the API's refresh tokens). Every
//! request checks the signature and expiry, asks whether the sign-in is
//! still live (sign-out, a password or role change, or disabling the account
//! ends it at once) and reloads the user, so the role and department are
//! always today's.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use sinmungo_core::domain::{Actor, Principal, SessionId, User};
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::ConsoleConfig;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "sinmungo_console";

/// A signed-in official, as of this request.
#[derive(Debug, Clone)]
pub(crate) struct Officer {
    /// The account, reloaded for this request.
    pub user: User,
    /// The actor the use cases are called with.
    pub actor: Actor,
    /// The sign-in.
    pub session: SessionId,
    /// The token this sign-in's forms carry.
    pub form_token: String,
    /// How many of the officer's notifications are unread (the bell).
    pub unread: u64,
}

impl Officer {
    /// Refuses a form whose token is not this sign-in's.
    pub(crate) fn check_form(&self, state: &AppState, token: &str) -> Result<(), PageError> {
        if state.tokens().check_form_token(self.session, token) {
            Ok(())
        } else {
            Err(PageError::bad_form_token())
        }
    }
}

/// Why a request has no officer: nobody is signed in (→ the sign-in page),
/// or the account is not an official's (→ 403), or a failure.
#[derive(Debug)]
pub(crate) enum NoOfficer {
    /// Not signed in, or the sign-in ended: go sign in.
    SignIn,
    /// A page explaining the refusal.
    Page(PageError),
}

impl IntoResponse for NoOfficer {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => {
                let mut response = Redirect::to("/admin/login").into_response();
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, cleared_cookie());
                response
            }
            Self::Page(page) => page.into_response(),
        }
    }
}

/// The value of the session cookie in a request, if any.
pub(crate) fn cookie_value(parts: &Parts) -> Option<&str> {
    named_cookie(&parts.headers, COOKIE)
}

/// The value of the cookie `wanted` in a request's headers, if any (and not empty).
pub(crate) fn named_cookie<'a>(
    headers: &'a axum::http::HeaderMap,
    wanted: &str,
) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The officer a request's cookie names, checked live.
pub(crate) async fn officer(parts: &Parts, state: &AppState) -> Result<Officer, NoOfficer> {
    let value = cookie_value(parts).ok_or(NoOfficer::SignIn)?;
    let named = state
        .tokens()
        .verify_browser_session(value)
        .map_err(|_| NoOfficer::SignIn)?;
    let use_cases = state.use_cases();
    let active = use_cases
        .sessions
        .is_active(named.session)
        .await
        .map_err(|error| NoOfficer::Page(PageError::internal(&error)))?;
    if !active {
        return Err(NoOfficer::SignIn);
    }
    let user = use_cases
        .accounts
        .user(named.user)
        .await
        .map_err(|error| NoOfficer::Page(PageError::internal(&error)))?
        .ok_or(NoOfficer::SignIn)?;
    if !user.role.is_official() {
        return Err(NoOfficer::Page(PageError::not_an_official()));
    }
    let form_token = state
        .tokens()
        .form_token(named.session)
        .map_err(|error| NoOfficer::Page(PageError::internal(&error)))?;
    let actor = Actor::User(Principal::from(&user));
    let unread = use_cases
        .notifications
        .unread_count(&actor)
        .await
        .map_err(|error| NoOfficer::Page(error.into()))?;
    Ok(Officer {
        actor,
        unread,
        user,
        session: named.session,
        form_token,
    })
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = NoOfficer;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        officer(parts, state).await
    }
}

/// `Set-Cookie` for a new sign-in.
pub(crate) fn session_cookie(
    value: &str,
    config: &ConsoleConfig,
) -> Result<HeaderValue, PageError> {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = config.session_lifetime.num_seconds();
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(|error| PageError::internal(&error))
}

/// `Set-Cookie` that removes the session cookie.
pub(crate) fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_static("sinmungo_console=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(cookie: &str) -> Parts {
        let (parts, ()) = Request::builder()
            .header(header::COOKIE, cookie)
            .body(())
            .unwrap()
            .into_parts();
        parts
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(
            cookie_value(&parts("a=1; sinmungo_console=abc.def; b=2")),
            Some("abc.def")
        );
        assert_eq!(cookie_value(&parts("sinmungo_console=")), None);
        assert_eq!(cookie_value(&parts("other=x")), None);
    }

    #[test]
    fn the_cookie_is_strict_http_only_and_secure_behind_https() {
        let plain = session_cookie("v", &ConsoleConfig::default()).unwrap();
        let plain = plain.to_str().unwrap();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(plain.contains("Path=/admin") && plain.contains("Max-Age=43200"));
        assert!(!plain.contains("Secure"));
        let secure = ConsoleConfig {
            secure_cookies: true,
            ..ConsoleConfig::default()
        };
        assert!(session_cookie("v", &secure)
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
    }
}
