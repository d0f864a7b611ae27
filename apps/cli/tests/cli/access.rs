//! Who may run the CLI: managers and administrators, with their password.

use crate::harness::{stderr, Env, CITIZEN, MANAGER, PASSWORD, STAFF};
use crate::on_every_store;

on_every_store!(
    officers_and_citizens_are_refused,
    a_wrong_password_is_refused
);

async fn officers_and_citizens_are_refused(env: &Env) -> anyhow::Result<()> {
    for email in [STAFF, CITIZEN] {
        let output = env
            .cli_as(email)
            .env("SINMUNGO_PASSWORD", PASSWORD)
            .args(["departments", "list"])
            .output()?;
        assert_eq!(output.status.code(), Some(1), "{email}");
        assert!(
            stderr(&output).contains("is not a manager or administrator"),
            "{}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty());
    }
    // A manager may.
    let output = env
        .cli_as(MANAGER)
        .env("SINMUNGO_PASSWORD", PASSWORD)
        .args(["departments", "list"])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    Ok(())
}

async fn a_wrong_password_is_refused(env: &Env) -> anyhow::Result<()> {
    let output = env
        .cli_as(MANAGER)
        .env("SINMUNGO_PASSWORD", "not-the-password-1")
        .args(["categories", "list"])
        .output()?;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("sign-in refused"),
        "{}",
        stderr(&output)
    );
    // No password and no terminal: refused, never prompted.
    let output = env.cli_as(MANAGER).args(["categories", "list"]).output()?;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("SINMUNGO_PASSWORD"));
    Ok(())
}

#[test]
fn usage_errors_exit_with_2_and_help_is_readable() {
    let mut command = assert_cmd::Command::cargo_bin("sinmungo").expect("built");
    let output = command
        .args(["reports", "frobnicate"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let mut command = assert_cmd::Command::cargo_bin("sinmungo").expect("built");
    let output = command.arg("--help").output().expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "users",
        "reports",
        "rules",
        "stats",
        "--as",
        "--database-url",
    ] {
        assert!(help.contains(word), "{word} missing from --help:\n{help}");
    }
}
