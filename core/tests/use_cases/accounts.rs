//! Registration, login and accounts created by the operator.

use sinmungo_core::app::{
    AccountAdminError, LoginError, NewAccount, NewServiceAccount, RegisterError,
};
use sinmungo_core::domain::user::Role;
use sinmungo_core::domain::DepartmentCode;
use sinmungo_core::ports::{AuditLog, AuditQuery};

use crate::world::{registration, World, PASSWORD};

#[tokio::test]
async fn a_registered_citizen_logs_in_with_any_capitalisation_of_the_email() -> anyhow::Result<()> {
    let w = World::new().await?;
    let registered = w.uc.accounts.register(registration("minji")).await?;
    assert_eq!(registered.role, Role::Citizen);
    assert_eq!(registered.department, None);

    let user = w.uc.accounts.login("MinJi@Example.KR", PASSWORD).await?;
    assert_eq!(user.id, registered.id);
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() -> anyhow::Result<()> {
    let w = World::new().await?;
    w.uc.accounts.register(registration("minji")).await?;

    let wrong_password =
        w.uc.accounts
            .login("minji@example.kr", "jeonbuk2025!")
            .await;
    let unknown_email = w.uc.accounts.login("nobody@example.kr", PASSWORD).await;
    let (Err(wrong), Err(unknown)) = (wrong_password, unknown_email) else {
        panic!("both logins must fail");
    };
    assert!(matches!(wrong, LoginError::InvalidCredentials), "{wrong:?}");
    assert!(
        matches!(unknown, LoginError::InvalidCredentials),
        "{unknown:?}"
    );
    assert_eq!(
        wrong.to_string(),
        unknown.to_string(),
        "the message does not tell them apart"
    );
    Ok(())
}

#[tokio::test]
async fn an_email_registers_once_and_weak_passwords_are_refused() -> anyhow::Result<()> {
    let w = World::new().await?;
    w.uc.accounts.register(registration("minji")).await?;

    let mut again = registration("minji");
    again.email = "MINJI@example.kr".to_owned();
    let result = w.uc.accounts.register(again).await;
    assert!(
        matches!(result, Err(RegisterError::EmailTaken)),
        "{result:?}"
    );

    let mut weak = registration("jisoo");
    weak.password = "short1!".to_owned();
    weak.email = "not-an-email".to_owned();
    let Err(RegisterError::Invalid(invalid)) = w.uc.accounts.register(weak).await else {
        panic!("a weak password and a bad e-mail are invalid");
    };
    let fields: Vec<&str> = invalid.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["email", "password"],
        "both problems are reported at once"
    );
    Ok(())
}

#[tokio::test]
async fn the_operator_creates_officials_of_seeded_departments_and_it_is_audited(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let staff =
        w.uc.accounts
            .create_by_operator(NewAccount {
                registration: registration("officer"),
                role: "staff".to_owned(),
                department: Some("road_management".to_owned()),
            })
            .await?;
    assert_eq!(staff.role, Role::Staff);
    assert_eq!(
        staff.department.as_ref().map(|d| d.as_str()),
        Some("road_management")
    );

    let audit = w
        .handles
        .audit
        .list(&AuditQuery {
            target: Some(format!("user:{}", staff.id)),
            limit: 10,
        })
        .await?;
    assert_eq!(audit.len(), 1, "one audit entry for the new account");
    assert_eq!(audit[0].action, "user.create");
    assert_eq!(audit[0].after["role"], "staff");

    let unknown =
        w.uc.accounts
            .create_by_operator(NewAccount {
                registration: registration("ghost"),
                role: "staff".to_owned(),
                department: Some("ministry_of_magic".to_owned()),
            })
            .await;
    let Err(RegisterError::Invalid(invalid)) = unknown else {
        panic!("an unknown department is invalid: {unknown:?}");
    };
    assert_eq!(invalid.0[0].code, "unknown_department");

    let without =
        w.uc.accounts
            .create_by_operator(NewAccount {
                registration: registration("nodept"),
                role: "manager".to_owned(),
                department: None,
            })
            .await;
    assert!(
        matches!(without, Err(RegisterError::Invalid(_))),
        "{without:?}"
    );
    Ok(())
}

