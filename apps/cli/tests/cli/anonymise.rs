//! `reports anonymise`: closed reports lose their reporter and the personal
//! data in their text; open ones are left alone.

use sinmungo_core::app::{CommentRequest, SubmitRequest, ANONYMISED_EMAIL};
use sinmungo_core::domain::timeline::CONTACT_NOTE_REMOVED;
use sinmungo_core::ports::AuditQuery;

use crate::harness::{stderr, Env};
use crate::on_every_store;

on_every_store!(
    anonymise_unlinks_reporters_and_removes_phone_numbers,
    anonymise_removes_the_contact_an_integration_left_and_masks_comments,
);

/// `reports anonymise` of the reports closed before tomorrow: a dry run, or `commit`.
fn anonymise(env: &Env, commit: bool) -> anyhow::Result<()> {
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .date_naive()
        .to_string();
    let mut cli = env.cli();
    cli.args(["reports", "anonymise", "--closed-before", &tomorrow]);
    if commit {
        cli.arg("--commit");
    }
    let output = cli.output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    Ok(())
}

async fn anonymise_unlinks_reporters_and_removes_phone_numbers(env: &Env) -> anyhow::Result<()> {
    let reports = env.submit_reports(12).await?;
    for report in &reports[..8] {
        env.reject(report).await?;
    }
    let phone = |text: &str| text.contains("010-1234-");

    anonymise(env, false)?;
    let before = env.reports().await?;
    assert_eq!(
        before
            .iter()
            .filter(|r| r.reporter == env.citizen.id)
            .count(),
        12,
        "a dry run changed reports"
    );

    anonymise(env, true)?;
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

/// An Open311 client's contact details (kept for officials as a note) go
/// with the reporter link, and comments lose their phone numbers.
async fn anonymise_removes_the_contact_an_integration_left_and_masks_comments(
    env: &Env,
) -> anyhow::Result<()> {
    let report = env
        .app
        .use_cases
        .submit
        .execute_with_contact(
            &env.citizen_actor(),
            SubmitRequest {
                title: "포트홀".to_owned(),
                description: "집 앞 도로가 파였어요".to_owned(),
                lat: Some(35.8242),
                lng: Some(127.1480),
                ..SubmitRequest::default()
            },
            "이름 (first_name): 길동\n이메일 (email): reporter@example.kr\n전화 (phone): 010-9876-5432",
        )
        .await?;
    env.app
        .use_cases
        .comment
        .execute(
            &env.citizen_actor(),
            report.id,
            CommentRequest {
                body: "급하면 공일공 5555 6666으로 전화 주세요".to_owned(),
                internal: false,
            },
        )
        .await?;
    env.reject(&report).await?;
    let timeline = || async {
        let entries = env.app.stores.reports.timeline(report.id).await?;
        anyhow::Ok((entries.len(), serde_json::to_string(&entries)?))
    };
    let (count, before) = timeline().await?;
    assert!(
        before.contains("reporter@example.kr"),
        "officials have it until then"
    );

    anonymise(env, true)?;

    let (after_count, after) = timeline().await?;
    assert_eq!(after_count, count, "history keeps its entries");
    for gone in ["reporter@example.kr", "길동", "9876-5432", "5555 6666"] {
        assert!(!after.contains(gone), "{gone} survives: {after}");
    }
    assert!(after.contains(CONTACT_NOTE_REMOVED), "{after}");
    assert!(
        after.contains("[전화번호 비공개]으로 전화 주세요"),
        "{after}"
    );
    Ok(())
}
