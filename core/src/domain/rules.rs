//! Classification rules: named conditions that weigh the evidence for a
//! report's category and priority. They are data (TOML), editable by admins;
//! the product ships [`RuleSet::default_korean`]. The format is documented in
//! `docs/triage.md` and in the shipped file itself.
//!
//! A rule may test the report's words, the objects an image detector found in
//! its photos, the category an LLM suggested, and where the report is. Every
//! rule whose conditions hold scores the evidence it found (a keyword in the
//! title counts more than in the description, a phrase more than a word,
//! negative keywords subtract); the best score decides, and a close second of
//! another category lowers the confidence and asks for review. The AI only
//! ever *suggests*: a rule decides, and the analysis names it and the words
//! it matched.

mod keywords;

use serde::Deserialize;

use crate::domain::category::{Category, CategoryCode};
use crate::domain::priority::Priority;
use crate::domain::report::DecidedBy;

use keywords::{normalise, Keyword, Span};

/// The rules the product ships with (`core/rules/default.toml`).
const DEFAULT_RULES: &str = include_str!("../../rules/default.toml");

/// The name recorded when the reporter chose the category and no rule of that category matched.
pub const REPORTER_CATEGORY_RULE: &str = "reporter_category";

/// How sure a reporter's own category choice is taken to be.
const REPORTER_CATEGORY_CONFIDENCE: f64 = 0.7;

/// What a file may leave out: how evidence is weighed.
const DEFAULT_TITLE_WEIGHT: f64 = 2.0;
const DEFAULT_PHRASE_WEIGHT: f64 = 1.5;
const DEFAULT_CLOSE_RATIO: f64 = 0.8;
const DEFAULT_MIN_SCORE: f64 = 1.0;

/// How much a detected label or an LLM suggestion weighs at confidence 1:
/// as much as a word of the title.
const AI_EVIDENCE: f64 = 2.0;

/// How the evidence of every rule is weighed.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Weights {
    /// A keyword in the title counts this many times its weight in the description.
    title: f64,
    /// A keyword of several words weighs this much; one word weighs 1.
    phrase: f64,
    /// A runner-up of another category scoring at least this share of the
    /// best score makes the decision doubtful.
    close_ratio: f64,
    /// A rule scoring less decides nothing.
    min_score: f64,
}

/// Named rules; the best-scoring one decides.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    review_threshold: f64,
    weights: Weights,
    rules: Vec<Rule>,
}

/// One named rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique name, recorded in the analysis when it fires.
    pub name: String,
    /// The category it decides; `None` for a rule that takes the LLM's suggestion.
    pub category: Option<CategoryCode>,
    /// The priority it decides (the LLM's, then the category's default, when absent).
    pub priority: Option<Priority>,
    /// How sure a match is, 0–1 (an LLM rule uses the LLM's own confidence).
    pub confidence: f64,
    /// Multiplies the rule's score (dangers weigh more than ordinary problems).
    pub weight: f64,
    any_keywords: Vec<Keyword>,
    all_keywords: Vec<Keyword>,
    none_keywords: Vec<Keyword>,
    negative_keywords: Vec<Keyword>,
    any_labels: Vec<String>,
    min_label_confidence: f64,
    min_llm_confidence: Option<f64>,
    jurisdictions: Vec<String>,
}

/// An object an image detector found in one of the report's photos.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedLabel {
    /// The detector's class name, e.g. `pothole`.
    pub label: String,
    /// 0–1.
    pub confidence: f64,
}

/// What an LLM suggested after reading the report.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSuggestion {
    /// Its category, if it named a known one.
    pub category: Option<CategoryCode>,
    /// Its priority, if it gave one.
    pub priority: Option<Priority>,
    /// 0–1.
    pub confidence: f64,
}

/// What the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct TriageInput<'a> {
    /// The report's title.
    pub title: &'a str,
    /// The report's description.
    pub description: &'a str,
    /// The category the reporter chose, if any.
    pub requested_category: Option<&'a CategoryCode>,
    /// Objects detected in the photos (empty when no detector ran).
    pub labels: &'a [DetectedLabel],
    /// The LLM's suggestion, when one ran and answered.
    pub suggestion: Option<&'a LlmSuggestion>,
    /// The city or county code of the report's location, when known.
    pub jurisdiction: Option<&'a str>,
}

impl<'a> TriageInput<'a> {
    /// The text alone: what the rules see at submission, before any AI ran.
    pub fn text(title: &'a str, description: &'a str) -> Self {
        Self {
            title,
            description,
            requested_category: None,
            labels: &[],
            suggestion: None,
            jurisdiction: None,
        }
    }
}

