//! Numbers written the ways people write them: every separator, spaces
//! around it, groups spelled in Korean, full-width digits, parentheses and
//! +82. The property tests draw from these; the figures enumerate them.

/// What people put between digit groups.
pub const SEPARATORS: [&str; 15] = [
    "-", "‐", "‑", "‒", "–", "—", "―", "ー", "−", "－", "ㅡ", ".", "/", " ", "",
];

/// How a number is written.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// One of [`SEPARATORS`].
    pub separator: &'static str,
    /// A space either side of the separator.
    pub spaced: bool,
    /// Which groups are spelled in Korean (bit i: group i).
    pub spelled: u8,
    /// Full-width digits.
    pub full_width: bool,
}

impl Style {
    /// Every style.
    pub fn all() -> impl Iterator<Item = Self> {
        SEPARATORS.into_iter().flat_map(|separator| {
            (0..2).flat_map(move |spaced| {
                (0..8).flat_map(move |spelled| {
                    (0..2).map(move |full_width| Self {
                        separator,
                        spaced: spaced == 1,
                        spelled,
                        full_width: full_width == 1,
                    })
                })
            })
        })
    }

    /// What goes between two groups.
    pub fn between(self) -> String {
        match self.separator {
            " " | "" => self.separator.to_owned(),
            sep if self.spaced => format!(" {sep} "),
            sep => sep.to_owned(),
        }
    }

    /// `groups` written in this style; returns the text and each group as written.
    pub fn write(self, groups: &[String]) -> (String, Vec<String>) {
        let written: Vec<String> = groups
            .iter()
            .enumerate()
            .map(|(i, group)| {
                if self.spelled & (1 << i.min(7)) != 0 {
                    spell(group, i)
                } else if self.full_width {
                    full_width(group)
                } else {
                    group.clone()
                }
            })
            .collect();
        (written.join(&self.between()), written)
    }
}

/// Digits in Korean words (0 as 공 or, in every other group, 영).
pub fn spell(digits: &str, group: usize) -> String {
    const WORDS: [char; 10] = ['공', '일', '이', '삼', '사', '오', '육', '칠', '팔', '구'];
    digits
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(0) if group % 2 == 1 => '영',
            Some(d) => WORDS[d as usize],
            None => c,
        })
        .collect()
}

/// ASCII letters, digits and punctuation in their full-width forms.
pub fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) - 0x21 + 0xFF01).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A small deterministic generator, so the figures are the same on every run.
#[derive(Debug)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    /// `len` random digits, the first from `first`.
    pub fn digits(&mut self, first: &str, len: usize) -> String {
        let first = first.as_bytes()[self.below(first.len() as u64) as usize] as char;
        std::iter::once(first)
            .chain((1..len).map(|_| char::from(b'0' + self.below(10) as u8)))
            .collect()
    }
}

/// The digit groups of a Korean phone number from `seed`: mobile, Seoul,
/// a province's landline or an internet phone.
pub fn phone_groups(rng: &mut Lcg) -> Vec<String> {
    const AREAS: [&str; 8] = ["010", "011", "02", "063", "031", "051", "064", "070"];
    let area = AREAS[rng.below(AREAS.len() as u64) as usize];
    let middle = if area == "010" || area == "070" || rng.below(2) == 0 {
        4
    } else {
        3
    };
    vec![
        area.to_owned(),
        rng.digits("23456789", middle),
        rng.digits("0123456789", 4),
    ]
}

/// A resident or foreigner registration number's front and back parts.
pub fn resident_number(rng: &mut Lcg) -> Vec<String> {
    let year = rng.below(100);
    let month = rng.below(12) + 1;
    let day = rng.below(28) + 1;
    vec![
        format!("{year:02}{month:02}{day:02}"),
        rng.digits("12345678", 7),
    ]
}

