//! `backup` and `restore`: an online copy taken while reports are written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sinmungo_core::app::SubmitRequest;
use sqlx::{ConnectOptions as _, Connection as _};

use crate::harness::{json_summary, stderr, stdout, Backend, Env};

async fn count_in(file: &std::path::Path) -> anyhow::Result<(String, i64)> {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    let reports: i64 = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok((integrity, reports))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_reports_are_written_restores_whole() -> anyhow::Result<()> {
    let Some(env) = Env::new(Backend::Sqlite).await? else {
        return Ok(());
    };
    env.submit_reports(20).await?;
    // A writer keeps submitting while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (submit, actor, stop) = (
            env.app.use_cases.submit.clone(),
            env.citizen_actor(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let mut written = 0_u32;
            while !stop.load(Ordering::Relaxed) {
                submit
                    .execute(
                        &actor,
                        SubmitRequest {
                            title: format!("가로등 고장 {written}"),
                            description: "가로등이 꺼져 있어요".to_owned(),
                            lat: Some(35.82),
                            lng: Some(127.14),
                            ..SubmitRequest::default()
                        },
                    )
                    .await?;
                written += 1;
            }
            anyhow::Ok(written)
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let before = i64::try_from(env.reports().await?.len())?;
    let file = env.path("backup.db");
    let output = env.cli().arg("backup").arg(&file).output()?;
    stop.store(true, Ordering::Relaxed);
    let written = writer.await??;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(written > 0, "the writer wrote during the test");

    let (integrity, in_backup) = count_in(&file).await?;
    assert_eq!(integrity, "ok");
    assert!(
        in_backup >= before,
        "{in_backup} < {before} committed before the backup"
    );
    let output = env
        .cli()
        .args(["backup", "--check", "--output", "json"])
        .arg(&file)
        .output()?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["reports"], in_backup.to_string(), "{summary}");

    // Restore: a dry run changes nothing; with --commit (servers stopped) the
    // database is the backup's.
    let (_, live) = count_in(&env.path("sinmungo.db")).await?;
    let output = env.cli().arg("restore").arg(&file).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("dry run"));
    let (_, after_dry_run) = count_in(&env.path("sinmungo.db")).await?;
    assert_eq!(after_dry_run, live, "the dry run changed the database");
    env.app.stores.close().await;
    let output = env
        .cli()
        .args(["restore", "--commit"])
        .arg(&file)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (integrity, restored) = count_in(&env.path("sinmungo.db")).await?;
    assert_eq!((integrity.as_str(), restored), ("ok", in_backup));
    Ok(())
}

/// The PostgreSQL scratch databases a backup check left behind.
async fn scratch_databases(env: &Env) -> anyhow::Result<i64> {
    let Backend::Postgres = env.backend else {
        anyhow::bail!("not PostgreSQL");
    };
    let mut conn = sqlx::PgConnection::connect(&env.url).await?;
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'sinmungo_check_%'",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(left)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_dump_is_checked_by_restoring_it_into_a_scratch_database() -> anyhow::Result<()>
{
    let Some(env) = Env::new(Backend::Postgres).await? else {
        return Ok(());
    };
    env.submit_reports(12).await?;
    let file = env.path("sinmungo.dump");
    let output = env
        .cli()
        .args(["backup", "--output", "json"])
        .arg(&file)
        .output()?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["integrity_check"], "ok", "{summary}");
    assert_eq!(summary["reports"], "12", "{summary}");
    // pg_restore's own format: readable by the documented restore command.
    assert!(std::fs::read(&file)?.starts_with(b"PGDMP"));

    // Reports written after the dump are not in it: the check reads the file.
    env.submit_reports(3).await?;
    let output = env
        .cli()
        .args(["backup", "--check", "--output", "json"])
        .arg(&file)
        .output()?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["reports"], "12", "{summary}");

    // A dump cut short fails its check, naming what pg_restore said.
    let bytes = std::fs::read(&file)?;
    let cut = env.path("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() / 2])?;
    let output = env.cli().args(["backup", "--check"]).arg(&cut).output()?;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("failed the integrity check"), "{message}");
    assert!(message.contains("pg_restore"), "{message}");
    assert_eq!(
        scratch_databases(&env).await?,
        0,
        "scratch databases left behind"
    );

    // A backup never overwrites a file; restoring is pg_restore's.
    let output = env.cli().arg("backup").arg(&file).output()?;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("exists already"),
        "{}",
        stderr(&output)
    );
    let output = env.cli().arg("restore").arg(&file).output()?;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("pg_restore"),
        "{}",
        stderr(&output)
    );
    Ok(())
}
