//! `users`: listing, creating, disabling — dry runs change nothing.

use sinmungo_core::app::LoginError;

use crate::harness::{stderr, stdout, Env, PASSWORD, STAFF};
use crate::on_every_store;

on_every_store!(
    a_disabled_account_cannot_sign_in,
    users_are_listed_and_created
);

async fn a_disabled_account_cannot_sign_in(env: &Env) -> anyhow::Result<()> {
    // Dry run: nothing changes.
    let output = env.cli().args(["users", "disable", STAFF]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("dry run"));
    env.app.use_cases.accounts.login(STAFF, PASSWORD).await?;

    let output = env
        .cli()
        .args(["users", "disable", STAFF, "--commit"])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let refused = env.app.use_cases.accounts.login(STAFF, PASSWORD).await;
    assert!(matches!(refused, Err(LoginError::Disabled)), "{refused:?}");
    // A wrong password still says only that.
    let wrong = env
        .app
        .use_cases
        .accounts
        .login(STAFF, "wrong-pass-123")
        .await;
    assert!(matches!(wrong, Err(LoginError::InvalidCredentials)));

    let listed = env
        .cli()
        .args(["users", "list", "--output", "json"])
        .output()?;
    let users: serde_json::Value = serde_json::from_slice(&listed.stdout)?;
    let staff = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == STAFF))
        .cloned()
        .unwrap_or_default();
    assert_ne!(staff["disabled_at"], "", "{users}");

    let output = env
        .cli()
        .args(["users", "disable", STAFF, "--enable", "--commit"])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    env.app.use_cases.accounts.login(STAFF, PASSWORD).await?;
    Ok(())
}

async fn users_are_listed_and_created(env: &Env) -> anyhow::Result<()> {
    let create = |commit: bool| {
        let mut command = env.cli();
        command
            .env("SINMUNGO_NEW_USER_PASSWORD", "new-officer-2026")
            .args([
                "users",
                "create",
                "--email",
                "new@jeonbuk.go.kr",
                "--display-name",
                "신규 주무관",
                "--role",
                "staff",
                "--department",
                "road_management",
            ]);
        if commit {
            command.arg("--commit");
        }
        command.output()
    };
    let output = create(false)?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed = stdout(
        &env.cli()
            .args(["users", "list", "--output", "csv"])
            .output()?,
    );
    assert!(!listed.contains("new@jeonbuk.go.kr"), "dry run created it");

    let output = create(true)?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed = stdout(&env.cli().args(["users", "list"]).output()?);
    assert!(listed.contains("new@jeonbuk.go.kr") && listed.contains("신규 주무관"));
    env.app
        .use_cases
        .accounts
        .login("new@jeonbuk.go.kr", "new-officer-2026")
        .await?;
    Ok(())
}
