//! Hardening (issue 17): what a hostile-input run found, each defect with its
//! regression test — page sizes, client messages, query errors, invisible
//! text, answers made by tower layers and ambiguous requests.

use reqwest::StatusCode;

use crate::harness::{expect_problem, TestApp};

/// Every list's `limit` has one documented maximum (100): a larger value,
/// even one that does not fit in 32 bits, is refused the same way on every
/// route, never served or silently cut.
#[tokio::test]
async fn every_list_refuses_a_limit_above_the_one_maximum() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let lists = [
        ("/api/v1/reports", None),
        ("/api/v1/notifications", Some(citizen.access_token.as_str())),
        ("/api/v1/admin/audit", Some(admin.access_token.as_str())),
    ];
    for (path, token) in lists {
        for limit in [
            "0",
            "101",
            "4294967295",
            "4294967296",
            "99999999999999999999",
        ] {
            let refused = app.get(&format!("{path}?limit={limit}"), token).await;
            let body = expect_problem(refused, StatusCode::BAD_REQUEST, "validation_failed").await;
            assert_eq!(
                body["errors"][0]["field"], "limit",
                "{path} {limit}: {body}"
            );
            assert_eq!(
                body["errors"][0]["message"], "limit must be between 1 and 100",
                "{path} {limit}: {body}"
            );
        }
        let served = app.get(&format!("{path}?limit=100"), token).await;
        assert_eq!(served.status(), StatusCode::OK, "{path}");
        let unreadable = app.get(&format!("{path}?limit=abc"), token).await;
        let body = expect_problem(unreadable, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert_eq!(
            body["detail"], "query parameter limit must be a whole number from 1 to 100",
            "{path}"
        );
    }
}
