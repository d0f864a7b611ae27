//! `UserStore`: accounts, one per e-mail address. Lookups read from the
//! replica when there is one; creating and updating write to the primary.

use async_trait::async_trait;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::ports::{StoreError, UserStore};
use sqlx::postgres::PgRow;

use crate::codec::{micros, RowReader};
use crate::error::store_error;
use crate::PostgresStore;

fn user_from_row(row: &PgRow) -> Result<User, StoreError> {
    let r = RowReader::new(row, "users");
    Ok(User {
        id: UserId(r.uuid("id")?),
        email: r.parse("email", Email::new)?,
        display_name: r.parse("display_name", DisplayName::new)?,
        role: r.parse("role", Role::parse)?,
        department: r.parse_optional("department", DepartmentCode::new)?,
        password_hash: PasswordHash::new(r.get("password_hash")?),
        created_at: r.time("created_at")?,
    })
}

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
        .bind(user.password_hash.as_str())
        .bind(micros(user.created_at))
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        sqlx::query(
            "SELECT id, email, display_name, role, department, password_hash, created_at \
             FROM users WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.reader)
        .await
        .map_err(store_error)?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        sqlx::query(
            "SELECT id, email, display_name, role, department, password_hash, created_at \
             FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.reader)
        .await
        .map_err(store_error)?
        .as_ref()
        .map(user_from_row)
        .transpose()
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
        .bind(user.password_hash.as_str())
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
}
