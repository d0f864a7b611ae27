//! Refresh sessions: a token works once and not after it expires.

use chrono::TimeDelta;
use sinmungo_core::app::SessionError;

use crate::world::{registration, World};

#[tokio::test]
async fn a_refresh_token_is_used_once_and_not_after_it_expires() -> anyhow::Result<()> {
    let w = World::new().await?;
    let user = w.uc.accounts.register(registration("minji")).await?;
    let month = TimeDelta::days(30);
    w.uc.sessions
        .open(user.id, "hash-1".to_owned(), month)
        .await?;

    let rotated =
        w.uc.sessions
            .rotate("hash-1", "hash-2".to_owned(), month)
            .await?;
    assert_eq!(rotated.id, user.id);
    let replayed =
        w.uc.sessions
            .rotate("hash-1", "hash-3".to_owned(), month)
            .await;
    assert!(
        matches!(replayed, Err(SessionError::InvalidToken)),
        "a used token: {replayed:?}"
    );

    w.handles.clock.advance(month + TimeDelta::seconds(1));
    let expired =
        w.uc.sessions
            .rotate("hash-2", "hash-4".to_owned(), month)
            .await;
    assert!(
        matches!(expired, Err(SessionError::InvalidToken)),
        "an expired token: {expired:?}"
    );
    assert!(
        w.handles.sessions.is_empty(),
        "neither token left a session behind"
    );

    w.uc.sessions.close("never-issued").await?;
    Ok(())
}

#[tokio::test]
async fn logging_out_ends_the_session() -> anyhow::Result<()> {
    let w = World::new().await?;
    let user = w.uc.accounts.register(registration("minji")).await?;
    w.uc.sessions
        .open(user.id, "hash-1".to_owned(), TimeDelta::days(30))
        .await?;
    w.uc.sessions.close("hash-1").await?;
    let result =
        w.uc.sessions
            .rotate("hash-1", "hash-2".to_owned(), TimeDelta::days(30))
            .await;
    assert!(
        matches!(result, Err(SessionError::InvalidToken)),
        "{result:?}"
    );
    Ok(())
}
