//! `UserStore`: accounts, one per e-mail address; the accounts at identity
//! providers linked to them; service accounts' API keys.

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::identity::{ApiKey, ExternalIdentity, Provider};
use sinmungo_core::domain::mail::EmailPreference;
use sinmungo_core::domain::user::{Email, User, UserId};
use sinmungo_core::ports::{Account, StoreError, UserStore};
use sinmungo_sql::accounts::{ACCOUNT_COLUMNS, API_KEY_COLUMNS, USER_COLUMNS};
use sinmungo_sql::mail;
use sinmungo_sql::Fetch as _;
use uuid::Uuid;

use crate::codec::{id_text, time_text, SqliteDialect};
use crate::error::store_error;
use crate::SqliteStore;

static SELECT_USER: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {USER_COLUMNS} FROM users"));

static SELECT_API_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {API_KEY_COLUMNS} FROM api_keys"));

impl SqliteStore {
    async fn user_where(&self, condition: &str, value: String) -> Result<Option<User>, StoreError> {
        SqliteDialect::fetch_optional(
            sqlx::query(&format!("{} WHERE {condition} = ?", *SELECT_USER)).bind(value),
            &self.pool,
        )
        .await
    }
}

/// A user by an identity linked to it: `(provider, subject)`.
const SELECT_USER_BY_IDENTITY: &str = "\
    SELECT u.id, u.email, u.display_name, u.role, u.department, u.password_hash, u.created_at \
    FROM user_identities i JOIN users u ON u.id = i.user_id \
    WHERE i.provider = ? AND i.subject = ?";

#[async_trait]
impl UserStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, department, password_hash, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id_text(user.id.0))
        .bind(user.email.as_str().to_owned())
        .bind(user.display_name.as_str().to_owned())
        .bind(user.role.as_str())
        .bind(user.department.as_ref().map(|d| d.as_str().to_owned()))
        .bind(user.password_hash.as_ref().map(|h| h.as_str().to_owned()))
        .bind(time_text(user.created_at))
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.user_where("id", id_text(id.0)).await
    }

    #[tracing::instrument(skip_all)]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.user_where("email", email.as_str().to_owned()).await
    }

    #[tracing::instrument(skip_all, fields(department = department.as_str()))]
    async fn officials_of(&self, department: &DepartmentCode) -> Result<Vec<User>, StoreError> {
        SqliteDialect::fetch_all(
            sqlx::query(&format!(
                "{} WHERE department = ? AND role IN ('staff', 'manager') ORDER BY id",
                *SELECT_USER
            ))
            .bind(department.as_str().to_owned()),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn update(&self, user: &User) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE users SET role = ?, department = ?, display_name = ?, password_hash = ? \
             WHERE id = ?",
        )
        .bind(user.role.as_str())
        .bind(user.department.as_ref().map(|d| d.as_str().to_owned()))
        .bind(user.display_name.as_str().to_owned())
        .bind(user.password_hash.as_ref().map(|h| h.as_str().to_owned()))
        .bind(id_text(user.id.0))
        .execute(&self.writer)
        .await
        .map_err(store_error)?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, after: Option<UserId>, limit: u32) -> Result<Vec<Account>, StoreError> {
        // Ids are lower-case hyphenated UUID text: their text order is their order.
        let after = after.map_or_else(String::new, |id| id_text(id.0));
        SqliteDialect::fetch_all(
            sqlx::query(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?"
            ))
            .bind(after)
            .bind(i64::from(limit)),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn set_disabled(&self, id: UserId, at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        let sql = if at.is_some() {
            "UPDATE users SET disabled_at = coalesce(disabled_at, ?) WHERE id = ?"
        } else {
            "UPDATE users SET disabled_at = ? WHERE id = ?"
        };
        let updated = sqlx::query(sql)
            .bind(at.map(time_text))
            .bind(id_text(id.0))
            .execute(&self.writer)
            .await
            .map_err(store_error)?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn disabled_at(&self, id: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<Option<String>> =
            sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = ?")
                .bind(id_text(id.0))
                .fetch_optional(&self.writer)
                .await
                .map_err(store_error)?;
        text.flatten()
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::Unknown(anyhow::anyhow!("users.disabled_at: {e}")))
            })
            .transpose()
    }

    #[tracing::instrument(skip_all, fields(user_id = %identity.user_id, provider = %identity.provider))]
    async fn link_identity(&self, identity: &ExternalIdentity) -> Result<(), StoreError> {
        // A taken (provider, subject) breaks the primary key: AlreadyExists;
        // an unknown user breaks the foreign key: NotFound.
        sqlx::query(
            "INSERT INTO user_identities (provider, subject, user_id, linked_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(identity.provider.as_str())
        .bind(identity.subject.clone())
        .bind(id_text(identity.user_id.0))
        .bind(time_text(identity.linked_at))
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(provider = %provider))]
    async fn find_by_identity(
        &self,
        provider: Provider,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        SqliteDialect::fetch_optional(
            sqlx::query(SELECT_USER_BY_IDENTITY)
                .bind(provider.as_str())
                .bind(subject.to_owned()),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %key.user_id, key_id = %key.id))]
    async fn add_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        // A taken id or hash: AlreadyExists; an unknown user: NotFound.
        sqlx::query(
            "INSERT INTO api_keys (id, user_id, prefix, key_hash, label, created_at, revoked_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id_text(key.id))
        .bind(id_text(key.user_id.0))
        .bind(key.prefix.clone())
        .bind(key.key_hash.clone())
        .bind(key.label.clone())
        .bind(time_text(key.created_at))
        .bind(key.revoked_at.map(time_text))
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        SqliteDialect::fetch_optional(
            sqlx::query(&format!("{} WHERE key_hash = ?", *SELECT_API_KEY))
                .bind(key_hash.to_owned()),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    async fn api_keys(&self, user_id: UserId) -> Result<Vec<ApiKey>, StoreError> {
        SqliteDialect::fetch_all(
            sqlx::query(&format!(
                "{} WHERE user_id = ? ORDER BY created_at DESC, id DESC",
                *SELECT_API_KEY
            ))
            .bind(id_text(user_id.0)),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(key_id = %id))]
    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        // A key revoked before keeps its first time.
        let updated =
            sqlx::query("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?")
                .bind(time_text(at))
                .bind(id_text(id))
                .execute(&self.writer)
                .await
                .map_err(store_error)?
                .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn email_preference(&self, id: UserId) -> Result<Option<EmailPreference>, StoreError> {
        mail::email_preference::<SqliteDialect>(&self.writer, id).await
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn set_email_preference(
        &self,
        id: UserId,
        preference: Option<EmailPreference>,
    ) -> Result<(), StoreError> {
        mail::set_email_preference::<SqliteDialect>(&self.writer, id, preference).await
    }
}
