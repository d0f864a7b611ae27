//! The figures of docs/masking.md: recall and false positives of the
//! masking of ed15eb2 ("before", [`crate::legacy`]) and of today's, on the
//! hard-case table and on generated variants; and how long masking takes.
//! Run with `cargo test --release -p sinmungo-core --test masking figures -- --nocapture`.

use std::time::Instant;

use sinmungo_core::domain::masking::Masking;

use crate::cases::{cases, Case};
use crate::legacy;
use crate::variants::{
    account_groups, card_groups, full_width, local_part, not_personal, phone_groups,
    resident_number, Lcg, Style, ACCOUNT_CONTEXTS, AT_SIGNS, DOMAINS, DOTS,
};

/// Words that spell an `@` or a dot, left in a text by nobody's fault.
const SPELLING: [&str; 7] = ["골뱅이", "dot", "닷", "(at)", "[at]", "at", "com"];

/// Whether nothing of `secret` survives in `masked`: none of its runs of
/// three or more letters or digits (an e-mail's name, a number's groups).
fn caught(secret: &str, masked: &str) -> bool {
    secret
        .split(|c: char| !c.is_alphanumeric())
        .filter(|run| run.chars().count() >= 3 && !SPELLING.contains(run))
        .all(|run| !masked.contains(run))
}

/// A count out of a total.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Share {
    hits: usize,
    total: usize,
}

impl Share {
    fn add(&mut self, hit: bool) {
        self.total += 1;
        self.hits += usize::from(hit);
    }

    fn rate(self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.hits as f64 / self.total as f64
        }
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} ({:.1} %)",
            self.hits,
            self.total,
            100.0 * self.rate()
        )
    }
}

/// A masking to measure: the old function, or today's with a case's setting.
type Mask<'a> = &'a dyn Fn(&Case, &str) -> String;

/// Recall, exact answers and false positives on the hard cases.
fn on_the_table(mask: Mask<'_>) -> (Share, Share, Share) {
    let (mut recall, mut exact, mut false_positives) = Default::default();
    for case in cases() {
        let masked = mask(&case, case.text);
        Share::add(&mut exact, masked == case.expected());
        if case.is_personal() {
            Share::add(
                &mut recall,
                case.secrets().iter().all(|s| caught(s, &masked)),
            );
        } else {
            Share::add(&mut false_positives, masked != case.text);
        }
    }
    (recall, exact, false_positives)
}

/// A generated text and its personal parts (none: it is not personal).
struct Variant {
    kind: &'static str,
    text: String,
    secrets: Vec<String>,
}

/// Every style of a few random numbers of each kind, every way of writing
/// an e-mail address, and random text that is not personal.
fn variants() -> Vec<Variant> {
    let mut rng = Lcg::new(19);
    let mut out = Vec::new();
    let mut push = |kind, text: String, secrets: Vec<String>| {
        out.push(Variant {
            kind,
            text,
            secrets,
        });
    };
    for _ in 0..4 {
        let phone = phone_groups(&mut rng);
        let rrn = resident_number(&mut rng);
        let card = card_groups(&mut rng);
        let account = account_groups(&mut rng);
        let context = ACCOUNT_CONTEXTS[rng.below(ACCOUNT_CONTEXTS.len() as u64) as usize];
        for style in Style::all() {
            let (text, groups) = style.write(&phone);
            push("phone numbers", format!("전화 {text}로 주세요"), groups);
            let (text, groups) = style.write(&rrn);
            push(
                "registration numbers",
                format!("주민번호 {text} 입니다"),
                groups,
            );
            if style.spelled == 0 {
                let (text, groups) = style.write(&card);
                push("card numbers", format!("카드 {text} 입니다"), groups);
                let (text, groups) = style.write(&account);
                push(
                    "account numbers",
                    format!("{context} {text}로 입금"),
                    groups,
                );
            }
        }
    }
    for at in AT_SIGNS {
        for dot in DOTS {
            for domain in DOMAINS {
                let local = local_part(&mut rng);
                let text = format!("메일 {local}{at}{} 주세요", domain.join(dot));
                push("e-mail addresses", text.clone(), vec![local.clone()]);
                push(
                    "e-mail addresses",
                    full_width(&text),
                    vec![full_width(&local)],
                );
            }
        }
    }
    for _ in 0..2000 {
        push(
            "text that is not personal",
            not_personal(&mut rng),
            Vec::new(),
        );
    }
    out
}