/// What the rules decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Category.
    pub category: CategoryCode,
    /// Priority, if the rule (or the LLM it followed) set one.
    pub priority: Option<Priority>,
    /// Confidence, 0–1.
    pub confidence: f64,
    /// The rule that fired (or [`REPORTER_CATEGORY_RULE`]); `None` when nothing matched.
    pub rule: Option<String>,
    /// Why that rule fired: the keywords it found as the rule file writes
    /// them, `label:<name>` for a detected object, `llm` for the LLM's
    /// suggestion, and `-<keyword>` for a negative keyword that counted against it.
    pub matched: Vec<String>,
    /// The best rule of another category, when it came close enough to make
    /// the decision doubtful (the decision then needs review).
    pub runner_up: Option<RunnerUp>,
    /// Below the review threshold, or a close second.
    pub needs_review: bool,
    /// [`DecidedBy::Ai`] when the rule that fired tested what the AI found,
    /// [`DecidedBy::Rules`] otherwise.
    pub decided_by: DecidedBy,
}

/// A rule that nearly decided otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerUp {
    /// Its name.
    pub rule: String,
    /// The category it would have decided.
    pub category: CategoryCode,
}

impl Decision {
    /// What an officer should be told about a doubtful decision, if it was one.
    pub fn doubt(&self) -> Option<String> {
        let runner_up = self.runner_up.as_ref()?;
        Some(format!(
            "close second: rule {} ({}) (다른 분류와 근소한 차이)",
            runner_up.rule, runner_up.category
        ))
    }
}

/// Why a rule file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    /// Not TOML of the expected shape.
    #[error("rule file is not valid: {0}")]
    Syntax(String),
    /// A rule is wrong; the message names it.
    #[error("rule {rule:?}: {problem}")]
    Rule {
        /// The rule's name (or position).
        rule: String,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    review_threshold: f64,
    title_weight: Option<f64>,
    phrase_weight: Option<f64>,
    close_ratio: Option<f64>,
    min_score: Option<f64>,
    #[serde(default)]
    rules: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    name: String,
    category: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    confidence: f64,
    weight: Option<f64>,
    #[serde(default)]
    any_keywords: Vec<String>,
    #[serde(default)]
    all_keywords: Vec<String>,
    #[serde(default)]
    none_keywords: Vec<String>,
    #[serde(default)]
    negative_keywords: Vec<String>,
    #[serde(default)]
    any_labels: Vec<String>,
    min_label_confidence: Option<f64>,
    #[serde(default)]
    use_llm_suggestion: bool,
    min_llm_confidence: Option<f64>,
    #[serde(default)]
    jurisdictions: Vec<String>,
}

/// The confidence a detected label needs when a rule does not say.
const DEFAULT_MIN_LABEL_CONFIDENCE: f64 = 0.5;

/// The most a weight may be: enough to let one rule outrank any other, not
/// so much that a typo (`weight = 1e9`) goes unnoticed.
const MAX_WEIGHT: f64 = 100.0;

/// A positive, finite weight no larger than [`MAX_WEIGHT`], or `default` when absent.
fn weight(value: Option<f64>, default: f64, what: &str) -> Result<f64, String> {
    match value {
        None => Ok(default),
        Some(v) if v > 0.0 && v <= MAX_WEIGHT => Ok(v),
        Some(_) => Err(format!("{what} must be above 0 and at most {MAX_WEIGHT}")),
    }
}

