//! Many reports, eight at a time: each report's events are handled in the order
//! they were published, while different reports run side by side.

use std::collections::HashMap;

use sinmungo_core::domain::report::ReportId;
use sinmungo_core::ports::EventPublisher as _;
use sinmungo_kafka::KafkaPublisher;

use crate::support::{envelope, report, seq, Cluster, Recorder, Running};

const REPORTS: usize = 40;
const EVENTS_PER_REPORT: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reports_events_are_handled_in_publish_order_under_concurrency() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    config.concurrency = 8;
    let publisher = KafkaPublisher::new(&config).unwrap();
    let reports: Vec<ReportId> = (0..REPORTS).map(|_| report()).collect();
    // Rounds of one event per report, as an outbox relay would batch them.
    for round in 0..EVENTS_PER_REPORT {
        let batch: Vec<_> = reports.iter().map(|r| envelope(*r, round)).collect();
        publisher.publish(&batch).await.unwrap();
    }

    let recorder = Recorder::jittery();
    let consumer = Running::start(&config, recorder.clone());
    recorder
        .wait_for_distinct(REPORTS * EVENTS_PER_REPORT)
        .await;
    consumer.shut_down().await;

    let mut per_report: HashMap<ReportId, Vec<usize>> = HashMap::new();
    for event in recorder.handled() {
        per_report
            .entry(event.report_id)
            .or_default()
            .push(seq(&event));
    }
    let in_order: Vec<usize> = (0..EVENTS_PER_REPORT).collect();
    for report in &reports {
        assert_eq!(
            per_report.get(report),
            Some(&in_order),
            "report {report}: its events in publish order, each once"
        );
    }
    let peak = recorder.peak_concurrency();
    assert!(
        (2..=8).contains(&peak),
        "reports were handled side by side, never more than 8 at once (peak {peak})"
    );
}
