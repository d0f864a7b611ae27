//! Possible duplicates: how alike two reports of the same category are, by
//! distance, age and text, so a citizen can be offered "me too" instead of
//! filing the same pothole twice, and an officer can find what to merge.
//!
//! Which reports are candidates at all (open, the same category, within the
//! category's radius, submitted within the window) is the store's query; this
//! module scores the candidates and picks the few to show.
//!
//! The score is a weighted sum of three parts, each between 0 and 1:
//!
//! ```text
//! score = 0.5 · proximity + 0.2 · recency + 0.3 · similarity
//! proximity  = 1 − distance / radius            (same spot: 1, at the edge: 0)
//! recency    = 1 − |Δ submitted| / window       (same moment: 1, a window apart: 0)
//! similarity = Dice coefficient of the character bigrams of the folded
//!              title and description (identical text: 1, nothing shared: 0)
//! ```
//!
//! Distance weighs most because the candidates already share a category: two
//! reports of a broken street light 20 m apart are most likely one lamp,
//! whatever words were used. Character bigrams work for Korean without a
//! tokenizer or dictionary (`포트홀` and `포트홀이` share `포트` and `트홀`).

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::geo::GeoPoint;
use crate::domain::text::fold_for_search;

/// How many possible duplicates are offered at most.
pub const MAX_SUGGESTIONS: usize = 5;

/// The weight of proximity in the score.
pub const PROXIMITY_WEIGHT: f64 = 0.5;
/// The weight of recency in the score.
pub const RECENCY_WEIGHT: f64 = 0.2;
/// The weight of text similarity in the score.
pub const SIMILARITY_WEIGHT: f64 = 0.3;

/// The largest radius officers may search around a report (FixMyStreet's
/// inspectors use 1 km).
pub const MAX_NEARBY_RADIUS_M: u32 = 1_000;

/// The window of [`DuplicateSettings::default`]: reports submitted within 30
/// days of each other.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;

/// A deployment's duplicate search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateSettings {
    /// Whether a submission is answered with its possible duplicates.
    pub suggest_at_submit: bool,
    /// How far apart in time (submission to submission) a candidate may be.
    pub window: TimeDelta,
}

impl Default for DuplicateSettings {
    /// Suggestions on, a 30-day window.
    fn default() -> Self {
        Self {
            suggest_at_submit: true,
            window: TimeDelta::days(i64::from(DEFAULT_WINDOW_DAYS)),
        }
    }
}

/// What is compared of a report: where, when, and the character bigrams of
/// its folded title and description (computed once, however many reports it
/// is compared with).
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// Where.
    pub location: GeoPoint,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    grams: Vec<(char, char)>,
}

impl Compared {
    /// A report with its title and description as written.
    pub fn new(
        location: GeoPoint,
        created_at: DateTime<Utc>,
        title: &str,
        description: &str,
    ) -> Self {
        Self::folded(
            location,
            created_at,
            &fold_for_search(title),
            &fold_for_search(description),
        )
    }

    /// A report whose title and description are already folded with
    /// [`fold_for_search`] (the stores keep them so, for text search).
    pub fn folded(
        location: GeoPoint,
        created_at: DateTime<Utc>,
        title_folded: &str,
        description_folded: &str,
    ) -> Self {
        Self {
            location,
            created_at,
            grams: bigrams(&[title_folded, description_folded]),
        }
    }
}

/// How alike a candidate is to the report it is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Likeness {
    /// Metres between the two.
    pub distance_m: f64,
    /// The score, 0–1 (see the module docs).
    pub score: f64,
}

