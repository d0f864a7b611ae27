//! Triage after submission (`analyze_report`) and the relay that delivers the
//! submission event to it: what the AI may and may not change.

use std::sync::Arc;

use chrono::TimeDelta;
use sinmungo_core::app::{
    ActionError, AnalyzeOutcome, AnalyzeReport, EventHandler, InProcessBus, Policy,
    PrivacyReviewRequest, ReclassifyRequest, Relay, TriageProviders,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::photo::{Photo, PhotoId, PhotoKind, PhotoVariant};
use sinmungo_core::domain::report::{
    DecidedBy, PrivacyDecision, Report, DESCRIPTION_AWAITING_REVIEW,
};
use sinmungo_core::domain::CategoryCode;
use sinmungo_core::domain::Priority;
use sinmungo_core::ports::{
    AiError, Blob, Detection, Detections, EventPublisher, MockEventPublisher, MockImageDetector,
    MockMediaStore, MockTextAnalyzer, PublishError, ReportChange, ReportStore, ReportWrite,
    TextSuggestion,
};
use uuid::Uuid;

use crate::world::World;

fn analyzer_answering(category: &str, priority: Priority, confidence: f64) -> MockTextAnalyzer {
    let category = CategoryCode::new(category).ok();
    let mut analyzer = MockTextAnalyzer::new();
    analyzer.expect_analyze().returning(move |_| {
        Ok(TextSuggestion {
            model: "google/gemini-2.0-flash-001".to_owned(),
            category: category.clone(),
            priority: Some(priority),
            confidence,
            summary: Some("골목 가로등 고장".to_owned()),
            personal_data: None,
            personal_data_spans: Vec::new(),
        })
    });
    analyzer
}

fn triage(w: &World, providers: TriageProviders) -> AnalyzeReport {
    AnalyzeReport::new(&w.handles.ports(), &Policy::default(), providers)
}

fn with_analyzer(analyzer: MockTextAnalyzer) -> TriageProviders {
    TriageProviders {
        analyzer: Some(Arc::new(analyzer)),
        ..TriageProviders::default()
    }
}

/// The submission event of `report`, as the outbox holds it.
fn submitted_event(w: &World, report: &Report) -> anyhow::Result<EventEnvelope> {
    w.handles
        .reports
        .outbox()
        .into_iter()
        .find(|e| e.report_id == report.id && e.event_type == "report.submitted")
        .ok_or_else(|| anyhow::anyhow!("no submission event"))
}

#[tokio::test]
async fn a_confident_llm_reclassifies_the_report_and_says_so() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w
        .submit(&citizen, "밤길이 무서워요", "골목이 너무 어두워요")
        .await?;
    assert_eq!(
        report.category,
        CategoryCode::other(),
        "the keywords found nothing"
    );

    let analyze = triage(
        &w,
        with_analyzer(analyzer_answering("streetlight", Priority::High, 0.85)),
    );
    let event = submitted_event(&w, &report)?;
    analyze.handle(&event).await?;

    let stored = w.stored(&report).await?;
    assert_eq!(stored.category.as_str(), "streetlight");
    assert_eq!(stored.priority, Priority::High);
    assert_ne!(
        stored.department, report.department,
        "re-routed to the streetlight department"
    );
    let analysis = stored
        .analysis
        .clone()
        .ok_or_else(|| anyhow::anyhow!("analysed"))?;
    assert_eq!(analysis.decided_by, DecidedBy::Ai);
    assert_eq!(analysis.rule.as_deref(), Some("llm_suggestion"));
    assert_eq!(analysis.models, ["llm:google/gemini-2.0-flash-001"]);
    assert_eq!(analysis.trigger, Some(event.id));
    assert!(!analysis.needs_review);
    assert_eq!(
        stored.due_at,
        report.created_at + Priority::High.default_sla().resolution
    );
    assert_eq!(stored.version, report.version + 1);

    let types: Vec<String> = w
        .handles
        .reports
        .outbox()
        .iter()
        .map(|e| e.event_type.clone())
        .collect();
    assert_eq!(types, ["report.submitted", "report.analyzed"]);
    let timeline = w.handles.reports.timeline(report.id).await?;
    assert!(
        timeline.iter().any(|e| matches!(
            &e.kind,
            sinmungo_core::domain::TimelineKind::Classified {
                decided_by: DecidedBy::Ai,
                ..
            }
        )),
        "the timeline shows the AI's classification"
    );
    Ok(())
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing_and_does_not_call_the_ai_again() -> anyhow::Result<()>
{
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "밤길", "골목이 너무 어두워요").await?;
    let mut analyzer = MockTextAnalyzer::new();
    analyzer.expect_analyze().times(1).returning(|_| {
        Ok(TextSuggestion {
            model: "m".to_owned(),
            category: CategoryCode::new("streetlight").ok(),
            priority: None,
            confidence: 0.9,
            summary: None,
            personal_data: None,
            personal_data_spans: Vec::new(),
        })
    });
    let analyze = triage(&w, with_analyzer(analyzer));
    let event = submitted_event(&w, &report)?;

    let first = analyze.analyze(report.id, event.id).await?;
    assert!(matches!(first, AnalyzeOutcome::Analyzed(_)));
    let after_first = w.stored(&report).await?;

    let second = analyze.analyze(report.id, event.id).await?;
    assert_eq!(second, AnalyzeOutcome::AlreadyDone);
    assert_eq!(w.stored(&report).await?, after_first, "nothing changed");
    assert_eq!(
        w.handles.reports.outbox().len(),
        2,
        "no second report.analyzed"
    );
    Ok(())
}