impl RuleSet {
    /// The Korean keyword rules the product ships with.
    pub fn default_korean() -> Self {
        // Verified by a unit test, so this cannot fail at run time.
        #[expect(
            clippy::expect_used,
            reason = "the embedded rule file is verified by tests"
        )]
        Self::parse(DEFAULT_RULES).expect("embedded default rules are valid")
    }

    /// Parses a TOML rule file.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax(e.to_string()))?;
        if !(0.0..=1.0).contains(&file.review_threshold) {
            return Err(RuleError::Syntax(
                "review_threshold must be between 0 and 1".into(),
            ));
        }
        let weights = Weights {
            title: weight(file.title_weight, DEFAULT_TITLE_WEIGHT, "title_weight")
                .map_err(RuleError::Syntax)?,
            phrase: weight(file.phrase_weight, DEFAULT_PHRASE_WEIGHT, "phrase_weight")
                .map_err(RuleError::Syntax)?,
            close_ratio: match file.close_ratio {
                Some(r) if !(0.0..=1.0).contains(&r) => {
                    return Err(RuleError::Syntax(
                        "close_ratio must be between 0 and 1".into(),
                    ))
                }
                r => r.unwrap_or(DEFAULT_CLOSE_RATIO),
            },
            min_score: weight(file.min_score, DEFAULT_MIN_SCORE, "min_score")
                .map_err(RuleError::Syntax)?,
        };
        let mut rules: Vec<Rule> = Vec::with_capacity(file.rules.len());
        for entry in file.rules {
            let problem = |problem: &str| RuleError::Rule {
                rule: entry.name.clone(),
                problem: problem.to_owned(),
            };
            if entry.name.trim().is_empty() || entry.name == REPORTER_CATEGORY_RULE {
                return Err(problem("a rule needs a name of its own"));
            }
            if rules.iter().any(|r| r.name == entry.name) {
                return Err(problem("rule names must be unique"));
            }
            let category = match (&entry.category, entry.use_llm_suggestion) {
                (Some(code), false) => {
                    Some(CategoryCode::new(code).map_err(|e| problem(&e.message))?)
                }
                (None, true) => None,
                (Some(_), true) => {
                    return Err(problem(
                        "a rule takes either a category or the LLM's suggestion, not both",
                    ))
                }
                (None, false) => return Err(problem("a rule needs a category")),
            };
            let in_unit_range = |value: Option<f64>, what: &str| match value {
                Some(v) if !(0.0..=1.0).contains(&v) => {
                    Err(problem(&format!("{what} must be between 0 and 1")))
                }
                _ => Ok(value),
            };
            let min_label_confidence =
                in_unit_range(entry.min_label_confidence, "min_label_confidence")?
                    .unwrap_or(DEFAULT_MIN_LABEL_CONFIDENCE);
            let min_llm_confidence = in_unit_range(
                entry
                    .use_llm_suggestion
                    .then_some(entry.min_llm_confidence.unwrap_or(0.0)),
                "min_llm_confidence",
            )?;
            let priority = entry
                .priority
                .as_deref()
                .map(Priority::parse)
                .transpose()
                .map_err(|e| problem(&e.message))?;
            if !(0.0..=1.0).contains(&entry.confidence) {
                return Err(problem("confidence must be between 0 and 1"));
            }
            let keywords = |list: &[String]| -> Vec<Keyword> {
                list.iter().filter_map(|k| Keyword::parse(k)).collect()
            };
            let rule = Rule {
                name: entry.name.clone(),
                category,
                priority,
                confidence: entry.confidence,
                weight: weight(entry.weight, 1.0, "weight").map_err(|p| problem(&p))?,
                any_keywords: keywords(&entry.any_keywords),
                all_keywords: keywords(&entry.all_keywords),
                none_keywords: keywords(&entry.none_keywords),
                negative_keywords: keywords(&entry.negative_keywords),
                any_labels: entry
                    .any_labels
                    .iter()
                    .map(|label| label.trim().to_lowercase())
                    .filter(|label| !label.is_empty())
                    .collect(),
                min_label_confidence,
                min_llm_confidence,
                jurisdictions: entry.jurisdictions,
            };
            if rule.any_keywords.is_empty()
                && rule.all_keywords.is_empty()
                && rule.any_labels.is_empty()
                && rule.min_llm_confidence.is_none()
            {
                return Err(problem(
                    "a rule needs keywords, labels or use_llm_suggestion to test",
                ));
            }
            rules.push(rule);
        }
        Ok(Self {
            review_threshold: file.review_threshold,
            weights,
            rules,
        })
    }

    /// Checks that every rule names a known category.
    pub fn check_categories(&self, categories: &[Category]) -> Result<(), RuleError> {
        let unknown = self.rules.iter().find_map(|rule| {
            let code = rule.category.as_ref()?;
            (!categories.iter().any(|c| &c.code == code)).then_some((rule, code))
        });
        match unknown {
            Some((rule, code)) => Err(RuleError::Rule {
                rule: rule.name.clone(),
                problem: format!("unknown category {code}"),
            }),
            None => Ok(()),
        }
    }

    /// The confidence below which a report is flagged for human review.
    pub fn review_threshold(&self) -> f64 {
        self.review_threshold
    }

    /// The rules, in the file's order (which breaks ties between equal scores).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Decides a report's category and priority.
    ///
    /// Every rule whose conditions hold scores its evidence; the highest
    /// score decides (the earlier rule on a tie). A rule of another category
    /// scoring at least `close_ratio` of the best is a close second: the
    /// confidence drops to the winner's share of the two scores and the
    /// report is flagged for review. A category the reporter chose is kept:
    /// then only rules of that category may set the priority.
    pub fn classify(&self, input: TriageInput<'_>) -> Decision {
        let text = Text {
            title: normalise(input.title),
            description: normalise(input.description),
        };
        let mut scored: Vec<Scored<'_>> = self
            .rules
            .iter()
            .filter_map(|rule| rule.score(&text, &input, &self.weights))
            .filter(|s| s.score >= self.weights.min_score)
            .collect();
        // Stable: equal scores keep the file's order.
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        let decision = match input.requested_category {
            Some(requested) => match scored.iter().find(|s| &s.category == requested) {
                Some(best) => best.decision(None),
                None => Decision {
                    category: requested.clone(),
                    priority: None,
                    confidence: REPORTER_CATEGORY_CONFIDENCE,
                    rule: Some(REPORTER_CATEGORY_RULE.to_owned()),
                    matched: Vec::new(),
                    runner_up: None,
                    needs_review: false,
                    decided_by: DecidedBy::Rules,
                },
            },
            None => match scored.first() {
                Some(best) => {
                    let close = scored.iter().find(|s| {
                        s.category != best.category
                            && s.score >= self.weights.close_ratio * best.score
                    });
                    best.decision(close)
                }
                None => Decision {
                    category: CategoryCode::other(),
                    priority: None,
                    confidence: 0.0,
                    rule: None,
                    matched: Vec::new(),
                    runner_up: None,
                    needs_review: true,
                    decided_by: DecidedBy::Rules,
                },
            },
        };
        Decision {
            needs_review: decision.needs_review || decision.confidence < self.review_threshold,
            ..decision
        }
    }
}

