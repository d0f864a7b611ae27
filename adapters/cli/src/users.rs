//! `users list|create|set-role|disable`.

use sinmungo_core::app::{NewAccount, RegisterRequest, UseCases, MAX_ACCOUNTS_PAGE};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::user::{Email, User};

use crate::commands::{OutputArgs, UsersCommand};
use crate::error::CliError;
use crate::output::{notice, summary, Rows};
use crate::VIA;

/// The variable a new account's password is read from (as the server's `create-user`).
const NEW_PASSWORD_VAR: &str = "SINMUNGO_NEW_USER_PASSWORD";

pub(crate) async fn run(
    use_cases: &UseCases,
    actor: &Actor,
    command: UsersCommand,
) -> Result<(), CliError> {
    match command {
        UsersCommand::List { out } => list(use_cases, actor, out).await,
        UsersCommand::Create {
            email,
            display_name,
            role,
            department,
            commit,
            out,
        } => {
            let password = std::env::var(NEW_PASSWORD_VAR).map_err(|_| {
                CliError::Invalid(format!(
                    "set {NEW_PASSWORD_VAR} to the new account's password (새 계정의 비밀번호를 {NEW_PASSWORD_VAR} 에 설정하세요)"
                ))
            })?;
            let account = NewAccount {
                registration: RegisterRequest {
                    email: email.clone(),
                    password,
                    display_name,
                },
                role: role.clone(),
                department: department.clone(),
            };
            if !commit {
                dry_run(&format!("create {email} as {role}"));
                return summary(out.output, &[("would_create", email), ("role", role)]);
            }
            let user = use_cases
                .accounts
                .create_account(actor, account)
                .await
                .map_err(CliError::refused)?;
            summary(
                out.output,
                &[
                    ("created", user.email.as_str().to_owned()),
                    ("id", user.id.to_string()),
                    ("role", user.role.to_string()),
                ],
            )
        }
        UsersCommand::SetRole {
            email,
            role,
            department,
            commit,
            out,
        } => {
            let user = find(use_cases, actor, &email).await?;
            if !commit {
                dry_run(&format!("change {email} from {} to {role}", user.role));
                return summary(
                    out.output,
                    &[
                        ("user", email),
                        ("role_now", user.role.to_string()),
                        ("would_become", role),
                    ],
                );
            }
            let user = use_cases
                .accounts
                .set_role(actor, user.id, &role, department.as_deref())
                .await
                .map_err(CliError::refused)?;
            summary(
                out.output,
                &[
                    ("user", email),
                    ("role", user.role.to_string()),
                    (
                        "department",
                        user.department.map(|d| d.to_string()).unwrap_or_default(),
                    ),
                ],
            )
        }
        UsersCommand::Disable {
            email,
            enable,
            commit,
            out,
        } => {
            let user = find(use_cases, actor, &email).await?;
            let verb = if enable { "enable" } else { "disable" };
            if !commit {
                dry_run(&format!("{verb} {email}"));
                return summary(out.output, &[("would", verb.to_owned()), ("user", email)]);
            }
            let account = use_cases
                .accounts
                .set_disabled(actor, user.id, !enable, VIA)
                .await
                .map_err(CliError::refused)?;
            summary(
                out.output,
                &[
                    ("user", email),
                    (
                        "disabled_at",
                        account
                            .disabled_at
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default(),
                    ),
                ],
            )
        }
    }
}

fn dry_run(what: &str) {
    notice(&format!(
        "dry run: would {what}; nothing changed — add --commit to do it (모의 실행: --commit 을 붙이면 실행합니다)"
    ));
}

async fn list(use_cases: &UseCases, actor: &Actor, out: OutputArgs) -> Result<(), CliError> {
    let mut rows = Rows::new([
        "email",
        "display_name",
        "role",
        "department",
        "disabled_at",
        "created_at",
        "id",
    ]);
    let mut after = None;
    loop {
        let page = use_cases
            .accounts
            .list(actor, after, MAX_ACCOUNTS_PAGE)
            .await
            .map_err(CliError::refused)?;
        let Some(last) = page.last() else { break };
        after = Some(last.user.id);
        let full = page.len() >= MAX_ACCOUNTS_PAGE as usize;
        for account in page {
            let user = account.user;
            rows.push(vec![
                user.email.as_str().to_owned(),
                user.display_name.as_str().to_owned(),
                user.role.to_string(),
                user.department.map(|d| d.to_string()).unwrap_or_default(),
                account
                    .disabled_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                user.created_at.to_rfc3339(),
                user.id.to_string(),
            ]);
        }
        if !full {
            break;
        }
    }
    rows.print(out.output)
}

/// The account with this e-mail.
async fn find(use_cases: &UseCases, actor: &Actor, email: &str) -> Result<User, CliError> {
    let parsed = Email::new(email).map_err(|e| CliError::Invalid(e.message))?;
    use_cases
        .accounts
        .find_by_email(actor, &parsed)
        .await
        .map_err(CliError::refused)?
        .ok_or_else(|| CliError::Invalid(format!("no account {email} (계정이 없습니다)")))
}