#[tokio::test]
async fn an_llm_failure_falls_back_to_the_rules_and_says_why() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w
        .submit(&citizen, "도로 파손", crate::world::POTHOLE)
        .await?;
    let mut analyzer = MockTextAnalyzer::new();
    analyzer
        .expect_analyze()
        .times(1)
        .returning(|_| Err(AiError::RateLimited { retry_after: None }));
    let analyze = triage(&w, with_analyzer(analyzer));
    let event = submitted_event(&w, &report)?;

    let outcome = analyze.analyze(report.id, event.id).await?;
    let AnalyzeOutcome::Analyzed(analysis) = outcome else {
        anyhow::bail!("expected an analysis, got {outcome:?}");
    };
    assert_eq!(analysis.decided_by, DecidedBy::Rules);
    assert_eq!(analysis.rule.as_deref(), Some("road_pothole"));
    assert!(analysis.models.is_empty());
    let note = analysis.note.unwrap_or_default();
    assert!(
        note.contains("rules alone") && note.contains("LLM"),
        "{note}"
    );
    assert_eq!(w.stored(&report).await?.category.as_str(), "road_damage");
    Ok(())
}

/// A report a manager classified `park_facility`, `low`, and the manager.
async fn classified_by_an_officer(w: &World) -> anyhow::Result<(Actor, Report)> {
    let citizen = w.citizen("minji").await?;
    let manager = w.official("boss", "manager", "civil_affairs").await?;
    let report = w.submit(&citizen, "밤길", "골목이 너무 어두워요").await?;
    w.uc.reclassify
        .execute(
            &manager,
            report.id,
            ReclassifyRequest {
                category: "park_facility".to_owned(),
                priority: "low".to_owned(),
            },
        )
        .await?;
    Ok((manager, report))
}

#[tokio::test]
async fn an_officers_classification_is_never_overwritten() -> anyhow::Result<()> {
    let w = World::new().await?;
    let (_, report) = classified_by_an_officer(&w).await?;
    let before = w.stored(&report).await?;

    let mut analyzer = MockTextAnalyzer::new();
    analyzer.expect_analyze().times(0);
    let analyze = triage(&w, with_analyzer(analyzer));
    let event = submitted_event(&w, &report)?;
    assert_eq!(
        analyze.analyze(report.id, event.id).await?,
        AnalyzeOutcome::KeptHumanDecision
    );
    assert_eq!(w.stored(&report).await?, before);
    Ok(())
}