/// Per kind of variant: personal ones caught, or other ones changed.
fn on_the_variants(
    variants: &[Variant],
    mask: &dyn Fn(&str) -> String,
) -> Vec<(&'static str, Share)> {
    let mut shares: Vec<(&'static str, Share)> = Vec::new();
    for variant in variants {
        let masked = mask(&variant.text);
        let hit = if variant.secrets.is_empty() {
            masked != variant.text
        } else {
            variant.secrets.iter().all(|s| caught(s, &masked))
        };
        match shares.iter_mut().find(|(kind, _)| *kind == variant.kind) {
            Some((_, share)) => share.add(hit),
            None => {
                let mut share = Share::default();
                share.add(hit);
                shares.push((variant.kind, share));
            }
        }
    }
    shares
}

/// Microseconds to mask each text once: the fastest of `rounds` rounds
/// (the least disturbed by whatever else the machine is doing).
fn microseconds_per_text(texts: &[String], rounds: usize, mask: &dyn Fn(&str) -> String) -> f64 {
    let mut fastest = f64::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        let bytes: usize = texts.iter().map(|text| mask(text).len()).sum();
        assert!(bytes > 0);
        fastest = fastest.min(started.elapsed().as_secs_f64());
    }
    fastest * 1e6 / texts.len() as f64
}

#[test]
fn figures() {
    let before_mask = |_: &Case, text: &str| legacy::mask_personal_data(text);
    let after_mask = |case: &Case, text: &str| case.setting.masking().mask(text);
    let before = on_the_table(&before_mask);
    let after = on_the_table(&after_mask);
    println!(
        "| hard cases ({} rows) | before (ed15eb2) | after |",
        cases().len()
    );
    println!("|---|---|---|");
    println!(
        "| personal data caught (recall) | {} | {} |",
        before.0, after.0
    );
    println!(
        "| masked exactly as expected | {} | {} |",
        before.1, after.1
    );
    println!(
        "| text that is not personal changed (false positives) | {} | {} |",
        before.2, after.2
    );

    let variants = variants();
    let masking = Masking::default();
    let before_variants = on_the_variants(&variants, &legacy::mask_personal_data);
    let after_variants = on_the_variants(&variants, &|text| masking.mask(text));
    println!();
    println!("| generated variants | before (ed15eb2) | after |");
    println!("|---|---|---|");
    for ((kind, before), (_, after)) in before_variants.iter().zip(&after_variants) {
        let what = if *kind == "text that is not personal" {
            "changed (false positives)"
        } else {
            "caught"
        };
        println!("| {kind}: {what} | {before} | {after} |");
    }

    // A complaint as long as real ones: a story, an address, a date, a phone number.
    let complaint = "안녕하세요. 전주시 덕진구 123-45 앞 도로에 포트홀이 생겨서 2026.12.07 14:30경 \
                     차량 타이어가 손상되었습니다. 지름 30cm 정도이고 101번 버스도 지나다니는 길이라 \
                     위험합니다. 빠른 보수 부탁드립니다. 연락은 공일공-1234-5678로 주세요. 감사합니다. "
        .repeat(3);
    let texts: Vec<String> = std::iter::once(complaint.clone())
        .chain(variants.iter().take(2000).map(|v| v.text.clone()))
        .collect();
    let per_text = microseconds_per_text(&texts, 20, &|t| masking.mask(t));
    let per_text_before = microseconds_per_text(&texts, 20, &legacy::mask_personal_data);
    let long = complaint.repeat(30);
    let per_long = microseconds_per_text(std::slice::from_ref(&long), 50, &|t| masking.mask(t));
    let per_long_before =
        microseconds_per_text(std::slice::from_ref(&long), 50, &legacy::mask_personal_data);
    println!();
    println!("| time to mask one text | before (ed15eb2) | after |");
    println!("|---|---|---|");
    println!(
        "| {} texts, {:.0} bytes on average | {per_text_before:.1} µs | {per_text:.1} µs |",
        texts.len(),
        texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64
    );
    println!(
        "| one complaint of {} bytes | {per_long_before:.0} µs | {per_long:.0} µs |",
        long.len()
    );

    // The new masking catches at least what the old one did, everywhere.
    assert!(after.0.rate() >= before.0.rate());
    assert_eq!(
        after.2.hits, 0,
        "no hard case that is not personal is changed"
    );
    for ((kind, before), (_, after)) in before_variants.iter().zip(&after_variants) {
        if *kind == "text that is not personal" {
            assert_eq!(after.hits, 0, "{kind}");
        } else {
            assert!(after.rate() >= before.rate(), "{kind}: {after} < {before}");
            assert_eq!(after.hits, after.total, "{kind}");
        }
    }
}
