//! `GET /admin/live`: the console's live connection — the API's WebSocket
//! protocol (`sinmungo.v1`, see [`sinmungo_http::live`]) signed in with the
//! console's cookie instead of a bearer token. The queue page follows its
//! department through it and every page's bell hears new notifications.
//!
//! A cookie travels with any WebSocket a page opens, whatever site the page
//! is on, so the upgrade is refused unless the `Origin` is the console's own
//! (cross-site WebSocket hijacking); `SameSite=Strict` is the second lock.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sinmungo_http::auth::CallerSession;
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::lang::Lang;
use crate::session::Officer;

/// `GET /admin/live`.
#[tracing::instrument(skip_all)]
pub(crate) async fn connect(
    State(state): State<AppState>,
    officer: Officer,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let lang = Lang::current();
    if !same_origin(&headers) {
        return PageError::new(
            StatusCode::FORBIDDEN,
            lang.pick(
                "요청을 확인할 수 없습니다",
                "The request could not be verified",
            ),
            lang.pick(
                "다른 사이트에서 연 실시간 연결은 받지 않습니다.",
                "Live connections opened from other sites are not accepted.",
            ),
        )
        .into_response();
    }
    let Ok(upgrade) = upgrade else {
        return PageError::new(
            StatusCode::UPGRADE_REQUIRED,
            lang.pick(
                "실시간 연결 전용 주소입니다",
                "An address for live connections",
            ),
            lang.pick(
                "이 주소는 WebSocket으로만 연결할 수 있습니다.",
                "This address only accepts WebSocket connections.",
            ),
        )
        .into_response();
    };
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == sinmungo_http::live::PROTOCOL);
    let caller = CallerSession {
        actor: officer.actor,
        session: Some(officer.session),
    };
    sinmungo_http::live::accept(&state, upgrade, caller, offered).into_response()
}

/// Whether the request's `Origin` names the host it was sent to (a browser
/// always sends `Origin` with a WebSocket handshake; a request without one
/// is not from a page, and is refused too).
fn same_origin(headers: &HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn only_the_consoles_own_pages_may_connect() {
        assert!(same_origin(&headers(
            Some("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        )));
        assert!(same_origin(&headers(
            Some("https://sinmungo.jeonbuk.go.kr"),
            "sinmungo.jeonbuk.go.kr"
        )));
        assert!(!same_origin(&headers(
            Some("https://evil.example"),
            "sinmungo.jeonbuk.go.kr"
        )));
        assert!(!same_origin(&headers(
            Some("http://127.0.0.1:9999"),
            "127.0.0.1:8080"
        )));
        assert!(!same_origin(&headers(Some("null"), "127.0.0.1:8080")));
        assert!(!same_origin(&headers(None, "127.0.0.1:8080")));
    }
}