#[tokio::test]
async fn a_pothole_in_the_photo_decides_through_the_detector() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "사진 첨부", "여기 좀 봐주세요").await?;
    // The report gets a photo, as the upload would have stored it.
    let photo = Photo {
        id: PhotoId(Uuid::from_u128(7)),
        kind: PhotoKind::Report,
        content_type: "image/jpeg".to_owned(),
        width: 640,
        height: 480,
        size: 4,
        sha256: "0".repeat(64),
        uploaded_by: report.reporter,
        uploaded_at: report.created_at,
        merged_from: None,
    };
    let mut with_photo = report.clone();
    with_photo.photos.push(photo.clone());
    with_photo.version += 1;
    w.handles
        .reports
        .apply(ReportChange {
            writes: vec![ReportWrite::Update {
                report: with_photo.clone(),
                expected_version: report.version,
            }],
            ..ReportChange::default()
        })
        .await?;

    let public_key = photo.media_key(report.id, PhotoVariant::Public);
    let mut media = MockMediaStore::new();
    media
        .expect_get()
        .withf(move |key| key.as_str() == public_key)
        .times(1)
        .returning(|_| {
            Ok(Some(Blob {
                bytes: vec![0xFF, 0xD8, 0xFF, 0xD9],
                content_type: "image/jpeg".to_owned(),
            }))
        });
    let mut detector = MockImageDetector::new();
    detector
        .expect_detect()
        .withf(|image| image.bytes == [0xFF, 0xD8, 0xFF, 0xD9])
        .times(1)
        .returning(|_| {
            Ok(Detections {
                model: "potholes/3".to_owned(),
                items: vec![Detection {
                    label: "pothole".to_owned(),
                    confidence: 0.88,
                    x: 320.0,
                    y: 240.0,
                    width: 100.0,
                    height: 60.0,
                }],
            })
        });
    let analyze = triage(
        &w,
        TriageProviders {
            detector: Some(Arc::new(detector)),
            media: Some(Arc::new(media)),
            ..TriageProviders::default()
        },
    );
    let event = submitted_event(&w, &report)?;
    let AnalyzeOutcome::Analyzed(analysis) = analyze.analyze(report.id, event.id).await? else {
        anyhow::bail!("expected an analysis");
    };
    assert_eq!(analysis.category.as_str(), "road_damage");
    assert_eq!(analysis.rule.as_deref(), Some("detected_pothole"));
    assert_eq!(analysis.decided_by, DecidedBy::Ai);
    assert_eq!(analysis.models, ["detector:potholes/3"]);
    Ok(())
}

#[tokio::test]
async fn the_relay_delivers_submissions_to_triage_through_the_in_process_bus() -> anyhow::Result<()>
{
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "밤길", "골목이 너무 어두워요").await?;
    let analyze = triage(
        &w,
        with_analyzer(analyzer_answering("streetlight", Priority::High, 0.9)),
    );
    let bus: Arc<dyn EventPublisher> = Arc::new(InProcessBus::new(vec![Arc::new(analyze)]));
    let relay = Relay::new(
        w.handles.reports.clone(),
        bus,
        w.handles.clock.clone(),
        TimeDelta::seconds(30),
    );

    assert_eq!(relay.publish_batch(10).await?, 1, "the submission");
    assert_eq!(w.stored(&report).await?.category.as_str(), "streetlight");
    assert_eq!(
        relay.publish_batch(10).await?,
        1,
        "then the analysis it caused"
    );
    assert_eq!(relay.publish_batch(10).await?, 0);
    assert_eq!(relay.pending().await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_bus_outage_keeps_events_in_the_outbox_until_it_recovers() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    w.submit(&citizen, "도로 파손", crate::world::POTHOLE)
        .await?;
    w.submit(&citizen, "도로 파손", crate::world::POTHOLE)
        .await?;

    let mut down = MockEventPublisher::new();
    down.expect_publish().times(1).returning(|_| {
        Err(PublishError::Unavailable(
            "broker 127.0.0.1:9092 refused".to_owned(),
        ))
    });
    let relay = Relay::new(
        w.handles.reports.clone(),
        Arc::new(down),
        w.handles.clock.clone(),
        TimeDelta::seconds(30),
    );
    assert!(relay.publish_batch(10).await.is_err());
    assert_eq!(relay.pending().await?, 2, "nothing lost");
    let first = w.handles.reports.outbox()[0].id;
    assert!(w
        .handles
        .reports
        .last_publish_error(first)
        .is_some_and(|e| e.contains("refused")));

    let mut up = MockEventPublisher::new();
    up.expect_publish()
        .times(1)
        .withf(|events| events.len() == 2)
        .returning(|_| Ok(()));
    let relay = Relay::new(
        w.handles.reports.clone(),
        Arc::new(up),
        w.handles.clock.clone(),
        TimeDelta::seconds(30),
    );
    assert_eq!(
        relay.publish_batch(10).await?,
        2,
        "released events go out at once"
    );
    assert_eq!(relay.pending().await?, 0);
    Ok(())
}

