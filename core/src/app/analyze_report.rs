//! `analyze_report`: triage of a submitted report by the AI providers and the
//! classification rules.
//!
//! Photos go to the image detector (their public copies: no EXIF, no GPS
//! leaves the service), the text and the detected labels to the text
//! analyzer, and then the rules decide. Either provider may be absent or
//! failing: the rules then decide on what there is, and the analysis says why.
//! An officer's decision is never overwritten, and an event handled twice
//! changes nothing (the analysis remembers the event that produced it).
//!
//! Two events ask for triage: `report.submitted` (only when an AI provider
//! is configured: without one, the rules that ran at submission said it all)
//! and `report.analysis_requested`, an official's request, always honoured
//! (the rules may have changed since). On a report an officer classified, a
//! requested analysis is recorded — when, which models, what triage would
//! decide, in its note — but the officer's category, priority and department
//! stand, and the analysis still says `human`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::app::events::{EventHandler, HandlerError};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::category::Category;
use crate::domain::event::{EventEnvelope, ReportEvent};
use crate::domain::masking::Masking;
use crate::domain::photo::{PhotoKind, PhotoVariant};
use crate::domain::priority::Priority;
use crate::domain::report::{Analysis, DecidedBy, Privacy, Report, ReportId};
use crate::domain::routing;
use crate::domain::rules::{DetectedLabel, LlmSuggestion, RuleSet, TriageInput};
use crate::domain::timeline::TimelineKind;
use crate::ports::{
    AiError, CategoryChoice, Clock, Detection, DirectoryStore, IdGenerator, ImageDetector,
    ImageInput, MediaKey, MediaStore, ReportStore, StoreError, TextAnalyzer, TextRequest,
};

/// The event type that asks for triage.
pub const SUBMITTED: &str = "report.submitted";

/// The event type of an official's request for a fresh analysis.
pub const ANALYSIS_REQUESTED: &str = "report.analysis_requested";

/// How many of a report's photos the detector looks at.
pub const MAX_PHOTOS_ANALYZED: usize = 3;

/// How often a write that lost a race with another change is retried.
const WRITE_ATTEMPTS: usize = 3;

/// The AI side of triage; every part may be absent.
#[derive(Clone, Default)]
pub struct TriageProviders {
    /// Finds objects in photos.
    pub detector: Option<Arc<dyn ImageDetector>>,
    /// Reads the text.
    pub analyzer: Option<Arc<dyn TextAnalyzer>>,
    /// Where the photos are (needed for the detector).
    pub media: Option<Arc<dyn MediaStore>>,
    /// The detector's model name, recorded in analyses (e.g. `roboflow:potholes/3`).
    pub detector_model: Option<String>,
}

impl std::fmt::Debug for TriageProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriageProviders")
            .field("detector", &self.detector.is_some())
            .field("analyzer", &self.analyzer.is_some())
            .field("media", &self.media.is_some())
            .finish()
    }
}

/// What handling one request for triage came to.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalyzeOutcome {
    /// A new analysis was stored.
    Analyzed(Box<Analysis>),
    /// This event was handled before; nothing changed and no AI was asked.
    AlreadyDone,
    /// An officer decided the category; it stands, and no AI was asked.
    KeptHumanDecision,
    /// The report no longer exists.
    ReportMissing,
}

/// Why triage could not finish; the event is delivered again later.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The store is down.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl From<StoreError> for AnalyzeError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// What the providers found, before the rules decide.
#[derive(Debug, Default)]
struct Findings {
    labels: Vec<DetectedLabel>,
    detections: Vec<Detection>,
    suggestion: Option<LlmSuggestion>,
    models: Vec<String>,
    problems: Vec<String>,
    summary: Option<String>,
    /// The LLM's personal-data verdict, with the spans found in the text it read.
    privacy: Option<(bool, Vec<String>)>,
}

