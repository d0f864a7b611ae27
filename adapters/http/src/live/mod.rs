//! Live updates over WebSocket at `/api/v1/ws` (subprotocol `sinmungo.v1`):
//! a signed-in person's new notifications, and the reports a client follows
//! (one report, a department's queue, a map area) as they change, each as
//! that client may see it.
//!
//! Clients sign in with `Authorization: Bearer …`, or — browsers cannot set
//! headers on a WebSocket — with the subprotocol `bearer.{access_token}`
//! offered next to `sinmungo.v1` (the server answers with `sinmungo.v1`
//! alone); never a token in the URL. Without either, the client is
//! anonymous and may follow public reports.
//!
//! Pushes are best effort: notifications are stored before they are pushed,
//! so a client that reconnects re-reads `GET /api/v1/notifications`.

mod connection;
mod hub;
mod protocol;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sinmungo_core::domain::Actor;

use crate::auth::{authenticate_bearer, CallerSession};
use crate::openapi::problems::{problem, Answers, Problem, Problems};
use crate::problem::ApiError;
use crate::state::AppState;

pub use hub::{Hub, LiveConfig};
pub use protocol::PROTOCOL;

/// The read buffer of a connection, in bytes (client messages are small).
const READ_BUFFER: usize = 4 * 1024;

/// How much a connection gathers before writing to the socket (pushes are
/// written one by one anyway; a report view is a few KiB).
const WRITE_BUFFER: usize = 8 * 1024;

/// What a connection that cannot be opened answers (besides a bearer
/// credential's problems).
impl Answers for WebSocketUpgrade {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade_required",
            "WebSocket 클라이언트로 연결해야 합니다 (subprotocol `sinmungo.v1`)",
        ),
        problem(
            StatusCode::BAD_REQUEST,
            "unsupported_protocol",
            "subprotocol로 `sinmungo.v1`을 제안해야 합니다",
        ),
    ];
}

/// `GET /api/v1/ws`: upgrades to a live connection.
#[utoipa::path(
    get,
    path = "/ws",
    tag = "알림",
    summary = "실시간 연결 (WebSocket, subprotocol `sinmungo.v1`)",
    description = "내 새 알림과, 구독한 신고(한 건, 부서 업무함, 지도 영역)의 변경을 JSON 메시지로 받습니다. 브라우저는 헤더 대신 subprotocol `bearer.<access_token>`으로 로그인합니다. 토큰이 없으면 공개 신고만 따라갈 수 있습니다.",
    params(
        ("Sec-WebSocket-Protocol" = Option<String>, Header, description = "`sinmungo.v1` (브라우저는 `bearer.<access_token>`도)", example = "sinmungo.v1"),
    ),
    responses(
        (status = 101, description = "WebSocket으로 전환"),
        Problems<WebSocketUpgrade, CallerSession>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|_| {
        ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade_required",
            "WebSocket upgrade required",
            "connect with a WebSocket client (subprotocol sinmungo.v1) (WebSocket으로 연결해 주세요)",
        )
    })?;
    let offered: Vec<String> = headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if !offered.is_empty() && !offered.iter().any(|p| p == PROTOCOL) {
        return Err(ApiError::bad_request(
            "unsupported_protocol",
            format!("offer the subprotocol {PROTOCOL} (지원하지 않는 프로토콜입니다)"),
        ));
    }
    let header_token = headers
        .get(AUTHORIZATION)
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::unauthenticated(
                        "invalid_token",
                        "the access token is invalid or expired",
                    )
                })
        })
        .transpose()?;
    let protocol_token = offered
        .iter()
        .find_map(|p| p.strip_prefix(protocol::BEARER_PREFIX))
        .map(str::to_owned);
    let caller = match header_token.or(protocol_token) {
        Some(token) => authenticate_bearer(&token, &state).await?,
        None => CallerSession {
            actor: Actor::Anonymous,
            session: None,
        },
    };
    accept(&state, upgrade, caller, !offered.is_empty())
}

/// Upgrades `upgrade` to a live connection for `caller`, who is already
/// authenticated — by the API's bearer token in [`ws`], or by another
/// front end's own sign-in (the officers' console's cookie). With
/// `subprotocol`, the answer names `sinmungo.v1` (the client offered it).
///
/// # Errors
///
/// `503 service_unavailable` while the server is stopping.
pub fn accept(
    state: &AppState,
    upgrade: WebSocketUpgrade,
    caller: CallerSession,
    subprotocol: bool,
) -> Result<Response, ApiError> {
    let hub = state.live().clone();
    let Some((id, connection, queue)) = hub.register(caller.actor, caller.session) else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Service unavailable",
            "the server is stopping; reconnect to another (잠시 후 다시 연결해 주세요)",
        ));
    };
    let upgrade = if subprotocol {
        upgrade.protocols([PROTOCOL])
    } else {
        upgrade
    };
    let limit = hub.config().max_message_bytes;
    Ok(upgrade
        .max_message_size(limit)
        .max_frame_size(limit)
        // A client sends a few small messages; the default 128 KiB read
        // buffer per connection would be most of an idle socket's memory.
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .on_failed_upgrade({
            let hub = hub.clone();
            move |error| {
                tracing::debug!(%error, "a WebSocket upgrade failed");
                hub.remove(id);
            }
        })
        .on_upgrade(move |socket| connection::run(socket, hub, id, connection, queue)))
}
