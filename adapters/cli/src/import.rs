//! `reports import`: the file is read twice, row by row, so memory stays
//! flat whatever its size. The first pass checks every row (fields, service
//! area, category, external ids repeated in the file); one bad row and
//! nothing is imported, with every problem named by line and field. The
//! second pass imports in batches (`--batch-size`, 500 by default): each
//! batch asks the ledger once which of its `external_id`s are already
//! imported, and writes the others in one transaction with their ledger
//! entries. A run cut short (Ctrl-C, a crash, a failing batch) keeps the
//! batches before it and leaves nothing of the one it was in; run it again
//! and what is already there is skipped.
//!
//! An export is a valid import file: its `id` column serves as the
//! `external_id` when there is none, so re-importing an export is idempotent.

mod rows;

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash as _, Hasher as _};

use sinmungo_core::app::{ImportReports, ImportRow, SubmitError, UseCases};
use sinmungo_core::domain::access::Actor;

use self::rows::{Located, Place, Problem};
use crate::commands::{ImportArgs, ImportFormat};
use crate::error::CliError;
use crate::output::{notice, summary};
use crate::progress;
use crate::VIA;

/// The most problems listed before "and N more".
const MAX_LISTED: usize = 100;

pub(crate) async fn run(
    use_cases: &UseCases,
    actor: &Actor,
    args: ImportArgs,
) -> Result<(), CliError> {
    ImportReports::authorize(actor).map_err(CliError::refused)?;
    let format = match args.format {
        Some(format) => format,
        None => guess_format(&args.file)?,
    };
    let batch_size = usize::try_from(args.batch_size).unwrap_or(usize::MAX);
    let total = check_file(use_cases, &args, format, batch_size).await?;

    let bar = progress::bar(Some(total), "importing (가져오는 중)");
    let mut counts = Counts::default();
    let mut batch = Batch::with_capacity(batch_size);
    let mut unchecked = Unchecked::new(total);
    for read in rows::open(&args.file, format)? {
        if let Some(problem) = read.problems.first() {
            return Err(changed(
                &format!(
                    "{}, field {}: {}",
                    problem.place, problem.field, problem.message
                ),
                counts.imported,
            ));
        }
        let Some(located) = read.row else {
            continue;
        };
        unchecked.read(located.place, counts.imported)?;
        batch.push(located);
        if batch.len() == batch_size {
            import_batch(use_cases, actor, args.commit, &mut batch, &mut counts).await?;
            bar.set_position(counts.imported + counts.skipped);
        }
    }
    import_batch(use_cases, actor, args.commit, &mut batch, &mut counts).await?;
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
            (verb, counts.imported.to_string()),
            ("skipped_already_imported", counts.skipped.to_string()),
        ],
    )
}

/// The refusal when the second pass finds the file changed since the first:
/// `what` it found, and how many rows were imported before it.
fn changed(what: &str, imported: u64) -> CliError {
    CliError::Invalid(format!(
        "{what}; the file changed after it was checked — {imported} imported before it; check it and run the same command again (검사 후 파일이 바뀌었습니다)"
    ))
}

/// Counts the second pass's rows against the first's: a row beyond them was
/// never checked against the others (its `external_id` for repeats).
#[derive(Debug)]
struct Unchecked {
    checked: u64,
    read: u64,
}

impl Unchecked {
    fn new(checked: u64) -> Self {
        Self { checked, read: 0 }
    }

    /// One more row read at `place`; refused when the first pass had fewer.
    fn read(&mut self, place: Place, imported: u64) -> Result<(), CliError> {
        self.read += 1;
        if self.read > self.checked {
            return Err(changed(
                &format!("{place}: a row that was not there when the file was checked"),
                imported,
            ));
        }
        Ok(())
    }
}

/// The first pass: reads and checks every row, a batch at a time, holding
/// of the rows already checked only a hash of each `external_id` and where
/// it was first. Returns how many rows there are, or every problem.
async fn check_file(
    use_cases: &UseCases,
    args: &ImportArgs,
    format: ImportFormat,
    batch_size: usize,
) -> Result<u64, CliError> {
    let bar = progress::bar(None, "checking rows (검사 중)");
    let mut problems = Problems::default();
    // A 64-bit hash of each id → the line (or feature) it was first on. Two
    // different ids sharing a hash would be reported as repeats: for a
    // million ids, a chance of about 3 in 100 million.
    let mut first_seen: HashMap<u64, u64> = HashMap::new();
    let mut batch = Batch::with_capacity(batch_size);
    let mut total = 0_u64;
    for read in rows::open(&args.file, format)? {
        problems.extend(read.problems);
        let Some(located) = read.row else {
            continue;
        };
        total += 1;
        bar.inc(1);
        if let Some(id) = located.row.external_id.as_deref() {
            let place = located.place;
            if let Some(first) = first_seen.insert(id_hash(id), place.number()) {
                problems.push(Problem::new(
                    place,
                    "external_id",
                    format!(
                        "{id} is also on {} (중복된 external_id)",
                        place.renumbered(first)
                    ),
                ));
            }
        }
        batch.push(located);
        if batch.len() == batch_size {
            check_batch(use_cases, &mut batch, &mut problems).await?;
        }
    }
    check_batch(use_cases, &mut batch, &mut problems).await?;
    bar.finish_and_clear();
    match problems.rejected() {
        Some(error) => Err(error),
        None => Ok(total),
    }
}

