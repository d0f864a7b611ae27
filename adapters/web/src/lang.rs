//! The console's two languages: Korean first, English second.
//!
//! The language is the `sinmungo_lang` cookie's (`ko` or `en`), set by the
//! switch in every page's header (`GET /admin/lang/{code}?next=/admin/…`);
//! without it the console speaks Korean (`Accept-Language` is not asked).
//! A middleware reads it once per request and keeps it, with the page's own
//! address for the switch, for the request's task: a page writes
//! `let lang = Lang::current();` and then `lang.pick("부서 대기열", "Department
//! queue")` where it writes a text, so the Korean stays next to its English.

use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;

use crate::ConsoleConfig;

/// The language cookie's name.
pub(crate) const COOKIE: &str = "sinmungo_lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Korean, the default.
    #[default]
    Ko,
    /// English.
    En,
}

impl Lang {
    /// The language's code: `ko`, `en` (the `lang` attribute, the cookie).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Ko => "ko",
            Self::En => "en",
        }
    }

    /// The language a code names.
    pub(crate) fn parse(code: &str) -> Option<Self> {
        match code {
            "ko" => Some(Self::Ko),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The Korean or the English text.
    pub(crate) fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Ko => ko,
            Self::En => en,
        }
    }

    /// The Korean or the English text, when they are built with `format!`.
    pub(crate) fn pick_string(
        self,
        ko: impl FnOnce() -> String,
        en: impl FnOnce() -> String,
    ) -> String {
        match self {
            Self::Ko => ko(),
            Self::En => en(),
        }
    }

    /// The language of the request being answered (Korean outside one).
    pub(crate) fn current() -> Self {
        REQUEST.try_with(|r| r.lang).unwrap_or_default()
    }

    /// The other language: what the header's switch offers.
    pub(crate) fn other(self) -> Self {
        match self {
            Self::Ko => Self::En,
            Self::En => Self::Ko,
        }
    }

    /// The other language's name, in itself: the switch's text.
    pub(crate) fn switch_label(self) -> &'static str {
        match self.other() {
            Self::Ko => "한국어",
            Self::En => "English",
        }
    }
}

/// A text in both languages, for constants (a page's title, a field's
/// label): `Text("계정과 역할", "Accounts and roles")`. It writes itself in
/// the request's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text(pub &'static str, pub &'static str);

impl Text {
    /// The text in the request's language.
    pub(crate) fn get(self) -> &'static str {
        Lang::current().pick(self.0, self.1)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

/// What the request's task knows: its language and where the language
/// switch should come back to.
#[derive(Debug, Clone)]
struct RequestLang {
    lang: Lang,
    back: String,
}

tokio::task_local! {
    static REQUEST: RequestLang;
}

/// The language a request's cookie chooses (Korean without one).
pub(crate) fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
    crate::session::named_cookie(headers, COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// The address the language switch comes back to: this page for a GET,
/// the queue after a form (its address answers only POST).
pub(crate) fn back() -> String {
    REQUEST
        .try_with(|r| r.back.clone())
        .unwrap_or_else(|_| "/admin".to_owned())
}

/// The middleware: every console request runs knowing its language.
pub(crate) async fn scope(request: Request, next: Next) -> Response {
    let lang = from_headers(request.headers());
    let back = if request.method() == Method::GET {
        request
            .uri()
            .path_and_query()
            .map_or("/admin", |p| p.as_str())
            .to_owned()
    } else {
        "/admin".to_owned()
    };
    let back = local(&back).unwrap_or("/admin").to_owned();
    REQUEST
        .scope(RequestLang { lang, back }, next.run(request))
        .await
}

/// `next`, when it is a console address of this site (`/admin`, `/admin/…`,
/// `/admin?…`); anything else — another site, `//host`, a backslash — is not.
pub(crate) fn local(next: &str) -> Option<&str> {
    let rest = next.strip_prefix("/admin")?;
    let shape = rest.is_empty() || rest.starts_with('/') || rest.starts_with('?');
    let clean = !next.contains('\\')
        && !next.contains("//")
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    (shape && clean).then_some(next)
}

/// `?next=` of the switch.
#[derive(Debug, Deserialize)]
pub(crate) struct SwitchQuery {
    #[serde(default)]
    next: Option<String>,
}

/// `GET /admin/lang/{code}?next=/admin/…`: sets the cookie and goes back to
/// `next` (a console address only; otherwise the queue).
pub(crate) async fn switch(
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
    Extension(config): Extension<ConsoleConfig>,
) -> Response {
    let target = query
        .next
        .as_deref()
        .and_then(local)
        .unwrap_or("/admin")
        .to_owned();
    let mut response = Redirect::to(&target).into_response();
    if let Some(lang) = Lang::parse(&code) {
        let secure = if config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{COOKIE}={}; Path=/admin; SameSite=Strict; Max-Age=31536000{secure}",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// Runs `f` as if answering an English request (unit tests).
#[cfg(test)]
pub(crate) fn in_english<R>(f: impl FnOnce() -> R) -> R {
    REQUEST.sync_scope(
        RequestLang {
            lang: Lang::En,
            back: "/admin".to_owned(),
        },
        f,
    )
}

/// The switch's link to the other language, back to this page.
pub(crate) fn switch_href() -> String {
    let lang = Lang::current();
    format!(
        "/admin/lang/{}?next={}",
        lang.other().code(),
        crate::pages::encode(&back())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_addresses_are_gone_back_to() {
        assert_eq!(local("/admin"), Some("/admin"));
        assert_eq!(local("/admin/reports/1?x=1"), Some("/admin/reports/1?x=1"));
        assert_eq!(
            local("/admin?status=received"),
            Some("/admin?status=received")
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/admin//evil.example",
            "/admin\\evil",
            "/administrator",
            "/api/v1",
            "",
            "/admin/\nx",
        ] {
            assert_eq!(local(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_cookie_chooses_and_korean_is_the_default() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(from_headers(&headers), Lang::Ko);
        headers.insert(header::COOKIE, "a=1; sinmungo_lang=en".parse().unwrap());
        assert_eq!(from_headers(&headers), Lang::En);
        headers.insert(header::COOKIE, "sinmungo_lang=fr".parse().unwrap());
        assert_eq!(from_headers(&headers), Lang::Ko);
        assert_eq!(Lang::Ko.pick("한국어", "English"), "한국어");
        assert_eq!(Lang::En.pick("한국어", "English"), "English");
    }
}