/// A report's text, normalised once for every rule.
struct Text {
    title: String,
    description: String,
}

impl Text {
    /// What `keywords` found in the text are worth, and which they are.
    ///
    /// A keyword counts once, in the title if it is there (times the title
    /// weight), else in the description; a phrase weighs more than a word.
    /// Keywords that only find text another, weightier keyword already
    /// found count nothing: "버스 정류장" in 버스정류장 is one piece of evidence,
    /// not three with 버스 and 정류장.
    fn evidence<'k>(
        &self,
        keywords: impl Iterator<Item = &'k Keyword>,
        weights: &Weights,
    ) -> (f64, Vec<String>) {
        let base = |k: &Keyword| if k.is_phrase() { weights.phrase } else { 1.0 };
        let mut candidates: Vec<&Keyword> = keywords.collect();
        // Weightier first, then longer, so the specific wins an overlap.
        candidates.sort_by(|a, b| {
            base(b)
                .total_cmp(&base(a))
                .then(b.written().len().cmp(&a.written().len()))
        });
        let mut score = 0.0;
        let mut matched: Vec<String> = Vec::new();
        for (field, factor) in [(&self.title, weights.title), (&self.description, 1.0)] {
            let mut taken: Vec<Span> = Vec::new();
            for keyword in &candidates {
                if matched.iter().any(|m| m == keyword.written()) {
                    continue;
                }
                let spans = keyword.spans_in(field);
                if spans
                    .iter()
                    .any(|span| !taken.iter().any(|t| t.overlaps(*span)))
                {
                    score += base(keyword) * factor;
                    matched.push(keyword.written().to_owned());
                    taken.extend(spans);
                }
            }
        }
        (score, matched)
    }
}

/// A rule whose conditions hold, and what its evidence is worth.
struct Scored<'a> {
    rule: &'a Rule,
    category: CategoryCode,
    priority: Option<Priority>,
    confidence: f64,
    score: f64,
    matched: Vec<String>,
    decided_by: DecidedBy,
}

impl Scored<'_> {
    /// The decision this rule makes, doubtful when `close` came near it.
    fn decision(&self, close: Option<&Scored<'_>>) -> Decision {
        let confidence = match close {
            // The winner's share of the two scores: 0.5 on a tie.
            Some(second) => self.confidence * self.score / (self.score + second.score),
            None => self.confidence,
        };
        Decision {
            category: self.category.clone(),
            priority: self.priority,
            confidence,
            rule: Some(self.rule.name.clone()),
            matched: self.matched.clone(),
            runner_up: close.map(|second| RunnerUp {
                rule: second.rule.name.clone(),
                category: second.category.clone(),
            }),
            needs_review: close.is_some(),
            decided_by: self.decided_by,
        }
    }
}

