//! `reports …`: export and import (their own modules), and the bulk changes
//! — reassign, close, anonymise — each made report by report through the
//! use case an officer's click would use, as the operator, and summed up in
//! one audit entry per run.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use sinmungo_core::app::{AssignRequest, ReportView, TransitionRequest, UseCases};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::status::ReportStatus;

use crate::commands::{CloseArgs, ReassignArgs, ReportFilter, ReportsCommand};
use crate::error::CliError;
use crate::export::Pages;
use crate::output::{notice, summary, OutputFormat};
use crate::{export, import, progress, VIA};

/// How many matching reports a dry run lists by number.
const SAMPLE: usize = 10;

pub(crate) async fn run(
    use_cases: &UseCases,
    actor: &Actor,
    command: ReportsCommand,
) -> Result<(), CliError> {
    match command {
        ReportsCommand::Export(args) => export::run(use_cases, actor, args).await,
        ReportsCommand::Import(args) => import::run(use_cases, actor, args).await,
        ReportsCommand::Reassign(args) => reassign(use_cases, actor, args).await,
        ReportsCommand::Close(args) => close(use_cases, actor, args).await,
        ReportsCommand::Anonymise(args) => crate::stats::anonymise(use_cases, actor, args).await,
    }
}

/// What a bulk run did, or would do.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) matched: usize,
    pub(crate) changed: usize,
    pub(crate) failures: Vec<String>,
    pub(crate) sample: Vec<String>,
}

