//! The frame every page shares: `lang="ko"`, landmarks, the skip link, the
//! signed-in officer and the sign-out button; our own stylesheet and scripts
//! only (the Content-Security-Policy allows nothing inline).

use maud::{html, Markup, DOCTYPE};

use crate::format;
use crate::session::Officer;

/// htmx's settings: no `eval` and no injected styles, as the CSP requires;
/// a redrawn part keeps the tab title (it carries the live count).
const HTMX_CONFIG: &str = r#"{"allowEval":false,"includeIndicatorStyles":false,"allowScriptTags":false,"ignoreTitle":true}"#;

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
            body data-live=[officer.map(|_| "/admin/live")] {
                a.skip href="#main" { "본문 바로가기" }
                header.top {
                    p.brand { a href="/admin" { "전북 신문고 관리" } }
                    @if let Some(officer) = officer {
                        nav aria-label="주 메뉴" {
                            ul {
                                li { a href="/admin" { "부서 대기열" } }
                                li { a href="/admin/map" { "지도" } }
                                @if crate::pages::stats::may_view(officer) {
                                    li { a href="/admin/stats" { "통계" } }
                                }
                                @if crate::pages::settings::visible_to(officer) {
                                    li { a href="/admin/settings" { "관리" } }
                                }
                            }
                        }
                        div.who {
                            // The visible text is the accessible name: "알림 3건 읽지 않음".
                            a.bell href="/admin/notifications" {
                                "알림 "
                                span #bell-count .count data-count=(officer.unread) { (officer.unread) }
                                span.visually-hidden { "건 읽지 않음" }
                            }
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
                // What changes live is said here for screen readers (console.js).
                div #live-announcer .visually-hidden role="status" aria-live="polite" {}
            }
        }
    }
}
