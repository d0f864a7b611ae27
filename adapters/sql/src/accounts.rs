//! Users, their API keys and their refresh sessions, read back from rows.

use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::identity::{ApiKey, SessionId};
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::ports::{Account, RefreshSession, StoreError};

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};

/// The columns a [`User`] is read from, as selected from `users`.
pub const USER_COLUMNS: &str =
    "id, email, display_name, role, department, password_hash, created_at";

/// The columns an [`Account`] is read from, as selected from `users`.
pub const ACCOUNT_COLUMNS: &str =
    "id, email, display_name, role, department, password_hash, created_at, disabled_at";

/// The columns an [`ApiKey`] is read from, as selected from `api_keys`.
pub const API_KEY_COLUMNS: &str = "id, user_id, prefix, key_hash, label, created_at, revoked_at";

/// The columns a [`RefreshSession`] is read from, as selected from `sessions`.
pub const SESSION_COLUMNS: &str = "token_hash, family, user_id, expires_at";

/// Parses a row of [`USER_COLUMNS`].
impl<D: Dialect> FromSqlRow<D> for User {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "users");
        Ok(User {
            id: UserId(r.uuid("id")?),
            email: r.parse("email", Email::new)?,
            display_name: r.parse("display_name", DisplayName::new)?,
            role: r.parse("role", Role::parse)?,
            department: r.parse_optional("department", DepartmentCode::new)?,
            password_hash: r
                .get::<Option<String>>("password_hash")?
                .map(PasswordHash::new),
            created_at: r.time("created_at")?,
        })
    }
}

/// Parses a row of [`ACCOUNT_COLUMNS`].
impl<D: Dialect> FromSqlRow<D> for Account {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let disabled_at = RowReader::<D>::new(row, "users").time_optional("disabled_at")?;
        Ok(Account {
            user: <User as FromSqlRow<D>>::from_row(row)?,
            disabled_at,
        })
    }
}

/// Parses a row of [`API_KEY_COLUMNS`].
impl<D: Dialect> FromSqlRow<D> for ApiKey {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "api_keys");
        Ok(ApiKey {
            id: r.uuid("id")?,
            user_id: UserId(r.uuid("user_id")?),
            prefix: r.get("prefix")?,
            key_hash: r.get("key_hash")?,
            label: r.get("label")?,
            created_at: r.time("created_at")?,
            revoked_at: r.time_optional("revoked_at")?,
        })
    }
}

/// Parses a row of [`SESSION_COLUMNS`].
impl<D: Dialect> FromSqlRow<D> for RefreshSession {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "sessions");
        Ok(RefreshSession {
            token_hash: r.get("token_hash")?,
            family: SessionId(r.uuid("family")?),
            user_id: UserId(r.uuid("user_id")?),
            expires_at: r.time("expires_at")?,
        })
    }
}