/// Scores `candidate` against `subject`, within a search of `radius_m` and `window`.
pub fn score(
    subject: &Compared,
    candidate: &Compared,
    radius_m: f64,
    window: TimeDelta,
) -> Likeness {
    let distance_m = subject.location.distance_m(candidate.location);
    let proximity = unit(1.0 - distance_m / radius_m.max(1.0));
    let apart = (subject.created_at - candidate.created_at).abs();
    let window_ms = window.num_milliseconds().max(1) as f64;
    let recency = unit(1.0 - apart.num_milliseconds() as f64 / window_ms);
    let similarity = dice(&subject.grams, &candidate.grams);
    Likeness {
        distance_m,
        score: PROXIMITY_WEIGHT * proximity
            + RECENCY_WEIGHT * recency
            + SIMILARITY_WEIGHT * similarity,
    }
}

/// The [`MAX_SUGGESTIONS`] best-scored candidates (ties: the nearer, then
/// the earlier in `scored`), shown nearest first.
pub fn pick<T>(mut scored: Vec<(T, Likeness)>) -> Vec<(T, Likeness)> {
    // A stable sort keeps the caller's order among equals.
    scored.sort_by(|(_, a), (_, b)| {
        b.score
            .total_cmp(&a.score)
            .then(a.distance_m.total_cmp(&b.distance_m))
    });
    scored.truncate(MAX_SUGGESTIONS);
    scored.sort_by(|(_, a), (_, b)| a.distance_m.total_cmp(&b.distance_m));
    scored
}

/// The Dice coefficient of the character bigrams of two texts, folded for
/// search: 2·|shared| / (|a| + |b|), counting repeats; 0 when either has none.
pub fn text_similarity(a: &str, b: &str) -> f64 {
    dice(
        &bigrams(&[&fold_for_search(a)]),
        &bigrams(&[&fold_for_search(b)]),
    )
}

/// The Dice coefficient of two sorted lists of bigrams, counting repeats.
fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

/// The sorted bigrams of each word (a run of letters and digits) of texts
/// already folded; a one-letter word counts as itself.
fn bigrams(folded: &[&str]) -> Vec<(char, char)> {
    let mut grams = Vec::new();
    for word in folded
        .iter()
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
    {
        let chars: Vec<char> = word.chars().collect();
        match chars.as_slice() {
            [single] => grams.push((*single, ' ')),
            _ => grams.extend(chars.windows(2).map(|pair| (pair[0], pair[1]))),
        }
    }
    grams.sort_unstable();
    grams
}

