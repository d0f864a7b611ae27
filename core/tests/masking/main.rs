//! Masking as people really type: the hard-case table, property tests
//! over generated variants, and the figures of docs/masking.md
//! (`cargo test --release -p sinmungo-core --test masking figures -- --nocapture`).
#![expect(
    clippy::expect_used,
    reason = "test helpers: a case that cannot be read must fail the test loudly"
)]

mod cases;
mod figures;
mod legacy;
mod properties;
mod variants;

use cases::{cases, Setting};

#[test]
fn every_hard_case_is_masked_as_expected() {
    let cases = cases();
    let personal = cases.iter().filter(|c| c.is_personal()).count();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    assert!(personal >= 30 && cases.len() - personal >= 30, "both ways");
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let masked = case.setting.masking().mask(case.text);
            (masked != case.expected()).then(|| {
                format!(
                    "{:?} {:?}\n   got {masked:?}\n  want {:?}",
                    case.setting,
                    case.text,
                    case.expected()
                )
            })
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_secrets_of_a_case_are_what_its_placeholders_replace() {
    let case = cases()
        .into_iter()
        .find(|c| c.text == "앞자리 900101 뒷자리 1234567")
        .expect("the case");
    assert_eq!(case.secrets(), ["900101", "1234567"]);
    assert_eq!(case.setting, Setting::Default);
}
