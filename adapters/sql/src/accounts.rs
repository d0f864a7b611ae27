//! Users, their API keys and their refresh sessions, read back from rows.

use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::identity::{ApiKey, SessionId};
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::ports::{RefreshSession, StoreError};

use crate::row::{Dialect, RowReader};

/// The columns [`user_from_row`] reads, as selected from `users`.
pub const USER_COLUMNS: &str =
    "id, email, display_name, role, department, password_hash, created_at";

/// The columns [`api_key_from_row`] reads, as selected from `api_keys`.
pub const API_KEY_COLUMNS: &str = "id, user_id, prefix, key_hash, label, created_at, revoked_at";

/// The columns [`session_from_row`] reads, as selected from `sessions`.
pub const SESSION_COLUMNS: &str = "token_hash, family, user_id, expires_at";

/// Parses a row of [`USER_COLUMNS`].
pub fn user_from_row<D: Dialect>(row: &D::Row) -> Result<User, StoreError> {
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

/// Parses a row of [`API_KEY_COLUMNS`].
pub fn api_key_from_row<D: Dialect>(row: &D::Row) -> Result<ApiKey, StoreError> {
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

/// Parses a row of [`SESSION_COLUMNS`].
pub fn session_from_row<D: Dialect>(row: &D::Row) -> Result<RefreshSession, StoreError> {
    let r = RowReader::<D>::new(row, "sessions");
    Ok(RefreshSession {
        token_hash: r.get("token_hash")?,
        family: SessionId(r.uuid("family")?),
        user_id: UserId(r.uuid("user_id")?),
        expires_at: r.time("expires_at")?,
    })
}