#[tokio::test]
async fn only_administrators_create_accounts() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let account = NewAccount {
        registration: registration("sneaky"),
        role: "admin".to_owned(),
        department: None,
    };
    let result =
        w.uc.accounts
            .create_account(&citizen, account.clone())
            .await;
    assert!(
        matches!(result, Err(RegisterError::Forbidden)),
        "{result:?}"
    );
    let result = w.uc.accounts.login("sneaky@example.kr", PASSWORD).await;
    assert!(
        matches!(result, Err(LoginError::InvalidCredentials)),
        "no account was made"
    );

    let admin = w.official("admin", "admin", "civil_affairs").await?;
    let created = w.uc.accounts.create_account(&admin, account).await?;
    assert_eq!(created.role, Role::Admin);
    Ok(())
}

#[tokio::test]
async fn staff_without_a_department_are_refused_even_when_it_is_blank() -> anyhow::Result<()> {
    let w = World::new().await?;
    for department in [None, Some("   ".to_owned())] {
        let error =
            w.uc.accounts
                .create_by_operator(NewAccount {
                    registration: registration("nodept"),
                    role: "staff".to_owned(),
                    department,
                })
                .await
                .unwrap_err();
        let RegisterError::Invalid(invalid) = error else {
            panic!("expected a field error, got {error:?}");
        };
        assert_eq!(invalid.0[0].field, "department");
        assert_eq!(invalid.0[0].code, "required");
    }
    Ok(())
}

#[tokio::test]
async fn managers_list_their_own_departments_officials_to_assign_to() -> anyhow::Result<()> {
    let w = World::new().await?;
    let manager = w.official("roadboss", "manager", "road_management").await?;
    let staff = w.official("roadworker", "staff", "road_management").await?;
    w.official("gardener", "staff", "parks").await?;
    let admin = w.official("root", "admin", "parks").await?;
    let roads = DepartmentCode::new("road_management").expect("a code");

    let mut listed: Vec<_> =
        w.uc.accounts
            .officials_of(&manager, &roads)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
    listed.sort();
    let mut expected = vec![
        manager.user_id().expect("signed in"),
        staff.user_id().expect("signed in"),
    ];
    expected.sort();
    assert_eq!(
        listed, expected,
        "the road department's officials, no one else"
    );
    assert_eq!(
        w.uc.accounts.officials_of(&admin, &roads).await?.len(),
        2,
        "admins: any department"
    );

    let parks = DepartmentCode::new("parks").expect("a code");
    for (who, department) in [(&manager, &parks), (&staff, &roads)] {
        let refused = w.uc.accounts.officials_of(who, department).await;
        assert!(
            matches!(refused, Err(AccountAdminError::Forbidden)),
            "{refused:?}"
        );
    }
    let citizen = w.citizen("minji").await?;
    assert!(w.uc.accounts.officials_of(&citizen, &roads).await.is_err());
    Ok(())
}

#[tokio::test]
async fn administrators_read_one_account_and_list_the_service_accounts() -> anyhow::Result<()> {
    let w = World::new().await?;
    let admin = w.official("root", "admin", "parks").await?;
    let staff = w.official("roadworker", "staff", "road_management").await?;
    let staff_id = staff.user_id().expect("signed in");
    let service =
        w.uc.service_accounts
            .create(
                &admin,
                NewServiceAccount {
                    name: "120 콜센터 연계".to_owned(),
                    contact_email: "callcentre@jeonbuk.go.kr".to_owned(),
                },
            )
            .await?;

    let account =
        w.uc.accounts
            .account(&admin, staff_id)
            .await?
            .expect("found");
    assert_eq!(account.user.role, Role::Staff);
    assert_eq!(account.disabled_at, None);
    w.uc.accounts
        .set_disabled(&admin, staff_id, true, "test")
        .await?;
    let account =
        w.uc.accounts
            .account(&admin, staff_id)
            .await?
            .expect("found");
    assert!(account.disabled_at.is_some(), "disabled now");

    let listed = w.uc.service_accounts.list(&admin).await?;
    assert_eq!(
        listed.iter().map(|u| u.id).collect::<Vec<_>>(),
        [service.id],
        "the service account, no person"
    );
    assert_eq!(
        w.uc.service_accounts.get(&admin, service.id).await?.id,
        service.id
    );
    assert!(matches!(
        w.uc.service_accounts.get(&admin, staff_id).await,
        Err(AccountAdminError::NotFound)
    ));

    let manager = w.official("roadboss", "manager", "road_management").await?;
    assert!(matches!(
        w.uc.accounts.account(&manager, staff_id).await,
        Err(AccountAdminError::Forbidden)
    ));
    assert!(matches!(
        w.uc.service_accounts.list(&manager).await,
        Err(AccountAdminError::Forbidden)
    ));
    Ok(())
}
