//! `reports close`, `stats` and `rules check`: what staff see change, or not.

use sinmungo_core::domain::status::ReportStatus;

use crate::harness::{stderr, stdout, Env};
use crate::on_every_store;

on_every_store!(close_moves_old_resolved_reports_only_with_commit);

async fn close_moves_old_resolved_reports_only_with_commit(env: &Env) -> anyhow::Result<()> {
    let reports = env.submit_reports(6).await?;
    for report in &reports[..2] {
        env.reject(report).await?;
    }
    // Open reports older than a minute: none yet.
    let output = env
        .cli()
        .args([
            "reports",
            "close",
            "--status",
            "received",
            "--older-than",
            "1h",
            "--output",
            "json",
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(summary["matched"], "0");

    let stats = stdout(&env.cli().args(["stats", "--output", "csv"]).output()?);
    assert!(stats.contains("status,received,4,"), "{stats}");
    assert!(stats.contains("status,rejected,2,"), "{stats}");
    assert!(stats.contains("total,,6,"), "{stats}");

    // Nothing else changed the reports.
    let statuses: Vec<ReportStatus> = env.reports().await?.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == ReportStatus::Received)
            .count(),
        4
    );
    Ok(())
}

#[test]
fn a_broken_rule_file_is_explained_with_its_line() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("rules.toml");
    std::fs::write(&file, "review_threshold = 0.5\n\n[[rules]\nname = \"x\"\n")?;
    let output = assert_cmd::Command::cargo_bin("sinmungo")?
        .env_clear()
        .args(["rules", "check"])
        .arg(&file)
        .output()?;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("line 3"), "{}", stderr(&output));
    Ok(())
}
