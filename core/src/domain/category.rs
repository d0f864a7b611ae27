//! Report categories and the departments they are routed to.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde::Serialize;

use crate::domain::department::{parse_code, Department, DepartmentCode};
use crate::domain::priority::{Priority, Sla};
use crate::domain::validation::FieldError;

/// A category's stable code (`road_damage`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Parses a category code (its existence is checked against the directory, not here).
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        parse_code("category", raw).map(Self)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The catch-all category `other`.
    pub fn other() -> Self {
        Self("other".to_owned())
    }
}

impl std::fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A kind of problem, and where reports of it go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Stable code.
    pub code: CategoryCode,
    /// Korean name (e.g. `도로 파손`).
    pub name: String,
    /// English name.
    pub name_en: String,
    /// The department its reports go to when no department claims the
    /// category (see [`routing`](crate::domain::routing)).
    pub department: DepartmentCode,
    /// The priority when no rule says otherwise.
    pub default_priority: Priority,
    /// The administrators' SLA targets, where they differ from the product's.
    pub sla: SlaOverrides,
    /// How far apart two reports of this category may be and still be the
    /// same problem, in metres.
    pub duplicate_radius_m: u32,
}

impl Category {
    /// The duplicate radius when an administrator has not set one (FixMyStreet's 250 m).
    pub const DEFAULT_DUPLICATE_RADIUS_M: u32 = 250;

    /// The SLA of a report of this category at `priority`.
    pub fn sla(&self, priority: Priority) -> Sla {
        self.sla.get(priority)
    }
}

/// A category's SLA targets per priority where they differ from the product's
/// default ([`Priority::default_sla`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SlaOverrides(BTreeMap<Priority, SlaHours>);

/// An SLA in whole hours, as administrators set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlaHours {
    /// Hours until the first response.
    pub first_response_hours: u32,
    /// Hours until resolution.
    pub resolution_hours: u32,
}

impl SlaHours {
    /// The longest target an administrator may set: one year.
    pub const MAX_HOURS: u32 = 8_760;

    /// Checks an SLA: both targets 1–[`MAX_HOURS`](Self::MAX_HOURS), the
    /// first response no later than the resolution.
    pub fn new(first_response_hours: u32, resolution_hours: u32) -> Result<Self, FieldError> {
        let in_range = |hours: u32| (1..=Self::MAX_HOURS).contains(&hours);
        if !in_range(first_response_hours) || !in_range(resolution_hours) {
            return Err(FieldError::new(
                "sla",
                "out_of_range",
                format!(
                    "SLA targets must be 1–{} hours (처리 기한은 1시간에서 1년 사이여야 합니다)",
                    Self::MAX_HOURS
                ),
            ));
        }
        if first_response_hours > resolution_hours {
            return Err(FieldError::new(
                "sla",
                "response_after_resolution",
                "the first response cannot be due after the resolution (첫 응답 기한이 처리 기한보다 늦습니다)",
            ));
        }
        Ok(Self {
            first_response_hours,
            resolution_hours,
        })
    }

    /// As durations.
    pub fn to_sla(self) -> Sla {
        Sla {
            first_response: TimeDelta::hours(i64::from(self.first_response_hours)),
            resolution: TimeDelta::hours(i64::from(self.resolution_hours)),
        }
    }
}

impl SlaOverrides {
    /// The SLA at `priority`: the override, else the product's default.
    pub fn get(&self, priority: Priority) -> Sla {
        self.0
            .get(&priority)
            .map_or_else(|| priority.default_sla(), |hours| hours.to_sla())
    }

    /// The override at `priority`, if there is one.
    pub fn hours(&self, priority: Priority) -> Option<SlaHours> {
        self.0.get(&priority).copied()
    }

    /// Sets (or with `None` removes) the override at `priority`.
    pub fn set(&mut self, priority: Priority, hours: Option<SlaHours>) {
        match hours {
            Some(hours) => self.0.insert(priority, hours),
            None => self.0.remove(&priority),
        };
    }

