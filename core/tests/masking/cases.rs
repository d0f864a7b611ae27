//! The hard cases: how people really write personal data in complaints,
//! and the numbers next to it that are not personal. In an expected text
//! `{P}` is the phone placeholder, `{R}` the registration number's, `{E}`
//! the e-mail's, `{A}` the account's, `{C}` the card's, `{V}` the plate's.

use sinmungo_core::domain::masking::{
    Masking, PublicNumbers, MASKED_ACCOUNT, MASKED_CARD, MASKED_EMAIL, MASKED_PHONE, MASKED_PLATE,
    MASKED_RRN,
};

/// The masking a case is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The defaults: plates kept, the default public numbers.
    Default,
    /// Vehicle plates masked.
    Plates,
    /// These public numbers instead of the default ones.
    Public(&'static str),
}

impl Setting {
    pub fn masking(self) -> Masking {
        match self {
            Self::Default => Masking::default(),
            Self::Plates => Masking::new(true, PublicNumbers::default()),
            Self::Public(list) => Masking::new(
                false,
                PublicNumbers::parse(list).expect("a valid list of public numbers"),
            ),
        }
    }
}

/// One hard case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub setting: Setting,
    pub text: &'static str,
    /// The masked text; `None`: the text comes back unchanged.
    expected: Option<&'static str>,
}

impl Case {
    /// Whether the text holds personal data.
    pub fn is_personal(&self) -> bool {
        self.expected.is_some()
    }

    /// The masked text, placeholders spelled out.
    pub fn expected(&self) -> String {
        match self.expected {
            None => self.text.to_owned(),
            Some(expected) => expected
                .replace("{P}", MASKED_PHONE)
                .replace("{R}", MASKED_RRN)
                .replace("{E}", MASKED_EMAIL)
                .replace("{A}", MASKED_ACCOUNT)
                .replace("{C}", MASKED_CARD)
                .replace("{V}", MASKED_PLATE),
        }
    }

    /// The personal data of the text: what the expected text replaced.
    pub fn secrets(&self) -> Vec<&'static str> {
        let Some(expected) = self.expected else {
            return Vec::new();
        };
        // The literal pieces between placeholders, which the text keeps.
        let mut pieces: Vec<&str> = Vec::new();
        let mut rest = expected;
        while let Some(open) = rest.find('{') {
            pieces.push(&rest[..open]);
            rest = &rest[open + 3..];
        }
        pieces.push(rest);
        let mut secrets = Vec::new();
        let mut at = pieces[0].len();
        let last = pieces.len() - 1;
        for (i, piece) in pieces.iter().enumerate().skip(1) {
            let end = if i == last {
                self.text.len() - piece.len()
            } else {
                // The next piece, after at least one character of secret.
                let from = at + self.text[at..].chars().next().map_or(0, char::len_utf8);
                from + self.text[from..]
                    .find(piece)
                    .expect("the piece is in the text")
            };
            secrets.push(&self.text[at..end]);
            at = end + piece.len();
        }
        secrets
    }
}

fn mask(text: &'static str, expected: &'static str) -> Case {
    Case {
        setting: Setting::Default,
        text,
        expected: Some(expected),
    }
}

fn keep(text: &'static str) -> Case {
    Case {
        setting: Setting::Default,
        text,
        expected: None,
    }
}

fn with(setting: Setting, case: Case) -> Case {
    Case { setting, ..case }
}

