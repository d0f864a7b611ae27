//! The read replica: reads that may lag go to `read_url`, everything that
//! writes (or reads to decide a write) goes to the primary.
//!
//! What this proves, honestly: the routing. The "replica" is a second schema
//! in the same database holding different rows (each URL selects its schema
//! through `options[search_path]`), so every read shows which side answered.
//! It does not exercise streaming replication or its lag.

use chrono::TimeDelta;
use sinmungo_core::domain::identity::{
    ApiKey, ExternalIdentity, Provider, SealedSecret, SecretName, SessionId,
};
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::ports::{
    AuditLog, AuditQuery, Outbox, RefreshSession, ReportQuery, ReportStore, Scope, SessionStore,
    SettingsStore, UserStore,
};
use sinmungo_postgres::{PostgresOptions, PostgresStore};
use uuid::Uuid;

use crate::fixtures::{at, report, submission};
use crate::schema::{postgres_url, Schema};

fn user(n: u128, email: &str) -> User {
    User {
        id: UserId(Uuid::from_u128(n)),
        email: Email::new(email).unwrap(),
        display_name: DisplayName::new("시민").unwrap(),
        role: Role::Citizen,
        department: None,
        password_hash: Some(PasswordHash::new("fake$x".to_owned())),
        created_at: at(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_and_writes_to_the_primary() {
    let Some(url) = postgres_url() else { return };
    let primary = Schema::create(&url).await;
    let replica = Schema::create(&url).await;
    // Different contents on each side: report 1 and user 1 only on the
    // replica; report 2 and user 2 only on the primary; five receipt numbers
    // drawn on the replica, none on the primary.
    let on_replica = replica.store().await;
    on_replica.apply(submission(report(1))).await.unwrap();
    on_replica
        .create(&user(1, "replica@example.kr"))
        .await
        .unwrap();
    for _ in 0..5 {
        on_replica.next_receipt_number(2026).await.unwrap();
    }
    let on_primary = primary.store().await;
    on_primary.apply(submission(report(2))).await.unwrap();
    on_primary
        .create(&user(2, "primary@example.kr"))
        .await
        .unwrap();

    let store = PostgresStore::connect(&PostgresOptions {
        read_url: Some(replica.url_with_search_path()),
        ..PostgresOptions::new(primary.url_with_search_path())
    })
    .await
    .unwrap();
    store.ping().await.unwrap();

    // Reads: the replica's rows.
    let listed = ReportStore::list(&store, &ReportQuery::new(Scope::All))
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        [report(1).id],
        "list reads the replica"
    );
    assert!(ReportStore::get(&store, report(1).id)
        .await
        .unwrap()
        .is_some());
    assert!(ReportStore::get(&store, report(2).id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.timeline(report(1).id).await.unwrap().len(), 1);
    assert!(store.timeline(report(2).id).await.unwrap().is_empty());
    let audit = AuditLog::list(&store, &AuditQuery::default())
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target, format!("report:{}", report(1).id));
    assert!(UserStore::get(&store, UserId(Uuid::from_u128(1)))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .find_by_email(&Email::new("primary@example.kr").unwrap())
        .await
        .unwrap()
        .is_none());
    let plan = store
        .list_query_plan(&ReportQuery::new(Scope::All))
        .await
        .unwrap();
    assert!(plan.contains("reports"), "{plan}");

    // Writes, and reads that decide writes: the primary.
    let number = store.next_receipt_number(2026).await.unwrap();
    assert_eq!(
        number.sequence(),
        1,
        "the primary's counter, not the replica's"
    );
    let mut third = report(3);
    third.number = number;
    store.apply(submission(third.clone())).await.unwrap();
    let mut updated = report(2);
    updated.version = 2;
    updated.updated_at = at(10);
    // The version check runs on the primary (the replica has no report 2).
    store
        .apply(sinmungo_core::ports::ReportChange {
            writes: vec![sinmungo_core::ports::ReportWrite::Update {
                report: updated.clone(),
                expected_version: 1,
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        ReportStore::get(&on_primary, report(2).id).await.unwrap(),
        Some(updated)
    );
    assert!(ReportStore::get(&on_primary, third.id)
        .await
        .unwrap()
        .is_some());
    assert!(ReportStore::get(&on_replica, third.id)
        .await
        .unwrap()
        .is_none());
    let claimed = store
        .claim(at(20), TimeDelta::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|c| c.event.report_id)
            .collect::<Vec<_>>(),
        [report(2).id, third.id],
        "claims take the primary's outbox"
    );
    assert_eq!(store.pending().await.unwrap(), 2);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_lookups_read_the_replica_but_keys_sessions_and_secrets_the_primary() {
    let Some(url) = postgres_url() else { return };
    let primary = Schema::create(&url).await;
    let replica = Schema::create(&url).await;
    // The same account on both sides; what hangs off it only on one.
    let on_replica = replica.store().await;
    let on_primary = primary.store().await;
    let gis = User {
        role: Role::Service,
        password_hash: None,
        ..user(1, "gis@example.kr")
    };
    on_replica.create(&gis).await.unwrap();
    on_primary.create(&gis).await.unwrap();
    on_replica
        .link_identity(&ExternalIdentity {
            provider: Provider::Kakao,
            subject: "on-replica".to_owned(),
            user_id: gis.id,
            linked_at: at(0),
        })
        .await
        .unwrap();
    let key = ApiKey {
        id: Uuid::from_u128(77),
        user_id: gis.id,
        prefix: "smk_0077".to_owned(),
        key_hash: "sha256:on-primary".to_owned(),
        label: "GIS".to_owned(),
        created_at: at(0),
        revoked_at: None,
    };
    on_primary.add_api_key(&key).await.unwrap();
    let family = SessionId(Uuid::from_u128(88));
    on_primary
        .insert(&RefreshSession {
            token_hash: "sha256:session".to_owned(),
            family,
            user_id: gis.id,
            expires_at: at(60),
        })
        .await
        .unwrap();
    let secret = SealedSecret {
        name: SecretName::new("smtp.password").unwrap(),
        sealed: vec![0, 1, 2],
        updated_at: at(0),
        updated_by: None,
    };
    on_primary.put_secret(&secret).await.unwrap();

    let store = PostgresStore::connect(&PostgresOptions {
        read_url: Some(replica.url_with_search_path()),
        ..PostgresOptions::new(primary.url_with_search_path())
    })
    .await
    .unwrap();
    assert_eq!(
        store
            .find_by_identity(Provider::Kakao, "on-replica")
            .await
            .unwrap(),
        Some(gis.clone()),
        "identity lookups read the replica"
    );
    // Deciding who a key or a session speaks for must see a revocation at once.
    assert_eq!(
        store.find_api_key(&key.key_hash).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.api_keys(gis.id).await.unwrap(), [key]);
    assert!(store.is_active(family, at(0)).await.unwrap());
    assert_eq!(store.secret(&secret.name).await.unwrap(), Some(secret));
    store.close().await;
}
