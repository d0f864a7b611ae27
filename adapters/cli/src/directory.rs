//! `departments list|create|update`, `categories list|set-sla`: the
//! directory, routing by city or county, and SLA targets per category —
//! through the same use case as `/api/v1/admin/…`, so the same checks and
//! audit apply.

use std::collections::BTreeMap;

use sinmungo_core::app::{CategoryChange, DepartmentRequest, SlaRequest, UseCases};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::priority::Priority;

use crate::commands::{CategoriesCommand, DepartmentArgs, DepartmentsCommand, OutputArgs, SlaArgs};
use crate::error::CliError;
use crate::output::{notice, summary, Rows};

pub(crate) async fn departments(
    use_cases: &UseCases,
    actor: &Actor,
    command: DepartmentsCommand,
) -> Result<(), CliError> {
    match command {
        DepartmentsCommand::List { out } => list_departments(use_cases, out).await,
        DepartmentsCommand::Create(args) => save_department(use_cases, actor, args, true).await,
        DepartmentsCommand::Update(args) => save_department(use_cases, actor, args, false).await,
    }
}

pub(crate) async fn categories(
    use_cases: &UseCases,
    actor: &Actor,
    command: CategoriesCommand,
) -> Result<(), CliError> {
    match command {
        CategoriesCommand::List { out } => list_categories(use_cases, out).await,
        CategoriesCommand::SetSla(args) => set_sla(use_cases, actor, args).await,
    }
}

async fn list_departments(use_cases: &UseCases, out: OutputArgs) -> Result<(), CliError> {
    let mut rows = Rows::new(["code", "name", "name_en", "jurisdiction", "categories"]);
    for d in use_cases
        .directory
        .departments()
        .await
        .map_err(CliError::refused)?
    {
        let categories: Vec<&str> = d.categories.iter().map(|c| c.as_str()).collect();
        rows.push(vec![
            d.code.to_string(),
            d.name,
            d.name_en,
            d.jurisdiction
                .map_or_else(|| "province".to_owned(), |j| j.to_string()),
            categories.join(" "),
        ]);
    }
    rows.print(out.output)
}

async fn save_department(
    use_cases: &UseCases,
    actor: &Actor,
    args: DepartmentArgs,
    create: bool,
) -> Result<(), CliError> {
    let verb = if create { "create" } else { "update" };
    let place = args
        .jurisdiction
        .clone()
        .unwrap_or_else(|| "the province".to_owned());
    if !args.commit {
        notice(&format!(
            "dry run: would {verb} department {} ({}) for {place}, handling {}; add --commit to do it (--commit 을 붙이면 실행합니다)",
            args.code,
            args.name,
            args.categories.join(", ")
        ));
        return summary(
            args.out.output,
            &[
                ("would", verb.to_owned()),
                ("department", args.code),
                ("jurisdiction", place),
                ("categories", args.categories.join(" ")),
            ],
        );
    }
    let request = DepartmentRequest {
        name: args.name,
        name_en: args.name_en,
        jurisdiction: args.jurisdiction,
        categories: args.categories,
    };
    let directory = &use_cases.directory;
    let department = if create {
        directory
            .create_department(actor, &args.code, request)
            .await
    } else {
        directory
            .update_department(actor, &args.code, request)
            .await
    }
    .map_err(CliError::refused)?;
    let categories: Vec<&str> = department.categories.iter().map(|c| c.as_str()).collect();
    summary(
        args.out.output,
        &[
            (
                if create { "created" } else { "updated" },
                department.code.to_string(),
            ),
            (
                "jurisdiction",
                department
                    .jurisdiction
                    .map_or_else(|| "province".to_owned(), |j| j.to_string()),
            ),
            ("categories", categories.join(" ")),
        ],
    )
}

async fn list_categories(use_cases: &UseCases, out: OutputArgs) -> Result<(), CliError> {
    let mut rows = Rows::new([
        "code",
        "name",
        "name_en",
        "department",
        "default_priority",
        "duplicate_radius_m",
        "sla_hours",
    ]);
    for c in use_cases
        .directory
        .categories()
        .await
        .map_err(CliError::refused)?
    {
        // e.g. "urgent 2/24 high 8/72 normal 4/48* low 72/336": first
        // response / resolution, `*` where an administrator set it.
        let sla: Vec<String> = Priority::ALL
            .into_iter()
            .map(|p| {
                let targets = c.sla(p);
                let mark = if c.sla.hours(p).is_some() { "*" } else { "" };
                format!(
                    "{p} {}/{}{mark}",
                    targets.first_response.num_hours(),
                    targets.resolution.num_hours()
                )
            })
            .collect();
        rows.push(vec![
            c.code.to_string(),
            c.name,
            c.name_en,
            c.department.to_string(),
            c.default_priority.to_string(),
            c.duplicate_radius_m.to_string(),
            sla.join(" "),
        ]);
    }
    rows.print(out.output)
}

async fn set_sla(use_cases: &UseCases, actor: &Actor, args: SlaArgs) -> Result<(), CliError> {
    let sla = match (args.default, args.first_response_hours, args.resolution_hours) {
        (true, None, None) => None,
        (false, Some(first_response_hours), Some(resolution_hours)) => Some(SlaRequest {
            first_response_hours,
            resolution_hours,
        }),
        _ => {
            return Err(CliError::Invalid(
                "give --first-response-hours and --resolution-hours, or --default (두 기한을 모두 주거나 --default 를 주세요)"
                    .to_owned(),
            ))
        }
    };
    let what = sla.map_or_else(
        || "the product's default".to_owned(),
        |s| format!("{} h / {} h", s.first_response_hours, s.resolution_hours),
    );
    if !args.commit {
        notice(&format!(
            "dry run: would set {} {} to {what}; add --commit to do it (--commit 을 붙이면 실행합니다)",
            args.code, args.priority
        ));
        return summary(
            args.out.output,
            &[
                ("category", args.code),
                ("priority", args.priority),
                ("would_become", what),
            ],
        );
    }
    let change = CategoryChange {
        sla: BTreeMap::from([(args.priority.clone(), sla)]),
        ..CategoryChange::default()
    };
    let category = use_cases
        .directory
        .update_category(actor, &args.code, change)
        .await
        .map_err(CliError::refused)?;
    let priority = Priority::parse(&args.priority).map_err(|e| CliError::Invalid(e.message))?;
    let targets = category.sla(priority);
    summary(
        args.out.output,
        &[
            ("category", category.code.to_string()),
            ("priority", priority.to_string()),
            (
                "first_response_hours",
                targets.first_response.num_hours().to_string(),
            ),
            (
                "resolution_hours",
                targets.resolution.num_hours().to_string(),
            ),
        ],
    )
}
