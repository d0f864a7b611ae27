//! `UserStore`: accounts, unique e-mails, lookups and updates; accounts at
//! identity providers linked to them; service accounts' API keys.

use chrono::TimeDelta;
use sinmungo_core::domain::category;
use sinmungo_core::domain::identity::{ApiKey, ExternalIdentity, Provider};
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User};
use sinmungo_core::ports::{StoreError, Uniqueness};
use uuid::Uuid;

use crate::contract::fixtures::{department, parsed, t, t0, user};
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
    promoted.password_hash = Some(PasswordHash::new(
        "$argon2id$v=19$m=19456,t=2,p=1$bmV3$aGFzaA".into(),
    ));
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

/// An account without a password (signs in through a provider) reads back
/// without one, and `update` sets and clears a password hash.
pub async fn user_without_password_round_trips(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let mut external = user(1, Role::Citizen, None)?;
    external.password_hash = None;
    users.create(&external).await?;
    assert_eq!(
        users.get(external.id).await?,
        Some(external.clone()),
        "by id"
    );
    assert_eq!(
        users.find_by_email(&external.email).await?,
        Some(external.clone()),
        "by e-mail"
    );

    let mut with_password = external.clone();
    with_password.password_hash = Some(PasswordHash::new("$argon2id$v=19$set".into()));
    users.update(&with_password).await?;
    assert_eq!(
        users.get(external.id).await?,
        Some(with_password.clone()),
        "a password set"
    );
    users.update(&external).await?;
    assert_eq!(users.get(external.id).await?, Some(external), "and cleared");
    Ok(())
}

/// Every role, the service accounts' included, reads back as written, also
/// after an update.
pub async fn every_role_round_trips(stores: &Stores) -> CheckResult {
    seed_departments(stores).await?;
    let users = stores.users.as_ref();
    for (n, role) in (1..).zip(Role::ALL) {
        let mut account = user(n, role, None)?;
        if role.is_official() {
            account.department = Some(department("road_management")?);
        }
        if role == Role::Service {
            account.password_hash = None;
        }
        users.create(&account).await?;
        assert_eq!(users.get(account.id).await?, Some(account), "{role}");
    }
    let mut service = user(100, Role::Citizen, None)?;
    users.create(&service).await?;
    service.role = Role::Service;
    service.password_hash = None;
    users.update(&service).await?;
    assert_eq!(
        users.get(service.id).await?,
        Some(service),
        "a citizen made a service account"
    );
    Ok(())
}

/// A department's officials are its staff and managers: not its admins,
/// not citizens, not another department's officials.
pub async fn officials_of_a_department_are_its_staff_and_managers(stores: &Stores) -> CheckResult {
    seed_departments(stores).await?;
    let users = stores.users.as_ref();
    let roads = department("road_management")?;
    let parks = department("parks")?;
    let people = [
        user(1, Role::Staff, Some(roads.clone()))?,
        user(2, Role::Manager, Some(roads.clone()))?,
        user(3, Role::Admin, Some(roads.clone()))?,
        user(4, Role::Staff, Some(parks.clone()))?,
        user(5, Role::Citizen, None)?,
        user(6, Role::Staff, Some(roads.clone()))?,
    ];
    for person in &people {
        users.create(person).await?;
    }
    let mut officials = users.officials_of(&roads).await?;
    officials.sort_by_key(|u| u.id);
    assert_eq!(
        officials,
        [people[0].clone(), people[1].clone(), people[5].clone()],
        "road management's staff and manager"
    );
    assert_eq!(users.officials_of(&parks).await?, [people[3].clone()]);
    let mut moved = people[5].clone();
    moved.department = Some(parks.clone());
    users.update(&moved).await?;
    assert_eq!(
        users.officials_of(&roads).await?.len(),
        2,
        "one moved to parks"
    );
    assert!(users
        .officials_of(&department("water_sewerage")?)
        .await?
        .is_empty());
    Ok(())
}

/// Identity `subject` at `provider`, linked to `owner` at `t0` plus a fraction.
fn identity(provider: Provider, subject: &str, owner: &User) -> ExternalIdentity {
    ExternalIdentity {
        provider,
        subject: subject.to_owned(),
        user_id: owner.id,
        linked_at: t0() + TimeDelta::nanoseconds(123_456_789),
    }
}

