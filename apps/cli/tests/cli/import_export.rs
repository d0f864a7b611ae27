//! Export and import: round trips, bad rows, re-runs, dry runs.

use std::collections::BTreeMap;
use std::path::Path;

use sinmungo_core::app::SubmitRequest;
use sinmungo_core::domain::report::Report;

use crate::harness::{json_summary, stderr, stdout, Env};
use crate::on_every_store;

on_every_store!(
    an_export_imports_back_with_the_same_fields,
    one_bad_row_imports_nothing_and_names_its_line,
    a_cut_short_import_resumes_without_duplicates,
    a_failed_batch_keeps_the_batches_before_it_and_a_rerun_completes,
    imported_reports_are_triaged_like_submitted_ones,
);

/// The fields a round trip keeps, counted.
fn tuples(path: &Path) -> anyhow::Result<BTreeMap<Vec<String>, usize>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| anyhow::anyhow!("no column {name}"))
    };
    let columns = ["title", "description", "category", "lat", "lng", "address"]
        .map(at)
        .into_iter()
        .collect::<anyhow::Result<Vec<usize>>>()?;
    let mut counts = BTreeMap::new();
    for record in reader.records() {
        let record = record?;
        let tuple: Vec<String> = columns
            .iter()
            .map(|&i| record.get(i).unwrap_or_default().to_owned())
            .collect();
        *counts.entry(tuple).or_default() += 1;
    }
    Ok(counts)
}

async fn an_export_imports_back_with_the_same_fields(env: &Env) -> anyhow::Result<()> {
    // 10,000 reports: 150 submitted (Korean text, phone numbers to mask),
    // 9,850 from a legacy file.
    env.submit_reports(150).await?;
    let legacy = env.path("legacy.csv");
    std::fs::write(&legacy, legacy_csv(9_850))?;
    let output = env
        .cli()
        .args(["reports", "import", "--commit"])
        .arg(&legacy)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let first = env.path("first.csv");
    let output = env
        .cli()
        .args(["reports", "export", "--format", "csv", "--output"])
        .arg(&first)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bytes = std::fs::read(&first)?;
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "no BOM for Excel");
    let text = String::from_utf8(bytes)?;
    assert!(text.contains("도로 파손"), "Korean intact");
    assert!(
        !text.contains("010-1234-"),
        "phone numbers masked by default"
    );
    let exported = tuples(&first)?;
    assert_eq!(exported.values().sum::<usize>(), 10_000);

    let output = env
        .cli()
        .args(["reports", "import", "--commit"])
        .arg(&first)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(env.reports().await?.len(), 20_000);

    let second = env.path("second.csv");
    let output = env
        .cli()
        .args(["reports", "export", "--output"])
        .arg(&second)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doubled: BTreeMap<Vec<String>, usize> =
        exported.iter().map(|(k, n)| (k.clone(), n * 2)).collect();
    assert_eq!(tuples(&second)?, doubled);

    // Importing the same export again adds nothing: its ids are in the ledger.
    let output = env
        .cli()
        .args(["reports", "import", "--commit", "--output", "json"])
        .arg(&first)
        .output()?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["imported"], "0");
    assert_eq!(summary["skipped_already_imported"], "10000");
    assert_eq!(env.reports().await?.len(), 20_000);

    // The other formats hold the same reports.
    let output = env
        .cli()
        .args(["reports", "export", "--format", "ndjson"])
        .output()?;
    assert_eq!(stdout(&output).lines().count(), 20_000);
    let output = env
        .cli()
        .args([
            "reports", "export", "--format", "geojson", "--status", "received",
        ])
        .output()?;
    let geojson: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(geojson["features"].as_array().map(Vec::len), Some(20_000));
    Ok(())
}

/// A CSV of `n` importable rows with external ids `legacy-0…`.
fn legacy_csv(n: usize) -> String {
    let mut text =
        String::from("external_id,title,description,lat,lng,category,created_at,status\n");
    for i in 0..n {
        text.push_str(&format!(
            "legacy-{i},가로등 고장 {i},가로등이 꺼져 있어요 {i},35.8{i:03},127.14,streetlight,2019-03-0{}T09:00:00+09:00,resolved\n",
            i % 9 + 1
        ));
    }
    text
}

