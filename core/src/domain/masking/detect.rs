//! The detectors: each finds one kind of personal data in folded text
//! ([`super::fold`]) and claims its spans. [`super::Masking::mask`] runs
//! them from the most specific pattern to the least, so a resident
//! registration number is not half taken for a phone number.
//!
//! Every pattern is a `regex` automaton (no backtracking). Phone numbers,
//! registration numbers, plates and e-mail addresses are searched for
//! through the whole text; the shapes that start with long runs of digits
//! (cards, accounts, the parts of a registration number) are tried only
//! where a run of digits starts, anchored there, and their context words
//! are looked for only in a window around them. A text is read a bounded
//! number of times, whatever it holds.

use std::sync::LazyLock;

use regex::Regex;

use super::found::Found;
use super::public_numbers::PublicNumbers;
use super::Kind;

// The patterns are literals, compiled once; a unit test proves they compile.
#[expect(clippy::expect_used, reason = "literal patterns, verified by tests")]
fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("masking pattern compiles")
}

/// Korean numbers after their leading 0: mobile 01x, Seoul 2, the
/// provinces 31–64, internet phones 70, personal numbers 050x.
const AREA: &str = "(?:1[016789]|2|[3-6][1-5]|70|50[2-8])";

/// Between two digit groups: a separator with up to two spaces around it,
/// or one or two spaces.
const GAP: &str = r"(?:\x20{0,2}[-./]\x20{0,2}|\x20{1,2})";

/// A date of birth `YYMMDD` (the day is checked against the month by [`is_birth_date`]).
const BIRTH_DATE: &str = "[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])";

/// The back part of a resident (1–4) or foreigner (5–8) registration number.
const BACK_PART: &str = "[1-8][0-9]{6}";

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?:(?:\+|00)\x20?82\x20{{0,2}}[-.]?\x20{{0,2}}(?:\(0\)\x20?)?0?{AREA}|\(\x20?0{AREA}\x20?\)|0{AREA}\)?){GAP}?[0-9]{{3,4}}{GAP}?[0-9]{{4}}"
    ))
});

static RESIDENT_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"{BIRTH_DATE}(?:\x20{{0,2}}[-./]\x20{{0,2}}|\x20{{1,2}})?{BACK_PART}"
    ))
});

/// Words before a date of birth that make it the front of a registration number.
static FRONT_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"주민|등록\x20?번호|앞\x20?자리|앞\x20?번호"));

/// Words before seven digits that make them the back of a registration number.
static BACK_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"뒷\x20?자리|뒤\x20?자리|뒷\x20?번호|뒤\x20?번호|뒷부분|뒤\x20?7\x20?자리")
});

/// 16 digits in four groups (or none), and American Express's 4-6-5,
/// anchored where a run of digits starts.
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    let sep = r"(?:\x20?[-./]\x20?|\x20)?";
    pattern(&format!(
        "^(?:[0-9]{{4}}{sep}[0-9]{{4}}{sep}[0-9]{{4}}{sep}[0-9]{{4}}|3[47][0-9]{{2}}{sep}[0-9]{{6}}{sep}[0-9]{{5}})"
    ))
});

/// Digit groups that may be a bank account, anchored where a run of digits
/// starts: 2–5 groups or one run (the digits are counted by [`accounts`]).
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(?:[0-9]{2,6}(?:(?:\x20?[-./]\x20?|\x20)[0-9]{2,7}){1,4}|[0-9]{10,14})")
});

/// Words that make a number near them a bank account: banking words and
/// the names banks go by without "은행".
static ACCOUNT_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        "계좌|통장|은행|입금|송금|이체|환불|예금주|뱅크|국민|신한|농협|기업|우체국|새마을|수협|신협|씨티|토스|카뱅|KB|NH|IBK|SC|(?i:bank|account)",
    )
});

/// How far (bytes of folded text: 20 Korean or 60 ASCII characters) a
/// context word reaches.
const CONTEXT_REACH: usize = 60;

/// Vehicle registration plates: `12가3456`, `123가4567`, `서울12가3456`.
static PLATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?:(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주)\x20?)?[0-9]{2,3}\x20?[가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배허하호]\x20?[0-9]{4}",
    )
});