#[tokio::test]
async fn the_llm_reads_the_text_masked_as_the_city_configured() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w
        .submit(
            &citizen,
            "12가3456 불법주차",
            "골목 입구를 막았어요. 제 번호 공일공-일이삼사-5678, hong 골뱅이 naver.com",
        )
        .await?;
    let mut analyzer = MockTextAnalyzer::new();
    analyzer
        .expect_analyze()
        .withf(|request| {
            request.title == "[차량번호 비공개] 불법주차"
                && request.description
                    == "골목 입구를 막았어요. 제 번호 [전화번호 비공개], [이메일 비공개]"
        })
        .times(1)
        .returning(|_| Err(AiError::Unavailable("down".to_owned())));
    let policy = Policy {
        masking: Arc::new(sinmungo_core::domain::masking::Masking::new(
            true,
            Default::default(),
        )),
        ..Policy::default()
    };
    let analyze = AnalyzeReport::new(&w.handles.ports(), &policy, with_analyzer(analyzer));
    analyze.handle(&submitted_event(&w, &report)?).await?;
    Ok(())
}

/// The `report.analysis_requested` event of `report`, as the outbox holds it.
fn requested_event(w: &World, report: &Report, id: Uuid) -> anyhow::Result<EventEnvelope> {
    w.handles
        .reports
        .outbox()
        .into_iter()
        .find(|e| e.report_id == report.id && e.id == id)
        .filter(|e| e.event_type == "report.analysis_requested")
        .ok_or_else(|| anyhow::anyhow!("no analysis request in the outbox"))
}

#[tokio::test]
async fn a_requested_analysis_runs_the_rules_again_even_without_ai_and_is_audited(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w
        .submit(&citizen, "도로 파손", crate::world::POTHOLE)
        .await?;
    let department = report
        .department
        .clone()
        .ok_or_else(|| anyhow::anyhow!("routed"))?;
    let staff = w.official("roads", "staff", department.as_str()).await?;

    let refused = w.uc.request_analysis.execute(&citizen, report.id).await;
    assert!(
        matches!(refused, Err(ActionError::Forbidden(_))),
        "{refused:?}"
    );
    let requested = w.uc.request_analysis.execute(&staff, report.id).await?;
    let event = requested_event(&w, &report, requested.event_id)?;
    let audit = w.handles.audit.entries();
    assert!(audit
        .iter()
        .any(|e| e.action == "report.analysis_requested"
            && e.target == format!("report:{}", report.id)));

    // No AI configured: submissions are left alone, requests are not.
    let analyze = triage(&w, TriageProviders::default());
    analyze.handle(&event).await?;
    let stored = w.stored(&report).await?;
    let analysis = stored.analysis.ok_or_else(|| anyhow::anyhow!("analysed"))?;
    assert_eq!(analysis.trigger, Some(event.id));
    assert_eq!(analysis.rule.as_deref(), Some("road_pothole"));
    assert_eq!(stored.category.as_str(), "road_damage");
    assert_eq!(stored.version, report.version + 1);
    Ok(())
}

#[tokio::test]
async fn a_requested_analysis_of_an_officers_classification_is_recorded_but_changes_nothing_else(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let (_, report) = classified_by_an_officer(&w).await?;
    let before = w.stored(&report).await?;
    // The override re-routed the report: an official of its new department asks.
    let department = before
        .department
        .clone()
        .ok_or_else(|| anyhow::anyhow!("routed"))?;
    let parks = w.official("parks", "staff", department.as_str()).await?;
    let requested = w.uc.request_analysis.execute(&parks, report.id).await?;
    let event = requested_event(&w, &report, requested.event_id)?;

    let analyze = triage(
        &w,
        with_analyzer(analyzer_answering("streetlight", Priority::High, 0.9)),
    );
    analyze.handle(&event).await?;

    let after = w.stored(&report).await?;
    assert_eq!(after.category, before.category);
    assert_eq!(after.priority, before.priority);
    assert_eq!(after.department, before.department);
    assert_eq!(after.due_at, before.due_at);
    let analysis = after.analysis.ok_or_else(|| anyhow::anyhow!("analysed"))?;
    assert_eq!(analysis.decided_by, DecidedBy::Human);
    assert_eq!(analysis.category.as_str(), "park_facility");
    assert_eq!(analysis.trigger, Some(event.id));
    assert_eq!(analysis.models, ["llm:google/gemini-2.0-flash-001"]);
    let note = analysis.note.unwrap_or_default();
    assert!(
        note.contains("담당자 분류 유지") && note.contains("streetlight"),
        "{note}"
    );
    // A later redelivery of the submission still leaves the officer's decision.
    let submitted = submitted_event(&w, &report)?;
    assert_eq!(
        analyze.analyze(report.id, submitted.id).await?,
        AnalyzeOutcome::KeptHumanDecision
    );
    Ok(())
}

