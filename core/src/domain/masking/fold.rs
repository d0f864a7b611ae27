//! Text as the detectors read it. People type the same digit many ways —
//! `０`, `공`, `영` — and a dash as `–`, `ー` or the vowel `ㅡ`; folding
//! each character to one ASCII character lets one set of patterns catch
//! them all. Folding is one character for one, so a match in the folded
//! text maps straight back to the original.

use std::borrow::Cow;

/// The folded text, and where each of its characters came from.
#[derive(Debug)]
pub(super) struct Folded<'a> {
    /// The folded text (the original itself when nothing folds).
    pub(super) text: Cow<'a, str>,
    /// Where folded and original offsets part: after each character whose
    /// folded form is shorter or longer, its end in both, in order.
    /// Between two of them the offsets move together.
    shifts: Vec<(usize, usize)>,
}

impl<'a> Folded<'a> {
    /// Folds `original`: full-width forms to ASCII, every dash to `-`,
    /// every space to ` `, and Korean digit words to digits where they
    /// spell a number ([`Writer::run`]).
    pub(super) fn new(original: &'a str) -> Self {
        if is_folded(original) {
            return Self {
                text: Cow::Borrowed(original),
                shifts: Vec::new(),
            };
        }
        let mut out = Writer {
            text: String::with_capacity(original.len()),
            shifts: Vec::new(),
        };
        let mut run = Vec::new();
        for (at, raw) in original.char_indices() {
            let c = fold_char(raw);
            if c.is_ascii_digit() || korean_digit(c).is_some() {
                run.push((at, raw, c));
            } else {
                out.run(&mut run, Some(c));
                out.push(at, raw, c);
            }
        }
        out.run(&mut run, None);
        Self {
            text: Cow::Owned(out.text),
            shifts: out.shifts,
        }
    }

    /// The offset in the original of the folded offset `at` (a character
    /// boundary of the folded text, or its end).
    pub(super) fn original(&self, at: usize) -> usize {
        let before = self.shifts.partition_point(|&(folded, _)| folded <= at);
        match before.checked_sub(1).and_then(|i| self.shifts.get(i)) {
            Some(&(folded, original)) => original + (at - folded),
            None => at,
        }
    }
}

/// Writes the folded text.
struct Writer {
    text: String,
    shifts: Vec<(usize, usize)>,
}

impl Writer {
    /// Writes `c`, the folded form of `raw` found at `at` in the original.
    fn push(&mut self, at: usize, raw: char, c: char) {
        self.text.push(c);
        if c.len_utf8() != raw.len_utf8() {
            self.shifts.push((self.text.len(), at + raw.len_utf8()));
        }
    }

    /// Writes a run of digits and Korean digit words (offset, character,
    /// folded character), followed by `next`; the words become digits where
    /// they spell a number: with at least two of them ("공일공",
    /// "010-일이삼사"). A single one is a word or a counter ("7일",
    /// "사거리"), and a trailing 이 is the particle after written digits
    /// ("5678이") or before an ending ("오륙칠팔이에요").
    fn run(&mut self, run: &mut Vec<(usize, char, char)>, next: Option<char>) {
        let mut digits = run.len();
        let after_written = digits > 1 && run[digits - 2].2.is_ascii_digit();
        let before_ending = next.is_some_and(|c| ENDINGS.contains(&c));
        if digits > 1 && run[digits - 1].2 == '이' && (after_written || before_ending) {
            digits -= 1;
        }
        let spelled = run[..digits]
            .iter()
            .filter(|(_, _, c)| korean_digit(*c).is_some())
            .count();
        for (i, &(at, raw, c)) in run.iter().enumerate() {
            let c = match korean_digit(c) {
                Some(digit) if spelled >= 2 && i < digits => digit,
                _ => c,
            };
            self.push(at, raw, c);
        }
        run.clear();
    }
}

/// Whether folding would change nothing in `text` (most texts): no
/// character folds on its own, and no Korean digit word touches a digit or
/// another one.
fn is_folded(text: &str) -> bool {
    // Whether the previous character was a digit or a digit word (and which).
    let mut previous: Option<bool> = None;
    for c in text.chars() {
        if fold_char(c) != c {
            return false;
        }
        let spelled = korean_digit(c).is_some();
        let digitish = spelled || c.is_ascii_digit();
        if digitish && previous.is_some_and(|was_spelled| was_spelled || spelled) {
            return false;
        }
        previous = digitish.then_some(spelled);
    }
    true
}

/// One character folded on its own: full-width ASCII forms, dashes,
/// spaces. Korean digits depend on their neighbours and are left alone.
fn fold_char(c: char) -> char {
    match c {
        // Full-width digits, letters and punctuation (！ to ～) are ASCII shifted.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c),
        // Hyphens, dashes, the minus sign, the katakana long vowel mark and
        // the Korean vowel ㅡ, all typed between digit groups.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' | '\u{FE63}' | 'ㅡ' => '-',
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\t' => ' ',
        _ => c,
    }
}

/// The digit a Korean digit word (Sino-Korean: 공 and 영 for 0) stands for.
fn korean_digit(c: char) -> Option<char> {
    Some(match c {
        '공' | '영' => '0',
        '일' => '1',
        '이' => '2',
        '삼' => '3',
        '사' => '4',
        '오' => '5',
        '육' | '륙' => '6',
        '칠' => '7',
        '팔' => '8',
        '구' => '9',
        _ => return None,
    })
}

/// What follows 이 when it is the copula or the subject particle after a
/// number ("…팔이에요", "…팔이고", "…팔이며"), not the digit 2.
const ENDINGS: [char; 14] = [
    '에', '예', '고', '며', '라', '나', '니', '다', '지', '었', '여', '요', '면', '랑',
];
