//! `UserStore`: accounts, one per e-mail address; the accounts at identity
//! providers linked to them; service accounts' API keys.
//!
//! Lookups of users (by id, e-mail or linked identity) read from the replica
//! when there is one; writes go to the primary. API keys are read on the
//! primary: a revoked key must stop working at once, and an administrator
//! sees a key just issued.

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::identity::{ApiKey, ExternalIdentity, Provider};
use sinmungo_core::domain::mail::EmailPreference;
use sinmungo_core::domain::user::{Email, PasswordHash, User, UserId};
use sinmungo_core::ports::{Account, StoreError, UserStore};
use sinmungo_sql::accounts::{ACCOUNT_COLUMNS, API_KEY_COLUMNS};
use sinmungo_sql::mail;
use sinmungo_sql::Fetch as _;
use uuid::Uuid;

use crate::codec::{micros, PgDialect};
use crate::error::store_error;
use crate::PostgresStore;

static SELECT_API_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {API_KEY_COLUMNS} FROM api_keys"));

/// A user by an identity linked to it: `(provider, subject)`.
const SELECT_USER_BY_IDENTITY: &str = "\
    SELECT u.id, u.email, u.display_name, u.role, u.department, u.password_hash, u.created_at \
    FROM user_identities i JOIN users u ON u.id = i.user_id \
    WHERE i.provider = $1 AND i.subject = $2";

#[async_trait]
impl UserStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, department, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user.id.0)
        .bind(user.email.as_str())
        .bind(user.display_name.as_str())
        .bind(user.role.as_str())
        .bind(user.department.as_ref().map(DepartmentCode::as_str))
        .bind(user.password_hash.as_ref().map(PasswordHash::as_str))
        .bind(micros(user.created_at))
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        PgDialect::fetch_optional(
            sqlx::query(
                "SELECT id, email, display_name, role, department, password_hash, created_at \
                 FROM users WHERE id = $1",
            )
            .bind(id.0),
            &self.reader,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        PgDialect::fetch_optional(
            sqlx::query(
                "SELECT id, email, display_name, role, department, password_hash, created_at \
                 FROM users WHERE email = $1",
            )
            .bind(email.as_str()),
            &self.reader,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(department = department.as_str()))]
    async fn officials_of(&self, department: &DepartmentCode) -> Result<Vec<User>, StoreError> {
        PgDialect::fetch_all(
            sqlx::query(
                "SELECT id, email, display_name, role, department, password_hash, created_at \
                 FROM users WHERE department = $1 AND role IN ('staff', 'manager') ORDER BY id",
            )
            .bind(department.as_str()),
            &self.reader,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn update(&self, user: &User) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE users SET role = $1, department = $2, display_name = $3, password_hash = $4 \
             WHERE id = $5",
        )
        .bind(user.role.as_str())
        .bind(user.department.as_ref().map(DepartmentCode::as_str))
        .bind(user.display_name.as_str())
        .bind(user.password_hash.as_ref().map(PasswordHash::as_str))
        .bind(user.id.0)
        .execute(&self.primary)
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
        PgDialect::fetch_all(
            sqlx::query(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users WHERE $1::uuid IS NULL OR id > $1 \
                 ORDER BY id LIMIT $2"
            ))
            .bind(after.map(|id| id.0))
            .bind(i64::from(limit)),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn set_disabled(&self, id: UserId, at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        let sql = if at.is_some() {
            "UPDATE users SET disabled_at = coalesce(disabled_at, $1) WHERE id = $2"
        } else {
            "UPDATE users SET disabled_at = $1 WHERE id = $2"
        };
        let updated = sqlx::query(sql)
            .bind(at.map(micros))
            .bind(id.0)
            .execute(&self.primary)
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
        // On the primary: a disabled account must stop signing in at once.
        let at: Option<Option<DateTime<Utc>>> =
            sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&self.primary)
                .await
                .map_err(store_error)?;
        Ok(at.flatten())
    }

    #[tracing::instrument(skip_all, fields(user_id = %identity.user_id, provider = %identity.provider))]
    async fn link_identity(&self, identity: &ExternalIdentity) -> Result<(), StoreError> {
        // A taken (provider, subject) breaks the primary key: AlreadyExists;
        // an unknown user breaks the foreign key: NotFound.
        sqlx::query(
            "INSERT INTO user_identities (provider, subject, user_id, linked_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(identity.provider.as_str())
        .bind(identity.subject.as_str())
        .bind(identity.user_id.0)
        .bind(micros(identity.linked_at))
        .execute(&self.primary)
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
        PgDialect::fetch_optional(
            sqlx::query(SELECT_USER_BY_IDENTITY)
                .bind(provider.as_str())
                .bind(subject),
            &self.reader,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %key.user_id, key_id = %key.id))]
    async fn add_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        // A taken id or hash: AlreadyExists; an unknown user: NotFound.
        sqlx::query(
            "INSERT INTO api_keys (id, user_id, prefix, key_hash, label, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id)
        .bind(key.user_id.0)
        .bind(key.prefix.as_str())
        .bind(key.key_hash.as_str())
        .bind(key.label.as_str())
        .bind(micros(key.created_at))
        .bind(key.revoked_at.map(micros))
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        PgDialect::fetch_optional(
            sqlx::query(&format!("{} WHERE key_hash = $1", *SELECT_API_KEY)).bind(key_hash),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    async fn api_keys(&self, user_id: UserId) -> Result<Vec<ApiKey>, StoreError> {
        PgDialect::fetch_all(
            sqlx::query(&format!(
                "{} WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                *SELECT_API_KEY
            ))
            .bind(user_id.0),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(key_id = %id))]
    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        // A key revoked before keeps its first time.
        let updated =
            sqlx::query("UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2")
                .bind(micros(at))
                .bind(id)
                .execute(&self.primary)
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
        mail::email_preference::<PgDialect>(&self.primary, id).await
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn set_email_preference(
        &self,
        id: UserId,
        preference: Option<EmailPreference>,
    ) -> Result<(), StoreError> {
        mail::set_email_preference::<PgDialect>(&self.primary, id, preference).await
    }
}
