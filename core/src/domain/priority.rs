//! Priorities and the service-level agreement that follows from them.

use chrono::TimeDelta;
use serde::Serialize;

use crate::domain::validation::FieldError;

/// How urgently a report must be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// A danger to life or property now.
    Urgent,
    /// Needs attention today.
    High,
    /// The usual case.
    Normal,
    /// Can wait.
    Low,
}

/// First-response and resolution targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    /// Time until an officer must first act.
    pub first_response: TimeDelta,
    /// Time until the problem must be resolved; `due_at` follows from it.
    pub resolution: TimeDelta,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Self; 4] = [Self::Urgent, Self::High, Self::Normal, Self::Low];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::High => "high",
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }

    /// Its place in a list by urgency: 0 for urgent … 3 for low.
    pub fn rank(self) -> u8 {
        match self {
            Self::Urgent => 0,
            Self::High => 1,
            Self::Normal => 2,
            Self::Low => 3,
        }
    }

    /// The Korean name officers and citizens read.
    pub fn label_ko(self) -> &'static str {
        match self {
            Self::Urgent => "긴급",
            Self::High => "높음",
            Self::Normal => "보통",
            Self::Low => "낮음",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "priority",
                    "unknown_priority",
                    "priority must be one of urgent, high, normal, low",
                )
            })
    }

    /// The product's default SLA: urgent 2 h / 24 h, high 8 h / 72 h,
    /// normal 24 h / 7 days, low 72 h / 14 days.
    pub fn default_sla(self) -> Sla {
        let (first, resolution) = match self {
            Self::Urgent => (TimeDelta::hours(2), TimeDelta::hours(24)),
            Self::High => (TimeDelta::hours(8), TimeDelta::hours(72)),
            Self::Normal => (TimeDelta::hours(24), TimeDelta::days(7)),
            Self::Low => (TimeDelta::hours(72), TimeDelta::days(14)),
        };
        Sla {
            first_response: first,
            resolution,
        }
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Ok(p));
        }
        assert_eq!(
            Priority::parse("URGENT").unwrap_err().code,
            "unknown_priority"
        );
    }

    #[test]
    fn more_urgent_means_sooner_due() {
        let resolutions: Vec<_> = Priority::ALL
            .iter()
            .map(|p| p.default_sla().resolution)
            .collect();
        assert!(resolutions.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            Priority::Urgent.default_sla().resolution,
            TimeDelta::hours(24)
        );
        assert_eq!(Priority::Low.default_sla().resolution, TimeDelta::days(14));
    }
}