async fn one_bad_row_imports_nothing_and_names_its_line(env: &Env) -> anyhow::Result<()> {
    let mut lines: Vec<String> = legacy_csv(1_000).lines().map(str::to_owned).collect();
    // Line 732 of the file (the header is line 1): a latitude that is no number.
    lines[731] = "legacy-730,가로등,설명,north,127.14,streetlight,,".to_owned();
    // Line 941: outside Jeonbuk (Seoul).
    lines[940] = "legacy-939,가로등,설명,37.56,126.97,streetlight,,".to_owned();
    let file = env.path("bad.csv");
    std::fs::write(&file, lines.join("\n"))?;
    let output = env
        .cli()
        .args(["reports", "import", "--commit"])
        .arg(&file)
        .output()?;
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("line 732, field lat"), "{message}");
    assert!(message.contains("line 941"), "{message}");
    assert!(message.contains("nothing was imported"), "{message}");
    assert!(env.reports().await?.is_empty());
    Ok(())
}

async fn a_cut_short_import_resumes_without_duplicates(env: &Env) -> anyhow::Result<()> {
    let full = legacy_csv(60);
    let file = env.path("legacy.csv");
    // A dry run checks and counts, and changes nothing.
    std::fs::write(&file, &full)?;
    let output = env
        .cli()
        .args(["reports", "import", "--output", "json"])
        .arg(&file)
        .output()?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["would_import"], "60");
    assert!(env.reports().await?.is_empty());

    // The first run stopped after 25 rows (as if killed): only they are stored.
    let cut: Vec<&str> = full.lines().take(26).collect();
    std::fs::write(&file, cut.join("\n"))?;
    let output = env
        .cli()
        .args(["reports", "import", "--commit"])
        .arg(&file)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(env.reports().await?.len(), 25);

    std::fs::write(&file, &full)?;
    let output = env
        .cli()
        .args(["reports", "import", "--commit", "--output", "json"])
        .arg(&file)
        .output()?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["imported"], "35");
    assert_eq!(summary["skipped_already_imported"], "25");
    let reports = env.reports().await?;
    assert_eq!(reports.len(), 60);
    let mut titles: Vec<String> = reports
        .iter()
        .map(|r| r.title.as_str().to_owned())
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 60, "no duplicates");
    // Located, classified and routed like a submission.
    assert!(reports.iter().all(|r| r.category.as_str() == "streetlight"
        && r.department.is_some()
        && !r.jurisdiction.code.is_empty()));
    Ok(())
}

/// The titles of `reports`, sorted.
fn sorted_titles(reports: &[Report]) -> Vec<String> {
    let mut titles: Vec<String> = reports
        .iter()
        .map(|r| r.title.as_str().to_owned())
        .collect();
    titles.sort();
    titles
}

/// The sequence numbers of `reports`' receipt numbers, sorted.
fn sorted_numbers(reports: &[Report]) -> Vec<u32> {
    let mut numbers: Vec<u32> = reports.iter().map(|r| r.number.sequence()).collect();
    numbers.sort_unstable();
    numbers
}