/// A linked account finds its user; another provider's account of the same
/// subject, or an unlinked subject, finds nobody. A user may link several.
pub async fn linked_identity_finds_its_user(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let alice = user(1, Role::Citizen, None)?;
    let bob = user(2, Role::Citizen, None)?;
    users.create(&alice).await?;
    users.create(&bob).await?;
    users
        .link_identity(&identity(Provider::Google, "1045", &alice))
        .await?;
    users
        .link_identity(&identity(Provider::Kakao, "3141592", &alice))
        .await?;
    // The same subject at another provider is another person.
    users
        .link_identity(&identity(Provider::Naver, "1045", &bob))
        .await?;

    let found = |provider: Provider, subject: &'static str| async move {
        users.find_by_identity(provider, subject).await
    };
    assert_eq!(found(Provider::Google, "1045").await?, Some(alice.clone()));
    assert_eq!(
        found(Provider::Kakao, "3141592").await?,
        Some(alice.clone())
    );
    assert_eq!(found(Provider::Naver, "1045").await?, Some(bob));
    assert_eq!(found(Provider::Kakao, "1045").await?, None, "not linked");
    assert_eq!(
        found(Provider::Google, "10450").await?,
        None,
        "another subject"
    );
    Ok(())
}

/// A (provider, subject) pair links once: linking it again, to the same user
/// or another, is `AlreadyExists(Identity)` and the first link stays.
pub async fn duplicate_identity_link_is_refused(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let alice = user(1, Role::Citizen, None)?;
    let bob = user(2, Role::Citizen, None)?;
    users.create(&alice).await?;
    users.create(&bob).await?;
    users
        .link_identity(&identity(Provider::Kakao, "3141592", &alice))
        .await?;
    for owner in [&alice, &bob] {
        let result = users
            .link_identity(&identity(Provider::Kakao, "3141592", owner))
            .await;
        assert!(
            matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
            "got {result:?}"
        );
    }
    assert_eq!(
        users.find_by_identity(Provider::Kakao, "3141592").await?,
        Some(alice),
        "still Alice's"
    );
    Ok(())
}

/// Linking an account to a user who does not exist is `NotFound`, and links nothing.
pub async fn identity_link_for_unknown_user_is_not_found(stores: &Stores) -> CheckResult {
    let ghost = user(404, Role::Citizen, None)?;
    let result = stores
        .users
        .link_identity(&identity(Provider::Google, "ghost", &ghost))
        .await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    assert_eq!(
        stores
            .users
            .find_by_identity(Provider::Google, "ghost")
            .await?,
        None
    );
    Ok(())
}

/// A service account with no password, as the suite registers one.
async fn service_account(stores: &Stores, n: u128) -> anyhow::Result<User> {
    let mut account = user(n, Role::Service, None)?;
    account.password_hash = None;
    stores.users.create(&account).await?;
    Ok(account)
}

/// Key `n` of `owner`, made `minutes` after `t0` (plus a fraction of a microsecond).
fn api_key(n: u128, owner: &User, minutes: i64) -> ApiKey {
    ApiKey {
        id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0000 | n),
        user_id: owner.id,
        prefix: format!("smk_{n:04x}"),
        key_hash: format!("sha256:key-{n}"),
        label: format!("GIS 대시보드 {n}"),
        created_at: t(minutes * 60) + TimeDelta::nanoseconds(654_321_987),
        revoked_at: None,
    }
}

/// `key` as a store gives it back: times truncated to the microsecond.
fn stored_key(key: &ApiKey) -> ApiKey {
    let truncate = |time: chrono::DateTime<chrono::Utc>| {
        time - TimeDelta::nanoseconds(i64::from(time.timestamp_subsec_nanos() % 1_000))
    };
    ApiKey {
        created_at: truncate(key.created_at),
        revoked_at: key.revoked_at.map(truncate),
        ..key.clone()
    }
}

/// A key reads back by its hash, every field as written (times to the
/// microsecond), revoked or not; an unknown hash finds nothing.
pub async fn api_key_is_found_by_its_hash(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let gis = service_account(stores, 1).await?;
    let live = api_key(1, &gis, 0);
    let mut revoked = api_key(2, &gis, 1);
    revoked.revoked_at = Some(t(120) + TimeDelta::nanoseconds(999));
    users.add_api_key(&live).await?;
    users.add_api_key(&revoked).await?;
    assert_eq!(
        users.find_api_key(&live.key_hash).await?,
        Some(stored_key(&live)),
        "live"
    );
    assert_eq!(
        users.find_api_key(&revoked.key_hash).await?,
        Some(stored_key(&revoked)),
        "revoked"
    );
    assert_eq!(users.find_api_key("sha256:unknown").await?, None, "unknown");
    Ok(())
}

/// A service account's keys list newest first, and only its own.
pub async fn api_keys_list_newest_first(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let gis = service_account(stores, 1).await?;
    let call_centre = service_account(stores, 2).await?;
    let keys = [
        api_key(1, &gis, 5),
        api_key(2, &gis, 1),
        api_key(3, &call_centre, 3),
        api_key(4, &gis, 9),
    ];
    for key in &keys {
        users.add_api_key(key).await?;
    }
    let listed: Vec<_> = users.api_keys(gis.id).await?;
    assert_eq!(
        listed,
        [&keys[3], &keys[0], &keys[1]].map(stored_key),
        "the GIS keys, newest first"
    );
    assert_eq!(
        users.api_keys(call_centre.id).await?,
        [stored_key(&keys[2])]
    );
    let nobody = user(404, Role::Service, None)?;
    assert!(users.api_keys(nobody.id).await?.is_empty());
    Ok(())
}

