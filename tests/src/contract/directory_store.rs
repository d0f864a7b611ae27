//! `DirectoryStore`: departments and categories, listed by code, upserted.

use sinmungo_core::domain::category::{Category, SlaHours, SlaOverrides};
use sinmungo_core::domain::department::Department;
use sinmungo_core::domain::geo::MunicipalityCode;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::ports::StoreError;

use crate::contract::fixtures::{category, department, parsed};
use crate::contract::{CheckResult, Stores};

fn a_department(code: &str, name: &str) -> anyhow::Result<Department> {
    Ok(Department {
        code: department(code)?,
        name: name.to_owned(),
        name_en: format!("{code} (en)"),
        jurisdiction: None,
        categories: Vec::new(),
    })
}

fn a_category(code: &str, department_code: &str, priority: Priority) -> anyhow::Result<Category> {
    Ok(Category {
        code: category(code)?,
        name: format!("{code} 분류"),
        name_en: format!("{code} (en)"),
        department: department(department_code)?,
        default_priority: priority,
        sla: SlaOverrides::default(),
        duplicate_radius_m: Category::DEFAULT_DUPLICATE_RADIUS_M,
    })
}

/// Lists come sorted by code whatever the insertion order; an upsert of an
/// existing code replaces it.
pub async fn directory_lists_by_code_and_upserts_replace(stores: &Stores) -> CheckResult {
    let directory = stores.directory.as_ref();
    assert_eq!(
        directory.departments().await?,
        [],
        "a fresh directory is empty"
    );
    assert_eq!(directory.categories().await?, []);

    let water = a_department("water_sewerage", "상하수도사업소")?;
    let animals = a_department("animal_welfare", "동물보호팀")?;
    let parks = a_department("parks", "공원녹지과")?;
    for d in [&water, &animals, &parks] {
        directory.upsert_department(d).await?;
    }
    let mut renamed_parks = a_department("parks", "공원녹지과 (개편)")?;
    // A city's department, handling two categories: both read back in order.
    renamed_parks.jurisdiction = Some(parsed(MunicipalityCode::new("35020"))?);
    renamed_parks.categories = vec![category("park_facility")?, category("animal")?];
    directory.upsert_department(&renamed_parks).await?;
    assert_eq!(
        directory.departments().await?,
        [animals, renamed_parks, water]
    );

    let playground = a_category("park_facility", "parks", Priority::Normal)?;
    let animal = a_category("animal", "animal_welfare", Priority::Low)?;
    let leak = a_category("water_sewer", "water_sewerage", Priority::High)?;
    for c in [&playground, &animal, &leak] {
        directory.upsert_category(c).await?;
    }
    let mut moved = a_category("park_facility", "animal_welfare", Priority::Urgent)?;
    // SLA overrides at two priorities and another duplicate radius read back as set.
    moved
        .sla
        .set(Priority::Urgent, Some(parsed(SlaHours::new(1, 12))?));
    moved
        .sla
        .set(Priority::Low, Some(parsed(SlaHours::new(96, 720))?));
    moved.duplicate_radius_m = 1_000;
    directory.upsert_category(&moved).await?;
    assert_eq!(directory.categories().await?, [animal, moved, leak]);
    Ok(())
}

/// A category's department must exist.
pub async fn category_needs_its_department(stores: &Stores) -> CheckResult {
    let directory = stores.directory.as_ref();
    directory
        .upsert_department(&a_department("parks", "공원녹지과")?)
        .await?;
    let orphan = a_category("noise", "noise_control", Priority::Normal)?;
    let result = directory.upsert_category(&orphan).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    assert_eq!(
        directory.categories().await?,
        [],
        "the orphan was not stored"
    );
    Ok(())
}
