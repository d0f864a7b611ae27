//! The frame every page shares: `lang="ko"`, landmarks, the skip link, the
//! signed-in officer and the sign-out button; our own stylesheet and scripts
//! only (the Content-Security-Policy allows nothing inline).

use maud::{html, Markup, DOCTYPE};

use crate::format;
use crate::session::Officer;

/// htmx's settings: no `eval` and no injected styles, as the CSP requires.
const HTMX_CONFIG: &str =
    r#"{"allowEval":false,"includeIndicatorStyles":false,"allowScriptTags":false}"#;

/// A full page titled `title`, for `officer` when someone is signed in.
pub(crate) fn page(title: &str, officer: Option<&Officer>, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ko" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · 전북 신문고 관리" }
                link rel="stylesheet" href="/admin/assets/console.css";
                script src="/admin/assets/htmx.min.js" defer {}
                script src="/admin/assets/console.js" defer {}
            }
            body {
                a.skip href="#main" { "본문 바로가기" }
                header.top {
                    p.brand { a href="/admin" { "전북 신문고 관리" } }
                    @if let Some(officer) = officer {
                        nav aria-label="주 메뉴" {
                            ul {
                                li { a href="/admin" { "부서 대기열" } }
                                @if crate::pages::settings::visible_to(officer) {
                                    li { a href="/admin/settings" { "관리" } }
                                }
                            }
                        }
                        div.who {
                            span.name {
                                (officer.user.display_name.as_str())
                                " (" (format::role(officer.user.role)) ")"
                            }
                            form method="post" action="/admin/logout" {
                                input type="hidden" name="csrf" value=(officer.form_token);
                                button type="submit" { "로그아웃" }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}