/// An e-mail address as written, spaces allowed around `@`.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"[A-Za-z0-9][A-Za-z0-9._%+-]*\x20{0,2}@\x20{0,2}[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    )
});

/// An e-mail address spelled out: `hong 골뱅이 naver 닷 com`,
/// `hong (at) daum.net`, `hong@네이버`.
static SPELLED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let at_word = r"(?:@|골뱅이|앳|\(at\)|\[at\]|\{at\}|<at>)";
    let at = format!(r"(?:\x20{{0,2}}{at_word}\x20{{0,2}}|\x20{{1,2}}at\x20{{1,2}})");
    let dot = r"(?:\x20{0,2}(?:\.|닷|\(dot\)|\[dot\]|\{dot\})\x20{0,2}|\x20{1,2}dot\x20{1,2}|dot)";
    let provider = "네이버|다음|한메일|지메일|네이트|카카오|구글|야후|핫메일|naver|daum|hanmail|gmail|nate|kakao|yahoo|hotmail|outlook|icloud";
    let label = format!("(?:{provider}|[a-z0-9-]+)");
    let tld = "com|net|org|kr|co|jp|cn|io|me|edu|gov|info|biz|컴|넷|케이알";
    pattern(&format!(
        r"(?i)[a-z0-9][a-z0-9._%+-]*(?:{at}{label}(?:{dot}{label})*{dot}(?:{tld})|\x20{{0,2}}{at_word}\x20{{0,2}}(?:{provider}))"
    ))
});

/// Whether `start..end` of `text` stands alone: no digit touches it, and
/// it does not continue a code or a decimal (`JB-2026-…`, `…-1`, `3.5…`;
/// `Tel.010-…` is fine).
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let mut before = text.get(..start).unwrap_or_default().chars().rev();
    let (b1, b2) = (before.next(), before.next());
    let mut after = text.get(end..).unwrap_or_default().chars();
    let (a1, a2) = (after.next(), after.next());
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !(digit(b1)
        || digit(a1)
        || (b1 == Some('-') && alphanumeric(b2))
        || (b1 == Some('.') && digit(b2))
        || (matches!(a1, Some('-' | '.')) && digit(a2)))
}

/// Like [`stands_alone`], and no ASCII letter touches it either (`ID1234…`).
fn stands_apart(text: &str, start: usize, end: usize) -> bool {
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    stands_alone(text, start, end)
        && !letter(text.get(..start).unwrap_or_default().chars().next_back())
        && !letter(text.get(end..).unwrap_or_default().chars().next())
}

/// The start of the character after the one at `at`.
fn next_char(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(text.len(), |c| at + c.len_utf8())
}

/// Calls `f` with each match of `re` in `text` that `alone` accepts,
/// leftmost first, never overlapping; a refused match is tried again one
/// character later (a shorter number may start there).
fn each_match(
    re: &Regex,
    text: &str,
    alone: fn(&str, usize, usize) -> bool,
    mut f: impl FnMut(usize, usize) -> bool,
) {
    let mut at = 0;
    while let Some(m) = re.find_at(text, at) {
        if alone(text, m.start(), m.end()) && f(m.start(), m.end()) {
            at = m.end();
        } else {
            at = next_char(text, m.start());
        }
    }
}

/// The runs of ASCII digits in `text`: start and end of each.
fn digit_runs(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + bytes.get(at..)?.iter().position(u8::is_ascii_digit)?;
        let len = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(bytes.len() - start);
        at = start + len;
        Some((start, at))
    })
}

/// The longest card or account number as written, in bytes (digits and
/// separators with spaces around them).
const LONGEST_NUMBER: usize = 40;

