//! `rules check` and `rules eval`: the classification rules, offline;
//! `rules diff`: a new rule file against the open reports.

mod eval;

use std::collections::BTreeMap;
use std::path::Path;

use sinmungo_core::app::UseCases;
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::rules::{RuleError, RuleSet, TriageInput};
use sinmungo_core::domain::DecidedBy;

use crate::commands::{ReportFilter, RulesCommand};
use crate::error::CliError;
use crate::export::Pages;
use crate::output::{notice, summary, OutputFormat, Rows};
use crate::progress;

pub(crate) fn run(command: &RulesCommand) -> Result<(), CliError> {
    match command {
        RulesCommand::Check { file, out } => {
            let rules = load(file)?;
            summary(
                out.output,
                &[
                    ("file", file.display().to_string()),
                    ("valid", "yes".to_owned()),
                    ("rules", rules.rules().len().to_string()),
                ],
            )
        }
        // Signs in and reads the reports: see [`diff`].
        RulesCommand::Diff { .. } => Ok(()),
        RulesCommand::Eval {
            labelled,
            rules,
            misses,
            out,
        } => {
            let rules = match rules {
                Some(path) => load(path)?,
                None => RuleSet::default_korean(),
            };
            let evaluation = eval::evaluate(&rules, labelled)?;
            notice(&evaluation.headline());
            if *misses {
                evaluation.misses().print(out.output)
            } else {
                evaluation.rows().print(out.output)
            }
        }
    }
}

/// How the open reports whose category the rules chose would be classified
/// by `file` instead of the rules in force (`against`, or the built-in
/// ones): one row per change (from → to) with its count and example
/// receipt numbers. A category an officer or the AI chose is kept whatever
/// the rules say, so those reports are counted apart. Reads only.
pub(crate) async fn diff(
    use_cases: &UseCases,
    actor: &Actor,
    file: &Path,
    against: Option<&Path>,
    examples: usize,
    output: OutputFormat,
) -> Result<(), CliError> {
    let new = load(file)?;
    let old = match against {
        Some(path) => load(path)?,
        None => RuleSet::default_korean(),
    };
    let mut pages = Pages::new(&ReportFilter::default())?;
    let (mut open, mut kept) = (0_u64, 0_u64);
    // (from, to) → (count, example numbers)
    let mut changes: BTreeMap<(String, String), (u64, Vec<String>)> = BTreeMap::new();
    let bar = progress::bar(None, "comparing (비교 중)");
    while let Some(views) = pages.next(use_cases, actor).await? {
        for view in views {
            bar.inc(1);
            let report = &view.report;
            if !report.status.is_open() {
                continue;
            }
            open += 1;
            let by_rules = report
                .analysis
                .as_ref()
                .is_none_or(|a| a.decided_by == DecidedBy::Rules);
            if !by_rules {
                kept += 1;
                continue;
            }
            let input = TriageInput {
                jurisdiction: Some(report.jurisdiction.code.as_str()),
                ..TriageInput::text(&view.title, &view.description)
            };
            let before = old.classify(input).category;
            let after = new.classify(input).category;
            if before != after {
                let entry = changes
                    .entry((before.to_string(), after.to_string()))
                    .or_default();
                entry.0 += 1;
                if entry.1.len() < examples {
                    entry.1.push(report.number.to_string());
                }
            }
        }
    }
    bar.finish_and_clear();
    let changed: u64 = changes.values().map(|(n, _)| n).sum();
    notice(&format!(
        "{open} open report(s); {changed} would change category, {kept} kept (chosen by an officer or the AI) (분류가 바뀔 신고 {changed}건)"
    ));
    let mut rows = Rows::new(["from", "to", "reports", "examples"]);
    for ((from, to), (count, numbers)) in changes {
        rows.push(vec![from, to, count.to_string(), numbers.join(" ")]);
    }
    rows.print(output)
}

/// Parses a rule file; errors name the line where we can find it.
fn load(path: &Path) -> Result<RuleSet, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(CliError::io(format!("reading {}", path.display())))?;
    RuleSet::parse(&text).map_err(|error| {
        let place = match &error {
            // toml's message carries "line N, column M" itself.
            RuleError::Syntax(_) => String::new(),
            RuleError::Rule { rule, .. } => line_of_rule(&text, rule)
                .map(|line| format!("line {line}: "))
                .unwrap_or_default(),
        };
        CliError::Invalid(format!(
            "{}: {place}{error} (규칙 파일 오류)",
            path.display()
        ))
    })
}

/// The line declaring the rule named `rule` (`name = "…"`).
fn line_of_rule(text: &str, rule: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim();
            line.starts_with("name") && line.contains(&format!("\"{rule}\""))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_errors_find_the_rule_line() {
        let text = "[[rules]]\nname = \"a\"\n\n[[rules]]\nname = \"pothole\"\n";
        assert_eq!(line_of_rule(text, "pothole"), Some(5));
        assert_eq!(line_of_rule(text, "missing"), None);
    }
}
