//! Who acts: the operator named by `--as`, signed in through the login use
//! case, and accepted only as a manager or administrator.

use std::io::IsTerminal as _;

use sinmungo_core::app::{LoginError, UseCases};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::user::Role;

use crate::commands::GlobalArgs;
use crate::error::CliError;

/// The variable the operator's password is read from.
pub const PASSWORD_VAR: &str = "SINMUNGO_PASSWORD";

/// The operator's password: `SINMUNGO_PASSWORD`, else a prompt without echo
/// when standard input is a terminal. Never from the command line, where
/// every user of the machine could read it.
pub fn read_password(email: &str) -> Result<String, CliError> {
    if let Ok(password) = std::env::var(PASSWORD_VAR) {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::PasswordRequired);
    }
    rpassword::prompt_password(format!("Password for {email} (비밀번호): "))
        .map_err(CliError::io("reading the password"))
}

/// Signs the operator in and returns them as the actor of every use case.
pub async fn sign_in(use_cases: &UseCases, global: &GlobalArgs) -> Result<Actor, CliError> {
    let email = global
        .operator
        .as_deref()
        .ok_or(CliError::OperatorRequired)?;
    let password = read_password(email)?;
    let user = use_cases
        .accounts
        .login(email, &password)
        .await
        .map_err(|error| match error {
            LoginError::InvalidCredentials | LoginError::Disabled => {
                CliError::SignInRefused(error.to_string())
            }
            other => CliError::refused(other),
        })?;
    if !matches!(user.role, Role::Manager | Role::Admin) {
        return Err(CliError::NotAnOperator(user.email.as_str().to_owned()));
    }
    tracing::info!(operator = %user.id, role = %user.role, "signed in");
    Ok(Actor::User((&user).into()))
}
