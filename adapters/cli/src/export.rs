//! `reports export`: page by page through the read use case with the store's
//! cursor, written as each page arrives, so memory stays constant however
//! many reports there are.

use std::fs::File;
use std::io::{BufWriter, Write};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use sinmungo_core::app::{ListRequest, ReportView, UseCases};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::ports::MAX_PAGE_SIZE;

use crate::commands::{ExportArgs, ExportFormat, ReportFilter};
use crate::error::CliError;
use crate::output::notice;
use crate::progress;
use crate::VIA;

/// The columns of a CSV export, in order; the other formats use the same names.
pub const COLUMNS: [&str; 19] = [
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "lat",
    "lng",
    "address",
    "jurisdiction",
    "department",
    "assignee",
    "visibility",
    "support_count",
    "created_at",
    "updated_at",
    "resolved_at",
    "due_at",
];

/// The extra column of an export with personal data.
const REPORTER: &str = "reporter";

/// The UTF-8 byte-order mark: Excel reads a CSV file as UTF-8 only with it.
const BOM: &[u8] = "\u{feff}".as_bytes();

pub(crate) async fn run(
    use_cases: &UseCases,
    actor: &Actor,
    args: ExportArgs,
) -> Result<(), CliError> {
    let personal = args.include_personal_data;
    if personal {
        // Recorded before the first report leaves, so an export cut short is audited too.
        use_cases
            .audit
            .record_job(
                actor,
                "report.export_personal_data",
                "reports",
                json!({
                    "format": format!("{:?}", args.format).to_lowercase(),
                    "status": args.filter.status,
                    "category": args.filter.category,
                    "department": args.filter.department,
                    "since": args.filter.since,
                    "until": args.filter.until,
                    "file": args.file.as_ref().map(|f| f.display().to_string()),
                    "via": VIA,
                }),
            )
            .await
            .map_err(CliError::refused)?;
    }
    let sink: Box<dyn Write> = match &args.file {
        Some(path) => Box::new(
            File::create(path).map_err(CliError::io(format!("creating {}", path.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = Writer::new(args.format, BufWriter::new(sink), personal)?;
    let bar = progress::bar(None, "exporting reports (신고 내보내는 중)");
    let mut pages = Pages::new(&args.filter)?;
    let mut count = 0_u64;
    while let Some(views) = pages.next(use_cases, actor).await? {
        for view in views {
            let view = if personal {
                view
            } else {
                use_cases.read.view_of(&Actor::Anonymous, view.report)
            };
            writer.write(&view)?;
            count += 1;
            bar.inc(1);
        }
    }
    writer.finish()?;
    bar.finish_and_clear();
    if args.file.is_some() {
        notice(&format!("exported {count} report(s) ({count}건 내보냄)"));
    }
    Ok(())
}

/// The pages of reports a filter selects, newest first.
pub(crate) struct Pages {
    request: ListRequest,
    since: Option<DateTime<Utc>>,
    done: bool,
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

impl Pages {
    pub(crate) fn new(filter: &ReportFilter) -> Result<Self, CliError> {
        // Ids are UUIDv7, ordered by creation time: the first id of the
        // `until` day's first millisecond is the cursor that starts there.
        let cursor = filter
            .until
            .map(|day| {
                let millis = u64::try_from(start_of(day).timestamp_millis())
                    .map_err(|_| CliError::Invalid("--until is before 1970".to_owned()))?;
                Ok::<_, CliError>(
                    uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10])
                        .into_uuid()
                        .to_string(),
                )
            })
            .transpose()?;
        Ok(Self {
            request: ListRequest {
                status: filter.status.clone(),
                category: filter.category.clone(),
                department: filter.department.clone(),
                cursor,
                limit: Some(MAX_PAGE_SIZE),
                ..ListRequest::default()
            },
            since: filter.since.map(start_of),
            done: false,
        })
    }

    /// The next page, `None` after the last.
    pub(crate) async fn next(
        &mut self,
        use_cases: &UseCases,
        actor: &Actor,
    ) -> Result<Option<Vec<ReportView>>, CliError> {
        if self.done {
            return Ok(None);
        }
        let page = use_cases
            .read
            .list(actor, self.request.clone())
            .await
            .map_err(CliError::refused)?;
        let mut items = page.items;
        if let Some(since) = self.since {
            // Newest first: the first report before `since` ends the export.
            if let Some(at) = items.iter().position(|v| v.report.created_at < since) {
                items.truncate(at);
                self.done = true;
            }
        }
        match page.next {
            Some(next) => self.request.cursor = Some(next.to_string()),
            None => self.done = true,
        }
        Ok(Some(items))
    }
}

/// The fields of one exported report, by column name.
fn fields(view: &ReportView, personal: bool) -> Vec<(&'static str, Value)> {
    let r = &view.report;
    let time = |t: Option<DateTime<Utc>>| t.map_or(Value::Null, |t| json!(t.to_rfc3339()));
    let mut fields = vec![
        ("id", json!(r.id.to_string())),
        ("number", json!(r.number.to_string())),
        ("title", json!(view.title)),
        ("description", json!(view.description)),
        ("category", json!(r.category.to_string())),
        ("priority", json!(r.priority.to_string())),
        ("status", json!(r.status.to_string())),
        ("lat", json!(r.location.lat())),
        ("lng", json!(r.location.lng())),
        ("address", json!(view.address)),
        ("jurisdiction", json!(r.jurisdiction.code)),
        (
            "department",
            json!(r.department.as_ref().map(ToString::to_string)),
        ),
        ("assignee", json!(r.assignee.map(|a| a.to_string()))),
        ("visibility", json!(r.visibility.as_str())),
        ("support_count", json!(r.support_count)),
        ("created_at", time(Some(r.created_at))),
        ("updated_at", time(Some(r.updated_at))),
        ("resolved_at", time(r.resolved_at)),
        ("due_at", time(Some(r.due_at))),
    ];
    if personal {
        fields.push((REPORTER, json!(r.reporter.to_string())));
    }
    fields
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes reports in one format as they come.
enum Writer<W: Write> {
    Csv(Box<csv::Writer<W>>, bool),
    Ndjson(W, bool),
    Geojson { out: W, first: bool, personal: bool },
}

impl<W: Write> Writer<W> {
    fn new(format: ExportFormat, mut out: W, personal: bool) -> Result<Self, CliError> {
        let failed = CliError::io("writing the export");
        Ok(match format {
            ExportFormat::Csv => {
                out.write_all(BOM).map_err(failed)?;
                let mut csv = csv::Writer::from_writer(out);
                let mut header: Vec<&str> = COLUMNS.to_vec();
                if personal {
                    header.push(REPORTER);
                }
                csv.write_record(&header).map_err(csv_error)?;
                Self::Csv(Box::new(csv), personal)
            }
            ExportFormat::Ndjson => Self::Ndjson(out, personal),
            ExportFormat::Geojson => {
                out.write_all(br#"{"type":"FeatureCollection","features":["#)
                    .map_err(failed)?;
                Self::Geojson {
                    out,
                    first: true,
                    personal,
                }
            }
        })
    }

    fn write(&mut self, view: &ReportView) -> Result<(), CliError> {
        let failed = || CliError::io("writing the export");
        match self {
            Self::Csv(csv, personal) => csv
                .write_record(fields(view, *personal).iter().map(|(_, v)| cell(v)))
                .map_err(csv_error),
            Self::Ndjson(out, personal) => {
                let object: serde_json::Map<String, Value> = fields(view, *personal)
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                writeln!(out, "{}", Value::Object(object)).map_err(failed())
            }
            Self::Geojson {
                out,
                first,
                personal,
            } => {
                let r = &view.report;
                let properties: serde_json::Map<String, Value> = fields(view, *personal)
                    .into_iter()
                    .filter(|(k, _)| !matches!(*k, "lat" | "lng"))
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                let feature = json!({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [r.location.lng(), r.location.lat()]},
                    "properties": properties,
                });
                let separator = if *first { "\n" } else { ",\n" };
                *first = false;
                write!(out, "{separator}{feature}").map_err(failed())
            }
        }
    }

    fn finish(self) -> Result<(), CliError> {
        let failed = CliError::io("writing the export");
        match self {
            Self::Csv(csv, _) => csv
                .into_inner()
                .map_err(|e| CliError::Invalid(format!("writing the export: {e}")))?
                .flush()
                .map_err(failed),
            Self::Ndjson(mut out, _) => out.flush().map_err(failed),
            Self::Geojson { mut out, .. } => out
                .write_all(b"\n]}\n")
                .and_then(|()| out.flush())
                .map_err(failed),
        }
    }
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "the shape map_err hands errors over in"
)]
fn csv_error(error: csv::Error) -> CliError {
    CliError::Invalid(format!("writing the export: {error}"))
}
