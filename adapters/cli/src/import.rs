//! `reports import`: every row is read and checked (fields, service area,
//! category) before anything is written; one bad row and nothing is
//! imported, with every problem named by line and field. Rows are then
//! imported one by one through the import use case, which records each
//! `external_id` in the same transaction as its report, so a run cut short
//! (Ctrl-C, a crash) is simply run again: what is already there is skipped.
//!
//! An export is a valid import file: its `id` column serves as the
//! `external_id` when there is none, so re-importing an export is idempotent.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};
use sinmungo_core::app::{ImportError, ImportRow, SubmitError, SubmitRequest, UseCases};
use sinmungo_core::domain::access::Actor;

use crate::commands::{ImportArgs, ImportFormat};
use crate::error::CliError;
use crate::output::{notice, summary};
use crate::progress;
use crate::VIA;

/// The most problems listed before "and N more".
const MAX_LISTED: usize = 100;

/// A row read from the file, with where it was.
#[derive(Debug)]
struct Located {
    /// `line 12` or `feature 3`.
    place: String,
    row: ImportRow,
}

/// One problem with one row.
#[derive(Debug)]
struct Problem {
    place: String,
    field: String,
    message: String,
}

pub(crate) async fn run(
    use_cases: &UseCases,
    actor: &Actor,
    args: ImportArgs,
) -> Result<(), CliError> {
    sinmungo_core::app::ImportReports::authorize(actor).map_err(CliError::refused)?;
    let format = match args.format {
        Some(format) => format,
        None => guess_format(&args.file)?,
    };
    let text = std::fs::read_to_string(&args.file)
        .map_err(CliError::io(format!("reading {}", args.file.display())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (rows, mut problems) = match format {
        ImportFormat::Csv => read_csv(text),
        ImportFormat::Geojson => read_geojson(text),
    };
    let bar = progress::bar(Some(rows.len() as u64), "checking rows (검사 중)");
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for located in &rows {
        bar.inc(1);
        if let Some(id) = located.row.external_id.as_deref() {
            if let Some(first) = seen.insert(id, &located.place) {
                problems.push(Problem {
                    place: located.place.clone(),
                    field: "external_id".to_owned(),
                    message: format!("{id} is also on {first} (중복된 external_id)"),
                });
            }
        }
        if let Err(error) = use_cases.import.check(&located.row).await {
            problems.extend(explain(&located.place, error)?);
        }
    }
    bar.finish_and_clear();
    if !problems.is_empty() {
        return Err(rejected(&problems));
    }

    let mut skipped = 0_u64;
    let mut imported = 0_u64;
    let bar = progress::bar(Some(rows.len() as u64), "importing (가져오는 중)");
    for located in rows {
        bar.inc(1);
        if let Some(id) = &located.row.external_id {
            let found = use_cases
                .import
                .imported(id)
                .await
                .map_err(CliError::refused)?;
            if found.is_some() {
                skipped += 1;
                continue;
            }
        }
        if !args.commit {
            imported += 1;
            continue;
        }
        let place = located.place;
        use_cases
            .import
            .import(actor, located.row, VIA)
            .await
            .map_err(|error| {
                CliError::Refused(format!(
                    "{place}: {error}; {imported} imported before it — run the same command again to resume (다시 실행하면 이어서 가져옵니다)"
                ))
            })?;
        imported += 1;
    }
    bar.finish_and_clear();
    if !args.commit {
        notice("dry run: every row is valid; nothing imported — add --commit to import (모의 실행: --commit 을 붙이면 가져옵니다)");
    }
    let verb = if args.commit {
        "imported"
    } else {
        "would_import"
    };
    summary(
        args.out.output,
        &[
            (verb, imported.to_string()),
            ("skipped_already_imported", skipped.to_string()),
        ],
    )
}

fn guess_format(path: &Path) -> Result<ImportFormat, CliError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(ImportFormat::Csv),
        Some("geojson" | "json") => Ok(ImportFormat::Geojson),
        _ => Err(CliError::Invalid(
            "say --format csv or --format geojson (파일 형식을 지정하세요)".to_owned(),
        )),
    }
}

fn rejected(problems: &[Problem]) -> CliError {
    let mut details: Vec<String> = problems
        .iter()
        .take(MAX_LISTED)
        .map(|p| format!("  {}, field {}: {}", p.place, p.field, p.message))
        .collect();
    if problems.len() > MAX_LISTED {
        details.push(format!("  … and {} more", problems.len() - MAX_LISTED));
    }
    CliError::RowsRejected {
        count: problems.len(),
        details: details.join("\n"),
    }
}

/// The problems a use case found with one row.
fn explain(place: &str, error: ImportError) -> Result<Vec<Problem>, CliError> {
    let problem = |field: &str, message: String| Problem {
        place: place.to_owned(),
        field: field.to_owned(),
        message,
    };
    match error {
        ImportError::Submit(SubmitError::Invalid(invalid)) => Ok(invalid
            .0
            .into_iter()
            .map(|e| problem(&e.field, e.message))
            .collect()),
        ImportError::Submit(SubmitError::OutsideServiceArea) => Ok(vec![problem(
            "lat,lng",
            SubmitError::OutsideServiceArea.to_string(),
        )]),
        // The store failing is not the row's fault: stop.
        other => Err(CliError::refused(other)),
    }
}

