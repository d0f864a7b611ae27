//! Refresh sessions: a token works once, a replayed one ends its whole
//! sign-in, nothing works after expiry, and signing out ends the sign-in.

use chrono::TimeDelta;
use sinmungo_core::app::SessionError;

use crate::world::{registration, World};

#[tokio::test]
async fn a_replayed_refresh_token_ends_its_whole_family_and_is_audited() -> anyhow::Result<()> {
    let w = World::new().await?;
    let user = w.uc.accounts.register(registration("minji")).await?;
    let month = TimeDelta::days(30);
    let family =
        w.uc.sessions
            .open(user.id, "hash-1".to_owned(), month)
            .await?;
    let other =
        w.uc.sessions
            .open(user.id, "other-1".to_owned(), month)
            .await?;

    let (rotated, same_family) =
        w.uc.sessions
            .rotate("hash-1", "hash-2".to_owned(), month)
            .await?;
    assert_eq!(rotated.id, user.id);
    assert_eq!(same_family, family, "rotation stays in the family");
    assert!(w.uc.sessions.is_active(family).await?);

    let replayed =
        w.uc.sessions
            .rotate("hash-1", "hash-3".to_owned(), month)
            .await;
    assert!(
        matches!(replayed, Err(SessionError::Reused)),
        "a used token: {replayed:?}"
    );
    assert!(
        !w.uc.sessions.is_active(family).await?,
        "the family is revoked"
    );
    let newer =
        w.uc.sessions
            .rotate("hash-2", "hash-4".to_owned(), month)
            .await;
    assert!(
        matches!(newer, Err(SessionError::InvalidToken)),
        "the rightful client's newer token died with it: {newer:?}"
    );
    assert!(
        w.uc.sessions.is_active(other).await?,
        "another sign-in lives on"
    );
    let audit = w.handles.audit.entries();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "session.token_reused" && e.target == format!("user:{}", user.id)),
        "{audit:?}"
    );
    Ok(())
}

#[tokio::test]
async fn nothing_works_after_expiry_and_purging_removes_it() -> anyhow::Result<()> {
    let w = World::new().await?;
    let user = w.uc.accounts.register(registration("minji")).await?;
    let month = TimeDelta::days(30);
    let family =
        w.uc.sessions
            .open(user.id, "hash-1".to_owned(), month)
            .await?;
    w.handles.clock.advance(month + TimeDelta::seconds(1));
    assert!(!w.uc.sessions.is_active(family).await?);
    let expired =
        w.uc.sessions
            .rotate("hash-1", "hash-2".to_owned(), month)
            .await;
    assert!(
        matches!(expired, Err(SessionError::InvalidToken)),
        "an expired token: {expired:?}"
    );
    assert_eq!(w.uc.sessions.purge_expired().await?, 1);
    assert!(w.handles.sessions.is_empty());
    w.uc.sessions.close("never-issued").await?;
    Ok(())
}

#[tokio::test]
async fn logging_out_ends_the_sign_in() -> anyhow::Result<()> {
    let w = World::new().await?;
    let user = w.uc.accounts.register(registration("minji")).await?;
    let month = TimeDelta::days(30);
    let family =
        w.uc.sessions
            .open(user.id, "hash-1".to_owned(), month)
            .await?;
    w.uc.sessions
        .rotate("hash-1", "hash-2".to_owned(), month)
        .await?;
    // Signing out with the first (already used) token still ends the sign-in.
    w.uc.sessions.close("hash-1").await?;
    assert!(!w.uc.sessions.is_active(family).await?);
    let result =
        w.uc.sessions
            .rotate("hash-2", "hash-3".to_owned(), month)
            .await;
    assert!(
        matches!(result, Err(SessionError::InvalidToken)),
        "{result:?}"
    );
    Ok(())
}