/// A text and photos to analyse without a report (nothing is stored).
#[derive(Debug, Clone, Default)]
pub struct PreviewRequest {
    /// A title.
    pub title: String,
    /// A description.
    pub description: String,
    /// Photos (at most [`MAX_PHOTOS_ANALYZED`] are looked at).
    pub images: Vec<ImageInput>,
    /// A city or county code, for rules limited to some places.
    pub jurisdiction: Option<String>,
}

/// What triage would decide, and what the providers saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The decision, as an analysis (no trigger: nothing was stored).
    pub analysis: Analysis,
    /// Every object the detector found.
    pub detections: Vec<Detection>,
    /// The LLM's summary for officers, if it gave one.
    pub summary: Option<String>,
}

/// Triage of submitted reports.
#[derive(Clone)]
pub struct AnalyzeReport {
    reports: Arc<dyn ReportStore>,
    directory: Arc<dyn DirectoryStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    rules: Arc<RuleSet>,
    /// Providers read the text masked: they are not entitled to it.
    masking: Arc<Masking>,
    providers: TriageProviders,
}

impl std::fmt::Debug for AnalyzeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyzeReport")
            .field("providers", &self.providers)
            .finish_non_exhaustive()
    }
}

impl AnalyzeReport {
    /// Triage over the stores of `ports`, the rules of `policy` and `providers`.
    pub fn new(ports: &Ports, policy: &Policy, providers: TriageProviders) -> Self {
        Self {
            reports: ports.reports.clone(),
            directory: ports.directory.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            rules: policy.rules.clone(),
            masking: policy.masking.clone(),
            providers,
        }
    }

    /// Whether any AI provider is configured (without one, the rules that ran
    /// at submission already said everything there is to say).
    pub fn has_providers(&self) -> bool {
        self.providers.detector.is_some() || self.providers.analyzer.is_some()
    }

    /// Analyses report `id` because of event `trigger` (its submission):
    /// an officer's decision is left alone.
    pub async fn analyze(
        &self,
        id: ReportId,
        trigger: Uuid,
    ) -> Result<AnalyzeOutcome, AnalyzeError> {
        self.run(id, trigger, false).await
    }

    /// Analyses report `id` again because an official asked (event
    /// `trigger`): the analysis is recorded even when an officer classified
    /// the report, whose category, priority and department then stand.
    pub async fn reanalyze(
        &self,
        id: ReportId,
        trigger: Uuid,
    ) -> Result<AnalyzeOutcome, AnalyzeError> {
        self.run(id, trigger, true).await
    }