impl Tally {
    /// Prints the outcome, records the run in the audit log when it changed
    /// something, and fails if any report failed.
    pub(crate) async fn finish(
        self,
        use_cases: &UseCases,
        actor: &Actor,
        action: &str,
        commit: bool,
        details: serde_json::Value,
        output: OutputFormat,
    ) -> Result<(), CliError> {
        if commit {
            let mut details = details;
            if let Some(fields) = details.as_object_mut() {
                fields.insert("matched".to_owned(), json!(self.matched));
                fields.insert("changed".to_owned(), json!(self.changed));
                fields.insert("failed".to_owned(), json!(self.failures.len()));
                fields.insert("via".to_owned(), json!(VIA));
            }
            use_cases
                .audit
                .record_job(actor, action, "reports", details)
                .await
                .map_err(CliError::refused)?;
        } else {
            notice(&format!(
                "dry run: {} report(s) match; nothing changed — add --commit to do it (모의 실행: --commit 을 붙이면 실행합니다)",
                self.matched
            ));
        }
        let verb = if commit { "changed" } else { "would_change" };
        summary(
            output,
            &[
                ("matched", self.matched.to_string()),
                (
                    verb,
                    if commit { self.changed } else { self.matched }.to_string(),
                ),
                ("failed", self.failures.len().to_string()),
                ("examples", self.sample.join(" ")),
            ],
        )?;
        match self.failures.first() {
            Some(first) => Err(CliError::Partly {
                failed: self.failures.len(),
                total: self.matched,
                first: first.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// Every report `filter` selects that `keep` accepts, page by page, handed
/// to `act` (unless this is a dry run).
pub(crate) async fn for_each<F, A>(
    use_cases: &UseCases,
    actor: &Actor,
    filter: &ReportFilter,
    commit: bool,
    keep: F,
    mut act: A,
) -> Result<Tally, CliError>
where
    F: Fn(&ReportView) -> bool,
    A: AsyncFnMut(ReportView) -> Result<(), String>,
{
    let mut tally = Tally::default();
    let mut pages = Pages::new(filter)?;
    let bar = progress::bar(None, "working (처리 중)");
    while let Some(views) = pages.next(use_cases, actor).await? {
        for view in views.into_iter().filter(|v| keep(v)) {
            tally.matched += 1;
            bar.inc(1);
            if tally.sample.len() < SAMPLE {
                tally.sample.push(view.report.number.to_string());
            }
            if !commit {
                continue;
            }
            let number = view.report.number.to_string();
            match act(view).await {
                Ok(()) => tally.changed += 1,
                Err(error) => tally.failures.push(format!("{number}: {error}")),
            }
        }
    }
    bar.finish_and_clear();
    Ok(tally)
}

async fn reassign(use_cases: &UseCases, actor: &Actor, args: ReassignArgs) -> Result<(), CliError> {
    let known = use_cases
        .directory
        .departments()
        .await
        .map_err(CliError::refused)?;
    for code in [&args.from_department, &args.to_department] {
        if !known.iter().any(|d| d.code.as_str() == code) {
            return Err(CliError::Invalid(format!(
                "no department {code}; see `sinmungo departments list` (없는 부서입니다)"
            )));
        }
    }
    let filter = ReportFilter {
        status: args.status.clone(),
        category: args.category.clone(),
        department: Some(args.from_department.clone()),
        ..ReportFilter::default()
    };
    let to = args.to_department.clone();
    let tally = for_each(
        use_cases,
        actor,
        &filter,
        args.commit,
        |v| args.status.is_some() || v.report.status.is_open(),
        async |view| {
            use_cases
                .assign
                .execute(
                    actor,
                    view.report.id,
                    AssignRequest {
                        department: Some(to.clone()),
                        assignee: None,
                    },
                )
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
            "report.bulk_reassign",
            args.commit,
            json!({
                "from_department": args.from_department,
                "to_department": args.to_department,
                "status": args.status,
                "category": args.category,
            }),
            args.out.output,
        )
        .await
}

/// Parses an age: `30d`, `12h`, `2w`, `45m`.
pub(crate) fn parse_age(raw: &str) -> Result<TimeDelta, CliError> {
    let invalid = || {
        CliError::Invalid(format!(
            "--older-than {raw:?}: write a number and a unit, e.g. 30d, 12h, 2w (예: 30d)"
        ))
    };
    let raw = raw.trim();
    let split = raw.len().checked_sub(1).ok_or_else(invalid)?;
    let (number, unit) = raw.split_at(split);
    let n: i64 = number.parse().map_err(|_| invalid())?;
    let age = match unit {
        "m" => TimeDelta::try_minutes(n),
        "h" => TimeDelta::try_hours(n),
        "d" => TimeDelta::try_days(n),
        "w" => TimeDelta::try_weeks(n),
        _ => None,
    };
    age.filter(|a| *a > TimeDelta::zero()).ok_or_else(invalid)
}

async fn close(use_cases: &UseCases, actor: &Actor, args: CloseArgs) -> Result<(), CliError> {
    let status = ReportStatus::parse(args.status.trim())
        .map_err(|e| CliError::Invalid(format!("--status: {}", e.message)))?;
    let to = match status {
        ReportStatus::Resolved => ReportStatus::Closed,
        s if s.is_open() => ReportStatus::Rejected,
        _ => {
            return Err(CliError::Invalid(format!(
                "--status {status}: the report is closed already (이미 종결된 상태입니다)"
            )))
        }
    };
    let age = parse_age(&args.older_than)?;
    let cutoff: DateTime<Utc> = Utc::now() - age;
    let filter = ReportFilter {
        status: Some(status.to_string()),
        ..ReportFilter::default()
    };
    let note = args.note.clone();
    let tally = for_each(
        use_cases,
        actor,
        &filter,
        args.commit,
        |v| v.report.status_changed_at < cutoff,
        async |view| {
            use_cases
                .transition
                .execute(
                    actor,
                    view.report.id,
                    TransitionRequest {
                        to: to.to_string(),
                        note: Some(note.clone()),
                        duplicate_of: None,
                        expected_version: Some(view.report.version),
                    },
                )
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
            "report.bulk_close",
            args.commit,
            json!({
                "status": status.to_string(),
                "to": to.to_string(),
                "older_than": args.older_than,
                "cutoff": cutoff,
            }),
            args.out.output,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_people_write_them() {
        assert_eq!(parse_age("30d").unwrap(), TimeDelta::days(30));
        assert_eq!(parse_age("12h").unwrap(), TimeDelta::hours(12));
        assert_eq!(parse_age("2w").unwrap(), TimeDelta::weeks(2));
        for bad in ["", "d", "30", "-1d", "0d", "3y"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}