    /// Every override, most urgent first.
    pub fn iter(&self) -> impl Iterator<Item = (Priority, SlaHours)> + '_ {
        self.0.iter().map(|(p, h)| (*p, *h))
    }
}

/// The categories and departments the product ships with: one province-wide
/// department per category.
pub fn seeded() -> (Vec<Category>, Vec<Department>) {
    const SEED: [(&str, &str, &str, &str, &str, &str); 14] = [
        (
            "road_damage",
            "도로 파손",
            "Road damage",
            "road_management",
            "도로관리과",
            "Road Management Division",
        ),
        (
            "safety_hazard",
            "안전 위험",
            "Safety hazard",
            "safety_management",
            "안전총괄과",
            "Safety Management Division",
        ),
        (
            "streetlight",
            "가로등·보안등",
            "Street and security lights",
            "streetlight_management",
            "가로등관리팀",
            "Streetlight Management Team",
        ),
        (
            "traffic_facility",
            "교통시설물",
            "Traffic facilities",
            "traffic_facilities",
            "교통시설과",
            "Traffic Facilities Division",
        ),
        (
            "illegal_parking",
            "불법 주정차",
            "Illegal parking",
            "parking_enforcement",
            "주차단속과",
            "Parking Enforcement Division",
        ),
        (
            "illegal_dumping",
            "쓰레기 무단투기",
            "Illegal dumping",
            "sanitation",
            "청소행정과",
            "Sanitation Division",
        ),
        (
            "illegal_signage",
            "불법 광고물",
            "Illegal signage",
            "outdoor_advertising",
            "광고물관리팀",
            "Outdoor Advertising Team",
        ),
        (
            "pollution",
            "환경오염",
            "Pollution",
            "environmental_protection",
            "환경관리과",
            "Environmental Protection Division",
        ),
        (
            "noise",
            "소음",
            "Noise",
            "noise_control",
            "생활소음팀",
            "Noise Control Team",
        ),
        (
            "park_facility",
            "공원·놀이터",
            "Parks and playgrounds",
            "parks",
            "공원녹지과",
            "Parks and Green Spaces Division",
        ),
        (
            "water_sewer",
            "상하수도",
            "Water and sewers",
            "water_sewerage",
            "상하수도사업소",
            "Water and Sewerage Office",
        ),
        (
            "animal",
            "동물",
            "Animals",
            "animal_welfare",
            "동물보호팀",
            "Animal Welfare Team",
        ),
        (
            "public_transport",
            "대중교통",
            "Public transport",
            "public_transport",
            "대중교통과",
            "Public Transport Division",
        ),
        (
            "other",
            "기타",
            "Other",
            "civil_affairs",
            "민원봉사과",
            "Civil Affairs Division",
        ),
    ];
    SEED.iter()
        .map(
            |&(code, name, name_en, department, department_name, department_name_en)| {
                let department = DepartmentCode(department.to_owned());
                let code = CategoryCode(code.to_owned());
                (
                    Category {
                        code: code.clone(),
                        name: name.to_owned(),
                        name_en: name_en.to_owned(),
                        department: department.clone(),
                        default_priority: if code.as_str() == "safety_hazard" {
                            Priority::High
                        } else {
                            Priority::Normal
                        },
                        sla: SlaOverrides::default(),
                        duplicate_radius_m: Category::DEFAULT_DUPLICATE_RADIUS_M,
                    },
                    Department {
                        code: department,
                        name: department_name.to_owned(),
                        name_en: department_name_en.to_owned(),
                        jurisdiction: None,
                        categories: vec![code],
                    },
                )
            },
        )
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fourteen_product_categories_are_seeded_with_valid_codes() {
        let (categories, departments) = seeded();
        assert_eq!(categories.len(), 14);
        assert_eq!(departments.len(), 14);
        for category in &categories {
            assert_eq!(
                CategoryCode::new(category.code.as_str()).as_ref(),
                Ok(&category.code)
            );
            assert!(departments.iter().any(|d| d.code == category.department));
        }
        assert!(categories.iter().any(|c| c.code == CategoryCode::other()));
    }
}
