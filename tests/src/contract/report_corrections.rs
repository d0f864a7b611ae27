//! `ReportStore::corrections` and `rule_precision`: officers' corrections of
//! triage, kept by `apply`, read back newest first in pages with the
//! report's current text, and each rule's kept and overridden decisions
//! (definitions: `sinmungo_core::domain::correction`).

use chrono::TimeDelta;
use sinmungo_core::domain::correction::{Correction, RulePrecision};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::report::{Analysis, DecidedBy, Privacy, Report};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::ReportTitle;
use sinmungo_core::ports::{CorrectionQuery, ReportChange, StoreError};
use uuid::Uuid;

use crate::contract::fixtures::{category, parsed, report_id, t0, update, World};
use crate::contract::{CheckResult, Stores};

/// An analysis by `decided_by` with `rule`, as submission or the worker stores it.
fn analysis(decided_by: DecidedBy, rule: Option<&str>) -> anyhow::Result<Analysis> {
    Ok(Analysis {
        category: category("road_damage")?,
        priority: Priority::Normal,
        confidence: 0.85,
        decided_by,
        rule: rule.map(str::to_owned),
        matched: rule
            .map(|_| vec!["포트홀".to_owned(), "도로 파손".to_owned()])
            .unwrap_or_default(),
        needs_review: false,
        decided_at: t0(),
        models: Vec::new(),
        latency_ms: 0,
        note: None,
        trigger: None,
        routing: None,
        privacy: Privacy::default(),
    })
}

/// An officer's `n`-th correction of `report` (as stored) to `to`, at
/// `t0` plus `n` milliseconds and a fraction of a microsecond (which stores
/// truncate). Ids rise with `n` (see [`report_id`]).
fn correction(world: &World<'_>, report: &Report, to: &str, n: u64) -> anyhow::Result<Correction> {
    Ok(Correction::of(
        report_id(1_000 + n).0,
        report,
        category(to)?,
        Priority::High,
        world.officer.id,
        t0() + TimeDelta::milliseconds(i64::try_from(n)?) + TimeDelta::nanoseconds(700),
    ))
}

/// Keeps `corrections` in one change.
async fn keep(world: &World<'_>, corrections: Vec<Correction>) -> CheckResult {
    world
        .reports()
        .apply(ReportChange {
            corrections,
            ..ReportChange::default()
        })
        .await?;
    Ok(())
}

/// Corrections come back newest first, in pages without gaps or duplicates,
/// with every field and the report's text as it is now; the rule filter
/// holds across pages; a correction of a missing report is refused.
pub async fn corrections_page_newest_first_with_the_reports_current_text(
    stores: &Stores,
) -> CheckResult {
    let world = World::new(stores).await?;
    let first = world
        .create(1, |r| {
            r.analysis = analysis(DecidedBy::Rules, Some("road_pothole")).ok();
        })
        .await?;
    let second = world
        .create(2, |r| {
            r.analysis = analysis(DecidedBy::Ai, Some("llm_suggestion")).ok();
        })
        .await?;
    // Five corrections, each id above the last; two of them of the LLM's rule.
    let mut kept = Vec::new();
    for (n, report) in (0..).zip([&first, &second, &first, &second, &first]) {
        kept.push(correction(&world, report, "streetlight", n)?);
    }
    keep(&world, kept[..2].to_vec()).await?;
    keep(&world, kept[2..].to_vec()).await?;

    // The report's title changes afterwards: the corrections read it as it is now.
    let mut renamed = world.get(first.id).await?;
    renamed.title = parsed(ReportTitle::new("도로 파손 (수정됨)"))?;
    renamed.version += 1;
    world.reports().apply(update(&renamed, 1)).await?;

    let mut seen: Vec<Uuid> = Vec::new();
    let mut query = CorrectionQuery {
        limit: 2,
        ..CorrectionQuery::default()
    };
    // Three pages of two; a store that ignored the cursor would page forever.
    for _ in 0..kept.len() {
        let page = world.reports().corrections(&query).await?;
        assert!(page.items.len() <= 2, "a page holds at most its limit");
        seen.extend(page.items.iter().map(|c| c.id));
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    let newest_first: Vec<Uuid> = kept.iter().rev().map(|c| c.id).collect();
    assert_eq!(seen, newest_first, "every correction once, newest first");

    let all = world
        .reports()
        .corrections(&CorrectionQuery::default())
        .await?;
    let oldest = all
        .items
        .last()
        .ok_or_else(|| anyhow::anyhow!("the first correction is listed"))?;
    assert_eq!(oldest.id, kept[0].id);
    assert_eq!(oldest.report_id, first.id);
    assert_eq!(oldest.number, first.number);
    assert_eq!(
        oldest.title, "도로 파손 (수정됨)",
        "the report's text as it is now"
    );
    assert_eq!(oldest.description, first.description.as_str());
    assert_eq!(oldest.triage_category, category("road_damage")?);
    assert_eq!(oldest.triage_priority, Priority::Normal);
    assert_eq!(oldest.decided_by, Some(DecidedBy::Rules));
    assert_eq!(oldest.rule.as_deref(), Some("road_pothole"));
    assert_eq!(oldest.matched, ["포트홀", "도로 파손"]);
    assert_eq!(oldest.category, category("streetlight")?);
    assert_eq!(oldest.priority, Priority::High);
    assert_eq!(oldest.officer, world.officer.id);
    assert_eq!(
        oldest.at,
        t0(),
        "times come back truncated to the microsecond"
    );

    let of_the_llm = world
        .reports()
        .corrections(&CorrectionQuery {
            rule: Some("llm_suggestion".to_owned()),
            limit: 1,
            before: None,
        })
        .await?;
    assert_eq!(
        of_the_llm.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [kept[3].id]
    );
    let next = world
        .reports()
        .corrections(&CorrectionQuery {
            rule: Some("llm_suggestion".to_owned()),
            limit: 1,
            before: of_the_llm.next,
        })
        .await?;
    assert_eq!(
        next.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [kept[1].id]
    );
    assert_eq!(next.next, None);

    let mut missing = correction(&world, &first, "streetlight", 9)?;
    missing.report_id = report_id(99);
    let refused = world
        .reports()
        .apply(ReportChange {
            corrections: vec![missing],
            ..ReportChange::default()
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound)),
        "a correction of a missing report: {refused:?}"
    );
    Ok(())
}

