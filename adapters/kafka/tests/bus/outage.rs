//! The broker goes down: publishing fails within the message timeout, the
//! outbox keeps the events, and once the broker is back they all arrive.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use sinmungo_core::app::{Relay, RelayError};
use sinmungo_core::ports::{EventPublisher as _, PublishError};
use sinmungo_kafka::KafkaPublisher;

use crate::support::{envelope, report, within, Cluster, Recorder, Running};
use crate::world::submitted_reports;

/// Every broker of the mock cluster.
const ALL_BROKERS: i32 = -1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_to_a_broker_that_is_down_is_unavailable_then_works_after_recovery() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    config.message_timeout = Duration::from_secs(1);
    let publisher = KafkaPublisher::new(&config).unwrap();
    let events = vec![envelope(report(), 0), envelope(report(), 0)];

    cluster.mock.broker_down(ALL_BROKERS).unwrap();
    let refused = within("publish gives up", publisher.publish(&events)).await;
    assert!(
        matches!(&refused, Err(PublishError::Unavailable(reason)) if reason.contains("not delivered")),
        "{refused:?}"
    );

    cluster.mock.broker_up(ALL_BROKERS).unwrap();
    within("the same events publish after recovery", async {
        while publisher.publish(&events).await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let recorder = Arc::new(Recorder::default());
    let consumer = Running::start(&config, recorder.clone());
    recorder.wait_for_distinct(events.len()).await;
    consumer.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_kafka_is_down_the_outbox_holds_the_events_and_all_arrive_afterwards() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    config.message_timeout = Duration::from_secs(1);
    let (_uc, handles, events) = submitted_reports(3).await;
    let relay = Relay::new(
        handles.reports.clone(),
        Arc::new(KafkaPublisher::new(&config).unwrap()),
        handles.clock.clone(),
        TimeDelta::seconds(60),
    );

    cluster.mock.broker_down(ALL_BROKERS).unwrap();
    let refused = within("the relay gives up", relay.publish_batch(100)).await;
    assert!(
        matches!(refused, Err(RelayError::Bus(PublishError::Unavailable(_)))),
        "{refused:?}"
    );
    assert_eq!(relay.pending().await.unwrap(), 3, "the outbox kept them");

    cluster.mock.broker_up(ALL_BROKERS).unwrap();
    within("the relay publishes after recovery", async {
        loop {
            match relay.publish_batch(100).await {
                Ok(published) if relay.pending().await.unwrap() == 0 => {
                    assert!(published > 0);
                    break;
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await;

    let recorder = Arc::new(Recorder::default());
    let consumer = Running::start(&config, recorder.clone());
    recorder.wait_for_distinct(events.len()).await;
    consumer.shut_down().await;
    let mut arrived = recorder.handled();
    arrived.sort_by_key(|e| e.id);
    arrived.dedup_by_key(|e| e.id);
    let mut published = events;
    published.sort_by_key(|e| e.id);
    assert_eq!(arrived, published);
}