/// 350 rows in batches of 100; the database refuses a row of the third
/// batch. The two batches before it stay, with consecutive receipt
/// numbers; nothing of the third is there; the numbers it drew are not
/// handed out again; and once the database takes it, a re-run imports the
/// rest and skips the rest, one report per external id.
async fn a_failed_batch_keeps_the_batches_before_it_and_a_rerun_completes(
    env: &Env,
) -> anyhow::Result<()> {
    let file = env.path("legacy.csv");
    std::fs::write(&file, legacy_csv(350))?;
    let titles = |rows: std::ops::Range<usize>| {
        let mut titles: Vec<String> = rows.map(|i| format!("가로등 고장 {i}")).collect();
        titles.sort();
        titles
    };
    let import = |commit: bool| {
        let mut command = env.cli();
        command.args([
            "reports",
            "import",
            "--batch-size",
            "100",
            "--output",
            "json",
        ]);
        if commit {
            command.arg("--commit");
        }
        command.arg(&file).output()
    };
    // Row 250, on line 252 of the file: the third batch is lines 202–301.
    env.poison("가로등 고장 250").await?;
    let output = import(true)?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("line 202 to line 301"), "{message}");
    assert!(message.contains("200 before it"), "{message}");
    assert!(message.contains("run the same command again"), "{message}");
    let reports = env.reports().await?;
    assert_eq!(sorted_titles(&reports), titles(0..200));
    assert_eq!(
        sorted_numbers(&reports),
        (1..=200).collect::<Vec<_>>(),
        "consecutive receipt numbers"
    );

    // A dry run counts what is left, batch by batch, and writes nothing.
    let output = import(false)?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["would_import"], "150");
    assert_eq!(summary["skipped_already_imported"], "200");
    assert_eq!(env.reports().await?.len(), 200);

    env.cure().await?;
    let output = import(true)?;
    let summary = json_summary(&output)?;
    assert_eq!(summary["imported"], "150");
    assert_eq!(summary["skipped_already_imported"], "200");
    let reports = env.reports().await?;
    assert_eq!(
        sorted_titles(&reports),
        titles(0..350),
        "one report per external id"
    );
    assert_eq!(
        sorted_numbers(&reports),
        (1..=200).chain(301..=450).collect::<Vec<_>>(),
        "the failed batch's numbers (201–300) are not handed out again"
    );
    Ok(())
}

/// Imported rows — one the rules classify, one naming its category, in two
/// cities — get the category, priority, department, jurisdiction, analysis
/// and timeline that submitting the same report gives.
async fn imported_reports_are_triaged_like_submitted_ones(env: &Env) -> anyhow::Result<()> {
    let rows = [
        (
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            35.8242,
            127.1480,
            None,
        ),
        (
            "불이 꺼졌어요",
            "골목 가로등이 밤새 꺼져 있어요",
            35.9483,
            126.9577,
            Some("streetlight"),
        ),
    ];
    let mut csv = String::from("external_id,title,description,lat,lng,category\n");
    for (i, (title, description, lat, lng, category)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "row-{i},{title},{description},{lat},{lng},{}\n",
            category.unwrap_or_default()
        ));
    }
    let file = env.path("legacy.csv");
    std::fs::write(&file, csv)?;
    let output = env
        .cli()
        .args(["reports", "import", "--commit"])
        .arg(&file)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    for (title, description, lat, lng, category) in rows {
        let submitted = env
            .app
            .use_cases
            .submit
            .execute(
                &env.citizen_actor(),
                SubmitRequest {
                    title: title.to_owned(),
                    description: description.to_owned(),
                    lat: Some(lat),
                    lng: Some(lng),
                    category: category.map(str::to_owned),
                    ..SubmitRequest::default()
                },
            )
            .await?;
        let imported = env
            .reports()
            .await?
            .into_iter()
            .find(|r| r.title.as_str() == title && r.reporter == env.admin.id)
            .ok_or_else(|| anyhow::anyhow!("{title} was not imported"))?;
        let triage = |r: &Report| {
            let mut analysis = r.analysis.clone();
            // Decided at submission, a different instant for each.
            if let Some(analysis) = &mut analysis {
                analysis.decided_at = chrono::DateTime::UNIX_EPOCH;
            }
            (
                r.category.clone(),
                r.priority,
                r.department.clone(),
                r.jurisdiction.clone(),
                analysis,
                r.respond_by - r.created_at,
                r.due_at - r.created_at,
                r.status,
            )
        };
        assert_eq!(triage(&imported), triage(&submitted), "{title}");
        assert!(imported.department.is_some(), "{title} routed");
        let kinds = |report: &Report| {
            let reports = env.app.stores.reports.clone();
            let id = report.id;
            async move {
                let timeline = reports.timeline(id).await?;
                anyhow::Ok(
                    timeline
                        .into_iter()
                        .map(|e| (e.kind, e.actor.is_some()))
                        .collect::<Vec<_>>(),
                )
            }
        };
        assert_eq!(kinds(&imported).await?, kinds(&submitted).await?, "{title}");
    }
    Ok(())
}
