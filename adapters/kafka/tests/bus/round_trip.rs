//! Publish → consume: the envelope arrives intact, keyed by its report.

use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::EventPublisher as _;
use sinmungo_kafka::{headers, KafkaPublisher};

use crate::support::{envelope, read_topic, report, Cluster, Recorder, Running, PARTITIONS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_envelopes_arrive_intact_keyed_by_report() {
    let cluster = Cluster::start();
    let config = cluster.config();
    let publisher = KafkaPublisher::new(&config).unwrap();
    let (first, second) = (report(), report());
    let events: Vec<EventEnvelope> = (0..3)
        .map(|n| envelope(if n % 2 == 0 { first } else { second }, n))
        .collect();
    publisher.publish(&events).await.unwrap();

    let on_topic = read_topic(&cluster, &config.topic, PARTITIONS, events.len()).await;
    for event in &events {
        let message = on_topic
            .iter()
            .find(|m| m.headers.get(headers::EVENT_ID) == Some(&event.id.to_string()))
            .expect("every event is on the topic");
        assert_eq!(
            message.key.as_deref(),
            Some(event.report_id.to_string().as_str())
        );
        assert_eq!(
            message.headers.get(headers::EVENT_TYPE).map(String::as_str),
            Some("report.submitted")
        );
        let wire: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(wire["type"], "report.submitted");
        assert_eq!(wire["report_id"], event.report_id.to_string());
        let decoded: EventEnvelope = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(&decoded, event);
    }
    let partitions_of_first: std::collections::HashSet<i32> = on_topic
        .iter()
        .filter(|m| m.key.as_deref() == Some(first.to_string().as_str()))
        .map(|m| m.partition)
        .collect();
    assert_eq!(partitions_of_first.len(), 1, "one report, one partition");

    let recorder = std::sync::Arc::new(Recorder::default());
    let consumer = Running::start(&config, recorder.clone());
    recorder.wait_for_distinct(events.len()).await;
    consumer.shut_down().await;
    let mut handled = recorder.handled();
    handled.sort_by_key(crate::support::seq);
    assert_eq!(handled, events, "the consumer decodes what was published");
}