    async fn run(
        &self,
        id: ReportId,
        trigger: Uuid,
        requested: bool,
    ) -> Result<AnalyzeOutcome, AnalyzeError> {
        let Some(report) = self.reports.get(id).await? else {
            return Ok(AnalyzeOutcome::ReportMissing);
        };
        if let Some(outcome) = Self::settled(&report, trigger, requested) {
            return Ok(outcome);
        }
        let started = self.clock.now();
        let categories = self.directory.categories().await?;
        let mut problems = Vec::new();
        let images = self.report_images(&report, &mut problems).await;
        let findings = self
            .consult_providers(
                report.title.as_str(),
                report.description.as_str(),
                &images,
                &categories,
                Findings {
                    problems,
                    ..Findings::default()
                },
            )
            .await;

        let mut report = report;
        for _ in 0..WRITE_ATTEMPTS {
            match self
                .record(&report, &categories, &findings, trigger, started)
                .await
            {
                Ok(analysis) => return Ok(AnalyzeOutcome::Analyzed(Box::new(analysis))),
                // Someone changed the report meanwhile (a comment, an
                // assignment): decide again on its new state, without asking
                // the providers again.
                Err(StoreError::VersionConflict) => {
                    let Some(current) = self.reports.get(id).await? else {
                        return Ok(AnalyzeOutcome::ReportMissing);
                    };
                    if let Some(outcome) = Self::settled(&current, trigger, requested) {
                        return Ok(outcome);
                    }
                    report = current;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AnalyzeError::Unknown(anyhow::anyhow!(
            "report {id} kept changing; its analysis will be retried"
        )))
    }

    /// An outcome without any work, when there is nothing to do.
    fn settled(report: &Report, trigger: Uuid, requested: bool) -> Option<AnalyzeOutcome> {
        let analysis = report.analysis.as_ref()?;
        if analysis.trigger == Some(trigger) {
            Some(AnalyzeOutcome::AlreadyDone)
        } else if analysis.decided_by == DecidedBy::Human && !requested {
            Some(AnalyzeOutcome::KeptHumanDecision)
        } else {
            None
        }
    }

    /// The public copies of the report's first photos, for the detector;
    /// photos that cannot be read become notes.
    async fn report_images(&self, report: &Report, problems: &mut Vec<String>) -> Vec<ImageInput> {
        let (Some(_), Some(media)) = (&self.providers.detector, &self.providers.media) else {
            return Vec::new();
        };
        let photos = report
            .photos
            .iter()
            .filter(|photo| photo.kind == PhotoKind::Report)
            .take(MAX_PHOTOS_ANALYZED);
        let mut images = Vec::new();
        for photo in photos {
            let key = match MediaKey::new(&photo.media_key(report.id, PhotoVariant::Public)) {
                Ok(key) => key,
                Err(invalid) => {
                    problems.push(format!("photo {}: {invalid}", photo.id));
                    continue;
                }
            };
            match media.get(&key).await {
                Ok(Some(blob)) => images.push(ImageInput {
                    bytes: blob.bytes,
                    content_type: blob.content_type,
                }),
                Ok(None) => problems.push(format!("photo {} is missing from storage", photo.id)),
                Err(error) => problems.push(format!("photo {}: {error}", photo.id)),
            }
        }
        images
    }

    /// Asks the detector about the images and the analyzer about the text;
    /// failures become notes, never errors.
    async fn consult_providers(
        &self,
        title: &str,
        description: &str,
        images: &[ImageInput],
        categories: &[Category],
        mut findings: Findings,
    ) -> Findings {
        if let Some(detector) = &self.providers.detector {
            for image in images.iter().take(MAX_PHOTOS_ANALYZED) {
                match detector.detect(image).await {
                    Ok(detections) => {
                        push_model(
                            &mut findings.models,
                            &format!("detector:{}", detections.model),
                        );
                        findings
                            .labels
                            .extend(detections.items.iter().map(|d| DetectedLabel {
                                label: d.label.clone(),
                                confidence: d.confidence,
                            }));
                        findings.detections.extend(detections.items);
                    }
                    Err(error) => findings
                        .problems
                        .push(provider_problem("image detector", &error)),
                }
            }
        }
        if let Some(analyzer) = &self.providers.analyzer {
            let request = TextRequest {
                title: self.masking.mask(title),
                description: self.masking.mask(description),
                detections: findings.detections.clone(),
                categories: categories
                    .iter()
                    .map(|c| CategoryChoice {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        name_en: c.name_en.clone(),
                    })
                    .collect(),
            };
            match analyzer.analyze(&request).await {
                Ok(suggestion) => {
                    push_model(&mut findings.models, &format!("llm:{}", suggestion.model));
                    // Only a category of the directory counts.
                    let category = suggestion
                        .category
                        .filter(|code| categories.iter().any(|c| &c.code == code));
                    findings.summary = suggestion.summary;
                    // Only pieces of the text it was given count as spans.
                    let spans: Vec<String> = suggestion
                        .personal_data_spans
                        .into_iter()
                        .filter(|span| {
                            request.title.contains(span.as_str())
                                || request.description.contains(span.as_str())
                        })
                        .collect();
                    findings.privacy = suggestion.personal_data.map(|flag| (flag, spans));
                    findings.suggestion = Some(LlmSuggestion {
                        category,
                        priority: suggestion.priority,
                        confidence: suggestion.confidence,
                    });
                }
                Err(error) => findings.problems.push(provider_problem("LLM", &error)),
            }
        }
        findings
    }

    /// Analyses a text and images as a report would be, storing nothing
    /// (the worker's `POST /analyze`).
    pub async fn preview(&self, request: PreviewRequest) -> Result<Preview, AnalyzeError> {
        let started = self.clock.now();
        let categories = self.directory.categories().await?;
        let findings = self
            .consult_providers(
                &request.title,
                &request.description,
                &request.images,
                &categories,
                Findings::default(),
            )
            .await;
        let decision = self.rules.classify(TriageInput {
            labels: &findings.labels,
            suggestion: findings.suggestion.as_ref(),
            jurisdiction: request.jurisdiction.as_deref(),
            ..TriageInput::text(&request.title, &request.description)
        });
        let default_priority = categories
            .iter()
            .find(|c| c.code == decision.category)
            .map(|c| c.default_priority);
        let now = self.clock.now();
        let note = note(&findings, self.has_providers(), decision.doubt());
        let analysis = Analysis {
            category: decision.category,
            priority: decision
                .priority
                .or(default_priority)
                .unwrap_or(Priority::Normal),
            confidence: decision.confidence,
            decided_by: decision.decided_by,
            note,
            rule: decision.rule,
            matched: decision.matched,
            needs_review: decision.needs_review,
            decided_at: now,
            models: findings.models.clone(),
            latency_ms: elapsed_ms(started, now),
            trigger: None,
            routing: None,
            privacy: Privacy::default().updated(findings.privacy.clone()),
        };
        Ok(Preview {
            analysis,
            detections: findings.detections,
            summary: findings.summary,
        })
    }

    /// Lets the rules decide and writes the analysis as the report's next version.
    async fn record(
        &self,
        report: &Report,
        categories: &[Category],
        findings: &Findings,
        trigger: Uuid,
        started: DateTime<Utc>,
    ) -> Result<Analysis, StoreError> {
        let decision = self.rules.classify(TriageInput {
            labels: &findings.labels,
            suggestion: findings.suggestion.as_ref(),
            jurisdiction: Some(&report.jurisdiction.code),
            ..TriageInput::text(report.title.as_str(), report.description.as_str())
        });
        let category = categories
            .iter()
            .find(|c| c.code == decision.category)
            .or_else(|| categories.iter().find(|c| c.code == report.category))
            .ok_or_else(|| {
                StoreError::Unknown(anyhow::anyhow!(
                    "category {} is not in the directory",
                    decision.category
                ))
            })?;
        let priority = decision.priority.unwrap_or(category.default_priority);
        let now = self.clock.now();
        let analysis = Analysis {
            category: category.code.clone(),
            priority,
            confidence: decision.confidence,
            decided_by: decision.decided_by,
            rule: decision.rule.clone(),
            matched: decision.matched.clone(),
            needs_review: decision.needs_review,
            decided_at: now,
            models: findings.models.clone(),
            latency_ms: elapsed_ms(started, now),
            note: note(findings, self.has_providers(), decision.doubt()),
            trigger: Some(trigger),
            // How the department in force was chosen, unless this analysis routes anew.
            routing: report.analysis.as_ref().and_then(|a| a.routing),
            privacy: report
                .analysis
                .as_ref()
                .map(|a| a.privacy.clone())
                .unwrap_or_default()
                .updated(findings.privacy.clone()),
        };

        let mut updated = report.clone();
        let mut classified = None;
        let analysis = match report
            .analysis
            .as_ref()
            .filter(|a| a.decided_by == DecidedBy::Human)
        {
            // An officer classified the report (only a requested analysis
            // gets here then): their decision stands, and the analysis says
            // what triage would decide.
            Some(officer) => officer_kept(report, officer, analysis),
            None => {
                let mut analysis = analysis;
                if updated.category != category.code || updated.priority != priority {
                    // Re-route only a new category, and only work nobody has picked up yet.
                    if report.category != category.code && report.assignee.is_none() {
                        let departments = self.directory.departments().await?;
                        let route = routing::route(category, &report.jurisdiction, &departments);
                        updated.department = Some(route.department);
                        analysis.routing = Some(route.rule);
                    }
                    updated.category = category.code.clone();
                    updated.priority = priority;
                    updated.set_sla(category.sla(priority));
                    classified = Some(TimelineKind::Classified {
                        category: category.code.to_string(),
                        priority: priority.to_string(),
                        decided_by: decision.decided_by,
                        rule: decision.rule.clone(),
                    });
                }
                analysis
            }
        };
        updated.analysis = Some(analysis.clone());

        let actor = Actor::Anonymous;
        let mut change = Recorder::new(self.ids.as_ref(), &actor, now);
        if let Some(kind) = classified {
            change.system_timeline(report.id, kind);
        }
        change.event(
            report.id,
            ReportEvent::Analyzed {
                category: analysis.category.clone(),
                priority: analysis.priority,
                confidence: analysis.confidence,
                decided_by: analysis.decided_by,
                rule: analysis.rule.clone(),
                needs_review: analysis.needs_review,
                department: updated.department.clone(),
            },
        );
        change.update(updated);
        self.reports.apply(change.finish()).await?;
        Ok(analysis)
    }
}

#[async_trait]
impl EventHandler for AnalyzeReport {
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        let outcome = match event.event_type.as_str() {
            SUBMITTED if self.has_providers() => self.analyze(event.report_id, event.id).await,
            ANALYSIS_REQUESTED => self.reanalyze(event.report_id, event.id).await,
            _ => return Ok(()),
        };
        match outcome {
            Ok(_) => Ok(()),
            Err(AnalyzeError::Unavailable(reason)) => Err(HandlerError::Unavailable(reason)),
            Err(AnalyzeError::Unknown(error)) => Err(HandlerError::Unknown(error)),
        }
    }
}

/// The analysis of a report an officer classified: the officer's category,
/// priority and routing, with when and how triage ran, and what it would
/// have decided in the note.
fn officer_kept(report: &Report, officer: &Analysis, triage: Analysis) -> Analysis {
    let rule = triage
        .rule
        .as_deref()
        .map(|rule| format!(", rule {rule}"))
        .unwrap_or_default();
    let mut note = format!(
        "an officer's classification stands (담당자 분류 유지); triage would decide {} / {} ({}{rule})",
        triage.category,
        triage.priority,
        triage.decided_by.as_str(),
    );
    if let Some(why) = &triage.note {
        note.push_str("; ");
        note.push_str(why);
    }
    Analysis {
        category: report.category.clone(),
        priority: report.priority,
        confidence: officer.confidence,
        decided_by: DecidedBy::Human,
        rule: None,
        matched: Vec::new(),
        needs_review: false,
        note: Some(note),
        routing: officer.routing,
        ..triage
    }
}

fn elapsed_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    u32::try_from((to - from).num_milliseconds().max(0)).unwrap_or(u32::MAX)
}

fn push_model(models: &mut Vec<String>, model: &str) {
    if !models.iter().any(|m| m == model) {
        models.push(model.to_owned());
    }
}

fn provider_problem(provider: &str, error: &AiError) -> String {
    format!("{provider}: {error}")
}

/// What an officer should know about how the decision came about: a
/// provider that failed, a rule of another category that came close.
fn note(findings: &Findings, has_providers: bool, doubt: Option<String>) -> Option<String> {
    let problems = (!findings.problems.is_empty()).then(|| {
        let fallback = if findings.models.is_empty() && has_providers {
            "decided by rules alone (AI 분석 실패, 규칙으로 분류): "
        } else {
            "partly without AI: "
        };
        format!("{fallback}{}", findings.problems.join("; "))
    });
    match (problems, doubt) {
        (Some(problems), Some(doubt)) => Some(format!("{problems}; {doubt}")),
        (problems, doubt) => problems.or(doubt),
    }
}
