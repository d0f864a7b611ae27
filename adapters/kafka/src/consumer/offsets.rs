//! Which offsets may be committed: per assigned partition, everything below
//! the oldest event still being handled.
//!
//! Events of one partition are handled out of order (different keys run side
//! by side), so a partition's commit position is the lowest offset
//! dispatched but not yet finished, or one past the highest dispatched when
//! all are finished. An event that was never finished (abandoned on shutdown
//! or revocation) keeps the position below it, so it is delivered again.
//!
//! Each assignment of a partition gets a new generation; work started under
//! an older one (before a revocation) no longer counts.

use std::collections::{BTreeSet, HashMap};

/// A topic and partition.
pub(crate) type Partition = (String, i32);

#[derive(Debug)]
struct PartitionLog {
    generation: u64,
    /// Dispatched and not yet finished.
    in_flight: BTreeSet<i64>,
    /// One past the highest offset dispatched.
    next: Option<i64>,
    /// The last position committed.
    committed: Option<i64>,
}

impl PartitionLog {
    fn position(&self) -> Option<i64> {
        self.in_flight.first().copied().or(self.next)
    }
}

/// The book of every assigned partition's progress.
#[derive(Debug, Default)]
pub(crate) struct OffsetBook {
    partitions: HashMap<Partition, PartitionLog>,
    generations: u64,
}

impl OffsetBook {
    /// Starts tracking a newly assigned partition.
    pub(crate) fn assign(&mut self, partition: Partition) {
        self.generations += 1;
        self.partitions.insert(
            partition,
            PartitionLog {
                generation: self.generations,
                in_flight: BTreeSet::new(),
                next: None,
                committed: None,
            },
        );
    }

    /// Stops tracking a revoked partition; returns its position, if it moved
    /// since the last commit (to commit before it goes to another consumer).
    pub(crate) fn revoke(&mut self, partition: &Partition) -> Option<i64> {
        let log = self.partitions.remove(partition)?;
        let position = log.position()?;
        (Some(position) > log.committed).then_some(position)
    }

    /// Records that `offset` was fetched to be handled; `None` if the partition
    /// is not assigned (the message is then dropped, not handled).
    pub(crate) fn dispatch(&mut self, partition: &Partition, offset: i64) -> Option<u64> {
        let log = self.partitions.get_mut(partition)?;
        log.in_flight.insert(offset);
        log.next = Some(log.next.map_or(offset + 1, |next| next.max(offset + 1)));
        Some(log.generation)
    }

    /// Whether work started under `generation` still counts.
    pub(crate) fn is_current(&self, partition: &Partition, generation: u64) -> bool {
        self.partitions
            .get(partition)
            .is_some_and(|log| log.generation == generation)
    }

    /// Records that `offset` was handled (or dead-lettered).
    pub(crate) fn finish(&mut self, partition: &Partition, offset: i64, generation: u64) {
        if let Some(log) = self.partitions.get_mut(partition) {
            if log.generation == generation {
                log.in_flight.remove(&offset);
            }
        }
    }

    /// Positions that moved since they were last committed.
    pub(crate) fn uncommitted(&self) -> Vec<(Partition, i64)> {
        self.partitions
            .iter()
            .filter_map(|(partition, log)| {
                let position = log.position()?;
                (Some(position) > log.committed).then(|| (partition.clone(), position))
            })
            .collect()
    }

    /// Every partition's position, committed or not (for the last commit).
    pub(crate) fn positions(&self) -> Vec<(Partition, i64)> {
        self.partitions
            .iter()
            .filter_map(|(partition, log)| Some((partition.clone(), log.position()?)))
            .collect()
    }

    /// Forgets that `position` was committed (the commit failed), so it is
    /// committed again.
    pub(crate) fn commit_failed(&mut self, partition: &Partition, position: i64) {
        if let Some(log) = self.partitions.get_mut(partition) {
            if log.committed == Some(position) {
                log.committed = None;
            }
        }
    }

    /// Records positions as committed.
    pub(crate) fn committed(&mut self, positions: &[(Partition, i64)]) {
        for (partition, position) in positions {
            if let Some(log) = self.partitions.get_mut(partition) {
                log.committed = log.committed.max(Some(*position));
            }
        }
    }

    /// How many events are dispatched and not finished.
    pub(crate) fn in_flight(&self) -> usize {
        self.partitions
            .values()
            .map(|log| log.in_flight.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: i32) -> Partition {
        ("events".to_owned(), n)
    }

    #[test]
    fn the_position_stops_below_the_oldest_unfinished_event() {
        let mut book = OffsetBook::default();
        book.assign(p(0));
        let generation = book.dispatch(&p(0), 10).unwrap();
        for offset in 11..15 {
            book.dispatch(&p(0), offset).unwrap();
        }
        for offset in [11, 12, 14] {
            book.finish(&p(0), offset, generation);
        }
        assert_eq!(book.uncommitted(), vec![(p(0), 10)]);
        book.finish(&p(0), 10, generation);
        assert_eq!(book.uncommitted(), vec![(p(0), 13)]);
        book.committed(&[(p(0), 13)]);
        assert!(book.uncommitted().is_empty());
        assert_eq!(book.positions(), vec![(p(0), 13)]);
        book.commit_failed(&p(0), 13);
        assert_eq!(book.uncommitted(), vec![(p(0), 13)], "committed again");
        book.committed(&[(p(0), 13)]);
        book.finish(&p(0), 13, generation);
        assert_eq!(book.uncommitted(), vec![(p(0), 15)]);
        assert_eq!(book.in_flight(), 0);
    }

    #[test]
    fn revoked_partitions_drop_their_work_and_report_their_position() {
        let mut book = OffsetBook::default();
        book.assign(p(1));
        let old = book.dispatch(&p(1), 0).unwrap();
        book.dispatch(&p(1), 1).unwrap();
        book.finish(&p(1), 0, old);
        assert_eq!(book.revoke(&p(1)), Some(1));
        assert!(!book.is_current(&p(1), old));
        assert_eq!(book.dispatch(&p(1), 2), None, "not assigned");

        book.assign(p(1));
        let new = book.dispatch(&p(1), 1).unwrap();
        assert_ne!(old, new);
        book.finish(&p(1), 1, old);
        assert_eq!(
            book.uncommitted(),
            vec![(p(1), 1)],
            "old work does not count"
        );
        book.finish(&p(1), 1, new);
        assert_eq!(book.uncommitted(), vec![(p(1), 2)]);
    }

    #[test]
    fn nothing_dispatched_means_nothing_to_commit() {
        let mut book = OffsetBook::default();
        book.assign(p(2));
        assert!(book.uncommitted().is_empty());
        assert_eq!(book.revoke(&p(2)), None);
    }
}