/// A rule's decision counts as kept once an officer acted on the report
/// without changing its category (or changed only its priority), and as
/// overridden when an officer changed the category; reports still
/// `received` and an officer's correction of an officer count for no rule.
pub async fn rule_precision_counts_what_officers_kept_and_overrode(stores: &Stores) -> CheckResult {
    let world = World::new(stores).await?;
    let by = |decided_by, rule: &'static str, status| {
        move |r: &mut Report| {
            r.analysis = analysis(decided_by, Some(rule)).ok();
            r.status = status;
        }
    };
    // Waiting in the queue: nobody has judged them.
    world
        .create(
            1,
            by(DecidedBy::Rules, "road_pothole", ReportStatus::Received),
        )
        .await?;
    // Acted on, category standing: kept.
    world
        .create(
            2,
            by(DecidedBy::Rules, "road_pothole", ReportStatus::InProgress),
        )
        .await?;
    world
        .create(
            3,
            by(DecidedBy::Ai, "detected_pothole", ReportStatus::Resolved),
        )
        .await?;
    world
        .create(
            4,
            by(DecidedBy::Ai, "detected_pothole", ReportStatus::Assigned),
        )
        .await?;
    // Overridden: another category; then an officer corrects the officer.
    let overridden = world
        .create(
            5,
            by(DecidedBy::Rules, "road_pothole", ReportStatus::Received),
        )
        .await?;
    let mut by_officer = overridden.clone();
    by_officer.analysis = analysis(DecidedBy::Human, None).ok();
    // Only the priority changed: the rule's category was kept.
    let reprioritised = world
        .create(
            6,
            by(DecidedBy::Rules, "streetlight_out", ReportStatus::Received),
        )
        .await?;
    keep(
        &world,
        vec![
            correction(&world, &overridden, "water_sewer", 0)?,
            correction(&world, &by_officer, "streetlight", 1)?,
            correction(&world, &reprioritised, "road_damage", 2)?,
        ],
    )
    .await?;

    let tally = |rule: &str, kept, overridden| RulePrecision {
        rule: rule.to_owned(),
        kept,
        overridden,
    };
    assert_eq!(
        world.reports().rule_precision().await?,
        [
            tally("detected_pothole", 2, 0),
            tally("road_pothole", 1, 1),
            tally("streetlight_out", 1, 0),
        ],
        "one row per rule, by name"
    );
    Ok(())
}
