//! Masking of personal data in text that leaves for someone not entitled
//! to it — the public view of a report, its comments and notes, Open311,
//! exports, live pushes, notifications and e-mails, and the text an AI
//! provider reads: phone numbers, resident and foreigner registration
//! numbers, e-mail addresses, bank account and card numbers and, when a
//! city chooses, vehicle plates.
//!
//! People write these every way a keyboard allows — `010ㅡ1234ㅡ5678`,
//! `공일공 1234 5678`, `０１０-…`, `hong 골뱅이 naver 닷 com`, `앞자리
//! 900101 뒷자리 1234567` — so the text is first folded to one spelling
//! ([`fold`]), then read by the detectors ([`detect`]), and the spans they
//! find are replaced in the original with Korean placeholders. What is
//! not personal stays: addresses and lot numbers, dates and times, bus
//! routes, receipt numbers, prices, and public offices' phone numbers
//! ([`PublicNumbers`]).

mod detect;
mod fold;
mod found;
mod public_numbers;

pub use public_numbers::{BadPublicNumbers, PublicNumbers};

/// What replaces a resident or foreigner registration number (주민등록번호).
pub const MASKED_RRN: &str = "[주민등록번호 비공개]";
/// What replaces a phone number.
pub const MASKED_PHONE: &str = "[전화번호 비공개]";
/// What replaces an e-mail address.
pub const MASKED_EMAIL: &str = "[이메일 비공개]";
/// What replaces a bank account number.
pub const MASKED_ACCOUNT: &str = "[계좌번호 비공개]";
/// What replaces a card number.
pub const MASKED_CARD: &str = "[카드번호 비공개]";
/// What replaces a vehicle registration plate.
pub const MASKED_PLATE: &str = "[차량번호 비공개]";

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    ResidentNumber,
    Email,
    Account,
    Card,
    VehiclePlate,
}

impl Kind {
    fn placeholder(self) -> &'static str {
        match self {
            Self::Phone => MASKED_PHONE,
            Self::ResidentNumber => MASKED_RRN,
            Self::Email => MASKED_EMAIL,
            Self::Account => MASKED_ACCOUNT,
            Self::Card => MASKED_CARD,
            Self::VehiclePlate => MASKED_PLATE,
        }
    }
}

/// How a deployment masks personal data: the one function every text
/// leaving for the public goes through, with the city's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Masking {
    vehicle_plates: bool,
    public_numbers: PublicNumbers,
}

impl Masking {
    /// Masking that also hides vehicle plates when `vehicle_plates` (a
    /// policy choice: a plate is personal data to some cities and the
    /// point of an illegal-parking report to others), and keeps
    /// `public_numbers`.
    pub fn new(vehicle_plates: bool, public_numbers: PublicNumbers) -> Self {
        Self {
            vehicle_plates,
            public_numbers,
        }
    }

    /// `text` with its personal data replaced by Korean placeholders.
    ///
    /// Masking runs on every public read, so each detector runs only when
    /// the text could hold what it finds (enough digits, an `@` or a word
    /// for it), and every detector is one linear pass.
    pub fn mask(&self, text: &str) -> String {
        let folded = fold::Folded::new(text);
        let text_folded: &str = &folded.text;
        let mut found = found::Found::new(text_folded.len());
        if detect::may_hold_email(text_folded) {
            detect::emails(text_folded, &mut found);
        }
        let digits = text_folded.bytes().filter(u8::is_ascii_digit).count();
        if digits >= 13 {
            detect::resident_numbers(text_folded, &mut found);
        }
        if digits >= 15 {
            detect::cards(text_folded, &mut found);
        }
        if digits >= 9 {
            detect::phones(text_folded, &self.public_numbers, &mut found);
        }
        if digits >= 6 {
            detect::resident_number_parts(text_folded, &mut found);
        }
        if digits >= 10 {
            detect::accounts(text_folded, &mut found);
        }
        if digits >= 6 && self.vehicle_plates {
            detect::plates(text_folded, &mut found);
        }
        found.replace(text, &folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mask(text: &str) -> String {
        Masking::default().mask(text)
    }

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
            let attached = mask(&format!("{number}로 연락주세요"));
            assert_eq!(attached, format!("{MASKED_PHONE}로 연락주세요"), "{number}");
            let masked = mask(&format!("연락처 {number} 로 전화주세요"));
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
            mask("메일 kim.cs@naver.com 주세요"),
            format!("메일 {MASKED_EMAIL} 주세요")
        );
        assert_eq!(
            mask("주민번호 900101-1234567"),
            format!("주민번호 {MASKED_RRN}")
        );
        assert_eq!(mask("9001011234567"), MASKED_RRN);
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
            assert_eq!(mask(text), text);
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
            let masked = mask(&format!("전화 {number} 끝"));
            prop_assert!(!masked.contains(&number), "{} -> {}", number, masked);
            let last_group = format!("{last:04}");
            prop_assert!(!masked.contains(&last_group));
        }

        #[test]
        fn masking_never_panics_and_is_idempotent(text in ".{0,200}") {
            let once = mask(&text);
            prop_assert_eq!(mask(&once), once);
        }
    }
}