/// Revoking marks a key at the given time; revoking again keeps the first
/// time; an unknown key is `NotFound`.
pub async fn revoke_api_key_keeps_the_first_revocation(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let gis = service_account(stores, 1).await?;
    let key = api_key(1, &gis, 0);
    let other = api_key(2, &gis, 1);
    users.add_api_key(&key).await?;
    users.add_api_key(&other).await?;

    let first = t(600) + TimeDelta::nanoseconds(1_999);
    users.revoke_api_key(key.id, first).await?;
    users.revoke_api_key(key.id, t(900)).await?;
    let mut revoked = key.clone();
    revoked.revoked_at = Some(first);
    assert_eq!(
        users.find_api_key(&key.key_hash).await?,
        Some(stored_key(&revoked)),
        "revoked once, at the first time"
    );
    assert_eq!(
        users.find_api_key(&other.key_hash).await?,
        Some(stored_key(&other)),
        "the other key is live"
    );
    let result = users.revoke_api_key(Uuid::from_u128(404), t(0)).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    Ok(())
}

/// A key hash is stored once: another key with it is `AlreadyExists(Identity)`
/// and not written. A key for an account that does not exist is `NotFound`.
pub async fn duplicate_api_key_hash_is_refused(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    let gis = service_account(stores, 1).await?;
    let call_centre = service_account(stores, 2).await?;
    let first = api_key(1, &gis, 0);
    users.add_api_key(&first).await?;
    let mut copy = api_key(2, &call_centre, 1);
    copy.key_hash = first.key_hash.clone();
    let result = users.add_api_key(&copy).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
        "got {result:?}"
    );
    assert!(
        users.api_keys(call_centre.id).await?.is_empty(),
        "the copy is absent"
    );
    assert_eq!(
        users.find_api_key(&first.key_hash).await?,
        Some(stored_key(&first)),
        "the first is intact"
    );

    let ghost = user(404, Role::Service, None)?;
    let result = users.add_api_key(&api_key(3, &ghost, 2)).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "a key of an unknown account: got {result:?}"
    );
    assert_eq!(
        users.find_api_key(&api_key(3, &ghost, 2).key_hash).await?,
        None
    );
    Ok(())
}

/// Accounts list in id order, page by page after a cursor, each saying
/// whether it is disabled; disabling keeps its first time, enabling clears
/// it, and an unknown account is `NotFound`.
pub async fn accounts_list_in_pages_and_can_be_disabled(stores: &Stores) -> CheckResult {
    let users = stores.users.as_ref();
    for n in [3, 1, 2] {
        users.create(&user(n, Role::Citizen, None)?).await?;
    }
    let first = user(1, Role::Citizen, None)?;
    let second = user(2, Role::Citizen, None)?;
    let third = user(3, Role::Citizen, None)?;

    let page = users.list(None, 2).await?;
    let ids: Vec<_> = page.iter().map(|a| a.user.id).collect();
    assert_eq!(ids, [first.id, second.id], "first page, in id order");
    assert!(page.iter().all(|a| a.disabled_at.is_none()));
    let rest = users.list(Some(second.id), 2).await?;
    assert_eq!(
        rest.iter().map(|a| a.user.id).collect::<Vec<_>>(),
        [third.id],
        "after the cursor"
    );
    assert_eq!(rest[0].user, third, "the account reads back whole");

    let at = t(5) + TimeDelta::nanoseconds(123_456_789);
    users.set_disabled(second.id, Some(at)).await?;
    users.set_disabled(second.id, Some(t(9))).await?;
    let kept = t(5) + TimeDelta::microseconds(123_456);
    assert_eq!(
        users.disabled_at(second.id).await?,
        Some(kept),
        "first time kept"
    );
    assert_eq!(users.disabled_at(first.id).await?, None);
    let listed = users.list(None, 10).await?;
    assert_eq!(listed[1].disabled_at, Some(kept), "listed as disabled");
    assert_eq!(
        users.get(second.id).await?,
        Some(second.clone()),
        "the user itself unchanged"
    );

    users.set_disabled(second.id, None).await?;
    assert_eq!(users.disabled_at(second.id).await?, None, "enabled again");
    let unknown = user(99, Role::Citizen, None)?;
    let result = users.set_disabled(unknown.id, Some(t(1))).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    assert_eq!(users.disabled_at(unknown.id).await?, None);
    Ok(())
}
