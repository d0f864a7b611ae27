//! Masking of personal data in text shown to the public: phone numbers,
//! e-mail addresses and resident registration numbers.

use std::sync::LazyLock;

use regex::Regex;

/// What replaces a resident registration number (주민등록번호).
pub const MASKED_RRN: &str = "[주민등록번호 비공개]";
/// What replaces a phone number.
pub const MASKED_PHONE: &str = "[전화번호 비공개]";
/// What replaces an e-mail address.
pub const MASKED_EMAIL: &str = "[이메일 비공개]";

// The patterns are literals, compiled once; a unit test proves they compile.
#[expect(clippy::expect_used, reason = "literal patterns, verified by tests")]
fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("masking pattern compiles")
}

/// Six birth digits, a gender/century digit 1–4 (5–8 for foreigners), six more.
static RRN: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"(?-u:\b)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?[-–]?\s?[1-8]\d{6}(?-u:\b)")
});

/// Mobile (010…), landline (02, 0xx), 070 and 050x numbers, with `-`, `.`, spaces
/// or nothing between groups, and the +82 international form.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?x)
        (?: \+82[\s.-]? | \(?(?-u:\b)0 )
        (?: 1[016789] | 2 | [3-6][1-5] | 70 | 50[2-8] )
        [\s.)-]{0,2} \d{3,4}
        [\s.-]? \d{4} (?-u:\b)",
    )
});

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));

/// Replaces personal data in `text` with Korean placeholders.
pub fn mask_personal_data(text: &str) -> String {
    let text = EMAIL.replace_all(text, MASKED_EMAIL);
    let text = RRN.replace_all(&text, MASKED_RRN);
    PHONE.replace_all(&text, MASKED_PHONE).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_the_usual_spellings_of_korean_phone_numbers() {
        for number in [
            "010-1234-5678",
            "01012345678",
            "010 1234 5678",
            "010.1234.5678",
            "011-234-5678",
            "02-123-4567",
            "02-1234-5678",
            "063-222-1234",
            "(063)222-1234",
            "070-1234-5678",
            "+82-10-1234-5678",
            "+82 10 1234 5678",
        ] {
            // Korean particles attach to the number: "…5678로".
            let attached = mask_personal_data(&format!("{number}로 연락주세요"));
            assert_eq!(attached, format!("{MASKED_PHONE}로 연락주세요"), "{number}");
            let masked = mask_personal_data(&format!("연락처 {number} 로 전화주세요"));
            assert_eq!(
                masked,
                format!("연락처 {MASKED_PHONE} 로 전화주세요"),
                "{number}"
            );
        }
    }

    #[test]
    fn masks_email_addresses_and_resident_registration_numbers() {
        assert_eq!(
            mask_personal_data("메일 kim.cs@naver.com 주세요"),
            format!("메일 {MASKED_EMAIL} 주세요")
        );
        assert_eq!(
            mask_personal_data("주민번호 900101-1234567"),
            format!("주민번호 {MASKED_RRN}")
        );
        assert_eq!(mask_personal_data("9001011234567"), MASKED_RRN);
    }

    #[test]
    fn leaves_ordinary_numbers_alone() {
        for text in [
            "포트홀 지름 30cm, 깊이 10cm",
            "2026년 11월 26일 오후 3시",
            "버스 번호 1000번",
            "효자동 123-45 번지",
            "접수번호 JB-2026-000042",
            "좌표 35.8242, 127.1480",
        ] {
            assert_eq!(mask_personal_data(text), text);
        }
    }

    proptest! {
        #[test]
        fn any_mobile_number_with_any_separator_is_masked(
            prefix in prop::sample::select(vec!["010", "011", "016", "017", "018", "019"]),
            middle in 1000u32..10000, last in 0u32..10000,
            sep in prop::sample::select(vec!["-", " ", ".", ""]),
        ) {
            let number = format!("{prefix}{sep}{middle}{sep}{last:04}");
            let masked = mask_personal_data(&format!("전화 {number} 끝"));
            prop_assert!(!masked.contains(&number), "{} -> {}", number, masked);
            let last_group = format!("{last:04}");
            prop_assert!(!masked.contains(&last_group));
        }

        #[test]
        fn masking_never_panics_and_is_idempotent(text in ".{0,200}") {
            let once = mask_personal_data(&text);
            prop_assert_eq!(mask_personal_data(&once), once);
        }
    }
}
