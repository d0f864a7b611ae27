//! The masking of commit ed15eb2, before this module learned how people
//! really type: kept only to measure the new masking against (docs/masking.md).

use std::sync::LazyLock;

use regex::Regex;

/// What replaces a resident registration number (주민등록번호).
pub const MASKED_RRN: &str = "[주민등록번호 비공개]";
/// What replaces a phone number.
pub const MASKED_PHONE: &str = "[전화번호 비공개]";
/// What replaces an e-mail address.
pub const MASKED_EMAIL: &str = "[이메일 비공개]";

// The patterns are literals, compiled once; every figure runs them.
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
