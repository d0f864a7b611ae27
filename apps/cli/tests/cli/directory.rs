//! `departments create|update|list` and `categories set-sla|list`: routing
//! and SLA changed from the CLI go through the same checks as the API.

use sinmungo_core::domain::priority::Priority;

use crate::harness::{stderr, stdout, Env, MANAGER};
use crate::on_every_store;

on_every_store!(
    a_city_department_is_created_dry_run_first,
    a_categorys_sla_is_set_and_restored
);

async fn a_city_department_is_created_dry_run_first(env: &Env) -> anyhow::Result<()> {
    let create = |commit: bool| {
        let mut command = env.cli();
        command.args([
            "departments",
            "create",
            "gunsan_roads",
            "--name",
            "군산시 도로과",
            "--jurisdiction",
            "35020",
            "--category",
            "road_damage",
            "--category",
            "streetlight",
        ]);
        if commit {
            command.arg("--commit");
        }
        command
    };
    let dry = create(false).output()?;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(stderr(&dry).contains("dry run"), "{}", stderr(&dry));
    let directory = &env.app.use_cases.directory;
    assert!(!directory
        .departments()
        .await?
        .iter()
        .any(|d| d.code.as_str() == "gunsan_roads"));

    let done = create(true).output()?;
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    let gunsan = directory
        .departments()
        .await?
        .into_iter()
        .find(|d| d.code.as_str() == "gunsan_roads")
        .ok_or_else(|| anyhow::anyhow!("created"))?;
    assert_eq!(
        gunsan.jurisdiction.map(|j| j.to_string()).as_deref(),
        Some("35020")
    );
    assert_eq!(gunsan.categories.len(), 2);

    // The same again: refused, with the reason, exit 1.
    let twice = create(true).output()?;
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        stderr(&twice).contains("이미 있는 부서"),
        "{}",
        stderr(&twice)
    );
    // A city that is not in Jeonbuk.
    let elsewhere = env
        .cli()
        .args([
            "departments",
            "update",
            "gunsan_roads",
            "--name",
            "군산시 도로과",
            "--jurisdiction",
            "11010",
            "--commit",
        ])
        .output()?;
    assert_eq!(elsewhere.status.code(), Some(1));
    assert!(
        stderr(&elsewhere).contains("unknown_jurisdiction")
            || stderr(&elsewhere).contains("서비스 지역"),
        "{}",
        stderr(&elsewhere)
    );
    // Managers may not change routing.
    let manager = env
        .cli_as(MANAGER)
        .args([
            "departments",
            "update",
            "gunsan_roads",
            "--name",
            "도로과",
            "--commit",
        ])
        .output()?;
    assert_eq!(manager.status.code(), Some(1), "{}", stderr(&manager));

    let listed = env
        .cli()
        .args(["departments", "list", "--output", "json"])
        .output()?;
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout)?;
    let row = rows
        .as_array()
        .and_then(|r| r.iter().find(|d| d["code"] == "gunsan_roads"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(row["jurisdiction"], "35020", "{rows}");
    assert_eq!(row["categories"], "road_damage streetlight");
    Ok(())
}

async fn a_categorys_sla_is_set_and_restored(env: &Env) -> anyhow::Result<()> {
    let normal_sla = || async {
        let categories = env.app.use_cases.directory.categories().await?;
        let road = categories
            .into_iter()
            .find(|c| c.code.as_str() == "road_damage")
            .ok_or_else(|| anyhow::anyhow!("seeded"))?;
        anyhow::Ok(road.sla.hours(Priority::Normal))
    };
    let set = |extra: &[&str]| {
        let mut command = env.cli();
        command.args(["categories", "set-sla", "road_damage", "normal"]);
        command.args(extra);
        command
    };
    let dry = set(&["--first-response-hours", "4", "--resolution-hours", "48"]).output()?;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert_eq!(normal_sla().await?, None, "a dry run changes nothing");

    let done = set(&[
        "--first-response-hours",
        "4",
        "--resolution-hours",
        "48",
        "--commit",
    ])
    .output()?;
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    let hours = normal_sla().await?.ok_or_else(|| anyhow::anyhow!("set"))?;
    assert_eq!(
        (hours.first_response_hours, hours.resolution_hours),
        (4, 48)
    );
    let listed = env.cli().args(["categories", "list"]).output()?;
    assert!(
        stdout(&listed).contains("normal 4/48*"),
        "{}",
        stdout(&listed)
    );

    let backwards = set(&[
        "--first-response-hours",
        "72",
        "--resolution-hours",
        "24",
        "--commit",
    ])
    .output()?;
    assert_eq!(backwards.status.code(), Some(1), "{}", stderr(&backwards));
    let half = set(&["--first-response-hours", "4", "--commit"]).output()?;
    assert_ne!(half.status.code(), Some(0));

    let restored = set(&["--default", "--commit"]).output()?;
    assert_eq!(restored.status.code(), Some(0), "{}", stderr(&restored));
    assert_eq!(normal_sla().await?, None);
    Ok(())
}