/// Every hard case.
pub fn cases() -> Vec<Case> {
    vec![
        // Phone numbers, every separator people type.
        mask("연락처 010-1234-5678로 주세요", "연락처 {P}로 주세요"),
        mask("010‐1234‐5678 (하이픈)", "{P} (하이픈)"),
        mask(
            "010‑1234‑5678 (줄바꿈 없는 하이픈)",
            "{P} (줄바꿈 없는 하이픈)",
        ),
        mask("010‒1234‒5678 (숫자 대시)", "{P} (숫자 대시)"),
        mask("전화 010–1234–5678", "전화 {P}"),
        mask("전화 010—1234—5678", "전화 {P}"),
        mask("전화 010―1234―5678", "전화 {P}"),
        mask("전화 010ー1234ー5678", "전화 {P}"),
        mask("전화 010ㅡ1234ㅡ5678 입니다", "전화 {P} 입니다"),
        mask("전화 010−1234−5678", "전화 {P}"),
        mask("전화 010－1234－5678", "전화 {P}"),
        mask("휴대폰 ０１０-１２３４-５６７８", "휴대폰 {P}"),
        mask("010 - 1234 - 5678 로 연락", "{P} 로 연락"),
        mask("010.1234.5678", "{P}"),
        mask("010/1234/5678", "{P}"),
        mask("번호는 01012345678이에요", "번호는 {P}이에요"),
        mask("공일공-1234-5678로 문자 주세요", "{P}로 문자 주세요"),
        mask(
            "공일공 일이삼사 오육칠팔로 연락 주세요",
            "{P}로 연락 주세요",
        ),
        mask("010-일이삼사-5678", "{P}"),
        mask("영일영 1234 5678", "{P}"),
        mask("사무실 (063) 222-1234", "사무실 {P}"),
        mask("(02)123-4567로 전화", "{P}로 전화"),
        mask("063)222-1234", "{P}"),
        mask("+82 10-1234-5678", "{P}"),
        mask("+82-10-1234-5678", "{P}"),
        mask("+82 (0)10 1234 5678", "{P}"),
        mask("0082-10-1234-5678", "{P}"),
        mask("Tel.010-1234-5678", "Tel.{P}"),
        mask("HP010-1234-5678", "HP{P}"),
        mask("02 - 123 - 4567", "{P}"),
        mask("070-1234-5678", "{P}"),
        mask("0505-123-4567", "{P}"),
        mask("전화 010-1234-5678, 집 063-222-1234", "전화 {P}, 집 {P}"),
        mask("010 1234 5678 또는 010.2345.6789", "{P} 또는 {P}"),
        mask(
            "주소 전주시 완산구 효자로 225, 연락처 010 1234 5678",
            "주소 전주시 완산구 효자로 225, 연락처 {P}",
        ),
        mask("3월 15일 010-1234-5678로 전화함", "3월 15일 {P}로 전화함"),
        // Resident and foreigner registration numbers.
        mask("주민번호 900101-1234567", "주민번호 {R}"),
        mask("900101 - 1234567", "{R}"),
        mask("9001011234567", "{R}"),
        mask("900101 1234567 입니다", "{R} 입니다"),
        mask("앞자리 900101 뒷자리 1234567", "앞자리 {R} 뒷자리 {R}"),
        mask(
            "주민등록번호는 900101이고 뒷자리는 2345678입니다",
            "주민등록번호는 {R}이고 뒷자리는 {R}입니다",
        ),
        mask("외국인등록번호 900101-5234567", "외국인등록번호 {R}"),
        mask("주민번호 ９００１０１－１２３４５６７", "주민번호 {R}"),
        mask("주민번호 900101ㅡ1234567", "주민번호 {R}"),
        mask("주민번호 뒤 7자리 1234567", "주민번호 뒤 7자리 {R}"),
        // E-mail addresses.
        mask("메일 kim.cs@naver.com 주세요", "메일 {E} 주세요"),
        mask("hong @ example.com 으로", "{E} 으로"),
        mask("hong 골뱅이 naver.com", "{E}"),
        mask("hong골뱅이naver닷com으로 보내주세요", "{E}으로 보내주세요"),
        mask("hong (at) daum.net", "{E}"),
        mask("hong [at] gmail [dot] com", "{E}"),
        mask("메일은 hong at naver dot com 입니다", "메일은 {E} 입니다"),
        mask("hong@네이버로 회신 바랍니다", "{E}로 회신 바랍니다"),
        mask("hong 골뱅이 네이버 닷컴", "{E}"),
        mask("ＨＯＮＧ＠ＮＡＶＥＲ．ＣＯＭ", "{E}"),
        // Bank accounts and cards.
        mask(
            "환불은 신한은행 110-123-456789로 해주세요",
            "환불은 신한은행 {A}로 해주세요",
        ),
        mask("국민 123456-01-234567 홍길동", "국민 {A} 홍길동"),
        mask("계좌번호: 1002 123 456789", "계좌번호: {A}"),
        mask("입금 계좌 3333012345678", "입금 계좌 {A}"),
        mask("1002-123-456789 (우리은행)", "{A} (우리은행)"),
        mask("302-1234-5678-11 로 보내 주세요", "{A} 로 보내 주세요"),
        mask("카드 4111-1111-1111-1111 결제", "카드 {C} 결제"),
        mask("4111 1111 1111 1111", "{C}"),
        mask("5500000000000004", "{C}"),
        mask("3782 822463 10005", "{C}"),
        // Vehicle plates, when the city masks them.
        with(
            Setting::Plates,
            mask("12가3456 차량이 불법주차", "{V} 차량이 불법주차"),
        ),
        with(Setting::Plates, mask("123가 4567 흰색 SUV", "{V} 흰색 SUV")),
        with(Setting::Plates, mask("서울12가3456", "{V}")),
        with(Setting::Plates, mask("전북 34 나 5678 트럭", "{V} 트럭")),
        keep("12가3456 차량이 불법주차"),
        // Public numbers, as configured.
        with(
            Setting::Public("063-222-xxxx"),
            keep("시청 063-222-1234로 문의"),
        ),
        with(
            Setting::Public("063-222-xxxx"),
            mask("집 063-223-1234", "집 {P}"),
        ),
        keep("120에 전화했어요"),
        keep("112 신고 후 119도 불렀어요"),
        keep("1588-1234로 문의"),
        keep("대표번호 1644-0000"),
        keep("전화번호 안내는 114"),
        // Addresses, lot numbers, dates, times, routes, receipts, prices.
        keep("전주시 덕진구 123-45"),
        keep("산 12-3 번지"),
        keep("효자동 3가 1234-5"),
        keep("버스 정류장 번호 36-123"),
        keep("2026-12-07 14:30"),
        keep("2026.12.07 오후 2시"),
        keep("26.12.07에 봤어요"),
        keep("12월 7일 14:30경"),
        keep("07:30~09:00 사이"),
        keep("10:00-18:00 운영"),
        keep("시간 2026-12-07T09:00:00+09:00"),
        keep("2026년 12월 7일"),
        keep("2026-12-07-0001"),
        keep("101번 버스"),
        keep("버스 번호 1000번"),
        keep("접수번호 JB-2026-000123"),
        keep("JB-2026-000042 건과 같은 문제"),
        keep("12,000원"),
        keep("1,200,000원 들었어요"),
        keep("국민 여러분 예산 1,234,567,890원"),
        keep("신한카드 포인트 12,000점"),
        keep("좌표 35.8242, 127.1480"),
        keep("포트홀 지름 30cm, 깊이 10cm"),
        keep("우편번호 54999"),
        keep("면적 1,234.5㎡"),
        keep("2층 201호"),
        keep("주민센터 앞 123-4"),
        keep("주민센터에서 20261207 접수"),
        keep("사업자등록번호 123-45-67890"),
        keep("주문번호 2026120712345670"),
        keep("1234567890123"),
        keep("9913451234567"),
        keep("900230-1234567"),
        keep("이사 가기 전 3일 동안 공사가 있었어요"),
        keep("삼일로 사거리 공사 구간"),
        keep("오일 교환 후 일이 많아서"),
        keep("공공 와이파이 2곳"),
        keep("육교 계단 12칸"),
        keep("버전 v1.0.10"),
        keep("0.5톤 트럭"),
    ]
}
