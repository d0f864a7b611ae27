//! `UserStore`: accounts, unique e-mails, lookups and updates.

use chrono::TimeDelta;
use sinmungo_core::domain::category;
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role};
use sinmungo_core::ports::{StoreError, Uniqueness};

use crate::contract::fixtures::{department, parsed, t0, user};
use crate::contract::{CheckResult, Stores};

/// Users may name departments; stores with foreign keys need them to exist.
async fn seed_departments(stores: &Stores) -> CheckResult {
    for department in category::seeded().1 {
        stores.directory.upsert_department(&department).await?;
    }
    Ok(())
}

/// A user reads back as written (creation time to the microsecond), by id and
/// by e-mail however the address was capitalised when typed.
pub async fn user_round_trip_and_lookup_by_email(stores: &Stores) -> CheckResult {
    seed_departments(stores).await?;
    let users = stores.users.as_ref();
    let mut officer = user(7, Role::Manager, Some(department("road_management")?))?;
    officer.email = parsed(Email::new(" Kim.Officer@Jeonbuk.GO.kr "))?;
    officer.display_name = parsed(DisplayName::new("김 주무관 ✓"))?;
    officer.created_at = t0() + TimeDelta::nanoseconds(987_654_321);
    let citizen = user(8, Role::Citizen, None)?;
    users.create(&officer).await?;
    users.create(&citizen).await?;

    let mut expected = officer.clone();
    expected.created_at = t0() + TimeDelta::microseconds(987_654);
    assert_eq!(
        users.get(officer.id).await?,
        Some(expected.clone()),
        "by id"
    );
    assert_eq!(
        users.get(citizen.id).await?,
        Some(citizen.clone()),
        "a citizen without department"
    );
    let typed = parsed(Email::new("KIM.OFFICER@jeonbuk.go.kr"))?;
    let found = users.find_by_email(&typed).await?;
    assert_eq!(found, Some(expected), "by e-mail, stored lower-case");
    assert_eq!(
        found.map(|u| u.email.as_str().to_owned()).as_deref(),
        Some("kim.officer@jeonbuk.go.kr")
    );
    let stranger = parsed(Email::new("nobody@example.kr"))?;
    assert_eq!(
        users.find_by_email(&stranger).await?,
        None,
        "unknown e-mail"
    );
    assert_eq!(
        users.get(user(99, Role::Citizen, None)?.id).await?,
        None,
        "unknown id"
    );
    Ok(())
}

/// A second account with a taken e-mail (in any capitalisation) is refused and not written.
pub async fn duplicate_email_is_refused(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let first = user(1, Role::Citizen, None)?;
    users.create(&first).await?;
    let mut second = user(2, Role::Citizen, None)?;
    second.email = parsed(Email::new("USER1@EXAMPLE.KR"))?;
    let result = users.create(&second).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Email))),
        "got {result:?}"
    );
    assert_eq!(
        users.get(second.id).await?,
        None,
        "the refused account is absent"
    );
    assert_eq!(
        users.find_by_email(&first.email).await?,
        Some(first),
        "the first is intact"
    );
    Ok(())
}

/// `update` replaces role, department, display name and password hash; the
/// e-mail and creation time stay as they were.
pub async fn user_update_replaces_role_department_name_and_hash_only(
    stores: &Stores,
) -> CheckResult {
    seed_departments(stores).await?;
    let users = stores.users.as_ref();
    let original = user(1, Role::Citizen, None)?;
    users.create(&original).await?;

    let mut promoted = original.clone();
    promoted.role = Role::Staff;
    promoted.department = Some(department("parks")?);
    promoted.display_name = parsed(DisplayName::new("공원녹지과 박주무관"))?;
    promoted.password_hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$bmV3$aGFzaA".into());
    promoted.email = parsed(Email::new("changed@example.kr"))?;
    promoted.created_at = t0() + TimeDelta::days(1);
    users.update(&promoted).await?;

    let stored = users.get(original.id).await?;
    let mut expected = promoted.clone();
    expected.email = original.email.clone();
    expected.created_at = original.created_at;
    assert_eq!(
        stored,
        Some(expected.clone()),
        "four fields replaced, e-mail and creation kept"
    );
    assert_eq!(
        users.find_by_email(&original.email).await?,
        Some(expected.clone())
    );
    assert_eq!(users.find_by_email(&promoted.email).await?, None);

    let mut demoted = expected;
    demoted.role = Role::Citizen;
    demoted.department = None;
    users.update(&demoted).await?;
    assert_eq!(
        users.get(original.id).await?,
        Some(demoted),
        "a department is cleared"
    );
    Ok(())
}

/// Updating an account that does not exist is `NotFound` and creates nothing.
pub async fn update_of_missing_user_is_not_found(stores: &Stores) -> CheckResult {
    let ghost = user(404, Role::Citizen, None)?;
    let result = stores.users.update(&ghost).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    assert_eq!(stores.users.get(ghost.id).await?, None);
    Ok(())
}
