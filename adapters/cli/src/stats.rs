//! `stats` (counts officers ask for) and `reports anonymise` (retention).

use std::collections::BTreeMap;

use serde_json::json;
use sinmungo_core::app::{Retention, UseCases};
use sinmungo_core::domain::access::Actor;

use crate::commands::{AnonymiseArgs, ReportFilter, StatsArgs};
use crate::error::CliError;
use crate::export::Pages;
use crate::output::Rows;
use crate::progress;
use crate::reports::for_each;

pub(crate) async fn run(
    use_cases: &UseCases,
    actor: &Actor,
    args: &StatsArgs,
) -> Result<(), CliError> {
    let filter = ReportFilter {
        since: args.since,
        ..ReportFilter::default()
    };
    let mut pages = Pages::new(&filter)?;
    // Counts by (dimension, value): memory grows with the number of
    // categories and departments, not of reports.
    let mut counts: BTreeMap<(&'static str, String), (u64, u64)> = BTreeMap::new();
    let bar = progress::bar(None, "counting (집계 중)");
    while let Some(views) = pages.next(use_cases, actor).await? {
        for view in views {
            bar.inc(1);
            let r = &view.report;
            let overdue = u64::from(view.overdue);
            for key in [
                ("status", r.status.to_string()),
                ("category", r.category.to_string()),
                (
                    "department",
                    r.department
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), ToString::to_string),
                ),
                ("total", String::new()),
            ] {
                let entry = counts.entry(key).or_default();
                entry.0 += 1;
                entry.1 += overdue;
            }
        }
    }
    bar.finish_and_clear();
    let mut rows = Rows::new(["by", "value", "reports", "overdue"]);
    for ((by, value), (n, overdue)) in counts {
        rows.push(vec![
            by.to_owned(),
            value,
            n.to_string(),
            overdue.to_string(),
        ]);
    }
    rows.print(args.out.output)
}

pub(crate) async fn anonymise(
    use_cases: &UseCases,
    actor: &Actor,
    args: AnonymiseArgs,
) -> Result<(), CliError> {
    let cutoff = args
        .closed_before
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let anonymised = use_cases
        .retention
        .anonymised_reporter()
        .await
        .map_err(CliError::refused)?;
    let tally = for_each(
        use_cases,
        actor,
        &ReportFilter::default(),
        args.commit,
        |v| Retention::is_pending(&v.report, anonymised) && v.report.status_changed_at < cutoff,
        async |view| {
            use_cases
                .retention
                .anonymise(actor, view.report.id, anonymised)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        },
    )
    .await?;
    tally
        .finish(
            use_cases,
            actor,
            "report.anonymise",
            args.commit,
            json!({ "closed_before": args.closed_before }),
            args.out.output,
        )
        .await
}
