//! The frame every page shares: `lang="ko"` (or `"en"`), landmarks, the
//! language switch, the skip link, the
//! signed-in officer and the sign-out button; our own stylesheet and scripts
//! only (the Content-Security-Policy allows nothing inline).

use maud::{html, Markup, DOCTYPE};

use crate::format;
use crate::lang::{self, Lang};
use crate::session::Officer;

/// htmx's settings: no `eval` and no injected styles, as the CSP requires;
/// a redrawn part keeps the tab title (it carries the live count).
const HTMX_CONFIG: &str = r#"{"allowEval":false,"includeIndicatorStyles":false,"allowScriptTags":false,"ignoreTitle":true}"#;

/// A full page titled `title`, for `officer` when someone is signed in.
pub(crate) fn page(title: &str, officer: Option<&Officer>, body: &Markup) -> Markup {
    let lang = Lang::current();
    let brand = lang.pick("전북 신문고 관리", "Jeonbuk Sinmungo Console");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · " (brand) }
                link rel="stylesheet" href="/admin/assets/console.css";
                script src="/admin/assets/htmx.min.js" defer {}
                script src="/admin/assets/console.js" defer {}
            }
            body data-live=[officer.map(|_| "/admin/live")] {
                a.skip href="#main" { (lang.pick("본문 바로가기", "Skip to content")) }
                header.top {
                    p.brand { a href="/admin" { (brand) } }
                    p.lang-switch {
                        a href=(lang::switch_href()) lang=(lang.other().code()) hreflang=(lang.other().code()) {
                            (lang.switch_label())
                        }
                    }
                    @if let Some(officer) = officer {
                        nav aria-label=(lang.pick("주 메뉴", "Main menu")) {
                            ul {
                                li { a href="/admin" { (lang.pick("부서 대기열", "Department queue")) } }
                                li { a href="/admin/map" { (lang.pick("지도", "Map")) } }
                                @if crate::pages::stats::may_view(officer) {
                                    li { a href="/admin/stats" { (lang.pick("통계", "Statistics")) } }
                                }
                                @if crate::pages::settings::visible_to(officer) {
                                    li { a href="/admin/settings" { (lang.pick("관리", "Administration")) } }
                                }
                            }
                        }
                        div.who {
                            // The visible text is the accessible name: "알림 3건 읽지 않음",
                            // "Notifications 3 unread".
                            a.bell href="/admin/notifications" {
                                (lang.pick("알림 ", "Notifications "))
                                span #bell-count .count data-count=(officer.unread) { (officer.unread) }
                                span.visually-hidden { (lang.pick("건 읽지 않음", " unread")) }
                            }
                            span.name {
                                (officer.user.display_name.as_str())
                                " (" (format::role(officer.user.role)) ")"
                            }
                            form method="post" action="/admin/logout" {
                                input type="hidden" name="csrf" value=(officer.form_token);
                                button type="submit" { (lang.pick("로그아웃", "Sign out")) }
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
