//! `SettingsStore`: sealed secrets by name, their bytes kept exactly.

use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::identity::{SealedSecret, SecretName};
use sinmungo_core::domain::user::Role;

use crate::contract::fixtures::{parsed, t, user};
use crate::contract::{CheckResult, Stores};

fn name(raw: &str) -> anyhow::Result<SecretName> {
    parsed(SecretName::new(raw))
}

/// A secret named `raw` holding `sealed`, set at `at` by nobody (the operator).
fn secret(raw: &str, sealed: &[u8], at: DateTime<Utc>) -> anyhow::Result<SealedSecret> {
    Ok(SealedSecret {
        name: name(raw)?,
        sealed: sealed.to_vec(),
        updated_at: at,
        updated_by: None,
    })
}

/// `secret` as a store gives it back: its time truncated to the microsecond.
fn stored(secret: &SealedSecret) -> SealedSecret {
    let nanos = secret.updated_at.timestamp_subsec_nanos() % 1_000;
    SealedSecret {
        updated_at: secret.updated_at - TimeDelta::nanoseconds(i64::from(nanos)),
        ..secret.clone()
    }
}

/// Every byte value, NUL and 0xff among them, in a sealed value.
fn every_byte() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=u8::MAX).collect();
    bytes.extend([0x00, 0xff, 0x00, 0x00, 0xc3, 0x28, 0xff]);
    bytes
}

/// The first put replaces nothing; the next returns the secret it replaced;
/// reading gives the latest, its time to the microsecond and who set it.
pub async fn put_secret_returns_the_one_replaced(stores: &Stores) -> CheckResult {
    let settings = stores.settings.as_ref();
    let admin = user(1, Role::Admin, None)?;
    stores.users.create(&admin).await?;
    let first = secret(
        "oauth.kakao.client_secret",
        b"\x01first",
        t(0) + TimeDelta::nanoseconds(123_456_789),
    )?;
    assert_eq!(settings.put_secret(&first).await?, None, "nothing replaced");
    assert_eq!(
        settings.secret(&first.name).await?,
        Some(stored(&first)),
        "read back"
    );

    let mut second = secret("oauth.kakao.client_secret", b"\x02second", t(60))?;
    second.updated_by = Some(admin.id);
    assert_eq!(
        settings.put_secret(&second).await?,
        Some(stored(&first)),
        "the first, replaced"
    );
    let third = secret("oauth.kakao.client_secret", b"\x03", t(120))?;
    assert_eq!(
        settings.put_secret(&third).await?,
        Some(stored(&second)),
        "the second, with who set it"
    );
    assert_eq!(settings.secret(&first.name).await?, Some(stored(&third)));
    assert_eq!(
        settings.secret(&name("oauth.naver.client_secret")?).await?,
        None,
        "another name"
    );
    Ok(())
}

/// Sealed bytes come back exactly: every byte value, NUL and 0xff, bytes
/// that are not UTF-8, one byte, and 16 KiB.
pub async fn sealed_bytes_round_trip_exactly(stores: &Stores) -> CheckResult {
    let settings = stores.settings.as_ref();
    let cases = [
        ("every-byte", every_byte()),
        ("nul", vec![0x00]),
        ("ff", vec![0xff]),
        ("nuls", vec![0x00; 40]),
        (
            "large",
            (0..16 * 1024).map(|i| (i * 7 % 256) as u8).collect(),
        ),
    ];
    for (raw, bytes) in &cases {
        settings.put_secret(&secret(raw, bytes, t(0))?).await?;
    }
    for (raw, bytes) in &cases {
        let read = settings.secret(&name(raw)?).await?;
        assert_eq!(
            read.map(|s| s.sealed),
            Some(bytes.clone()),
            "{raw} round-trips"
        );
    }
    Ok(())
}

/// `secrets` lists every secret by name (byte order), each with its value.
pub async fn secrets_list_by_name(stores: &Stores) -> CheckResult {
    let settings = stores.settings.as_ref();
    let names = [
        "smtp.password",
        "ai.openai.api_key",
        "oauth.google.client_secret",
        "oauth.google-2.client_secret",
        "ai.openai_2",
        "0-first",
        "z",
    ];
    for (i, raw) in (0..).zip(names) {
        let listed = secret(raw, &[i, 0x00, 0xff], t(i64::from(i)))?;
        settings.put_secret(&listed).await?;
    }
    let listed = settings.secrets().await?;
    let mut expected: Vec<&str> = names.to_vec();
    expected.sort_unstable();
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        expected,
        "by name"
    );
    for (i, raw) in (0..).zip(names) {
        let listed = listed.iter().find(|s| s.name.as_str() == raw);
        assert_eq!(
            listed.cloned(),
            Some(secret(raw, &[i, 0x00, 0xff], t(i64::from(i)))?),
            "{raw} listed whole"
        );
    }
    Ok(())
}

/// Deleting says whether there was a secret: true once, then false; the
/// others stay.
pub async fn delete_secret_says_whether_there_was_one(stores: &Stores) -> CheckResult {
    let settings = stores.settings.as_ref();
    let doomed = secret("smtp.password", b"pw", t(0))?;
    let kept = secret("smtp.username", b"user", t(0))?;
    settings.put_secret(&doomed).await?;
    settings.put_secret(&kept).await?;
    assert!(settings.delete_secret(&doomed.name).await?, "there was one");
    assert!(!settings.delete_secret(&doomed.name).await?, "not any more");
    assert_eq!(settings.secret(&doomed.name).await?, None);
    assert_eq!(settings.secrets().await?, [kept], "the other stays");
    assert_eq!(
        settings.put_secret(&doomed).await?,
        None,
        "set again after deletion: nothing replaced"
    );
    Ok(())
}
