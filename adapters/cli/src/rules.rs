//! `rules check` and `rules eval`: the classification rules, offline;
//! `rules diff`: a new rule file against the open reports.

use std::collections::{BTreeMap, BTreeSet};
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
            out,
        } => {
            let rules = match rules {
                Some(path) => load(path)?,
                None => RuleSet::default_korean(),
            };
            let evaluation = evaluate(&rules, labelled)?;
            notice(&format!(
                "{} example(s), accuracy {:.1}% (정확도)",
                evaluation.total,
                evaluation.accuracy() * 100.0
            ));
            evaluation.rows().print(out.output)
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

/// How the rules did on labelled examples.
#[derive(Debug, Default)]
struct Evaluation {
    total: u64,
    correct: u64,
    /// (expected, predicted) → count.
    confusion: BTreeMap<(String, String), u64>,
}

impl Evaluation {
    fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }

    /// One row per category: precision, recall, support, and the confusion
    /// matrix's row (how its examples were classified).
    fn rows(&self) -> Rows {
        let categories: BTreeSet<&String> =
            self.confusion.keys().flat_map(|(e, p)| [e, p]).collect();
        let mut headers = vec![
            "category".to_owned(),
            "precision".to_owned(),
            "recall".to_owned(),
            "examples".to_owned(),
        ];
        headers.extend(categories.iter().map(|c| format!("→{c}")));
        let mut rows = Rows::with_headers(headers);
        let count = |e: &str, p: &str| {
            self.confusion
                .get(&(e.to_owned(), p.to_owned()))
                .copied()
                .unwrap_or(0)
        };
        for &category in &categories {
            let hit = count(category, category);
            let predicted: u64 = categories.iter().map(|e| count(e, category)).sum();
            let actual: u64 = categories.iter().map(|p| count(category, p)).sum();
            let ratio = |n: u64, d: u64| {
                if d == 0 {
                    "-".to_owned()
                } else {
                    format!("{:.3}", n as f64 / d as f64)
                }
            };
            let mut row = vec![
                category.clone(),
                ratio(hit, predicted),
                ratio(hit, actual),
                actual.to_string(),
            ];
            row.extend(categories.iter().map(|p| count(category, p).to_string()));
            rows.push(row);
        }
        rows
    }
}

fn evaluate(rules: &RuleSet, labelled: &Path) -> Result<Evaluation, CliError> {
    let text = std::fs::read_to_string(labelled)
        .map_err(CliError::io(format!("reading {}", labelled.display())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::Invalid(format!("{}: {e}", labelled.display())))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            CliError::Invalid(format!(
                "{}: line 1: the column {name} is missing (columns: text,category)",
                labelled.display()
            ))
        })
    };
    let (text_at, category_at) = (column("text")?, column("category")?);
    let mut evaluation = Evaluation::default();
    for record in reader.records() {
        let record =
            record.map_err(|e| CliError::Invalid(format!("{}: {e}", labelled.display())))?;
        let line = record.position().map_or(0, csv::Position::line);
        let (Some(text), Some(expected)) = (record.get(text_at), record.get(category_at)) else {
            return Err(CliError::Invalid(format!(
                "{}: line {line}: text and category are required",
                labelled.display()
            )));
        };
        let predicted = rules.classify(TriageInput::text("", text)).category;
        evaluation.total += 1;
        if predicted.as_str() == expected.trim() {
            evaluation.correct += 1;
        }
        *evaluation
            .confusion
            .entry((expected.trim().to_owned(), predicted.to_string()))
            .or_default() += 1;
    }
    Ok(evaluation)
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

    #[test]
    fn precision_and_recall_per_category() {
        let mut evaluation = Evaluation {
            total: 4,
            correct: 3,
            ..Evaluation::default()
        };
        for (e, p, n) in [
            ("road", "road", 2),
            ("light", "light", 1),
            ("light", "road", 1),
        ] {
            evaluation.confusion.insert((e.to_owned(), p.to_owned()), n);
        }
        assert!((evaluation.accuracy() - 0.75).abs() < 1e-9);
        let rows = evaluation.rows();
        // Categories sorted: light, road. light: 1 of 1 predicted right, 1 of 2 found.
        assert_eq!(rows.cells()[0][..4], ["light", "1.000", "0.500", "2"]);
        // road: 2 of 3 predictions right, both road examples found.
        assert_eq!(rows.cells()[1][..4], ["road", "0.667", "1.000", "2"]);
        // The confusion matrix row of light: 1 → light, 1 → road.
        assert_eq!(rows.cells()[0][4..], ["1", "1"]);
    }
}
