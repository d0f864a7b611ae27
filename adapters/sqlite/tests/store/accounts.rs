//! Users and refresh sessions.

use chrono::TimeDelta;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User};
use sinmungo_core::ports::{RefreshSession, SessionStore, StoreError, Uniqueness, UserStore};

use crate::fixtures::{at, citizen, fresh};

fn user(n: u128, email: &str) -> User {
    User {
        id: citizen(n),
        email: Email::new(email).unwrap(),
        display_name: DisplayName::new("김전북").unwrap(),
        role: Role::Citizen,
        department: None,
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
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
    promoted.password_hash = PasswordHash::new("$argon2id$new".into());
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

#[tokio::test]
async fn a_session_is_taken_once_and_revoked_per_user() {
    let (_dir, store) = fresh().await;
    let session = |hash: &str, n| RefreshSession {
        token_hash: hash.to_owned(),
        user_id: citizen(n),
        expires_at: at(0) + TimeDelta::days(14),
    };
    for (hash, n) in [("a", 1), ("b", 1), ("c", 1), ("d", 2)] {
        store.insert(&session(hash, n)).await.unwrap();
    }
    assert_eq!(store.take("a").await.unwrap(), Some(session("a", 1)));
    assert_eq!(store.take("a").await.unwrap(), None);
    assert_eq!(store.revoke_all(citizen(1)).await.unwrap(), 2);
    assert_eq!(store.take("b").await.unwrap(), None);
    assert_eq!(store.revoke_all(citizen(1)).await.unwrap(), 0);
    assert_eq!(store.take("d").await.unwrap(), Some(session("d", 2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_takes_exactly_one_gets_the_session() {
    let (_dir, store) = fresh().await;
    store
        .insert(&RefreshSession {
            token_hash: "once".to_owned(),
            user_id: citizen(1),
            expires_at: at(60),
        })
        .await
        .unwrap();
    let takes: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take("once").await.unwrap() })
        })
        .collect();
    let mut taken = 0;
    for take in takes {
        taken += usize::from(take.await.unwrap().is_some());
    }
    assert_eq!(taken, 1);
}
