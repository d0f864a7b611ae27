//! The duplicate search's settings: whether a submission is answered with
//! its possible duplicates, and how far apart in time they may be.

use chrono::TimeDelta;
use clap::Args;
use sinmungo_core::domain::duplicates::{DuplicateSettings, DEFAULT_WINDOW_DAYS};

/// Duplicate suggestions.
#[derive(Debug, Clone, Copy, Args)]
pub struct DuplicateConfig {
    /// Answer a submission with the open reports of its category nearby that may be the same problem (`possible_duplicates`).
    #[arg(
        long = "duplicate-suggestions",
        env = "SINMUNGO_DUPLICATE_SUGGESTIONS",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub suggestions: bool,

    /// Days between two submissions within which one may duplicate the other.
    #[arg(
        long = "duplicate-window-days",
        env = "SINMUNGO_DUPLICATE_WINDOW_DAYS",
        default_value_t = DEFAULT_WINDOW_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub window_days: u32,
}

impl Default for DuplicateConfig {
    /// Suggestions on, within 30 days.
    fn default() -> Self {
        Self {
            suggestions: true,
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

impl DuplicateConfig {
    /// The settings the use cases follow.
    pub fn settings(&self) -> DuplicateSettings {
        DuplicateSettings {
            suggest_at_submit: self.suggestions,
            window: TimeDelta::days(i64::from(self.window_days)),
        }
    }
}
