//! Reading an import file row by row, so that neither the file nor its rows
//! are held: CSV through a buffered reader, GeoJSON feature by feature (a
//! streaming parse on a thread of its own hands over one feature at a time,
//! so only the features in the hand-over queue are in memory).

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Value};
use sinmungo_core::app::{ImportRow, SubmitRequest};

use crate::commands::ImportFormat;
use crate::error::CliError;

/// How many parsed GeoJSON features may wait for the importer.
const FEATURES_IN_FLIGHT: usize = 64;

/// Where in the file something is: a line (CSV, or a JSON syntax error),
/// a feature (GeoJSON, counted from 1), or the file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    unit: Unit,
    number: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Line,
    Feature,
    File,
}

impl Place {
    fn line(number: u64) -> Self {
        Self {
            unit: Unit::Line,
            number,
        }
    }

    fn feature(number: u64) -> Self {
        Self {
            unit: Unit::Feature,
            number,
        }
    }

    /// The file as a whole.
    pub(super) const FILE: Self = Self {
        unit: Unit::File,
        number: 0,
    };

    /// Its line or feature number (0 for the file).
    pub(super) fn number(self) -> u64 {
        self.number
    }

    /// The place of the same kind numbered `number` (another row of the file).
    pub(super) fn renumbered(self, number: u64) -> Self {
        Self { number, ..self }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            Unit::Line => write!(f, "line {}", self.number),
            Unit::Feature => write!(f, "feature {}", self.number),
            Unit::File => f.write_str("file"),
        }
    }
}

/// One problem with one row (or with the file).
#[derive(Debug)]
pub(super) struct Problem {
    pub(super) place: Place,
    pub(super) field: String,
    pub(super) message: String,
}

