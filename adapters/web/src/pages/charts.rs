//! Bar charts drawn on the server as inline SVG: no script, no `style`
//! attributes (colours and type come from `console.css` classes). Each
//! chart is an image with a title for screen readers; the table beside it
//! holds the same numbers as its text alternative.

use crate::lang::Lang;
use maud::{html, Markup};

/// One bar: what it counts and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    pub label: String,
    pub value: u64,
}

/// The drawing's width in user units (it scales to its box).
const WIDTH: f64 = 720.0;

/// `value` as a share of `max` of `length`, one decimal.
fn scaled(value: u64, max: u64, length: f64) -> f64 {
    if max == 0 {
        0.0
    } else {
        (value as f64 * length / max as f64 * 10.0).round() / 10.0
    }
}

/// Upright bars left to right (e.g. reports per day), the first and last
/// labels under the axis and the largest value above it.
pub(crate) fn columns(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let lang = Lang::current();
    const HEIGHT: f64 = 180.0;
    const TOP: f64 = 20.0;
    const AXIS: f64 = TOP + HEIGHT;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let slot = if bars.is_empty() {
        WIDTH
    } else {
        WIDTH / bars.len() as f64
    };
    let width = (slot * 0.8 * 10.0).round() / 10.0;
    let title_id = format!("{id}-title");
    html! {
        svg.chart id=(id) role="img" aria-labelledby=(title_id) viewBox={ "0 0 " (WIDTH) " " (AXIS + 24.0) } {
            title id=(title_id) { (title) }
            text.chart-note x="0" y="14" { (lang.pick("최대 ", "Max ")) (max) (lang.pick("건", "")) }
            line.chart-axis x1="0" y1=(AXIS) x2=(WIDTH) y2=(AXIS) {}
            @for (i, bar) in bars.iter().enumerate() {
                @let height = scaled(bar.value, max, HEIGHT);
                rect.chart-bar x=(((i as f64 * slot + slot * 0.1) * 10.0).round() / 10.0)
                    y=(((AXIS - height) * 10.0).round() / 10.0) width=(width) height=(height) {
                    title { (bar.label) ": " (bar.value) (lang.pick("건", "")) }
                }
            }
            @if let Some(first) = bars.first() {
                text.chart-label x="0" y=(AXIS + 18.0) { (first.label) }
            }
            @if let (Some(last), true) = (bars.last(), bars.len() > 1) {
                text.chart-label x=(WIDTH) y=(AXIS + 18.0) text-anchor="end" { (last.label) }
            }
        }
    }
}

/// Bars lying left to right, one row each (e.g. reports per category),
/// the label before the bar and the value after it.
pub(crate) fn rows(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let lang = Lang::current();
    const ROW: f64 = 26.0;
    const LABEL: f64 = 150.0;
    const ROOM: f64 = WIDTH - LABEL - 60.0;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let title_id = format!("{id}-title");
    html! {
        svg.chart id=(id) role="img" aria-labelledby=(title_id) viewBox={ "0 0 " (WIDTH) " " (ROW * bars.len().max(1) as f64) } {
            title id=(title_id) { (title) }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = i as f64 * ROW;
                @let length = scaled(bar.value, max, ROOM);
                text.chart-label x=(LABEL - 8.0) y=(y + 18.0) text-anchor="end" { (bar.label) }
                rect.chart-bar x=(LABEL) y=(y + 4.0) width=(length) height=(ROW - 8.0) {
                    title { (bar.label) ": " (bar.value) (lang.pick("건", "")) }
                }
                text.chart-label x=(LABEL + length + 6.0) y=(y + 18.0) { (bar.value) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: u64) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
        }
    }

    #[test]
    fn bars_are_scaled_to_the_largest_and_titled() {
        let svg = columns(
            "per-day",
            "일별 접수 건수",
            &[bar("2026-11-01", 2), bar("2026-11-02", 4)],
        )
        .into_string();
        assert!(svg.contains(r#"role="img" aria-labelledby="per-day-title""#));
        assert!(svg.contains(r#"<title id="per-day-title">일별 접수 건수</title>"#));
        assert!(
            svg.contains(r#"height="90""#),
            "2 of 4 is half of 180: {svg}"
        );
        assert!(svg.contains(r#"height="180""#), "{svg}");
        assert!(svg.contains("<title>2026-11-02: 4건</title>"));
        assert!(!svg.contains("style="), "no style attributes under the CSP");
    }

    #[test]
    fn an_empty_chart_draws_no_bars() {
        let svg = rows("by-category", "분류별", &[]).into_string();
        assert!(!svg.contains("<rect"));
        assert_eq!(scaled(0, 0, 100.0), 0.0);
    }
}
