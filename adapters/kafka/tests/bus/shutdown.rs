//! Graceful shutdown and rebalances: handled work is committed, events being
//! handled are finished, and partitions move between workers without loss.

use std::sync::Arc;
use std::time::Duration;

use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::EventPublisher as _;
use sinmungo_kafka::KafkaPublisher;

use crate::support::{committed, distinct, envelope, report, within, Cluster, Recorder, Running};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_event_under_way_and_commits_all_handled_work() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    // Only the shutdown commits.
    config.commit_interval = Duration::from_secs(3600);
    let reports = [report(), report(), report(), report(), report()];
    let events: Vec<EventEnvelope> = (0..2)
        .flat_map(|round| reports.iter().map(move |r| envelope(*r, round)))
        .collect();
    KafkaPublisher::new(&config)
        .unwrap()
        .publish(&events)
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    let slow = events.last().unwrap().clone();
    recorder.delay(slow.id, Duration::from_millis(500));

    let consumer = Running::start(&config, recorder.clone());
    recorder.wait_for_distinct(events.len() - 1).await;
    within("the slow event starts", async {
        while recorder.calls(slow.id) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    consumer.shut_down().await;

    assert!(
        recorder.handled().contains(&slow),
        "shutdown waited for the event under way"
    );
    let committed: i64 = committed(&cluster, &config)
        .await
        .into_iter()
        .flatten()
        .sum();
    assert_eq!(
        committed,
        events.len() as i64,
        "all handled work is committed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_worker_joining_takes_over_partitions_and_nothing_is_lost() {
    let cluster = Cluster::start();
    let config = cluster.config();
    let publisher = KafkaPublisher::new(&config).unwrap();
    let reports: Vec<_> = (0..20).map(|_| report()).collect();
    let round =
        |n: usize| -> Vec<EventEnvelope> { reports.iter().map(|r| envelope(*r, n)).collect() };
    let first_recorder = Recorder::jittery();
    let first = Running::start(&config, first_recorder.clone());
    publisher.publish(&round(0)).await.unwrap();
    first_recorder.wait_for_distinct(reports.len()).await;

    let second_recorder = Recorder::jittery();
    let second = Running::start(&config, second_recorder.clone());
    // Keep publishing until the rebalance gave the second worker some partitions.
    let rounds = within("the second worker gets partitions and events", async {
        let mut rounds = 1;
        while second_recorder.handled().is_empty() {
            publisher.publish(&round(rounds)).await.unwrap();
            rounds += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        rounds
    })
    .await;
    let total = rounds * reports.len();
    within("every event is handled by one worker or the other", async {
        loop {
            let mut all = first_recorder.handled();
            all.extend(second_recorder.handled());
            if distinct(&all) == total {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(!first_recorder.handled().is_empty());

    // The first leaves with its work committed; the second, which now owns
    // every partition, keeps committing through the rebalance that follows.
    first.shut_down().await;
    within("the group commits every event", async {
        loop {
            let sum: i64 = committed(&cluster, &config)
                .await
                .into_iter()
                .flatten()
                .sum();
            if sum == total as i64 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    second.shut_down().await;
}