/// The fields of a row, by column name, as text.
fn row_from(
    fields: &HashMap<String, String>,
    place: &str,
    problems: &mut Vec<Problem>,
) -> ImportRow {
    let get = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut number = |name: &str| -> Option<f64> {
        let raw = get(name)?;
        match raw.parse::<f64>() {
            Ok(value) if value.is_finite() => Some(value),
            _ => {
                problems.push(Problem {
                    place: place.to_owned(),
                    field: name.to_owned(),
                    message: format!("{raw:?} is not a number (숫자가 아닙니다)"),
                });
                None
            }
        }
    };
    let lat = number("lat");
    let lng = number("lng");
    let mut legacy = serde_json::Map::new();
    for name in ["created_at", "status", "number"] {
        if let Some(value) = get(name) {
            legacy.insert(name.to_owned(), json!(value));
        }
    }
    ImportRow {
        external_id: get("external_id").or_else(|| get("id")),
        request: SubmitRequest {
            title: get("title").unwrap_or_default(),
            description: get("description").unwrap_or_default(),
            lat,
            lng,
            address: get("address"),
            category: get("category"),
            visibility: get("visibility"),
            photos: Vec::new(),
        },
        legacy: Value::Object(legacy),
    }
}

/// Required columns a file lacks, as problems of its header.
fn missing_columns(place: &str, has: impl Fn(&str) -> bool) -> Vec<Problem> {
    ["title", "description", "lat", "lng"]
        .into_iter()
        .filter(|c| !has(c))
        .map(|c| Problem {
            place: place.to_owned(),
            field: c.to_owned(),
            message: "required column is missing (필수 열이 없습니다)".to_owned(),
        })
        .collect()
}

fn read_csv(text: &str) -> (Vec<Located>, Vec<Problem>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(|h| h.trim().to_lowercase()).collect(),
        Err(error) => {
            problems.push(Problem {
                place: "line 1".to_owned(),
                field: "header".to_owned(),
                message: error.to_string(),
            });
            return (Vec::new(), problems);
        }
    };
    problems.extend(missing_columns("line 1", |c| {
        headers.iter().any(|h| h == c)
    }));
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                let place = format!("line {line}");
                let fields: HashMap<String, String> = headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect();
                let row = row_from(&fields, &place, &mut problems);
                rows.push(Located { place, row });
            }
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                problems.push(Problem {
                    place: format!("line {line}"),
                    field: "row".to_owned(),
                    message: error.to_string(),
                });
            }
        }
    }
    (rows, problems)
}

fn read_geojson(text: &str) -> (Vec<Located>, Vec<Problem>) {
    let mut problems = Vec::new();
    let problem = |place: String, field: &str, message: String| Problem {
        place,
        field: field.to_owned(),
        message,
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            problems.push(problem(
                format!("line {}", error.line()),
                "json",
                error.to_string(),
            ));
            return (Vec::new(), problems);
        }
    };
    let Some(features) = value.get("features").and_then(Value::as_array) else {
        problems.push(problem(
            "file".to_owned(),
            "features",
            "not a GeoJSON FeatureCollection (FeatureCollection 이 아닙니다)".to_owned(),
        ));
        return (Vec::new(), problems);
    };
    let mut rows = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let place = format!("feature {}", i + 1);
        let mut fields: HashMap<String, String> = feature
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k.to_lowercase(), text)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let coordinates = feature
            .get("geometry")
            .filter(|g| g.get("type").and_then(Value::as_str) == Some("Point"))
            .and_then(|g| g.get("coordinates"))
            .and_then(Value::as_array);
        match coordinates.map(|c| {
            (
                c.first().and_then(Value::as_f64),
                c.get(1).and_then(Value::as_f64),
            )
        }) {
            Some((Some(lng), Some(lat))) => {
                fields.insert("lat".to_owned(), lat.to_string());
                fields.insert("lng".to_owned(), lng.to_string());
            }
            _ => problems.push(problem(
                place.clone(),
                "geometry",
                "a Point with [lng, lat] coordinates is required (좌표가 필요합니다)".to_owned(),
            )),
        }
        let row = row_from(&fields, &place, &mut problems);
        rows.push(Located { place, row });
    }
    (rows, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_name_their_line_and_bad_numbers() {
        let (rows, problems) =
            read_csv("title,description,lat,lng\n포트홀,도로 파손,35.82,127.14\nx,y,north,127\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].place, "line 2");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].place, "line 3");
        assert_eq!(problems[0].field, "lat");
    }

    #[test]
    fn missing_columns_are_reported_on_the_header() {
        let (_, problems) = read_csv("title,lat\nx,1\n");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["description", "lng"]);
    }

    #[test]
    fn geojson_points_give_lat_and_lng() {
        let (rows, problems) = read_geojson(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[127.14,35.82]},"properties":{"title":"t","description":"d","external_id":7}}]}"#,
        );
        assert!(problems.is_empty());
        assert_eq!(rows[0].row.request.lat, Some(35.82));
        assert_eq!(rows[0].row.external_id.as_deref(), Some("7"));
    }
}
