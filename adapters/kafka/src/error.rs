//! Why a Kafka client could not be set up or kept running.

/// Why a publisher or consumer could not be built, or a consumer stopped.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The settings are inconsistent.
    #[error("invalid Kafka configuration: {0}")]
    Config(String),
    /// librdkafka refused to create the client or to subscribe.
    #[error("Kafka client: {0}")]
    Client(String),
    /// The client hit an error it cannot recover from.
    #[error("fatal Kafka error: {0}")]
    Fatal(String),
}

impl KafkaError {
    pub(crate) fn client(error: &rdkafka::error::KafkaError) -> Self {
        Self::Client(error.to_string())
    }
}
