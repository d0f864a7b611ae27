//! `reports close`, `stats` and `rules check`: what staff see change, or not.

use sinmungo_core::app::ReclassifyRequest;
use sinmungo_core::domain::status::ReportStatus;

use crate::harness::{json_summary, stderr, stdout, Env};
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
    let summary = json_summary(&output)?;
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

on_every_store!(a_new_rule_file_is_compared_with_the_open_reports);

/// `rules diff`: the open reports the rules classified, under a new file
/// that sends potholes to the water and sewer department; a closed report
/// and one an officer classified are not counted as changes; nothing changes.
async fn a_new_rule_file_is_compared_with_the_open_reports(env: &Env) -> anyhow::Result<()> {
    let reports = env.submit_reports(6).await?;
    env.reject(&reports[0]).await?;
    env.app
        .use_cases
        .reclassify
        .execute(
            &env.admin_actor(),
            reports[1].id,
            ReclassifyRequest {
                category: "road_damage".to_owned(),
                priority: "normal".to_owned(),
            },
        )
        .await?;
    let file = env.path("new-rules.toml");
    std::fs::write(
        &file,
        "review_threshold = 0.6\n\n[[rules]]\nname = \"pothole_is_sewer\"\ncategory = \"water_sewer\"\n\
         priority = \"normal\"\nconfidence = 0.8\nany_keywords = [\"포트홀\"]\n",
    )?;
    let output = env
        .cli()
        .args(["rules", "diff", "--examples", "2", "--output", "json"])
        .arg(&file)
        .output()?;
    let rows = json_summary(&output)?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["from"], "road_damage");
    assert_eq!(rows[0]["to"], "water_sewer");
    assert_eq!(
        rows[0]["reports"], "4",
        "6 reports, 1 closed, 1 an officer's"
    );
    assert_eq!(
        rows[0]["examples"].as_str().map(|e| e.split(' ').count()),
        Some(2)
    );
    assert!(
        stderr(&output).contains("5 open report(s); 4 would change category, 1 kept"),
        "{}",
        stderr(&output)
    );

    // The rules in force against themselves: no change.
    let same = env
        .cli()
        .args(["rules", "diff", "--output", "json", "--against"])
        .arg(&file)
        .arg(&file)
        .output()?;
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&same.stdout)?,
        serde_json::json!([])
    );
    // Nothing was reclassified.
    let categories: Vec<String> = env
        .reports()
        .await?
        .iter()
        .map(|r| r.category.to_string())
        .collect();
    assert!(
        categories.iter().all(|c| c == "road_damage"),
        "{categories:?}"
    );
    Ok(())
}

/// `--data-dir` alone moves the embedded database (and with it the photos
/// and keys): run from another directory, nothing lands in `./data` there.
#[test]
fn the_data_dir_holds_the_database_wherever_the_command_runs() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let elsewhere = tempfile::tempdir()?;
    let output = assert_cmd::Command::cargo_bin("sinmungo")?
        .env_clear()
        .current_dir(elsewhere.path())
        .args(["--as", "nobody@jeonbuk.go.kr", "--data-dir"])
        .arg(data.path())
        .args(["departments", "list"])
        .env("SINMUNGO_PASSWORD", "not-an-account-2026")
        .output()?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        data.path().join("sinmungo.db").is_file(),
        "the database is in the data directory"
    );
    assert!(
        data.path().join("secrets-key").is_file(),
        "the generated key beside it"
    );
    assert!(
        !elsewhere.path().join("data").exists(),
        "nothing in the working directory's ./data"
    );
    Ok(())
}
