//! librdkafka's logs and errors, in tracing. A broker that cannot be reached
//! is a warning, not an error: the clients reconnect on their own, and the
//! publisher and consumer report what it costs them.

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError as RdKafkaError;
use rdkafka::ClientContext;

/// The context of the producers: logs as below, nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClientLogs;

impl ClientContext for ClientLogs {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        log(level, facility, message);
    }

    fn error(&self, error: RdKafkaError, reason: &str) {
        client_error(&error, reason);
    }
}

/// A librdkafka log line.
pub(crate) fn log(level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
            tracing::error!(target: "librdkafka", facility, "{message}");
        }
        RDKafkaLogLevel::Error | RDKafkaLogLevel::Warning => {
            tracing::warn!(target: "librdkafka", facility, "{message}");
        }
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            tracing::info!(target: "librdkafka", facility, "{message}");
        }
        RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", facility, "{message}"),
    }
}

/// An error librdkafka reports for the client as a whole.
pub(crate) fn client_error(error: &RdKafkaError, reason: &str) {
    if error.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::Fatal) {
        tracing::error!(target: "librdkafka", %error, reason, "fatal Kafka client error");
    } else {
        tracing::warn!(target: "librdkafka", %error, reason, "Kafka client error");
    }
}
