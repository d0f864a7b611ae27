//! Signing in (e-mail and password) and out. Only officials get a session:
//! citizens and service accounts are told the console is not for them.
//! Attempts count against the API's sign-in limits (per address, and
//! failures per account).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::LoginError;
use sinmungo_http::auth::TokenService;
use sinmungo_http::limits::ClientIp;
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::forms::{LoginForm, TokenOnly};
use crate::lang::Lang;
use crate::pages::{layout, oauth};
use crate::session::{self, Officer};
use crate::ConsoleConfig;

/// `?signed_out=1` after signing out.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    signed_out: Option<String>,
}

/// `GET /admin/login`: the form (or the queue, when already signed in).
pub(crate) async fn form(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
    request: axum::extract::Request,
) -> Response {
    let (parts, _) = request.into_parts();
    if session::officer(&parts, &state).await.is_ok() {
        return Redirect::to("/admin").into_response();
    }
    let notice = query
        .signed_out
        .map(|_| Lang::current().pick("로그아웃했습니다.", "You have signed out."));
    page(&state, StatusCode::OK, "", notice, None)
}

/// What too many attempts are told.
pub(crate) fn too_many() -> &'static str {
    Lang::current().pick(
        "로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        "Too many sign-in attempts. Please try again later.",
    )
}

/// What a disabled account is told.
pub(crate) fn disabled() -> &'static str {
    Lang::current().pick(
        "비활성화된 계정입니다. 관리자에게 문의하세요.",
        "This account is disabled. Please contact an administrator.",
    )
}

/// What a citizen's (or a service) account is told.
fn not_an_official() -> &'static str {
    Lang::current().pick(
        "관리 콘솔은 담당 공무원, 부서 관리자, 관리자만 사용할 수 있습니다. 시민 계정으로는 로그인할 수 없습니다.",
        "The console is for officers, department managers and administrators only. A citizen's account cannot sign in.",
    )
}

/// The sign-in page: the password form and the configured providers' buttons.
pub(crate) fn page(
    state: &AppState,
    status: StatusCode,
    email: &str,
    notice: Option<&str>,
    error: Option<&str>,
) -> Response {
    let lang = Lang::current();
    let body: Markup = html! {
        h1 { (lang.pick("관리 콘솔 로그인", "Sign in to the console")) }
        p { (lang.pick("담당 공무원, 부서 관리자, 관리자 계정으로 로그인하세요.", "Sign in with an officer's, a department manager's or an administrator's account.")) }
        @if let Some(notice) = notice {
            p.notice role="status" { (notice) }
        }
        @if let Some(error) = error {
            p.error #login-error role="alert" { (error) }
        }
        form.login method="post" action="/admin/login" {
            p {
                label for="email" { (lang.pick("이메일", "E-mail")) }
                input #email type="email" name="email" value=(email) autocomplete="username" required
                    aria-describedby=[error.map(|_| "login-error")];
            }
            p {
                label for="password" { (lang.pick("비밀번호", "Password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            p { button type="submit" { (lang.pick("로그인", "Sign in")) } }
        }
        (oauth::buttons(state))
    };
    (
        status,
        layout::page(lang.pick("로그인", "Sign in"), None, &body),
    )
        .into_response()
}

/// Whether a form post came from another site (the browser says so, or its
/// `Origin` is not the host it was sent to). The sign-in form has no session
/// yet, so no form token: this keeps other sites from signing a browser in.
fn cross_site(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => {
            let origin_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .unwrap_or(origin);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// `POST /admin/login`: checks the password, refuses non-officials, opens a
/// sign-in and sets the cookie → 303 to the queue.
#[tracing::instrument(skip_all)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(config): Extension<ConsoleConfig>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if cross_site(&headers) {
        return PageError::bad_form_token().into_response();
    }
    let throttle = state.throttle();
    let limits = *throttle.limits();
    if throttle
        .hit(&format!("login:ip:{}", ip.key()), limits.login_per_ip)
        .await
        .is_err()
    {
        return page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            None,
            Some(too_many()),
        );
    }
    let account = format!("login:fail:{}", form.email.trim().to_lowercase());
    if throttle
        .check(&account, limits.login_failures_per_account)
        .await
        .is_err()
    {
        return page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            None,
            Some(too_many()),
        );
    }
    let accounts = &state.use_cases().accounts;
    let user = match accounts.login(&form.email, &form.password).await {
        Ok(user) => user,
        Err(LoginError::InvalidCredentials) => {
            let quota = limits.login_failures_per_account;
            if throttle.record(&account, quota).await {
                let ip = ip.0.map(|ip| ip.to_string());
                if let Err(error) = accounts
                    .record_failed_logins(&form.email, quota.limit, quota.window.as_secs(), ip)
                    .await
                {
                    tracing::warn!(%error, "could not audit a burst of failed sign-ins");
                }
            }
            return page(
                &state,
                StatusCode::UNAUTHORIZED,
                &form.email,
                None,
                Some(Lang::current().pick(
                    "이메일 또는 비밀번호가 올바르지 않습니다.",
                    "The e-mail or password is not correct.",
                )),
            );
        }
        Err(LoginError::Disabled) => {
            return page(
                &state,
                StatusCode::FORBIDDEN,
                &form.email,
                None,
                Some(disabled()),
            )
        }
        Err(LoginError::Unavailable(reason)) => {
            return PageError::unavailable(&reason).into_response()
        }
        Err(LoginError::Unknown(error)) => return PageError::internal(&error).into_response(),
    };
    throttle.reset(&account).await;
    signed_in(&state, &config, &user)
        .await
        .unwrap_or_else(|refusal| refusal)
}

/// After `user` proved who they are (password or identity provider): an
/// official gets a sign-in and the cookie → 303 to the queue; anyone else
/// the sign-in page saying the console is not for them.
pub(crate) async fn signed_in(
    state: &AppState,
    config: &ConsoleConfig,
    user: &sinmungo_core::domain::User,
) -> Result<Response, Response> {
    if !user.role.is_official() {
        return Err(page(
            state,
            StatusCode::FORBIDDEN,
            user.email.as_str(),
            None,
            Some(not_an_official()),
        ));
    }
    let cookie = open(state, config, user)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut response = Redirect::to("/admin").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Opens a sign-in for `user` and returns its `Set-Cookie` value. The
/// session family is stored under the hash of a random token nobody holds:
/// a console sign-in is never refreshed, only ended.
async fn open(
    state: &AppState,
    config: &ConsoleConfig,
    user: &sinmungo_core::domain::User,
) -> Result<axum::http::HeaderValue, PageError> {
    let (_, hash) = TokenService::refresh_token();
    let family = state
        .use_cases()
        .sessions
        .open(user.id, hash, config.session_lifetime)
        .await
        .map_err(|error| PageError::internal(&error))?;
    let value = state
        .tokens()
        .browser_session(user.id, family, config.session_lifetime)
        .map_err(|error| PageError::internal(&error))?;
    session::session_cookie(&value, config)
}

/// `POST /admin/logout`: ends the sign-in → 303 to the sign-in page.
#[tracing::instrument(skip_all)]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<TokenOnly>,
) -> Result<Response, PageError> {
    officer.check_form(&state, &form.csrf)?;
    state
        .use_cases()
        .sessions
        .end(officer.session)
        .await
        .map_err(|error| PageError::internal(&error))?;
    let mut response = Redirect::to("/admin/login?signed_out=1").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cleared_cookie());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::cross_site;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn sign_in_posts_from_other_sites_are_told_apart() {
        assert!(!cross_site(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(!cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example")
        ])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
    }
}
