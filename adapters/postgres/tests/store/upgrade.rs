//! Upgrading a database of an older schema: accounts and signed-in
//! sessions survive migration 0002 (identity and access); receipt numbers
//! continue where the counter table stopped after 0009 (sequences).

use std::borrow::Cow;

use chrono::TimeDelta;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Consumed, ReportStore, SessionStore, UserStore};
use sqlx::migrate::Migrator;
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;

use crate::fixtures::at;
use crate::schema::{postgres_url, Schema};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_accounts_and_sessions_survive_the_upgrade() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    let first = before(2);
    let mut conn = PgConnection::connect(&schema.url_with_search_path())
        .await
        .unwrap();
    first.run(&mut conn).await.unwrap();
    let kim = UserId(Uuid::from_u128(1));
    sqlx::query(
        "INSERT INTO users (id, email, display_name, role, department, password_hash, created_at) \
         VALUES ($1, 'kim@example.kr', '김전북', 'citizen', NULL, 'fake$x', $2)",
    )
    .bind(kim.0)
    .bind(at(0))
    .execute(&mut conn)
    .await
    .unwrap();
    for token in ["old-1", "old-2"] {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token)
            .bind(kim.0)
            .bind(at(0) + TimeDelta::days(14))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();

    let store = schema.store().await;
    let user = UserStore::get(&store, kim).await.unwrap().unwrap();
    assert!(user.password_hash.is_some(), "the password is kept");
    let Consumed::Fresh(first) = store.consume("old-1").await.unwrap() else {
        panic!("an old session is fresh after the upgrade")
    };
    let Consumed::Fresh(second) = store.consume("old-2").await.unwrap() else {
        panic!("an old session is fresh after the upgrade")
    };
    assert_eq!(first.user_id, kim);
    assert_eq!(first.expires_at, at(0) + TimeDelta::days(14));
    assert_ne!(first.family, second.family, "a family per old session");
    assert!(store.is_active(first.family, at(0)).await.unwrap());
    store.close().await;
}

/// The migrations before `version`.
fn before(version: i64) -> Migrator {
    let all = sqlx::migrate!("./migrations");
    Migrator {
        migrations: Cow::Owned(
            all.iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect(),
        ),
        ..sqlx::migrate!("./migrations")
    }
}

/// Migration 0009 replaces the counter table by one sequence per year: a
/// year already counted continues after its last number (none is handed out
/// twice), a new year starts at 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_numbers_continue_after_the_move_to_sequences() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    let mut conn = PgConnection::connect(&schema.url_with_search_path())
        .await
        .unwrap();
    before(9).run(&mut conn).await.unwrap();
    sqlx::query("INSERT INTO receipt_counters (year, last) VALUES (2025, 9120), (2026, 41)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let store = schema.store().await;
    let mut drawn = Vec::new();
    for year in [2026, 2025, 2027, 2026] {
        drawn.push(store.next_receipt_number(year).await.unwrap().to_string());
    }
    assert_eq!(
        drawn,
        [
            "JB-2026-000042",
            "JB-2025-009121",
            "JB-2027-000001",
            "JB-2026-000043"
        ]
    );
    store.close().await;
}
