//! Users, refresh sessions and secrets, and the upgrade of existing accounts
//! and sessions to the identity schema.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::TimeDelta;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::identity::{
    ApiKey, ExternalIdentity, Provider, SealedSecret, SecretName, SessionId,
};
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User};
use sinmungo_core::ports::{
    Consumed, RefreshSession, SessionStore, SettingsStore, StoreError, Uniqueness, UserStore,
};
use sinmungo_sqlite::SqliteStore;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use uuid::Uuid;

use crate::fixtures::{at, citizen, fresh, url_in};

fn user(n: u128, email: &str) -> User {
    User {
        id: citizen(n),
        email: Email::new(email).unwrap(),
        display_name: DisplayName::new("김전북").unwrap(),
        role: Role::Citizen,
        department: None,
        password_hash: Some(PasswordHash::new(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        )),
        created_at: at(0),
    }
}

#[tokio::test]
async fn users_are_found_by_id_and_email_and_updated_in_place() {
    let (_dir, store) = fresh().await;
    let kim = user(1, "kim@jeonbuk.go.kr");
    store.create(&kim).await.unwrap();
    assert_eq!(
        UserStore::get(&store, kim.id).await.unwrap(),
        Some(kim.clone())
    );
    assert_eq!(
        store.find_by_email(&kim.email).await.unwrap(),
        Some(kim.clone())
    );
    assert_eq!(
        store
            .find_by_email(&Email::new("lee@jeonbuk.go.kr").unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(UserStore::get(&store, citizen(2)).await.unwrap(), None);

    let mut promoted = kim.clone();
    promoted.role = Role::Staff;
    promoted.department = Some(DepartmentCode::new("road_management").unwrap());
    promoted.display_name = DisplayName::new("김주무관").unwrap();
    promoted.password_hash = Some(PasswordHash::new("$argon2id$new".into()));
    store.update(&promoted).await.unwrap();
    assert_eq!(
        UserStore::get(&store, kim.id).await.unwrap(),
        Some(promoted)
    );
}

#[tokio::test]
async fn an_email_is_taken_once_and_a_missing_user_cannot_be_updated() {
    let (_dir, store) = fresh().await;
    store.create(&user(1, "kim@jeonbuk.go.kr")).await.unwrap();
    let result = store.create(&user(2, "KIM@jeonbuk.go.kr")).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Email))),
        "{result:?}"
    );
    let result = store.create(&user(1, "other@jeonbuk.go.kr")).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
        "{result:?}"
    );
    let result = store.update(&user(3, "ghost@jeonbuk.go.kr")).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
}

fn family(n: u128) -> SessionId {
    SessionId(Uuid::from_u128(
        0x0196_0000_0000_7000_a000_0000_0000_0000 + n,
    ))
}

fn session(hash: &str, n: u128, family_n: u128) -> RefreshSession {
    RefreshSession {
        token_hash: hash.to_owned(),
        family: family(family_n),
        user_id: citizen(n),
        expires_at: at(0) + TimeDelta::days(14),
    }
}

#[tokio::test]
async fn a_token_is_fresh_once_then_reused_and_revoked_by_family_or_user() {
    let (_dir, store) = fresh().await;
    for (hash, n, f) in [("a", 1, 1), ("b", 1, 1), ("c", 1, 2), ("d", 2, 3)] {
        store.insert(&session(hash, n, f)).await.unwrap();
    }
    assert_eq!(
        store.consume("a").await.unwrap(),
        Consumed::Fresh(session("a", 1, 1))
    );
    assert_eq!(
        store.consume("a").await.unwrap(),
        Consumed::Reused(session("a", 1, 1))
    );
    assert_eq!(store.consume("zz").await.unwrap(), Consumed::Unknown);
    assert!(store.is_active(family(1), at(0)).await.unwrap());
    assert_eq!(store.revoke_family(family(1)).await.unwrap(), 2);
    assert!(!store.is_active(family(1), at(0)).await.unwrap());
    assert_eq!(store.consume("b").await.unwrap(), Consumed::Unknown);
    assert_eq!(store.revoke_all(citizen(1)).await.unwrap(), 1);
    assert_eq!(
        store.consume("d").await.unwrap(),
        Consumed::Fresh(session("d", 2, 3))
    );
    let expiry = at(0) + TimeDelta::days(14);
    assert!(!store.is_active(family(3), expiry).await.unwrap());
    assert_eq!(store.purge_expired(expiry).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_consumers_exactly_one_gets_the_token_fresh() {
    let (_dir, store) = fresh().await;
    store.insert(&session("once", 1, 1)).await.unwrap();
    let consumers: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.consume("once").await.unwrap() })
        })
        .collect();
    let mut fresh = 0;
    for consumer in consumers {
        match consumer.await.unwrap() {
            Consumed::Fresh(_) => fresh += 1,
            Consumed::Reused(_) => {}
            Consumed::Unknown => panic!("the token vanished"),
        }
    }
    assert_eq!(fresh, 1);
}

