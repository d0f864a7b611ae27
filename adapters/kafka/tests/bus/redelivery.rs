//! A worker that dies before committing: the next one gets the uncommitted
//! events again, and triage (idempotent per event) analyses nothing twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sinmungo_core::app::{AnalyzeReport, EventHandler, HandlerError, Policy, TriageProviders};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::CategoryCode;
use sinmungo_core::ports::{
    EventPublisher as _, MockTextAnalyzer, ReportStore as _, TextSuggestion,
};
use sinmungo_kafka::KafkaPublisher;
use uuid::Uuid;

use crate::support::{eventually, Cluster, Running};
use crate::world::submitted_reports;

const REPORTS: usize = 6;

/// Lets triage run, except that the first delivery of one event never ends
/// (the worker is stuck on it when it dies); counts deliveries.
struct Gate {
    inner: Arc<AnalyzeReport>,
    stuck: Mutex<Option<Uuid>>,
    deliveries: Mutex<HashMap<Uuid, u32>>,
}

#[async_trait]
impl EventHandler for Gate {
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        *self.deliveries.lock().unwrap().entry(event.id).or_default() += 1;
        let stuck = self
            .stuck
            .lock()
            .unwrap()
            .take_if(|id| *id == event.id)
            .is_some();
        if stuck {
            std::future::pending::<()>().await;
        }
        self.inner.handle(event).await
    }
}

impl Gate {
    fn deliveries(&self) -> HashMap<Uuid, u32> {
        self.deliveries.lock().unwrap().clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_before_commit_events_come_again_and_nothing_is_analysed_twice() {
    let cluster = Cluster::start();
    let mut config = cluster.config();
    // One partition: the stuck event holds back the commit of all the others.
    config.topic = "redelivery".to_owned();
    cluster.mock.create_topic(&config.topic, 1, 1).unwrap();
    let (_uc, handles, events) = submitted_reports(REPORTS).await;
    assert_eq!(events.len(), REPORTS);
    KafkaPublisher::new(&config)
        .unwrap()
        .publish(&events)
        .await
        .unwrap();

    let ai_calls: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let mut analyzer = MockTextAnalyzer::new();
    let counted = ai_calls.clone();
    analyzer.expect_analyze().returning(move |request| {
        *counted
            .lock()
            .unwrap()
            .entry(request.title.clone())
            .or_default() += 1;
        Ok(TextSuggestion {
            model: "google/gemini-2.0-flash-001".to_owned(),
            category: CategoryCode::new("streetlight").ok(),
            priority: None,
            confidence: 0.9,
            summary: None,
            personal_data: None,
            personal_data_spans: Vec::new(),
        })
    });
    let triage = Arc::new(AnalyzeReport::new(
        &handles.ports(),
        &Policy::default(),
        TriageProviders {
            analyzer: Some(Arc::new(analyzer)),
            ..TriageProviders::default()
        },
    ));
    let gate = Arc::new(Gate {
        inner: triage,
        stuck: Mutex::new(Some(events[0].id)),
        deliveries: Mutex::default(),
    });

    let first = Running::start(&config, gate.clone());
    eventually(
        "the first worker is stuck on one report and analysed another",
        || gate.deliveries().contains_key(&events[0].id) && !ai_calls.lock().unwrap().is_empty(),
    )
    .await;
    first.crash().await;
    let analysed_before_crash = ai_calls.lock().unwrap().len();
    let delivered_before_crash = gate.deliveries();

    let second = Running::start(&config, gate.clone());
    eventually("every report is analysed", || {
        ai_calls.lock().unwrap().len() == REPORTS
    })
    .await;
    // Nothing was committed before the crash (the stuck event is the first
    // of the only partition), so everything delivered then comes again.
    eventually(
        "what was delivered before the crash is delivered again",
        || {
            let deliveries = gate.deliveries();
            delivered_before_crash
                .iter()
                .all(|(id, before)| deliveries.get(id) > Some(before))
        },
    )
    .await;
    second.shut_down().await;

    assert!(analysed_before_crash >= 1);
    assert!(delivered_before_crash.len() >= 2);
    let ai_calls = ai_calls.lock().unwrap().clone();
    assert_eq!(ai_calls.len(), REPORTS);
    assert!(
        ai_calls.values().all(|n| *n == 1),
        "the AI was asked once per report: {ai_calls:?}"
    );
    for event in &events {
        let stored = handles.reports.get(event.report_id).await.unwrap().unwrap();
        let analysis = stored.analysis.expect("analysed");
        assert_eq!(analysis.trigger, Some(event.id));
        assert_eq!(stored.category.as_str(), "streetlight");
    }
}