#[tokio::test]
async fn a_flagged_description_is_withheld_from_the_public_until_an_officer_publishes_it(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let neighbour = w.citizen("neighbour").await?;
    let manager = w.official("boss", "manager", "civil_affairs").await?;
    let report = w
        .submit(&citizen, "밤길", "김철수 씨 집 골목이 너무 어두워요")
        .await?;
    let mut analyzer = MockTextAnalyzer::new();
    analyzer.expect_analyze().returning(|_| {
        Ok(TextSuggestion {
            model: "m".to_owned(),
            category: None,
            priority: None,
            confidence: 0.2,
            summary: None,
            personal_data: Some(true),
            personal_data_spans: vec!["김철수".to_owned(), "이영희".to_owned()],
        })
    });
    let analyze = triage(&w, with_analyzer(analyzer));
    analyze.handle(&submitted_event(&w, &report)?).await?;
    let privacy = w
        .stored(&report)
        .await?
        .analysis
        .map(|a| a.privacy)
        .unwrap_or_default();
    assert_eq!(privacy.personal_data, Some(true));
    assert_eq!(privacy.spans, ["김철수"], "only pieces of the text it read");

    for public in [Actor::Anonymous, neighbour.clone()] {
        let view = w.uc.read.get(&public, report.id).await?;
        assert!(view.description_withheld);
        assert_eq!(view.description, DESCRIPTION_AWAITING_REVIEW);
    }
    for entitled in [&citizen, &manager] {
        let view = w.uc.read.get(entitled, report.id).await?;
        assert!(!view.description_withheld);
        assert!(view.description.contains("김철수"));
    }

    let refused =
        w.uc.privacy_review
            .execute(&neighbour, report.id, review("publish"))
            .await;
    assert!(
        matches!(refused, Err(ActionError::Forbidden(_))),
        "{refused:?}"
    );
    let invalid =
        w.uc.privacy_review
            .execute(&manager, report.id, review("later"))
            .await;
    assert!(
        matches!(invalid, Err(ActionError::Invalid(_))),
        "{invalid:?}"
    );

    let published =
        w.uc.privacy_review
            .execute(&manager, report.id, review("publish"))
            .await?;
    let reviewed = published
        .report
        .analysis
        .and_then(|a| a.privacy.review)
        .ok_or_else(|| anyhow::anyhow!("reviewed"))?;
    assert_eq!(reviewed.decision, PrivacyDecision::Publish);
    assert_eq!(Some(reviewed.by), manager.user_id());
    let view = w.uc.read.get(&Actor::Anonymous, report.id).await?;
    assert!(!view.description_withheld);
    assert!(view.description.contains("골목이 너무 어두워요"));
    assert!(
        !view.description.contains("김철수"),
        "what the LLM pointed at stays masked: {}",
        view.description
    );

    // A re-analysis whose LLM fails reveals nothing and keeps the review.
    let mut failing = MockTextAnalyzer::new();
    failing
        .expect_analyze()
        .returning(|_| Err(AiError::RateLimited { retry_after: None }));
    let requested = w.uc.request_analysis.execute(&manager, report.id).await?;
    triage(&w, with_analyzer(failing))
        .handle(&requested_event(&w, &report, requested.event_id)?)
        .await?;
    let after = w.stored(&report).await?.analysis.map(|a| a.privacy);
    assert_eq!(after.as_ref().and_then(|p| p.personal_data), Some(true));
    assert_eq!(
        after.and_then(|p| p.review).map(|r| r.decision),
        Some(PrivacyDecision::Publish)
    );

    let audit = w.handles.audit.entries();
    assert!(audit.iter().any(|e| e.action == "report.privacy_review"));
    let timeline = w.handles.reports.timeline(report.id).await?;
    assert!(timeline.iter().any(|e| matches!(
        &e.kind,
        sinmungo_core::domain::TimelineKind::Comment { internal: true, body } if body.contains("개인정보 검토")
    )));
    Ok(())
}

fn review(decision: &str) -> PrivacyReviewRequest {
    PrivacyReviewRequest {
        decision: decision.to_owned(),
    }
}