/// Calls `f` with the match of the anchored `re` where each run of digits
/// in `text` starts, if `alone` accepts it; only where the
/// [`LONGEST_NUMBER`] bytes from there hold `min_digits` digits. Each
/// search reads at most that many bytes, so the whole costs one pass
/// over the text.
fn each_anchored(
    re: &Regex,
    text: &str,
    min_digits: usize,
    alone: fn(&str, usize, usize) -> bool,
    mut f: impl FnMut(usize, usize),
) {
    for (start, _) in digit_runs(text) {
        let window = text
            .get(start..boundary_at_most(text, start + LONGEST_NUMBER))
            .filter(|w| w.bytes().filter(u8::is_ascii_digit).count() >= min_digits);
        if let Some(m) = window.and_then(|window| re.find(window)) {
            let end = start + m.end();
            if alone(text, start, end) {
                f(start, end);
            }
        }
    }
}

/// The largest character boundary of `text` at or below `at`.
fn boundary_at_most(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether a word of `context` is within [`CONTEXT_REACH`] before `start`
/// (or, with `after`, after `end`), not inside a placeholder: the words
/// of "[주민등록번호 비공개]" are no context, so masking twice changes nothing.
fn near_context(context: &Regex, text: &str, (start, end): (usize, usize), after: bool) -> bool {
    let from = boundary_at_most(text, start.saturating_sub(CONTEXT_REACH));
    let to = if after {
        boundary_at_most(text, end + CONTEXT_REACH)
    } else {
        start
    };
    let Some(window) = text.get(from..to) else {
        return false;
    };
    context
        .find_iter(window)
        .any(|m| !inside_placeholder(text, from + m.end()))
}

/// Whether `at` is inside a placeholder: " 비공개]" closes it before any `[`.
fn inside_placeholder(text: &str, at: usize) -> bool {
    let rest = text.get(at..).unwrap_or_default();
    let end = rest.find([']', '[']).filter(|&i| i <= 40);
    end.is_some_and(|i| rest[..i].ends_with(" 비공개") && rest[i..].starts_with(']'))
}

/// The ASCII digits of `text`.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Whether `text` has an `@` or a word standing for one: without one, it
/// holds no e-mail address.
pub(super) fn may_hold_email(text: &str) -> bool {
    text.contains('@')
        || text.contains("골뱅이")
        || text.contains('앳')
        || text
            .as_bytes()
            .windows(2)
            .any(|w| w.eq_ignore_ascii_case(b"at"))
}

/// E-mail addresses, written or spelled out.
pub(super) fn emails(text: &str, found: &mut Found) {
    for re in [&*EMAIL, &*SPELLED_EMAIL] {
        let ends_word = |text: &str, _: usize, end: usize| {
            !text
                .get(end..)
                .unwrap_or_default()
                .starts_with(|c: char| c.is_ascii_alphanumeric())
        };
        each_match(re, text, ends_word, |start, end| {
            found.claim(start, end, Some(Kind::Email))
        });
    }
}

/// Whether `yymmdd` is a day of some year (29 February counts).
fn is_birth_date(yymmdd: &str) -> bool {
    let number = |range: std::ops::Range<usize>| {
        yymmdd
            .get(range)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (month, day) = (number(2..4), number(4..6));
    let days = match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    };
    (1..=days).contains(&day)
}

/// Resident and foreigner registration numbers written whole: a date of
/// birth, then the back part, with a hyphen, spaces or nothing between.
pub(super) fn resident_numbers(text: &str, found: &mut Found) {
    each_match(&RESIDENT_NUMBER, text, stands_apart, |start, end| {
        is_birth_date(text.get(start..start + 6).unwrap_or_default())
            && found.claim(start, end, Some(Kind::ResidentNumber))
    });
}

/// Registration numbers split by words: a date of birth after "주민번호"
/// or "앞자리", seven digits after "뒷자리" or soon after a front part
/// ("앞자리 900101 뒷자리 1234567", "주민번호 900101 그리고 1234567").
pub(super) fn resident_number_parts(text: &str, found: &mut Found) {
    let mut front_end = None;
    for (start, end) in digit_runs(text) {
        let run = text.get(start..end).unwrap_or_default();
        let claimed = match run.len() {
            6 => {
                is_birth_date(run)
                    && stands_apart(text, start, end)
                    && near_context(&FRONT_CONTEXT, text, (start, end), false)
                    && found.claim(start, end, Some(Kind::ResidentNumber))
            }
            7 => {
                let after_front = front_end.is_some_and(|e| start <= e + CONTEXT_REACH);
                (b'1'..=b'8').contains(&run.as_bytes()[0])
                    && stands_apart(text, start, end)
                    && (after_front || near_context(&BACK_CONTEXT, text, (start, end), false))
                    && found.claim(start, end, Some(Kind::ResidentNumber))
            }
            _ => false,
        };
        if claimed && run.len() == 6 {
            front_end = Some(end);
        }
    }
}

/// Whether `digits` pass the Luhn check of card numbers.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
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
    sum.is_multiple_of(10)
}

