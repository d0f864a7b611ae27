//! What the detectors found in one text: spans of the folded text, each
//! personal data of some kind or a number to keep, none overlapping.

use super::fold::Folded;
use super::Kind;

/// The spans claimed so far; the first detector to claim a character wins.
#[derive(Debug)]
pub(super) struct Found {
    /// Byte by byte of the folded text: whether a span covers it.
    taken: Vec<bool>,
    /// The spans to mask: start, end (folded offsets), what they are.
    masked: Vec<(usize, usize, Kind)>,
}

impl Found {
    pub(super) fn new(len: usize) -> Self {
        Self {
            taken: vec![false; len],
            masked: Vec::new(),
        }
    }

    /// Whether no span covers any of `start..end`.
    fn is_free(&self, start: usize, end: usize) -> bool {
        self.taken
            .get(start..end)
            .is_some_and(|bytes| !bytes.contains(&true))
    }

    /// Claims `start..end` as `kind` (`None`: a number to keep as it is),
    /// unless another span covers part of it; returns whether it did.
    pub(super) fn claim(&mut self, start: usize, end: usize, kind: Option<Kind>) -> bool {
        if !self.is_free(start, end) {
            return false;
        }
        self.taken[start..end].fill(true);
        if let Some(kind) = kind {
            self.masked.push((start, end, kind));
        }
        true
    }

    /// `original` with every masked span replaced by its placeholder.
    pub(super) fn replace(mut self, original: &str, folded: &Folded<'_>) -> String {
        if self.masked.is_empty() {
            return original.to_owned();
        }
        self.masked.sort_unstable_by_key(|&(start, _, _)| start);
        let mut out = String::with_capacity(original.len());
        let mut copied = 0;
        for (start, end, kind) in self.masked {
            let (start, end) = (folded.original(start), folded.original(end));
            out.push_str(original.get(copied..start).unwrap_or_default());
            out.push_str(kind.placeholder());
            copied = end;
        }
        out.push_str(original.get(copied..).unwrap_or_default());
        out
    }
}