/// Checks a batch's rows (the directory read once for them) and empties it.
async fn check_batch(
    use_cases: &UseCases,
    batch: &mut Batch,
    problems: &mut Problems,
) -> Result<(), CliError> {
    let (places, rows) = batch.take();
    let refused = use_cases
        .import
        .check(&rows)
        .await
        .map_err(CliError::refused)?;
    for (index, error) in refused {
        let place = places.get(index).copied().unwrap_or(Place::FILE);
        for problem in explain(place, error)? {
            problems.push(problem);
        }
    }
    Ok(())
}

/// The second pass's work on one batch: leaves out the rows the ledger
/// already holds, imports the others in one transaction (or, in a dry run,
/// counts them), and empties the batch.
async fn import_batch(
    use_cases: &UseCases,
    actor: &Actor,
    commit: bool,
    batch: &mut Batch,
    counts: &mut Counts,
) -> Result<(), CliError> {
    let (places, rows) = batch.take();
    let (Some(first), Some(last)) = (places.first(), places.last()) else {
        return Ok(());
    };
    let ids: Vec<String> = rows.iter().filter_map(|r| r.external_id.clone()).collect();
    let imported: HashSet<String> = if ids.is_empty() {
        HashSet::new()
    } else {
        use_cases
            .import
            .imported_among(&ids)
            .await
            .map_err(CliError::refused)?
    };
    let read = rows.len();
    let fresh: Vec<ImportRow> = rows
        .into_iter()
        .filter(|row| {
            row.external_id
                .as_ref()
                .is_none_or(|id| !imported.contains(id))
        })
        .collect();
    counts.skipped += (read - fresh.len()) as u64;
    let fresh_count = fresh.len() as u64;
    if commit && !fresh.is_empty() {
        use_cases
            .import
            .import(actor, fresh, VIA)
            .await
            .map_err(|error| {
                CliError::Refused(format!(
                    "the batch of {first} to {last}: {error}; nothing of it was imported, {} before it were — run the same command again to resume (다시 실행하면 이어서 가져옵니다)",
                    counts.imported
                ))
            })?;
    }
    counts.imported += fresh_count;
    Ok(())
}

/// A 64-bit hash of an external id (the same for the same id throughout a run).
fn id_hash(id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Rows imported (or, in a dry run, that would be) and skipped.
#[derive(Debug, Default)]
struct Counts {
    imported: u64,
    skipped: u64,
}

/// The rows of one batch and where each was.
#[derive(Debug)]
struct Batch {
    places: Vec<Place>,
    rows: Vec<ImportRow>,
}

impl Batch {
    fn with_capacity(capacity: usize) -> Self {
        // A huge --batch-size must not reserve its memory up front.
        let capacity = capacity.min(1024);
        Self {
            places: Vec::with_capacity(capacity),
            rows: Vec::with_capacity(capacity),
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn push(&mut self, located: Located) {
        self.places.push(located.place);
        self.rows.push(located.row);
    }

    /// The batch's places and rows, leaving it empty.
    fn take(&mut self) -> (Vec<Place>, Vec<ImportRow>) {
        let capacity = self.rows.capacity();
        (
            std::mem::replace(&mut self.places, Vec::with_capacity(capacity)),
            std::mem::replace(&mut self.rows, Vec::with_capacity(capacity)),
        )
    }
}

/// The problems found: the first [`MAX_LISTED`] kept, the rest counted.
#[derive(Debug, Default)]
struct Problems {
    listed: Vec<Problem>,
    count: usize,
}

impl Problems {
    fn push(&mut self, problem: Problem) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED {
            self.listed.push(problem);
        }
    }

    fn extend(&mut self, problems: Vec<Problem>) {
        for problem in problems {
            self.push(problem);
        }
    }

    /// The refusal naming them, if there are any.
    fn rejected(mut self) -> Option<CliError> {
        if self.count == 0 {
            return None;
        }
        // Found a batch at a time: a row's check comes after the reading of later rows.
        self.listed.sort_by_key(|p| p.place.number());
        let mut details: Vec<String> = self
            .listed
            .iter()
            .map(|p| format!("  {}, field {}: {}", p.place, p.field, p.message))
            .collect();
        if self.count > self.listed.len() {
            details.push(format!("  … and {} more", self.count - self.listed.len()));
        }
        Some(CliError::RowsRejected {
            count: self.count,
            details: details.join("\n"),
        })
    }
}

fn guess_format(path: &std::path::Path) -> Result<ImportFormat, CliError> {
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

/// The problems the submit checks found with one row.
fn explain(place: Place, error: SubmitError) -> Result<Vec<Problem>, CliError> {
    match error {
        SubmitError::Invalid(invalid) => Ok(invalid
            .0
            .into_iter()
            .map(|e| Problem::new(place, &e.field, e.message))
            .collect()),
        SubmitError::OutsideServiceArea => Ok(vec![Problem::new(
            place,
            "lat,lng",
            SubmitError::OutsideServiceArea.to_string(),
        )]),
        // The store failing is not the row's fault: stop.
        other => Err(CliError::refused(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_the_first_pass_did_not_check_stops_the_second() {
        let mut unchecked = Unchecked::new(2);
        let line = |n| Place::FILE.renumbered(n);
        assert!(unchecked.read(line(2), 0).is_ok());
        assert!(unchecked.read(line(3), 0).is_ok());
        let Err(CliError::Invalid(message)) = unchecked.read(line(4), 2) else {
            panic!("a third row of two checked must be refused");
        };
        assert!(
            message.contains("the file changed after it was checked"),
            "{message}"
        );
        assert!(message.contains("2 imported before it"), "{message}");
    }
}
