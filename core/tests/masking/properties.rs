//! Property tests: generated variants of random valid numbers lose every
//! digit group, and generated text that is not personal comes back as it is.

use proptest::prelude::*;
use sinmungo_core::domain::masking::Masking;

use crate::variants::{
    account_groups, card_groups, full_width, local_part, not_personal, phone_groups,
    resident_number, Lcg, Style, ACCOUNT_CONTEXTS, AT_SIGNS, DOMAINS, DOTS, SEPARATORS,
};

fn style() -> impl Strategy<Value = Style> {
    (0..SEPARATORS.len(), any::<bool>(), 0u8..8, any::<bool>()).prop_map(
        |(separator, spaced, spelled, full_width)| Style {
            separator: SEPARATORS[separator],
            spaced,
            spelled,
            full_width,
        },
    )
}

/// Asserts that no group of `written` is left in `text` masked, written
/// between `before` and `after`.
fn nothing_survives(
    written: &str,
    groups: &[String],
    (before, after): (&str, &str),
) -> Result<(), TestCaseError> {
    let text = format!("{before}{written}{after}");
    let masked = Masking::default().mask(&text);
    for group in groups {
        prop_assert!(
            !masked.contains(group.as_str()),
            "{group:?} of {text:?} survives: {masked:?}"
        );
    }
    Ok(())
}

/// Texts around a number: after a word, with a particle attached, alone.
const AROUND: [(&str, &str); 4] = [
    ("전화 ", " 끝"),
    ("연락처는 ", "로 주세요"),
    ("", ""),
    ("번호:", ", 감사합니다"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_way_of_writing_a_phone_number_is_masked(
        seed in any::<u64>(),
        style in style(),
        form in 0..3u8,
        around in 0..AROUND.len(),
    ) {
        let mut groups = phone_groups(&mut Lcg::new(seed));
        let (written, mut shown) = match form {
            // The area code in parentheses: (063) 222-1234.
            1 => {
                let (_, shown) = style.write(&groups);
                let written = format!("({}) {}", shown[0], shown[1..].join(&style.between()));
                (written, shown)
            }
            // +82, the area code without its 0 (and not spelled: "+82 이" is no number).
            2 => {
                groups[0].remove(0);
                let style = Style { spelled: style.spelled & !1, ..style };
                let (rest, shown) = style.write(&groups);
                (format!("+82 {rest}"), shown)
            }
            _ => style.write(&groups),
        };
        // One- and two-digit groups (the area code 2 of +82 2-…) appear in any text.
        shown.retain(|g| g.chars().count() >= 3);
        nothing_survives(&written, &shown, AROUND[around])?;
    }

    #[test]
    fn every_way_of_writing_a_registration_number_is_masked(
        seed in any::<u64>(),
        style in style(),
        split in any::<bool>(),
        around in 0..AROUND.len(),
    ) {
        let parts = resident_number(&mut Lcg::new(seed));
        let (written, shown) = style.write(&parts);
        let written = if split {
            format!("주민번호 앞자리 {} 뒷자리 {}", shown[0], shown[1])
        } else {
            written
        };
        nothing_survives(&written, &shown, AROUND[around])?;
    }

    #[test]
    fn every_way_of_writing_an_email_address_is_masked(
        seed in any::<u64>(),
        at in 0..AT_SIGNS.len(),
        dot in 0..DOTS.len(),
        domain in 0..DOMAINS.len(),
        wide in any::<bool>(),
        around in 0..AROUND.len(),
    ) {
        let local = local_part(&mut Lcg::new(seed));
        let domain = DOMAINS[domain].join(DOTS[dot]);
        let written = format!("{local}{}{domain}", AT_SIGNS[at]);
        let (written, local) = if wide {
            (full_width(&written), full_width(&local))
        } else {
            (written, local)
        };
        nothing_survives(&written, &[local], AROUND[around])?;
    }

    #[test]
    fn every_way_of_writing_a_card_or_an_account_number_is_masked(
        seed in any::<u64>(),
        style in style(),
        account in any::<bool>(),
        context in 0..ACCOUNT_CONTEXTS.len(),
    ) {
        // Nobody spells card or account numbers in Korean words.
        let style = Style { spelled: 0, ..style };
        let mut rng = Lcg::new(seed);
        let (groups, before) = if account {
            (account_groups(&mut rng), format!("{} ", ACCOUNT_CONTEXTS[context]))
        } else {
            (card_groups(&mut rng), "카드번호 ".to_owned())
        };
        let (written, mut shown) = style.write(&groups);
        shown.retain(|g| g.chars().count() >= 3);
        nothing_survives(&written, &shown, (&before, " 입니다"))?;
    }

    #[test]
    fn text_that_is_not_personal_comes_back_as_it_is(seed in any::<u64>()) {
        let text = not_personal(&mut Lcg::new(seed));
        prop_assert_eq!(Masking::default().mask(&text), text);
    }

    #[test]
    fn masking_a_masked_text_changes_nothing(
        seed in any::<u64>(),
        style in style(),
        around in 0..AROUND.len(),
    ) {
        let mut rng = Lcg::new(seed);
        let text = format!(
            "{}{}{} {} {}",
            AROUND[around].0,
            style.write(&phone_groups(&mut rng)).0,
            AROUND[around].1,
            style.write(&resident_number(&mut rng)).0,
            not_personal(&mut rng),
        );
        let masking = Masking::new(true, Default::default());
        let once = masking.mask(&text);
        prop_assert_eq!(masking.mask(&once), once);
    }
}
