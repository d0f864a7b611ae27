//! Possible duplicates of a report: offered to the citizen who just
//! submitted it (so they can say "me too" instead), and listed for officers
//! deciding what to merge. Scoring is the domain's
//! ([`crate::domain::duplicates`]); this finds the candidates in the store.

use std::collections::HashMap;
use std::sync::Arc;

use crate::app::action::load_visible;
use crate::app::read_reports::{scope_of, view, ReportView, ViewError};
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::category::{Category, CategoryCode};
use crate::domain::duplicates::{
    pick, score, Compared, DuplicateSettings, Likeness, MAX_NEARBY_RADIUS_M,
};
use crate::domain::geo::Circle;
use crate::domain::masking::Masking;
use crate::domain::permission::Permission;
use crate::domain::report::{Report, ReportId};
use crate::domain::validation::{FieldError, Invalid};
use crate::ports::{Clock, DirectoryStore, ReportQuery, ReportSketch, ReportStore, MAX_PAGE_SIZE};

/// What the scoring compares of `report`.
fn compared(report: &Report) -> Compared {
    Compared::new(
        report.location,
        report.created_at,
        report.title.as_str(),
        report.description.as_str(),
    )
}

/// What the scoring compares of a candidate.
fn sketched(sketch: &ReportSketch) -> Compared {
    Compared::folded(
        sketch.location,
        sketch.created_at,
        &sketch.title_folded,
        &sketch.description_folded,
    )
}

/// A report that may be the same problem, as the viewer may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PossibleDuplicate {
    /// The report.
    pub view: ReportView,
    /// Metres from the report it was found for.
    pub distance_m: f64,
    /// How alike the two are, 0–1 ([`crate::domain::duplicates`]).
    pub score: f64,
}

/// Finds possible duplicates.
#[derive(Clone)]
pub struct PossibleDuplicates {
    reports: Arc<dyn ReportStore>,
    directory: Arc<dyn DirectoryStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    settings: DuplicateSettings,
}

impl std::fmt::Debug for PossibleDuplicates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PossibleDuplicates")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PossibleDuplicates {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            directory: ports.directory.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            settings: policy.duplicates,
        }
    }

    /// The possible duplicates of a report `actor` has just submitted, among
    /// the reports they may see, within its category's radius: none when
    /// the deployment turned suggestions off.
    pub async fn at_submit(
        &self,
        actor: &Actor,
        report: &Report,
    ) -> Result<Vec<PossibleDuplicate>, ViewError> {
        if !self.settings.suggest_at_submit {
            return Ok(Vec::new());
        }
        let radius_m = self.category_radius(&report.category).await?;
        self.search(actor, report, radius_m).await
    }

    /// The possible duplicates of any report, for officers: within
    /// `radius_m` metres (1–[`MAX_NEARBY_RADIUS_M`]; by default the
    /// category's radius).
    pub async fn nearby(
        &self,
        actor: &Actor,
        id: ReportId,
        radius_m: Option<f64>,
    ) -> Result<Vec<PossibleDuplicate>, ViewError> {
        actor.may_do(Permission::ViewNearbyReports)?;
        let radius_m = match radius_m {
            Some(r) if r.is_finite() && (1.0..=f64::from(MAX_NEARBY_RADIUS_M)).contains(&r) => {
                Some(r)
            }
            Some(_) => {
                return Err(Invalid::from(FieldError::new(
                    "radius_m",
                    "out_of_range",
                    format!(
                        "radius_m must be from 1 to {MAX_NEARBY_RADIUS_M} metres (반경은 1–{MAX_NEARBY_RADIUS_M}m)"
                    ),
                ))
                .into())
            }
            None => None,
        };
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        let radius_m = match radius_m {
            Some(r) => r,
            None => self
                .category_radius(&report.category)
                .await?
                .min(f64::from(MAX_NEARBY_RADIUS_M)),
        };
        self.search(actor, &report, radius_m).await
    }

    /// The duplicate radius of `category` (the default for one no longer in the directory).
    async fn category_radius(&self, category: &CategoryCode) -> Result<f64, ViewError> {
        let radius = self
            .directory
            .categories()
            .await?
            .into_iter()
            .find(|c| &c.code == category)
            .map_or(Category::DEFAULT_DUPLICATE_RADIUS_M, |c| {
                c.duplicate_radius_m
            });
        Ok(f64::from(radius.max(1)))
    }

    /// The best candidates for `subject`: open reports of its category that
    /// `actor` may see, within `radius_m`, submitted no earlier than the
    /// window before it. The newest [`MAX_PAGE_SIZE`] are scored from their
    /// sketches; only the few picked are read whole.
    async fn search(
        &self,
        actor: &Actor,
        subject: &Report,
        radius_m: f64,
    ) -> Result<Vec<PossibleDuplicate>, ViewError> {
        let mut query = ReportQuery::new(scope_of(actor));
        query.category = Some(subject.category.clone());
        query.near = Some(Circle {
            centre: subject.location,
            radius_m,
        });
        query.open_only = true;
        query.created_since = Some(subject.created_at - self.settings.window);
        query.limit = MAX_PAGE_SIZE;
        let this = compared(subject);
        let scored: Vec<(ReportId, Likeness)> = self
            .reports
            .sketches(&query)
            .await?
            .iter()
            .filter(|candidate| candidate.id != subject.id)
            .map(|candidate| {
                let likeness = score(&this, &sketched(candidate), radius_m, self.settings.window);
                (candidate.id, likeness)
            })
            .collect();
        let picked = pick(scored);
        if picked.is_empty() {
            return Ok(Vec::new());
        }

        // The same scope: a report hidden since it was sketched stays out.
        let mut whole = ReportQuery::new(scope_of(actor));
        whole.open_only = true;
        whole.ids = picked.iter().map(|(id, _)| *id).collect();
        whole.limit = MAX_PAGE_SIZE;
        let mut reports: HashMap<ReportId, Report> = self
            .reports
            .list(&whole)
            .await?
            .items
            .into_iter()
            .map(|report| (report.id, report))
            .collect();
        let now = self.clock.now();
        Ok(picked
            .into_iter()
            .filter_map(|(id, likeness)| {
                let report = reports.remove(&id)?;
                Some(PossibleDuplicate {
                    view: view(actor, report, now, &self.masking),
                    distance_m: likeness.distance_m,
                    score: likeness.score,
                })
            })
            .collect())
    }
}
