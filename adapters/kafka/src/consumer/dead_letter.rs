//! The dead-letter topic: events that could not be handled, with why.

use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;

use crate::headers;
use crate::logs::ClientLogs;

/// The longest error text kept in a header.
const MAX_ERROR_LEN: usize = 4096;

/// Why an event is dead-lettered.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// The last error.
    pub(crate) error: String,
    /// Attempts made (0: never handed to the handler).
    pub(crate) attempts: u32,
}

/// Publishes failed events, as they were, to the dead-letter topic.
#[derive(Clone)]
pub(crate) struct DeadLetters {
    pub(crate) producer: FutureProducer<ClientLogs>,
    pub(crate) topic: String,
    pub(crate) group: String,
}

impl DeadLetters {
    /// Publishes `message` with the verdict in its headers and waits for the
    /// brokers' acknowledgement.
    pub(crate) async fn publish(
        &self,
        message: &OwnedMessage,
        verdict: &Verdict,
    ) -> Result<(), String> {
        let mut dead = OwnedHeaders::new();
        if let Some(original) = message.headers() {
            for header in original.iter() {
                dead = dead.insert(Header {
                    key: header.key,
                    value: header.value,
                });
            }
        }
        let error = truncate(&verdict.error, MAX_ERROR_LEN);
        let attempts = verdict.attempts.to_string();
        let partition = message.partition().to_string();
        let offset = message.offset().to_string();
        for (key, value) in [
            (headers::DLQ_ERROR, error),
            (headers::DLQ_ATTEMPTS, attempts.as_str()),
            (headers::DLQ_ORIGINAL_TOPIC, message.topic()),
            (headers::DLQ_ORIGINAL_PARTITION, partition.as_str()),
            (headers::DLQ_ORIGINAL_OFFSET, offset.as_str()),
            (headers::DLQ_GROUP, self.group.as_str()),
        ] {
            dead = dead.insert(Header {
                key,
                value: Some(value),
            });
        }
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.topic).headers(dead);
        if let Some(key) = message.key() {
            record = record.key(key);
        }
        if let Some(payload) = message.payload() {
            record = record.payload(payload);
        }
        match self.producer.send(record, Timeout::Never).await {
            Ok(_) => Ok(()),
            Err((error, _)) => Err(error.to_string()),
        }
    }
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn long_errors_are_cut_between_characters() {
        assert_eq!(truncate("짧다", 100), "짧다");
        assert_eq!(truncate("가나다", 4), "가", "each syllable is 3 bytes");
    }
}
