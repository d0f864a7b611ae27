//! Which fetched event is handled next: any event whose report has nothing
//! in flight, oldest first; a report's own events strictly one after
//! another, in the order they were fetched.
//!
//! This replaced lanes chosen by hash of the key: with 32 lanes, two busy
//! reports hashed to one lane waited for each other while other lanes were
//! idle (a worker reached 0.69 of its ideal throughput against a slow LLM;
//! see docs/benchmarks.md). Here a free slot never waits while some report
//! has an event it could take.

use std::collections::{HashMap, VecDeque};

/// What keeps events in order: the message key (the report id), or the
/// partition for a message without one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum OrderKey {
    Key(Vec<u8>),
    Partition(String, i32),
}

/// Fetched events not yet handled, in order per key.
#[derive(Debug)]
pub(crate) struct Schedule<T> {
    /// Events that may start now: the first of their key in the schedule.
    ready: VecDeque<(OrderKey, T)>,
    /// Every key with an event ready or in flight, with its later events.
    later: HashMap<OrderKey, VecDeque<T>>,
}

impl<T> Default for Schedule<T> {
    fn default() -> Self {
        Self {
            ready: VecDeque::new(),
            later: HashMap::new(),
        }
    }
}

impl<T> Schedule<T> {
    /// Adds a fetched event: ready at once unless its key has one ready or
    /// in flight, in which case it waits behind it.
    pub(crate) fn push(&mut self, key: OrderKey, item: T) {
        match self.later.get_mut(&key) {
            Some(waiting) => waiting.push_back(item),
            None => {
                self.later.insert(key.clone(), VecDeque::new());
                self.ready.push_back((key, item));
            }
        }
    }

    /// The oldest event that may start now; its key is in flight until
    /// [`done`](Self::done).
    pub(crate) fn next(&mut self) -> Option<(OrderKey, T)> {
        self.ready.pop_front()
    }

    /// The event of `key` in flight is finished: the key's next event, if
    /// any, becomes ready (behind those already ready: fair to other keys).
    pub(crate) fn done(&mut self, key: &OrderKey) {
        let Some(waiting) = self.later.get_mut(key) else {
            return;
        };
        match waiting.pop_front() {
            Some(item) => self.ready.push_back((key.clone(), item)),
            None => {
                self.later.remove(key);
            }
        }
    }

    /// Events waiting (ready or behind their key's event in flight).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.ready.len() + self.later.values().map(VecDeque::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> OrderKey {
        OrderKey::Key(name.as_bytes().to_vec())
    }

    #[test]
    fn other_reports_pass_a_busy_one_and_each_report_keeps_its_order() {
        let mut schedule = Schedule::default();
        for (report, event) in [("a", 1), ("a", 2), ("b", 1), ("a", 3), ("c", 1), ("b", 2)] {
            schedule.push(key(report), (report, event));
        }
        // Three slots: one event of each report starts, none of a report twice.
        let started: Vec<_> = std::iter::from_fn(|| schedule.next()).collect();
        assert_eq!(
            started.iter().map(|(_, item)| *item).collect::<Vec<_>>(),
            [("a", 1), ("b", 1), ("c", 1)]
        );
        assert_eq!(schedule.len(), 3, "a2, a3 and b2 wait");
        schedule.done(&key("b"));
        schedule.done(&key("a"));
        assert_eq!(schedule.next().map(|(_, item)| item), Some(("b", 2)));
        assert_eq!(schedule.next().map(|(_, item)| item), Some(("a", 2)));
        assert_eq!(schedule.next(), None, "a3 waits for a2");
        schedule.done(&key("a"));
        assert_eq!(schedule.next().map(|(_, item)| item), Some(("a", 3)));
        for report in ["a", "b", "c"] {
            schedule.done(&key(report));
        }
        assert_eq!(schedule.len(), 0);
        assert!(schedule.later.is_empty(), "finished keys are forgotten");
    }

    #[test]
    fn an_event_of_a_finished_key_is_ready_at_once() {
        let mut schedule = Schedule::default();
        schedule.push(key("a"), 1);
        let (first, _) = schedule.next().unwrap_or_else(|| panic!("a1 is ready"));
        schedule.done(&first);
        schedule.push(key("a"), 2);
        assert_eq!(schedule.next().map(|(_, item)| item), Some(2));
    }

    #[test]
    fn messages_without_a_key_keep_their_partitions_order() {
        let mut schedule = Schedule::default();
        let (p0, p1) = (
            OrderKey::Partition("events".to_owned(), 0),
            OrderKey::Partition("events".to_owned(), 1),
        );
        schedule.push(p0.clone(), "p0-1");
        schedule.push(p0.clone(), "p0-2");
        schedule.push(p1, "p1-1");
        let started: Vec<_> = std::iter::from_fn(|| schedule.next())
            .map(|(_, item)| item)
            .collect();
        assert_eq!(started, ["p0-1", "p1-1"]);
        schedule.done(&p0);
        assert_eq!(schedule.next().map(|(_, item)| item), Some("p0-2"));
    }
}
