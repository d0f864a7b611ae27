//! Routing: which department a report goes to.
//!
//! Jeonbuk is fourteen cities and counties, each with departments of its
//! own, beside the province's. A report goes, in this order, to
//!
//! 1. the department of its city or county that handles its category
//!    ([`RoutingRule::Jurisdiction`]);
//! 2. else the province-wide department that handles it
//!    ([`RoutingRule::ProvinceWide`]);
//! 3. else the category's own department ([`RoutingRule::CategoryDefault`]),
//!    so every report has a department whatever the administrators changed.
//!
//! A district (구) is routed as its city (전주시완산구 as 전주시). Routing runs
//! when a report is submitted and when its category changes; changing the
//! departments never moves a report already routed.

use serde::{Deserialize, Serialize};

use crate::domain::category::Category;
use crate::domain::department::{Department, DepartmentCode};
use crate::domain::geo::Jurisdiction;

/// Which step of the routing chose the department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingRule {
    /// A department of the report's city or county handles the category.
    Jurisdiction,
    /// A province-wide department handles the category.
    ProvinceWide,
    /// No department claims the category: the category's own department.
    CategoryDefault,
}

impl RoutingRule {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jurisdiction => "jurisdiction",
            Self::ProvinceWide => "province_wide",
            Self::CategoryDefault => "category_default",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Jurisdiction,
            Self::ProvinceWide,
            Self::CategoryDefault,
        ]
        .into_iter()
        .find(|rule| rule.as_str() == raw)
    }
}

/// Where a report goes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The department.
    pub department: DepartmentCode,
    /// The rule that chose it.
    pub rule: RoutingRule,
}

/// Routes a report of `category` in `jurisdiction` among `departments`.
///
/// Were two departments to claim the same category in the same place (the
/// administration routes refuse that), the one with the lowest code wins,
/// so the choice never depends on the order they are read in.
pub fn route(
    category: &Category,
    jurisdiction: &Jurisdiction,
    departments: &[Department],
) -> Route {
    let place = jurisdiction.city_or_county();
    let claimant = |local: bool| {
        departments
            .iter()
            .filter(|d| d.categories.contains(&category.code))
            .filter(|d| match &d.jurisdiction {
                Some(code) => local && *code == place,
                None => !local,
            })
            .map(|d| &d.code)
            .min()
    };
    if let Some(code) = claimant(true) {
        return Route {
            department: code.clone(),
            rule: RoutingRule::Jurisdiction,
        };
    }
    if let Some(code) = claimant(false) {
        return Route {
            department: code.clone(),
            rule: RoutingRule::ProvinceWide,
        };
    }
    Route {
        department: category.department.clone(),
        rule: RoutingRule::CategoryDefault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::category::{seeded, CategoryCode};
    use crate::domain::geo::MunicipalityCode;

    fn place(code: &str, name: &str) -> Jurisdiction {
        Jurisdiction {
            code: code.to_owned(),
            name: name.to_owned(),
        }
    }

    fn department(code: &str, jurisdiction: Option<&str>, categories: &[&str]) -> Department {
        Department {
            code: DepartmentCode::new(code).unwrap(),
            name: code.to_owned(),
            name_en: code.to_owned(),
            jurisdiction: jurisdiction.map(|j| MunicipalityCode::new(j).unwrap()),
            categories: categories
                .iter()
                .map(|c| CategoryCode::new(c).unwrap())
                .collect(),
        }
    }

    fn road_damage() -> Category {
        let (categories, _) = seeded();
        categories
            .into_iter()
            .find(|c| c.code.as_str() == "road_damage")
            .unwrap()
    }

    #[test]
    fn a_report_goes_to_its_city_department_when_one_handles_the_category() {
        let (_, mut departments) = seeded();
        departments.push(department("gunsan_roads", Some("35020"), &["road_damage"]));
        departments.push(department("iksan_roads", Some("35030"), &["road_damage"]));
        let route = route(&road_damage(), &place("35020", "군산시"), &departments);
        assert_eq!(route.department.as_str(), "gunsan_roads");
        assert_eq!(route.rule, RoutingRule::Jurisdiction);
    }

    #[test]
    fn elsewhere_the_province_wide_department_takes_it() {
        let (_, mut departments) = seeded();
        departments.push(department("gunsan_roads", Some("35020"), &["road_damage"]));
        departments.push(department("gunsan_lights", Some("35030"), &["streetlight"]));
        let route = route(&road_damage(), &place("35030", "익산시"), &departments);
        assert_eq!(route.department.as_str(), "road_management");
        assert_eq!(route.rule, RoutingRule::ProvinceWide);
    }

    #[test]
    fn a_district_is_routed_as_its_city() {
        let departments = vec![department("jeonju_roads", Some("35010"), &["road_damage"])];
        let route = route(
            &road_damage(),
            &place("35012", "전주시덕진구"),
            &departments,
        );
        assert_eq!(route.department.as_str(), "jeonju_roads");
    }

    #[test]
    fn a_category_no_department_claims_goes_to_its_own_department() {
        let departments = vec![department("gunsan_roads", Some("35020"), &["streetlight"])];
        let route = route(&road_damage(), &place("35020", "군산시"), &departments);
        assert_eq!(route.department.as_str(), "road_management");
        assert_eq!(route.rule, RoutingRule::CategoryDefault);
    }

    #[test]
    fn two_claimants_resolve_to_the_lowest_code_whatever_the_order() {
        let a = department("b_roads", Some("35020"), &["road_damage"]);
        let b = department("a_roads", Some("35020"), &["road_damage"]);
        for departments in [vec![a.clone(), b.clone()], vec![b, a]] {
            let route = route(&road_damage(), &place("35020", "군산시"), &departments);
            assert_eq!(route.department.as_str(), "a_roads");
        }
    }

    #[test]
    fn rule_names_round_trip() {
        for rule in [
            RoutingRule::Jurisdiction,
            RoutingRule::ProvinceWide,
            RoutingRule::CategoryDefault,
        ] {
            assert_eq!(RoutingRule::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(RoutingRule::parse("nearest"), None);
    }
}