impl Rule {
    /// This rule's evidence, if every condition it sets holds.
    fn score<'a>(
        &'a self,
        text: &Text,
        input: &TriageInput<'_>,
        weights: &Weights,
    ) -> Option<Scored<'a>> {
        let found = |k: &Keyword| k.found_in(&text.title) || k.found_in(&text.description);
        let any = self.any_keywords.is_empty() || self.any_keywords.iter().any(found);
        let all = self.all_keywords.iter().all(found);
        let none = !self.none_keywords.iter().any(found);
        let place = self.jurisdictions.is_empty()
            || input
                .jurisdiction
                .is_some_and(|code| self.jurisdictions.iter().any(|j| j == code));
        if !(any && all && none && place) {
            return None;
        }
        let (mut score, mut matched) =
            text.evidence(self.any_keywords.iter().chain(&self.all_keywords), weights);
        let (against, negatives) = text.evidence(self.negative_keywords.iter(), weights);
        score -= against;
        matched.extend(negatives.into_iter().map(|k| format!("-{k}")));
        if !self.any_labels.is_empty() {
            let best = input
                .labels
                .iter()
                .filter(|detected| {
                    detected.confidence >= self.min_label_confidence
                        && self
                            .any_labels
                            .iter()
                            .any(|label| detected.label.trim().to_lowercase() == *label)
                })
                .max_by(|a, b| a.confidence.total_cmp(&b.confidence))?;
            score += AI_EVIDENCE * best.confidence.clamp(0.0, 1.0);
            matched.push(format!("label:{}", best.label.trim().to_lowercase()));
        }
        let used_ai = !self.any_labels.is_empty();
        let scored = match (&self.category, self.min_llm_confidence) {
            (Some(category), _) => Scored {
                rule: self,
                category: category.clone(),
                priority: self.priority,
                confidence: self.confidence,
                score: score * self.weight,
                matched,
                decided_by: if used_ai {
                    DecidedBy::Ai
                } else {
                    DecidedBy::Rules
                },
            },
            (None, Some(min_confidence)) => {
                let suggestion = input.suggestion?;
                let confidence = suggestion.confidence.clamp(0.0, 1.0);
                if confidence < min_confidence {
                    return None;
                }
                matched.push("llm".to_owned());
                Scored {
                    rule: self,
                    category: suggestion.category.clone()?,
                    priority: self.priority.or(suggestion.priority),
                    confidence,
                    score: (score + AI_EVIDENCE * confidence) * self.weight,
                    matched,
                    decided_by: DecidedBy::Ai,
                }
            }
            (None, None) => return None,
        };
        Some(scored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::category;

    fn classify(title: &str, description: &str) -> Decision {
        RuleSet::default_korean().classify(TriageInput::text(title, description))
    }

    #[test]
    fn the_shipped_rules_parse_and_name_only_seeded_categories() {
        let rules = RuleSet::default_korean();
        assert!(rules.rules().len() >= 14);
        rules.check_categories(&category::seeded().0).unwrap();
    }

    #[test]
    fn a_pothole_is_road_damage_and_says_which_rule_fired_and_why() {
        // The README walk-through's report.
        let decision = classify("도로 파손", "집 앞 도로에 큰 포트홀이 생겼어요");
        assert_eq!(decision.category.as_str(), "road_damage");
        assert_eq!(decision.rule.as_deref(), Some("road_pothole"));
        assert_eq!(decision.matched, ["도로 파손", "포트홀"]);
        assert!(!decision.needs_review);
    }

    #[test]
    fn the_shipped_rules_find_the_category_of_each_text() {
        use Priority::Urgent;
        // (text, category, priority when the rule sets one)
        let examples: &[(&str, &str, Option<Priority>)] = &[
            // Sinkholes are urgent safety hazards, however they are written.
            (
                "사거리에 싱크홀이 생겼습니다",
                "safety_hazard",
                Some(Urgent),
            ),
            ("인도에 땅꺼짐 현상", "safety_hazard", Some(Urgent)),
            ("땅 꺼짐이 보여요", "safety_hazard", Some(Urgent)),
            // Every seeded category has a rule that finds it.
            (
                "보도블록이 깨져서 걸려 넘어질 뻔했어요",
                "road_damage",
                None,
            ),
            ("전선이 늘어져 있어 위험합니다", "safety_hazard", None),
            ("골목 가로등이 며칠째 꺼져 있어요", "streetlight", None),
            ("사거리 신호등이 고장났어요", "traffic_facility", None),
            (
                "소화전 앞에 불법주차 차량이 있어요",
                "illegal_parking",
                None,
            ),
            ("공터에 쓰레기 무단투기가 심합니다", "illegal_dumping", None),
            (
                "전봇대에 불법 현수막이 걸려 있어요",
                "illegal_signage",
                None,
            ),
            ("하천에 폐수가 흘러 악취가 납니다", "pollution", None),
            ("새벽에 공사 소음이 너무 심해요", "noise", None),
            ("놀이터 그네가 부서졌어요", "park_facility", None),
            ("하수구가 막혀 물이 넘칩니다", "water_sewer", None),
            ("도로에 로드킬 당한 고라니가 있어요", "animal", None),
            ("버스 정류장 표지가 부서졌어요", "public_transport", None),
            // Particles, endings and stray spaces do not hide a keyword.
            ("골목 가로등이 꺼졌어요", "streetlight", None),
            ("가로등은 언제 고쳐지나요", "streetlight", None),
            ("가로등도 안 켜져요", "streetlight", None),
            ("가 로 등 고장입니다", "streetlight", None),
            ("가로 등이 나갔어요", "streetlight", None),
        ];
        for &(text, category, priority) in examples {
            let decision = classify("민원", text);
            assert_eq!(decision.category.as_str(), category, "{text}");
            if priority.is_some() {
                assert_eq!(decision.priority, priority, "{text}");
            }
        }
    }

    /// Two or three one-keyword-list rules, in this order.
    fn rules(entries: &[(&str, &str, &[&str])]) -> RuleSet {
        let mut text = String::from("review_threshold = 0.6\n");
        for (name, category, keywords) in entries {
            let keywords: Vec<String> = keywords.iter().map(|k| format!("{k:?}")).collect();
            text.push_str(&format!(
                "[[rules]]\nname = {name:?}\ncategory = {category:?}\nconfidence = 0.8\n\
                 any_keywords = [{}]\n",
                keywords.join(", ")
            ));
        }
        RuleSet::parse(&text).unwrap()
    }

    #[test]
    fn the_best_score_decides_not_the_first_rule_and_its_words_are_named() {
        let rules = rules(&[
            ("road", "road_damage", &["도로"]),
            ("lights", "streetlight", &["가로등", "보안등"]),
        ]);
        let decision = rules.classify(TriageInput::text(
            "신고합니다",
            "도로 옆 가로등과 골목 보안등이 다 꺼졌어요",
        ));
        assert_eq!(decision.rule.as_deref(), Some("lights"));
        assert_eq!(decision.matched, ["가로등", "보안등"]);
    }

    #[test]
    fn a_keyword_in_the_title_weighs_more_than_in_the_description() {
        let rules = rules(&[
            ("lights", "streetlight", &["가로등"]),
            ("bus", "public_transport", &["정류장", "버스"]),
        ]);
        // A word of the title against one of the description.
        let decision = rules.classify(TriageInput::text(
            "가로등 고장",
            "정류장 옆이 밤에 깜깜해요",
        ));
        assert_eq!(decision.rule.as_deref(), Some("lights"));
        assert!(!decision.needs_review, "2 against 1 is no close call");
        let decision = rules.classify(TriageInput::text(
            "정류장이 깜깜해요",
            "버스 기다리는데 가로등이 꺼져 있어요",
        ));
        assert_eq!(decision.rule.as_deref(), Some("bus"));
    }

    #[test]
    fn a_phrase_weighs_more_than_a_word_and_a_word_inside_it_counts_once() {
        let rules = rules(&[
            ("road", "road_damage", &["도로"]),
            ("cover", "water_sewer", &["맨홀 뚜껑", "맨홀"]),
        ]);
        let decision = rules.classify(TriageInput::text("", "도로에 맨홀 뚜껑이 덜컹거려요"));
        assert_eq!(decision.rule.as_deref(), Some("cover"));
        assert_eq!(
            decision.matched,
            ["맨홀 뚜껑"],
            "맨홀 is the phrase's own text"
        );
        // 1.5 against 1: not close enough to doubt.
        assert!(!decision.needs_review);
    }

    #[test]
    fn negative_keywords_subtract_what_they_would_add() {
        let rules = RuleSet::parse(
            r#"review_threshold = 0.5
            [[rules]]
            name = "bus"
            category = "public_transport"
            confidence = 0.8
            any_keywords = ["버스"]
            negative_keywords = ["버스킹"]"#,
        )
        .unwrap();
        let busking = rules.classify(TriageInput::text("문의", "한옥마을에서 버스킹을 하려면?"));
        assert_eq!(busking.rule, None, "1 − 1 is below the minimum score");
        let bus = rules.classify(TriageInput::text(
            "버스가 안 와요",
            "버스킹 구경하다 놓쳤어요",
        ));
        assert_eq!(bus.rule.as_deref(), Some("bus"));
        assert_eq!(bus.matched, ["버스", "-버스킹"]);
    }

    #[test]
    fn a_close_second_lowers_the_confidence_and_asks_for_review() {
        let rules = rules(&[
            ("lights", "streetlight", &["가로등"]),
            ("bus", "public_transport", &["정류장"]),
        ]);
        let tied = rules.classify(TriageInput::text("", "정류장 옆 가로등이 꺼졌어요"));
        assert_eq!(
            tied.rule.as_deref(),
            Some("lights"),
            "a tie goes to the earlier rule"
        );
        assert!((tied.confidence - 0.4).abs() < 1e-9, "half of 0.8");
        assert!(tied.needs_review);
        assert_eq!(
            tied.runner_up,
            Some(RunnerUp {
                rule: "bus".to_owned(),
                category: CategoryCode::new("public_transport").unwrap(),
            })
        );
        assert!(tied.doubt().unwrap().contains("bus"));

        let clear = rules.classify(TriageInput::text("가로등 고장", "정류장 옆이에요"));
        assert_eq!(clear.rule.as_deref(), Some("lights"));
        assert!((clear.confidence - 0.8).abs() < 1e-9);
        assert!(!clear.needs_review);
        assert_eq!(clear.runner_up, None);
    }

    #[test]
    fn particles_endings_and_stray_spaces_do_not_hide_a_keyword() {
        for text in [
            "골목 가로등이 꺼졌어요",
            "가로등은 언제 고쳐지나요",
            "가로등도 안 켜져요",
            "가 로 등 고장입니다",
            "가로 등이 나갔어요",
        ] {
            let decision = classify("신고", text);
            assert_eq!(decision.category.as_str(), "streetlight", "{text}");
        }
    }

    #[test]
    fn nothing_matching_falls_back_to_other_for_review() {
        let decision = classify("문의", "담당자 연락 부탁드립니다");
        assert_eq!(decision.category, CategoryCode::other());
        assert!(decision.needs_review);
        assert_eq!(decision.rule, None);
    }

    #[test]
    fn a_reporter_chosen_category_is_kept() {
        let rules = RuleSet::default_korean();
        let chosen = CategoryCode::new("streetlight").unwrap();
        let decision = rules.classify(TriageInput {
            requested_category: Some(&chosen),
            ..TriageInput::text("도로", "포트홀")
        });
        assert_eq!(decision.category, chosen);
        assert_eq!(decision.rule.as_deref(), Some(REPORTER_CATEGORY_RULE));
    }

    #[test]
    fn none_keywords_exclude() {
        let rules = RuleSet::parse(
            r#"review_threshold = 0.5
            [[rules]]
            name = "lights"
            category = "streetlight"
            confidence = 0.8
            any_keywords = ["가로등"]
            none_keywords = ["설치 요청"]"#,
        )
        .unwrap();
        let input = |description| TriageInput::text("", description);
        assert_eq!(
            rules.classify(input("가로등 고장")).rule.as_deref(),
            Some("lights")
        );
        assert_eq!(rules.classify(input("가로등 설치요청")).rule, None);
    }

    fn label(label: &str, confidence: f64) -> DetectedLabel {
        DetectedLabel {
            label: label.to_owned(),
            confidence,
        }
    }

    #[test]
    fn a_detected_pothole_decides_when_the_text_says_nothing_and_the_ai_is_named() {
        let rules = RuleSet::default_korean();
        let labels = [label("Pothole", 0.91)];
        let decision = rules.classify(TriageInput {
            labels: &labels,
            ..TriageInput::text("사진 첨부", "여기 좀 봐주세요")
        });
        assert_eq!(decision.category.as_str(), "road_damage");
        assert_eq!(decision.rule.as_deref(), Some("detected_pothole"));
        assert_eq!(decision.decided_by, DecidedBy::Ai);

        let unsure = [label("pothole", 0.3)];
        let decision = rules.classify(TriageInput {
            labels: &unsure,
            ..TriageInput::text("사진 첨부", "여기 좀 봐주세요")
        });
        assert_eq!(
            decision.rule, None,
            "a label below its confidence is ignored"
        );
    }

    #[test]
    fn dangers_in_the_text_outrank_what_the_ai_found() {
        let rules = RuleSet::default_korean();
        let labels = [label("pothole", 0.95)];
        let suggestion = LlmSuggestion {
            category: Some(CategoryCode::new("road_damage").unwrap()),
            priority: Some(Priority::Low),
            confidence: 0.99,
        };
        let decision = rules.classify(TriageInput {
            labels: &labels,
            suggestion: Some(&suggestion),
            ..TriageInput::text("도로", "싱크홀이 생겼어요")
        });
        assert_eq!(decision.rule.as_deref(), Some("sinkhole"));
        assert_eq!(decision.priority, Some(Priority::Urgent));
        assert_eq!(decision.decided_by, DecidedBy::Rules);
    }

    #[test]
    fn a_confident_llm_suggestion_decides_and_a_hesitant_one_does_not() {
        let rules = RuleSet::default_korean();
        let sure = LlmSuggestion {
            category: Some(CategoryCode::new("streetlight").unwrap()),
            priority: Some(Priority::High),
            confidence: 0.8,
        };
        let decision = rules.classify(TriageInput {
            suggestion: Some(&sure),
            ..TriageInput::text("밤길", "골목이 너무 어두워요")
        });
        assert_eq!(decision.category.as_str(), "streetlight");
        assert_eq!(decision.priority, Some(Priority::High));
        assert_eq!(decision.rule.as_deref(), Some("llm_suggestion"));
        assert_eq!(decision.decided_by, DecidedBy::Ai);
        assert!((decision.confidence - 0.8).abs() < f64::EPSILON);

        let hesitant = LlmSuggestion {
            confidence: 0.4,
            ..sure.clone()
        };
        let decision = rules.classify(TriageInput {
            suggestion: Some(&hesitant),
            ..TriageInput::text("밤길", "골목이 너무 어두워요")
        });
        assert_eq!(decision.category, CategoryCode::other());
        assert!(decision.needs_review);

        let no_category = LlmSuggestion {
            category: None,
            ..sure
        };
        let decision = rules.classify(TriageInput {
            suggestion: Some(&no_category),
            ..TriageInput::text("밤길", "골목이 너무 어두워요")
        });
        assert_eq!(
            decision.rule, None,
            "an LLM that named no known category decides nothing"
        );
    }

    #[test]
    fn a_rule_may_be_limited_to_some_jurisdictions() {
        let rules = RuleSet::parse(
            r#"review_threshold = 0.5
            [[rules]]
            name = "gunsan_port"
            category = "pollution"
            confidence = 0.8
            any_keywords = ["기름"]
            jurisdictions = ["35020"]"#,
        )
        .unwrap();
        let text = TriageInput::text("항구", "바다에 기름이 떠 있어요");
        let in_gunsan = TriageInput {
            jurisdiction: Some("35020"),
            ..text
        };
        assert_eq!(
            rules.classify(in_gunsan).rule.as_deref(),
            Some("gunsan_port")
        );
        let in_jeonju = TriageInput {
            jurisdiction: Some("35011"),
            ..text
        };
        assert_eq!(rules.classify(in_jeonju).rule, None);
    }

    /// A rule file of the default threshold and one rule of `body`.
    fn one_rule(body: &str) -> String {
        format!("review_threshold = 0.5\n[[rules]]\n{body}")
    }

    #[test]
    fn bad_rule_files_are_refused_naming_the_rule_when_one_is_at_fault() {
        // (file, the rule the error names, if it must name one)
        let files: &[(String, Option<&str>)] = &[
            ("review_threshold = 0.5\nclose_ratio = 1.5".to_owned(), None),
            ("review_threshold = 0.5\ntitle_weight = 0".to_owned(), None),
            (
                one_rule("name = \"w\"\ncategory = \"road_damage\"\nany_keywords = [\"도로\"]\nweight = -1"),
                None,
            ),
            (
                one_rule("name = \"x\"\ncategory = \"road_damage\"\npriority = \"asap\"\nconfidence = 0.5\nany_keywords = [\"a\"]"),
                Some("x"),
            ),
            // No condition.
            (one_rule("name = \"y\"\ncategory = \"road_damage\"\nconfidence = 0.5"), None),
            // A category or the LLM's suggestion, never both nor neither.
            (
                one_rule("name = \"both\"\ncategory = \"road_damage\"\nuse_llm_suggestion = true"),
                Some("both"),
            ),
            (one_rule("name = \"neither\"\nconfidence = 0.5\nany_labels = [\"pothole\"]"), None),
            (
                one_rule("name = \"bad\"\ncategory = \"road_damage\"\nany_labels = [\"pothole\"]\nmin_label_confidence = 2.0"),
                None,
            ),
        ];
        for (file, named) in files {
            match (RuleSet::parse(file), named) {
                (Err(RuleError::Rule { rule, .. }), Some(named)) => {
                    assert_eq!(&rule, named, "{file}");
                }
                (Err(_), None) => {}
                (other, _) => panic!("{file}: {other:?}, expected an error naming {named:?}"),
            }
        }
        assert!(matches!(
            RuleSet::parse("review_threshold = 'high'"),
            Err(RuleError::Syntax(_))
        ));
    }
}
