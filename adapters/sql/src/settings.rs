//! Sealed secrets read back from rows.

use sinmungo_core::domain::identity::{SealedSecret, SecretName};
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::StoreError;

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};

/// The columns a [`SealedSecret`] is read from, as selected from `settings_secrets`.
pub const SECRET_COLUMNS: &str = "name, sealed, updated_at, updated_by";

/// Parses a row of [`SECRET_COLUMNS`].
impl<D: Dialect> FromSqlRow<D> for SealedSecret {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "settings_secrets");
        Ok(SealedSecret {
            name: r.parse("name", SecretName::new)?,
            sealed: r.get("sealed")?,
            updated_at: r.time("updated_at")?,
            updated_by: r.uuid_optional("updated_by")?.map(UserId),
        })
    }
}
