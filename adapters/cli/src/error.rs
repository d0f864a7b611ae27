//! Why a command failed. Every failure exits with status 1 (usage errors
//! are clap's, status 2); the message is for the operator, in English with
//! the Korean in parentheses, like the API's.

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No `--as` was given for a command that needs an operator.
    #[error("name the operator with --as EMAIL (작업자 계정을 --as 로 지정하세요)")]
    OperatorRequired,
    /// The password could not be read.
    #[error("no password: set SINMUNGO_PASSWORD or run on a terminal to be asked (비밀번호가 필요합니다)")]
    PasswordRequired,
    /// Wrong e-mail or password, or a disabled account.
    #[error("sign-in refused: {0}")]
    SignInRefused(String),
    /// The operator is not a manager or administrator.
    #[error("{0} is not a manager or administrator; the CLI is for them (관리자 계정만 사용할 수 있습니다)")]
    NotAnOperator(String),
    /// Input (a file, a flag's value) is wrong; the message says where.
    #[error("{0}")]
    Invalid(String),
    /// An import file has rows that cannot be imported; nothing was imported.
    #[error("{count} row(s) cannot be imported; nothing was imported (가져올 수 없는 행이 있어 아무것도 가져오지 않았습니다):\n{details}")]
    RowsRejected {
        /// How many rows are wrong.
        count: usize,
        /// One line per problem: line, field, message.
        details: String,
    },
    /// A use case refused or failed.
    #[error("{0}")]
    Refused(String),
    /// Some items of a bulk job failed; the others were done.
    #[error("{failed} of {total} failed (일부 실패): {first}")]
    Partly {
        /// How many failed.
        failed: usize,
        /// How many were attempted.
        total: usize,
        /// The first failure.
        first: String,
    },
    /// Reading or writing a file or the terminal failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The failure.
        source: std::io::Error,
    },
}

impl CliError {
    /// An I/O failure while doing `context`.
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    /// A use case's refusal, by its message.
    pub(crate) fn refused(error: impl std::fmt::Display) -> Self {
        Self::Refused(error.to_string())
    }
}