/// Card numbers: 16 digits in four groups of four (or 4-6-5) that pass
/// the Luhn check, which random 16-digit numbers fail nine times in ten.
pub(super) fn cards(text: &str, found: &mut Found) {
    each_anchored(&CARD, text, 15, stands_apart, |start, end| {
        if luhn(&digits(text.get(start..end).unwrap_or_default())) {
            found.claim(start, end, Some(Kind::Card));
        }
    });
}

/// The national form (`0…`) of a phone number as written (`+82 10-…`).
fn national(number: &str) -> String {
    let all = digits(number);
    let rest = if number.starts_with('+') {
        all.strip_prefix("82")
    } else {
        all.strip_prefix("0082")
    };
    match rest {
        Some(rest) if rest.starts_with('0') => rest.to_owned(),
        Some(rest) => format!("0{rest}"),
        None => all,
    }
}

/// Phone numbers (mobile, landline, internet, +82), except `public` ones,
/// which are claimed as they are so no later detector takes them.
pub(super) fn phones(text: &str, public: &PublicNumbers, found: &mut Found) {
    each_match(&PHONE, text, stands_alone, |start, end| {
        let number = text.get(start..end).unwrap_or_default();
        let kind = (!public.contains(&national(number))).then_some(Kind::Phone);
        found.claim(start, end, kind)
    });
}

/// Bank account numbers: 10–14 digits with a banking word or a bank's name
/// within 20 characters, or without one in the hyphenated shapes banks use
/// (3-3-6, 4-3-6, 6-2-6, 3-4-4-2, …: a group of five or more digits, or
/// four groups) that are not dates.
pub(super) fn accounts(text: &str, found: &mut Found) {
    each_anchored(&ACCOUNT, text, 10, stands_apart, |start, end| {
        let number = text.get(start..end).unwrap_or_default();
        let count = number.bytes().filter(u8::is_ascii_digit).count();
        if !(10..=14).contains(&count) {
            return;
        }
        let usual = || {
            let groups: Vec<&str> = number.split('-').map(str::trim).collect();
            let hyphenated = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
            let long_group = groups.iter().any(|g| g.len() >= 5);
            let date = groups
                .first()
                .is_some_and(|g| g.len() == 4 && (g.starts_with("19") || g.starts_with("20")))
                && groups.get(1).is_some_and(|g| g.len() == 2);
            hyphenated
                && count >= 11
                && !date
                && ((groups.len() >= 3 && long_group) || groups.len() >= 4)
        };
        if usual() || near_context(&ACCOUNT_CONTEXT, text, (start, end), true) {
            found.claim(start, end, Some(Kind::Account));
        }
    });
}

/// Vehicle registration plates.
pub(super) fn plates(text: &str, found: &mut Found) {
    each_match(&PLATE, text, stands_alone, |start, end| {
        found.claim(start, end, Some(Kind::VehiclePlate))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &PHONE,
            &RESIDENT_NUMBER,
            &FRONT_CONTEXT,
            &BACK_CONTEXT,
            &CARD,
            &ACCOUNT,
            &ACCOUNT_CONTEXT,
            &PLATE,
            &EMAIL,
            &SPELLED_EMAIL,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn luhn_and_birth_dates_are_checked() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(is_birth_date("000229"));
        assert!(!is_birth_date("900230"));
        assert!(!is_birth_date("901301"));
        assert_eq!(national("+82 10-1234-5678"), "01012345678");
        assert_eq!(national("+82 (0)2-120"), "02120");
        assert_eq!(national("(063) 222-1234"), "0632221234");
    }
}