impl Problem {
    pub(super) fn new(place: Place, field: &str, message: impl Into<String>) -> Self {
        Self {
            place,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A row read from the file, with where it was.
#[derive(Debug)]
pub(super) struct Located {
    pub(super) place: Place,
    pub(super) row: ImportRow,
}

/// What reading gives, one at a time: a row and what was wrong with its
/// fields, or problems alone (of the header, of a row that could not be
/// read, of the file's syntax).
#[derive(Debug)]
pub(super) struct Reading {
    pub(super) row: Option<Located>,
    pub(super) problems: Vec<Problem>,
}

impl Reading {
    fn problem(problem: Problem) -> Self {
        Self {
            row: None,
            problems: vec![problem],
        }
    }
}

/// The file's rows, read as they are asked for.
pub(super) type Rows = Box<dyn Iterator<Item = Reading> + Send>;

/// Opens `path` and reads its rows in `format`.
pub(super) fn open(path: &Path, format: ImportFormat) -> Result<Rows, CliError> {
    let file = File::open(path).map_err(CliError::io(format!("reading {}", path.display())))?;
    let mut input = BufReader::with_capacity(1 << 16, file);
    // Excel writes a UTF-8 byte order mark before CSV.
    let bom = input
        .fill_buf()
        .map_err(CliError::io(format!("reading {}", path.display())))?
        .starts_with("\u{feff}".as_bytes());
    if bom {
        input.consume("\u{feff}".len());
    }
    Ok(match format {
        ImportFormat::Csv => csv_rows(input),
        ImportFormat::Geojson => geojson_rows(input)?,
    })
}

/// The fields of a row, by lower-case column name, as text.
fn row_from<'a>(
    field: impl Fn(&str) -> Option<&'a str>,
    place: Place,
    problems: &mut Vec<Problem>,
) -> ImportRow {
    let get = |name: &str| {
        field(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut number = |name: &str| -> Option<f64> {
        let raw = get(name)?;
        match raw.parse::<f64>() {
            Ok(value) if value.is_finite() => Some(value),
            _ => {
                problems.push(Problem::new(
                    place,
                    name,
                    format!("{raw:?} is not a number (숫자가 아닙니다)"),
                ));
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
fn missing_columns(place: Place, has: impl Fn(&str) -> bool) -> Vec<Problem> {
    ["title", "description", "lat", "lng"]
        .into_iter()
        .filter(|c| !has(c))
        .map(|c| Problem::new(place, c, "required column is missing (필수 열이 없습니다)"))
        .collect()
}

/// CSV with a header row, one record at a time.
fn csv_rows(input: impl BufRead + Send + 'static) -> Rows {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header = Place::line(1);
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(|h| h.trim().to_lowercase()).collect(),
        Err(error) => {
            return Box::new(std::iter::once(Reading::problem(Problem::new(
                header,
                "header",
                error.to_string(),
            ))));
        }
    };
    let missing = missing_columns(header, |c| headers.iter().any(|h| h == c));
    let first = (!missing.is_empty()).then_some(Reading {
        row: None,
        problems: missing,
    });
    let records = reader.into_records().map(move |record| match record {
        Ok(record) => {
            let place = Place::line(record.position().map_or(0, csv::Position::line));
            let mut problems = Vec::new();
            let field = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| record.get(i))
            };
            let row = row_from(field, place, &mut problems);
            Reading {
                row: Some(Located { place, row }),
                problems,
            }
        }
        Err(error) => {
            let place = Place::line(error.position().map_or(0, csv::Position::line));
            Reading::problem(Problem::new(place, "row", error.to_string()))
        }
    });
    Box::new(first.into_iter().chain(records))
}

/// A GeoJSON FeatureCollection of points, one feature at a time: a thread
/// parses the file and hands each feature over as it is read.
fn geojson_rows(input: impl BufRead + Send + 'static) -> Result<Rows, CliError> {
    let (send, receive) = sync_channel(FEATURES_IN_FLIGHT);
    std::thread::Builder::new()
        .name("geojson-reader".to_owned())
        .spawn(move || parse_features(input, &send))
        .map_err(CliError::io("starting the GeoJSON reader"))?;
    Ok(Box::new(receive.into_iter()))
}

/// Parses a FeatureCollection, sending each feature's row as it is read and
/// the file's problems (syntax, no `features`) at the end. Stops when the
/// receiver is gone.
fn parse_features(input: impl BufRead, send: &SyncSender<Reading>) {
    let mut parser = serde_json::Deserializer::from_reader(input);
    let parsed = Collection { send }
        .deserialize(&mut parser)
        .and_then(|found| parser.end().map(|()| found));
    let problem = match parsed {
        Ok(true) => return,
        Ok(false) => Problem::new(
            Place::FILE,
            "features",
            "not a GeoJSON FeatureCollection (FeatureCollection 이 아닙니다)",
        ),
        Err(error) => Problem::new(Place::line(error.line() as u64), "json", error.to_string()),
    };
    // A receiver that is gone wants nothing more.
    let _ = send.send(Reading::problem(problem));
}

/// The FeatureCollection: its `features` are sent on; other members skipped.
/// Deserializes to whether it had `features`.
struct Collection<'a> {
    send: &'a SyncSender<Reading>,
}

impl<'de> DeserializeSeed<'de> for Collection<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Collection<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection (FeatureCollection 이 아닙니다)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "features" {
                map.next_value_seed(Features { send: self.send })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// The `features` array, each element parsed alone and sent on.
struct Features<'a> {
    send: &'a SyncSender<Reading>,
}

impl<'de> DeserializeSeed<'de> for Features<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut number = 0;
        while let Some(feature) = seq.next_element::<Value>()? {
            number += 1;
            if self
                .send
                .send(feature_row(Place::feature(number), &feature))
                .is_err()
            {
                return Err(A::Error::custom("the import stopped reading"));
            }
        }
        Ok(())
    }
}

/// A feature's row: its properties, and `lat`/`lng` from its Point.
fn feature_row(place: Place, feature: &Value) -> Reading {
    let mut problems = Vec::new();
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
        _ => problems.push(Problem::new(
            place,
            "geometry",
            "a Point with [lng, lat] coordinates is required (좌표가 필요합니다)",
        )),
    }
    let row = row_from(
        |name| fields.get(name).map(String::as_str),
        place,
        &mut problems,
    );
    Reading {
        row: Some(Located { place, row }),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(rows: Rows) -> (Vec<Located>, Vec<Problem>) {
        let mut located = Vec::new();
        let mut problems = Vec::new();
        for read in rows {
            located.extend(read.row);
            problems.extend(read.problems);
        }
        (located, problems)
    }

    #[test]
    fn csv_rows_name_their_line_and_bad_numbers() {
        let (rows, problems) = read_all(csv_rows(
            "title,description,lat,lng\n포트홀,도로 파손,35.82,127.14\nx,y,north,127\n".as_bytes(),
        ));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].place.to_string(), "line 2");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].place.to_string(), "line 3");
        assert_eq!(problems[0].field, "lat");
    }

    #[test]
    fn missing_columns_are_reported_on_the_header() {
        let (_, problems) = read_all(csv_rows("title,lat\nx,1\n".as_bytes()));
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["description", "lng"]);
    }

    #[test]
    fn geojson_points_give_lat_and_lng() -> Result<(), CliError> {
        let (rows, problems) = read_all(geojson_rows(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[127.14,35.82]},"properties":{"title":"t","description":"d","external_id":7}},
            {"type":"Feature","geometry":null,"properties":{"title":"u"}}],"crs":{}}"#
                .as_bytes(),
        )?);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row.request.lat, Some(35.82));
        assert_eq!(rows[0].row.external_id.as_deref(), Some("7"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].place.to_string(), "feature 2");
        assert_eq!(problems[0].field, "geometry");
        Ok(())
    }

    #[test]
    fn geojson_syntax_errors_name_their_line_after_the_features_before_them() -> Result<(), CliError>
    {
        let (rows, problems) = read_all(geojson_rows(
            "{\"features\": [\n{\"geometry\":{\"type\":\"Point\",\"coordinates\":[127.14,35.82]}},\n{\"geometry\": oops}\n]}"
                .as_bytes(),
        )?);
        assert_eq!(rows.len(), 1);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].place.to_string(), "line 3");
        assert_eq!(problems[0].field, "json");
        Ok(())
    }

    #[test]
    fn json_without_features_is_not_a_feature_collection() -> Result<(), CliError> {
        let (rows, problems) = read_all(geojson_rows(r#"{"type":"Feature"}"#.as_bytes())?);
        assert!(rows.is_empty());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].place.to_string(), "file");
        assert_eq!(problems[0].field, "features");
        Ok(())
    }
}