/// A card number that passes the Luhn check, in four groups.
pub fn card_groups(rng: &mut Lcg) -> Vec<String> {
    let mut digits: Vec<u32> = rng
        .digits("3456", 15)
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    digits.push((10 - sum % 10) % 10);
    let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    (0..4).map(|i| text[i * 4..i * 4 + 4].to_owned()).collect()
}

/// A bank account number in one of the banks' shapes.
pub fn account_groups(rng: &mut Lcg) -> Vec<String> {
    const SHAPES: [&[usize]; 6] = [
        &[3, 3, 6],
        &[4, 3, 6],
        &[6, 2, 6],
        &[3, 6, 5],
        &[4, 2, 7],
        &[3, 4, 4, 2],
    ];
    let shape = SHAPES[rng.below(SHAPES.len() as u64) as usize];
    shape
        .iter()
        .map(|&len| rng.digits("123456789", len))
        .collect()
}

/// Words a bank account is written after.
pub const ACCOUNT_CONTEXTS: [&str; 5] = ["신한은행", "국민", "입금 계좌", "농협", "환불 계좌는"];

/// How an e-mail address's `@` is written.
pub const AT_SIGNS: [&str; 8] = [
    "@",
    " @ ",
    "＠",
    " 골뱅이 ",
    "골뱅이",
    " (at) ",
    " [at] ",
    " at ",
];

/// How its dots are written.
pub const DOTS: [&str; 6] = [".", " . ", " 닷 ", "닷", " dot ", " (dot) "];

/// Mail domains, as labels.
pub const DOMAINS: [&[&str]; 5] = [
    &["naver", "com"],
    &["daum", "net"],
    &["gmail", "com"],
    &["jeonju", "go", "kr"],
    &["korea", "ac", "kr"],
];

/// An e-mail address's local part.
pub fn local_part(rng: &mut Lcg) -> String {
    let letters = "abcdefghijklmnopqrstuvwxyz";
    let len = 4 + rng.below(5) as usize;
    let mut local: String = (0..len)
        .map(|_| letters.as_bytes()[rng.below(26) as usize] as char)
        .collect();
    if rng.below(2) == 0 {
        local.push_str(&rng.digits("0123456789", 2));
    }
    local
}

/// Text that is not personal data and must come back as it is: dates,
/// times, lot numbers, prices, bus routes, receipt numbers, coordinates
/// and public offices' numbers, with random values.
pub fn not_personal(rng: &mut Lcg) -> String {
    let year = 2000 + rng.below(30);
    let (month, day) = (rng.below(12) + 1, rng.below(28) + 1);
    let (hour, minute) = (rng.below(24), rng.below(60));
    match rng.below(14) {
        0 => format!("{year}-{month:02}-{day:02}에 발견"),
        1 => format!("{year}.{month:02}.{day:02} {hour:02}:{minute:02}"),
        2 => format!("{year}/{month}/{day} 오후"),
        3 => format!("{:02}.{month:02}.{day:02}부터", year % 100),
        4 => format!("덕진구 {}-{}", rng.below(1000) + 1, rng.below(100) + 1),
        5 => format!("산 {}-{} 번지", rng.below(200) + 1, rng.below(20) + 1),
        6 => format!("{},{:03}원", rng.below(999) + 1, rng.below(1000)),
        7 => format!(
            "{},{:03},{:03}원",
            rng.below(99) + 1,
            rng.below(1000),
            rng.below(1000)
        ),
        8 => format!("{}번 버스", rng.below(999) + 1),
        9 => format!("접수번호 JB-{year}-{:06}", rng.below(1_000_000)),
        10 => format!("35.{:04}, 127.{:04}", rng.below(10_000), rng.below(10_000)),
        11 => format!("15{}-{:04}로 문의", 44 + rng.below(56), rng.below(10_000)),
        12 => format!("{hour:02}:{minute:02}~{:02}:00", (hour + 1) % 24),
        _ => format!("{month}월 {day}일 {}시", rng.below(12) + 1),
    }
}
