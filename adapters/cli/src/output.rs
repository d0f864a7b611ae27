//! Everything the CLI prints on standard output: tables for people, JSON and
//! CSV for scripts. Messages about progress go to standard error.

use std::io::Write as _;

use clap::ValueEnum;

use crate::error::CliError;

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns, for people.
    #[default]
    Table,
    /// A JSON array of objects, one per row.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Rows with named columns, printed in any [`OutputFormat`].
#[derive(Debug, Clone, Default)]
pub struct Rows {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Rows {
    /// Empty rows with these columns.
    pub fn new<const N: usize>(headers: [&str; N]) -> Self {
        Self {
            headers: headers.iter().map(|&h| h.to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Columns given at run time.
    pub fn with_headers(headers: Vec<String>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    /// Appends a row (as many cells as columns).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The rows' cells.
    #[cfg(test)]
    pub fn cells(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Prints the rows on standard output.
    pub fn print(&self, format: OutputFormat) -> Result<(), CliError> {
        let text = match format {
            OutputFormat::Table => self.table(),
            OutputFormat::Json => self.json(),
            OutputFormat::Csv => self.csv()?,
        };
        print(&text)
    }

    fn table(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(width(cell));
                }
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(width(cell));
                out.push_str(cell);
                if i + 1 < cells.len() {
                    out.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push('\n');
            out
        };
        let mut out = line(&self.headers);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    fn json(&self) -> String {
        let items: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                serde_json::Value::Object(
                    self.headers
                        .iter()
                        .zip(row)
                        .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                        .collect(),
                )
            })
            .collect();
        let mut text = serde_json::Value::Array(items).to_string();
        text.push('\n');
        text
    }

    fn csv(&self) -> Result<String, CliError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| CliError::Invalid(format!("writing CSV: {e}"));
        writer.write_record(&self.headers).map_err(failed)?;
        for row in &self.rows {
            writer.write_record(row).map_err(failed)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| CliError::Invalid(format!("writing CSV: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Prints one key/value summary (what a bulk command did or would do).
pub fn summary(format: OutputFormat, pairs: &[(&str, String)]) -> Result<(), CliError> {
    match format {
        OutputFormat::Json => {
            let object: serde_json::Map<String, serde_json::Value> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            print(&format!("{}\n", serde_json::Value::Object(object)))
        }
        OutputFormat::Csv | OutputFormat::Table => {
            let mut rows = Rows::new(["what", "value"]);
            for (k, v) in pairs {
                rows.push(vec![(*k).to_owned(), v.clone()]);
            }
            rows.print(format)
        }
    }
}

/// Display width: Hangul and other wide characters take two columns.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let c = c as u32;
            let wide = (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Writes `text` to standard output (through `write_all`, not `print!`,
/// so a closed pipe — `sinmungo … | head` — is an error, not a panic).
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::io("writing to standard output"))
}

/// A line for the operator on standard error (dry-run notices, warnings).
#[expect(
    clippy::print_stderr,
    reason = "notices for the operator go to standard error, from this module only"
)]
pub fn notice(text: &str) {
    eprintln!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_korean_text_by_display_width() {
        let mut rows = Rows::new(["code", "name"]);
        rows.push(vec!["road".into(), "도로관리과".into()]);
        rows.push(vec!["water_sewer".into(), "x".into()]);
        let table = rows.table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "code         name");
        assert_eq!(lines[1], "road         도로관리과");
    }

    #[test]
    fn json_rows_are_objects_by_header() {
        let mut rows = Rows::new(["a", "b"]);
        rows.push(vec!["1".into(), "둘".into()]);
        let value: serde_json::Value = serde_json::from_str(&rows.json()).unwrap();
        assert_eq!(value, serde_json::json!([{"a": "1", "b": "둘"}]));
    }
}