/// `value` held within 0–1.
fn unit(value: f64) -> f64 {
    value.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lng: f64, days_ago: i64, title: &str) -> Compared {
        Compared::new(
            GeoPoint::new(lat, lng).unwrap(),
            DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap() - TimeDelta::days(days_ago),
            title,
            "",
        )
    }

    const WINDOW: TimeDelta = TimeDelta::days(30);

    #[test]
    fn identical_text_is_one_and_unrelated_text_is_zero() {
        assert_eq!(text_similarity("도로 포트홀", "도로 포트홀"), 1.0);
        assert_eq!(text_similarity("가로등 고장", "불법 주차"), 0.0);
        assert_eq!(text_similarity("", "포트홀"), 0.0);
        // Case and punctuation do not matter.
        assert_eq!(text_similarity("Pothole!", "pothole"), 1.0);
    }

    #[test]
    fn korean_variants_of_one_problem_are_alike_without_a_tokenizer() {
        // 포트홀 / 포트홀이: {포트, 트홀} against {포트, 트홀, 홀이} → 2·2/5.
        assert!((text_similarity("포트홀", "포트홀이") - 0.8).abs() < 1e-9);
        let same = text_similarity("집 앞 도로에 포트홀", "도로에 큰 포트홀이 생겼어요");
        let other = text_similarity("집 앞 도로에 포트홀", "공원 가로등이 꺼졌어요");
        assert!(same > 0.4 && other < 0.1, "{same} {other}");
    }

    #[test]
    fn text_folded_by_the_store_compares_like_the_text_as_written() {
        let place = GeoPoint::new(35.8242, 127.1480).unwrap();
        let when = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap();
        let (title, description) = ("Pothole 포트홀", "ΟΔΟΣ 도로가 파였어요");
        assert_eq!(
            Compared::new(place, when, title, description),
            Compared::folded(
                place,
                when,
                &fold_for_search(title),
                &fold_for_search(description)
            )
        );
        // The title's last word and the description's first are two words.
        let apart = Compared::new(place, when, "포트", "홀");
        let one_word = Compared::new(place, when, "포트홀", "");
        let likeness = score(&apart, &one_word, 250.0, WINDOW);
        assert!((likeness.score - 0.85).abs() < 1e-9, "{likeness:?}");
    }

    #[test]
    fn the_score_follows_the_documented_formula() {
        let subject = at(35.8242, 127.1480, 0, "포트홀");
        // The same spot, the same moment, the same words: every part is 1.
        let same = score(&subject, &subject, 250.0, WINDOW);
        assert_eq!(same.distance_m, 0.0);
        assert!((same.score - 1.0).abs() < 1e-9);

        // ~125 m north (half the radius), 15 days earlier (half the window),
        // no shared words: 0.5·0.5 + 0.2·0.5 + 0.3·0 = 0.35.
        let half = at(35.8242 + 125.0 / 111_320.0, 127.1480, 15, "가로등");
        let likeness = score(&subject, &half, 250.0, WINDOW);
        assert!((likeness.distance_m - 125.0).abs() < 0.01, "{likeness:?}");
        assert!((likeness.score - 0.35).abs() < 1e-6, "{likeness:?}");

        // Beyond the radius or the window, those parts are 0, never negative.
        let far = at(35.8242 + 0.01, 127.1480, 60, "가로등");
        assert_eq!(score(&subject, &far, 250.0, WINDOW).score, 0.0);
    }

    #[test]
    fn nearer_counts_more_than_newer_and_alike_text_counts_too() {
        let subject = at(35.8242, 127.1480, 0, "포트홀");
        let near_old = at(35.8242 + 30.0 / 111_320.0, 127.1480, 20, "구멍");
        let far_new = at(35.8242 + 200.0 / 111_320.0, 127.1480, 0, "구멍");
        let far_same_text = at(35.8242 + 200.0 / 111_320.0, 127.1480, 20, "포트홀");
        let near = score(&subject, &near_old, 250.0, WINDOW).score;
        assert!(near > score(&subject, &far_new, 250.0, WINDOW).score);
        let far = score(&subject, &far_new, 250.0, WINDOW).score;
        assert!(score(&subject, &far_same_text, 250.0, WINDOW).score > far);
    }

    #[test]
    fn the_best_five_are_shown_nearest_first() {
        let likeness = |distance_m: f64, score: f64| Likeness { distance_m, score };
        let scored = vec![
            ("a", likeness(100.0, 0.9)),
            ("b", likeness(10.0, 0.1)),
            ("c", likeness(50.0, 0.8)),
            ("d", likeness(200.0, 0.7)),
            ("e", likeness(20.0, 0.6)),
            ("f", likeness(30.0, 0.6)),
            ("g", likeness(5.0, 0.2)),
        ];
        let picked: Vec<&str> = pick(scored).into_iter().map(|(id, _)| id).collect();
        // Best five: a, c, d, e, f (e before f: nearer); "b" and "g" drop out.
        assert_eq!(picked, ["e", "f", "c", "a", "d"]);
    }

    #[test]
    fn distance_agrees_with_the_circle_of_the_store_queries() {
        use crate::domain::geo::Circle;
        let centre = GeoPoint::new(35.8242, 127.1480).unwrap();
        let circle = Circle {
            centre,
            radius_m: 250.0,
        };
        for (lat, lng) in [
            (35.8262, 127.1480),
            (35.8242, 127.1507),
            (35.8257, 127.1499),
        ] {
            let point = GeoPoint::new(lat, lng).unwrap();
            assert_eq!(
                circle.contains(point),
                centre.distance_m(point) <= 250.0,
                "{lat},{lng}: {}",
                centre.distance_m(point)
            );
        }
    }
}