#[tokio::test]
async fn identities_and_api_keys_belong_to_existing_users() {
    let (_dir, store) = fresh().await;
    let mut service = user(1, "gis@jeonbuk.go.kr");
    service.role = Role::Service;
    service.password_hash = None;
    store.create(&service).await.unwrap();
    assert_eq!(
        UserStore::get(&store, service.id).await.unwrap(),
        Some(service.clone())
    );

    let identity = ExternalIdentity {
        provider: Provider::Kakao,
        subject: "3141592".to_owned(),
        user_id: service.id,
        linked_at: at(1),
    };
    store.link_identity(&identity).await.unwrap();
    let again = store.link_identity(&identity).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
        "{again:?}"
    );
    let orphan = store
        .link_identity(&ExternalIdentity {
            user_id: citizen(9),
            subject: "other".to_owned(),
            ..identity.clone()
        })
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound)), "{orphan:?}");
    assert_eq!(
        store
            .find_by_identity(Provider::Kakao, "3141592")
            .await
            .unwrap(),
        Some(service.clone())
    );
    assert_eq!(
        store
            .find_by_identity(Provider::Naver, "3141592")
            .await
            .unwrap(),
        None
    );

    let key = ApiKey {
        id: Uuid::now_v7(),
        user_id: service.id,
        prefix: "smk_3f9a".to_owned(),
        key_hash: "sha256:key".to_owned(),
        label: "GIS 대시보드".to_owned(),
        created_at: at(2),
        revoked_at: None,
    };
    store.add_api_key(&key).await.unwrap();
    let orphan = store
        .add_api_key(&ApiKey {
            id: Uuid::now_v7(),
            user_id: citizen(9),
            key_hash: "sha256:other".to_owned(),
            ..key.clone()
        })
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound)), "{orphan:?}");
    store.revoke_api_key(key.id, at(3)).await.unwrap();
    store.revoke_api_key(key.id, at(4)).await.unwrap();
    assert_eq!(
        store.find_api_key("sha256:key").await.unwrap(),
        Some(ApiKey {
            revoked_at: Some(at(3)),
            ..key.clone()
        })
    );
    let missing = store.revoke_api_key(Uuid::now_v7(), at(3)).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

#[tokio::test]
async fn secrets_keep_their_bytes_and_report_what_they_replaced() {
    let (_dir, store) = fresh().await;
    let secret = SealedSecret {
        name: SecretName::new("oauth.kakao.client_secret").unwrap(),
        sealed: vec![0x00, 0xff, 0x7f, 0x80, 0x00],
        updated_at: at(0),
        updated_by: Some(citizen(1)),
    };
    assert_eq!(store.put_secret(&secret).await.unwrap(), None);
    let newer = SealedSecret {
        sealed: vec![0xff; 3],
        updated_at: at(1),
        updated_by: None,
        ..secret.clone()
    };
    assert_eq!(
        store.put_secret(&newer).await.unwrap(),
        Some(secret.clone())
    );
    assert_eq!(store.secret(&secret.name).await.unwrap(), Some(newer));
    assert!(store.delete_secret(&secret.name).await.unwrap());
    assert!(!store.delete_secret(&secret.name).await.unwrap());
}

/// A database of the schema before identity and access (migrations 1 and 2),
/// with an account and a session, upgraded by today's store: both survive,
/// the session as a family of its own.
#[tokio::test]
async fn existing_accounts_and_sessions_survive_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_in(&dir);
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let all = sqlx::migrate!("./migrations");
    let before = Migrator {
        migrations: Cow::Owned(all.iter().filter(|m| m.version < 3).cloned().collect()),
        ..sqlx::migrate!("./migrations")
    };
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    before.run(&pool).await.unwrap();
    let kim = user(1, "kim@jeonbuk.go.kr");
    let hash = kim.password_hash.as_ref().unwrap().as_str().to_owned();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, role, department, password_hash, created_at) \
         VALUES (?, ?, '김전북', 'citizen', NULL, ?, '2026-05-01T09:30:00.123456Z')",
    )
    .bind(kim.id.0.hyphenated().to_string())
    .bind(kim.email.as_str().to_owned())
    .bind(hash)
    .execute(&pool)
    .await
    .unwrap();
    for token in ["old-1", "old-2"] {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, expires_at) \
             VALUES (?, ?, '2026-05-15T09:30:00.123456Z')",
        )
        .bind(token)
        .bind(kim.id.0.hyphenated().to_string())
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let store = SqliteStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(
        UserStore::get(&store, kim.id).await.unwrap(),
        Some(kim.clone())
    );
    let Consumed::Fresh(first) = store.consume("old-1").await.unwrap() else {
        panic!("an old session is fresh after the upgrade")
    };
    let Consumed::Fresh(second) = store.consume("old-2").await.unwrap() else {
        panic!("an old session is fresh after the upgrade")
    };
    assert_eq!(first.user_id, kim.id);
    assert_eq!(first.expires_at, at(0) + TimeDelta::days(14));
    assert_ne!(first.family, second.family, "a family per old session");
    assert_eq!(first.family.0.get_version_num(), 4);
    assert!(store.is_active(first.family, at(0)).await.unwrap());
}
