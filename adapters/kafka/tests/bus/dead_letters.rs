//! Events that cannot be handled go to the dead-letter topic with why, and
//! the consumer moves on past them.

use std::sync::Arc;
use std::time::Duration;

use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::EventPublisher as _;
use sinmungo_kafka::{headers, KafkaPublisher};

use crate::support::{
    committed, counts, envelope, publish_raw, read_topic, report, Cluster, Recorder, Running,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_failing_every_attempt_is_dead_lettered_with_the_error_and_the_rest_go_on() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    config.max_attempts = 3;
    // A group of its own, so the counts read below are this test's alone.
    config.group_id = "sinmungo-dead-letter-test".to_owned();
    counts(&config.group_id); // the recorder is in place before the consumer starts
    let reports = [report(), report(), report()];
    let events: Vec<EventEnvelope> = (0..2)
        .flat_map(|round| reports.iter().map(move |r| envelope(*r, round)))
        .collect();
    let poisoned = &events[0];
    KafkaPublisher::new(&config)
        .unwrap()
        .publish(&events)
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    recorder.fail_always(poisoned.id);

    let consumer = Running::start(&config, recorder.clone());
    let dead = read_topic(&cluster, &config.dead_letter_topic, 1, 1).await;
    recorder.wait_for_distinct(events.len() - 1).await;
    consumer.shut_down().await;

    let dead = &dead[0];
    let header = |name: &str| dead.headers.get(name).cloned().unwrap_or_default();
    assert_eq!(header(headers::EVENT_ID), poisoned.id.to_string());
    assert!(
        header(headers::DLQ_ERROR).contains("category not in the directory (분류 없음)"),
        "{:?}",
        dead.headers
    );
    assert_eq!(header(headers::DLQ_ATTEMPTS), "3");
    assert_eq!(header(headers::DLQ_ORIGINAL_TOPIC), config.topic);
    assert!(header(headers::DLQ_ORIGINAL_PARTITION)
        .parse::<i32>()
        .is_ok());
    assert!(header(headers::DLQ_ORIGINAL_OFFSET).parse::<i64>().is_ok());
    assert_eq!(header(headers::DLQ_GROUP), config.group_id);
    assert_eq!(dead.key, Some(poisoned.report_id.to_string()));
    let original: EventEnvelope = serde_json::from_slice(&dead.payload).unwrap();
    assert_eq!(&original, poisoned, "the event is dead-lettered as it was");
    assert_eq!(recorder.calls(poisoned.id), 3);
    // Counted for /metrics: two retries, one dead letter, the rest handled.
    let counted = counts(&config.group_id);
    let count = |name: &str| counted.get(name).copied().unwrap_or(0);
    assert_eq!(count("sinmungo_events_dead_lettered_total"), 1);
    assert_eq!(count("sinmungo_event_retries_total"), 2);
    assert!(count("sinmungo_events_handled_total") >= events.len() as u64 - 1);

    let handled = recorder.handled();
    assert!(
        handled
            .iter()
            .any(|e| e.report_id == poisoned.report_id && e.id != poisoned.id),
        "the report's next event was handled after the poisoned one"
    );
    let committed: i64 = committed(&cluster, &config)
        .await
        .into_iter()
        .flatten()
        .sum();
    assert_eq!(
        committed,
        events.len() as i64,
        "every partition is committed to its end, past the dead-lettered event"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_is_not_an_envelope_is_dead_lettered_at_once() {
    let cluster = Cluster::start();
    let config = cluster.config();
    publish_raw(
        &cluster,
        &config.topic,
        "no-report",
        b"{\"hello\": \"world\"}",
    )
    .await;
    let event = envelope(report(), 0);
    KafkaPublisher::new(&config)
        .unwrap()
        .publish(std::slice::from_ref(&event))
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());

    let consumer = Running::start(&config, recorder.clone());
    let dead = read_topic(&cluster, &config.dead_letter_topic, 1, 1).await;
    recorder.wait_for_distinct(1).await;
    consumer.shut_down().await;

    let dead = &dead[0];
    assert_eq!(dead.payload, b"{\"hello\": \"world\"}");
    assert_eq!(dead.key.as_deref(), Some("no-report"));
    assert_eq!(dead.headers[headers::DLQ_ATTEMPTS], "0");
    assert!(dead.headers[headers::DLQ_ERROR].starts_with("not an event envelope"));
    assert_eq!(recorder.handled(), vec![event]);
    let committed: i64 = committed(&cluster, &config)
        .await
        .into_iter()
        .flatten()
        .sum();
    assert_eq!(committed, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_that_is_down_is_waited_for_rather_than_dead_lettered() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    config.max_attempts = 2;
    let event = envelope(report(), 0);
    KafkaPublisher::new(&config)
        .unwrap()
        .publish(std::slice::from_ref(&event))
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    recorder.unavailable(event.id, 5);

    let consumer = Running::start(&config, recorder.clone());
    recorder.wait_for_distinct(1).await;
    consumer.shut_down().await;

    assert_eq!(recorder.calls(event.id), 6, "five outages, then handled");
    assert_eq!(recorder.handled(), vec![event]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_that_stays_down_is_given_up_on_after_the_set_time_and_the_rest_go_on() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    config.max_attempts = 2;
    config.unavailable_give_up = Duration::from_millis(600);
    let stuck = report();
    let events = [
        envelope(stuck, 0),
        envelope(stuck, 1),
        envelope(report(), 0),
    ];
    KafkaPublisher::new(&config)
        .unwrap()
        .publish(&events)
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    recorder.unavailable(events[0].id, u32::MAX);

    let consumer = Running::start(&config, recorder.clone());
    let dead = read_topic(&cluster, &config.dead_letter_topic, 1, 1).await;
    recorder.wait_for_distinct(2).await;
    consumer.shut_down().await;

    let dead = &dead[0];
    assert_eq!(dead.headers[headers::EVENT_ID], events[0].id.to_string());
    let error = &dead.headers[headers::DLQ_ERROR];
    assert!(
        error.starts_with("unavailable for ") && error.ends_with(" s: the database is down"),
        "{error}"
    );
    let attempts: u32 = dead.headers[headers::DLQ_ATTEMPTS].parse().unwrap();
    assert!(
        attempts > config.max_attempts,
        "outages are not counted as attempts: {attempts}"
    );
    assert_eq!(attempts, recorder.calls(events[0].id));
    let handled = recorder.handled();
    assert!(
        handled.iter().any(|e| e.id == events[1].id),
        "the stuck report's next event was handled after the dead-lettered one"
    );
    assert!(handled.iter().all(|e| e.id != events[0].id));
    let committed: i64 = committed(&cluster, &config)
        .await
        .into_iter()
        .flatten()
        .sum();
    assert_eq!(committed, events.len() as i64);
}
