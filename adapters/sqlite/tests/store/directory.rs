//! Departments, categories and the audit log.

use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::category::{seeded, Category, CategoryCode};
use sinmungo_core::domain::department::{Department, DepartmentCode};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::user::Role;
use sinmungo_core::ports::{AuditLog, AuditQuery, DirectoryStore, StoreError};
use uuid::Uuid;

use crate::fixtures::{at, citizen, fresh};

#[tokio::test]
async fn the_seeded_directory_round_trips_ordered_by_code() {
    let (_dir, store) = fresh().await;
    let (mut categories, mut departments) = seeded();
    for department in &departments {
        store.upsert_department(department).await.unwrap();
    }
    for category in &categories {
        store.upsert_category(category).await.unwrap();
    }
    categories.sort_by(|a, b| a.code.cmp(&b.code));
    departments.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(store.categories().await.unwrap(), categories);
    assert_eq!(store.departments().await.unwrap(), departments);
}

#[tokio::test]
async fn upserts_replace_and_a_category_needs_its_department() {
    let (_dir, store) = fresh().await;
    let roads = Department {
        code: DepartmentCode::new("road_management").unwrap(),
        name: "도로관리과".to_owned(),
        name_en: "Road Management Division".to_owned(),
        jurisdiction: None,
        categories: vec![CategoryCode::new("road_damage").unwrap()],
    };
    let mut pothole = Category {
        code: CategoryCode::new("road_damage").unwrap(),
        name: "도로 파손".to_owned(),
        name_en: "Road damage".to_owned(),
        department: roads.code.clone(),
        default_priority: Priority::Normal,
        sla: Default::default(),
        duplicate_radius_m: 250,
    };
    let result = store.upsert_category(&pothole).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");

    store.upsert_department(&roads).await.unwrap();
    store.upsert_category(&pothole).await.unwrap();
    let renamed = Department {
        name: "도로과".to_owned(),
        ..roads.clone()
    };
    store.upsert_department(&renamed).await.unwrap();
    pothole.default_priority = Priority::High;
    store.upsert_category(&pothole).await.unwrap();
    assert_eq!(store.departments().await.unwrap(), [renamed]);
    assert_eq!(store.categories().await.unwrap(), [pothole.clone()]);

    pothole.department = DepartmentCode::new("nowhere").unwrap();
    let result = store.upsert_category(&pothole).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
}

fn entry(minutes: i64, target: &str) -> AuditEntry {
    AuditEntry {
        id: Uuid::now_v7(),
        at: at(minutes),
        actor: Some(citizen(1)),
        actor_role: Some(Role::Admin),
        action: "user.update".to_owned(),
        target: target.to_owned(),
        before: serde_json::json!({ "role": "citizen" }),
        after: serde_json::json!({ "role": "staff", "score": 0.5, "tags": ["a", null] }),
    }
}

#[tokio::test]
async fn audit_entries_are_listed_newest_first_by_target_and_limit() {
    let (_dir, store) = fresh().await;
    let entries = [
        entry(1, "user:a"),
        entry(2, "user:b"),
        entry(3, "user:a"),
        entry(3, "user:a"),
        AuditEntry {
            actor: None,
            actor_role: None,
            ..entry(4, "user:b")
        },
    ];
    for e in &entries {
        store.record(e).await.unwrap();
    }
    let list = |target: Option<&str>, limit| {
        let store = store.clone();
        let query = AuditQuery {
            target: target.map(str::to_owned),
            limit,
        };
        async move { AuditLog::list(&store, &query).await.unwrap() }
    };
    assert_eq!(
        list(None, 10).await,
        [
            entries[4].clone(),
            entries[3].clone(),
            entries[2].clone(),
            entries[1].clone(),
            entries[0].clone()
        ]
    );
    assert_eq!(
        list(Some("user:a"), 2).await,
        [entries[3].clone(), entries[2].clone()]
    );
    assert_eq!(list(Some("user:c"), 10).await, []);
    assert_eq!(list(None, 0).await, []);
}
