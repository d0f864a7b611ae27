//! Keywords as the rules find them in Korean text.
//!
//! People type the same word many ways: 가로등이, 가로등은, 가로등도; 가 로 등
//! and 가로 등 with spaces in the wrong place; 도로가 파손, 도로는 파손, 도로파손.
//! A light normalisation covers these without a morphological analyser:
//! text and keywords are compared in lower case without spaces or
//! punctuation, a keyword matches anywhere in a word (so particles and
//! endings after it — 이에요, 입니다 — do not matter), and between the words of
//! a phrase one particle may stand (도로 파손 matches 도로가 파손돼서).

/// Particles that may follow a word inside a phrase, longest first so that
/// 에서 is tried before 에.
const PARTICLES: &[&str] = &[
    "에서는",
    "에서",
    "에는",
    "으로",
    "이랑",
    "이나",
    "까지",
    "부터",
    "하고",
    "께서",
    "이",
    "가",
    "은",
    "는",
    "을",
    "를",
    "도",
    "의",
    "에",
    "로",
    "와",
    "과",
    "랑",
    "만",
    "나",
];

/// Lower case, letters and digits only: "가 로 등." reads as "가로등".
pub(crate) fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One keyword of a rule: a word, or a phrase of several.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Keyword {
    /// As the rule file wrote it, for the analysis to quote.
    written: String,
    /// Its words, normalised.
    words: Vec<String>,
}

impl Keyword {
    /// A keyword as written in a rule file; `None` when nothing of it is left
    /// after normalisation (only spaces or punctuation).
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        let words: Vec<String> = raw
            .split_whitespace()
            .map(normalise)
            .filter(|w| !w.is_empty())
            .collect();
        (!words.is_empty()).then(|| Self {
            written: raw.split_whitespace().collect::<Vec<_>>().join(" "),
            words,
        })
    }

    /// The keyword as the rule file wrote it.
    pub(crate) fn written(&self) -> &str {
        &self.written
    }

    /// Several words: more specific than one, so it weighs more.
    pub(crate) fn is_phrase(&self) -> bool {
        self.words.len() > 1
    }

    /// Whether the keyword occurs in `text` (already [`normalise`]d).
    pub(crate) fn found_in(&self, text: &str) -> bool {
        !self.spans_in(text).is_empty()
    }

    /// Where the keyword occurs in `text` (already [`normalise`]d): the
    /// byte range of each occurrence, from its first word to the end of its last.
    pub(crate) fn spans_in(&self, text: &str) -> Vec<Span> {
        let Some((first, rest)) = self.words.split_first() else {
            return Vec::new();
        };
        text.match_indices(first.as_str())
            .filter_map(|(at, word)| {
                let end = follows(text, at + word.len(), rest)?;
                Some(Span { start: at, end })
            })
            .collect()
    }
}

/// A stretch of normalised text, as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// Whether the two share any text.
    pub(crate) fn overlaps(self, other: Self) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Where `words` end if `text` continues with them at `at`, each perhaps
/// after one particle.
fn follows(text: &str, at: usize, words: &[String]) -> Option<usize> {
    let Some((word, rest)) = words.split_first() else {
        return Some(at);
    };
    let tail = text.get(at..)?;
    std::iter::once("")
        .chain(PARTICLES.iter().copied())
        .filter(|particle| {
            tail.strip_prefix(particle)
                .is_some_and(|after| after.starts_with(word.as_str()))
        })
        .find_map(|particle| follows(text, at + particle.len() + word.len(), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(keyword: &str, text: &str) -> bool {
        Keyword::parse(keyword)
            .expect("a keyword")
            .found_in(&normalise(text))
    }

    #[test]
    fn particles_and_endings_after_a_word_do_not_hide_it() {
        for text in [
            "가로등이 꺼졌어요",
            "가로등은 고장입니다",
            "가로등도 안 켜져요",
            "가로등을 고쳐 주세요",
            "골목 가로등이에요",
        ] {
            assert!(found("가로등", text), "{text}");
        }
    }

    #[test]
    fn spaces_in_the_wrong_place_do_not_hide_a_word() {
        for text in [
            "가 로 등 고장",
            "가로 등 고장",
            "가로등고장",
            "가로등, 고장.",
        ] {
            assert!(found("가로등", text), "{text}");
        }
        assert!(found("가로 등", "가로등이 나갔어요"));
    }

    #[test]
    fn a_phrase_allows_one_particle_between_its_words() {
        for text in [
            "도로 파손",
            "도로가 파손되어",
            "도로는 파손이 심해요",
            "도로파손신고",
            "도로에서 파손된 부분",
        ] {
            assert!(found("도로 파손", text), "{text}");
        }
        // Not two particles, and not another word between them.
        assert!(!found("도로 파손", "도로 일부 파손"));
        assert!(!found("도로 파손", "파손된 도로"));
    }

    #[test]
    fn spans_say_where_a_keyword_is_so_overlapping_ones_can_count_once() {
        let text = normalise("버스정류장 의자, 버스 정류장 지붕");
        let phrase = Keyword::parse("버스 정류장").unwrap().spans_in(&text);
        let word = Keyword::parse("정류장").unwrap().spans_in(&text);
        assert_eq!((phrase.len(), word.len()), (2, 2));
        assert!(phrase[0].overlaps(word[0]));
        assert!(!phrase[0].overlaps(word[1]));
    }

    #[test]
    fn case_does_not_matter_and_empty_keywords_are_none() {
        assert!(found("pothole", "A big POTHOLE here"));
        assert_eq!(Keyword::parse(" ,. "), None);
        let phrase = Keyword::parse("  맨홀   뚜껑 ").unwrap();
        assert_eq!(phrase.written(), "맨홀 뚜껑");
        assert!(phrase.is_phrase());
    }
}
