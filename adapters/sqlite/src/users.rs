//! `UserStore`: accounts, one per e-mail address.

use async_trait::async_trait;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, PasswordHash, Role, User, UserId};
use sinmungo_core::ports::{StoreError, UserStore};
use sqlx::sqlite::SqliteRow;

use crate::codec::{id_text, time_text, RowReader};
use crate::error::store_error;
use crate::SqliteStore;

const SELECT_USER: &str =
    "SELECT id, email, display_name, role, department, password_hash, created_at FROM users";

fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
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

impl SqliteStore {
    async fn user_where(&self, condition: &str, value: String) -> Result<Option<User>, StoreError> {
        sqlx::query(&format!("{SELECT_USER} WHERE {condition} = ?"))
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }
}

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
        .bind(user.password_hash.as_str().to_owned())
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

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn update(&self, user: &User) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE users SET role = ?, department = ?, display_name = ?, password_hash = ? \
             WHERE id = ?",
        )
        .bind(user.role.as_str())
        .bind(user.department.as_ref().map(|d| d.as_str().to_owned()))
        .bind(user.display_name.as_str().to_owned())
        .bind(user.password_hash.as_str().to_owned())
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
}
