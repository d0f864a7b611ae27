//! `reports anonymise`: closed reports lose their reporter and the personal
//! data in their text; open ones are left alone.

use sinmungo_core::app::ANONYMISED_EMAIL;
use sinmungo_core::ports::AuditQuery;

use crate::harness::{stderr, Env};
use crate::on_every_store;

on_every_store!(anonymise_unlinks_reporters_and_removes_phone_numbers);

async fn anonymise_unlinks_reporters_and_removes_phone_numbers(env: &Env) -> anyhow::Result<()> {
    let reports = env.submit_reports(12).await?;
    for report in &reports[..8] {
        env.reject(report).await?;
    }
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .date_naive()
        .to_string();
    let phone = |text: &str| text.contains("010-1234-");

    let output = env
        .cli()
        .args(["reports", "anonymise", "--closed-before", &tomorrow])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let before = env.reports().await?;
    assert_eq!(
        before
            .iter()
            .filter(|r| r.reporter == env.citizen.id)
            .count(),
        12,
        "a dry run changed reports"
    );

    let output = env
        .cli()
        .args([
            "reports",
            "anonymise",
            "--closed-before",
            &tomorrow,
            "--commit",
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let after = env.reports().await?;
    let (closed, open): (Vec<_>, Vec<_>) = after.iter().partition(|r| !r.status.is_open());
    assert_eq!((closed.len(), open.len()), (8, 4));
    for report in &closed {
        assert_ne!(report.reporter, env.citizen.id, "{}", report.number);
        assert!(
            !phone(report.description.as_str()),
            "{}",
            report.description.as_str()
        );
    }
    for report in &open {
        assert_eq!(report.reporter, env.citizen.id);
        assert!(phone(report.description.as_str()));
    }
    let anonymous = env
        .app
        .stores
        .users
        .find_by_email(
            &sinmungo_core::domain::user::Email::new(ANONYMISED_EMAIL)
                .map_err(|e| anyhow::anyhow!(e.message))?,
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("no anonymised account"))?;
    assert!(closed.iter().all(|r| r.reporter == anonymous.id));
    assert!(anonymous.password_hash.is_none(), "nobody signs in as it");

    // One audit entry for the run, naming the operator, the count and the channel.
    let entries = env
        .app
        .stores
        .audit
        .list(&AuditQuery {
            target: Some("reports".to_owned()),
            limit: 50,
        })
        .await?;
    let runs: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "report.anonymise")
        .collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].actor, Some(env.admin.id));
    assert_eq!(runs[0].after["changed"], 8);
    assert_eq!(runs[0].after["via"], "cli");
    Ok(())
}
