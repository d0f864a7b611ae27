//! Running a statement, and parsing the rows a read returns: the tail every
//! statement of both stores shares.

use std::future::Future;

use sinmungo_core::ports::StoreError;
use sqlx::{Execute, Executor};

use crate::dialect::Dialect;
use crate::row::FromSqlRow;

/// Statements of a [`Dialect`]: its errors mapped by [`Dialect::store_error`],
/// its rows parsed as the domain values they store ([`FromSqlRow`]).
pub trait Fetch: Dialect {
    /// Parses one row.
    fn parse<T: FromSqlRow<Self>>(row: &Self::Row) -> Result<T, StoreError> {
        T::from_row(row)
    }

    /// Every row `query` returns on `executor`, parsed.
    fn fetch_all<'q: 'e, 'e, 'c: 'e, T: FromSqlRow<Self>>(
        query: impl 'q + Execute<'q, Self::Database>,
        executor: impl 'e + Executor<'c, Database = Self::Database>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send + 'e {
        let rows = executor.fetch_all(query);
        async move {
            let rows = rows.await.map_err(Self::store_error)?;
            rows.iter().map(T::from_row).collect()
        }
    }

    /// Runs `query` on `executor`, for what it writes.
    fn execute<'q: 'e, 'e, 'c: 'e>(
        query: impl 'q + Execute<'q, Self::Database>,
        executor: impl 'e + Executor<'c, Database = Self::Database>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'e {
        let done = executor.execute(query);
        async move {
            done.await.map_err(Self::store_error)?;
            Ok(())
        }
    }

    /// Runs `query` on `executor`; how many rows it changed.
    fn rows_changed<'q: 'e, 'e, 'c: 'e>(
        query: impl 'q + Execute<'q, Self::Database>,
        executor: impl 'e + Executor<'c, Database = Self::Database>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send + 'e {
        let done = executor.execute(query);
        async move {
            let result = done.await.map_err(Self::store_error)?;
            Ok(Self::rows_affected(&result))
        }
    }

    /// The one row `query` returns on `executor`, parsed (no row is an error).
    fn fetch_one<'q: 'e, 'e, 'c: 'e, T: FromSqlRow<Self>>(
        query: impl 'q + Execute<'q, Self::Database>,
        executor: impl 'e + Executor<'c, Database = Self::Database>,
    ) -> impl Future<Output = Result<T, StoreError>> + Send + 'e {
        let row = executor.fetch_one(query);
        async move {
            let row = row.await.map_err(Self::store_error)?;
            T::from_row(&row)
        }
    }

    /// The row `query` returns on `executor`, if any, parsed.
    fn fetch_optional<'q: 'e, 'e, 'c: 'e, T: FromSqlRow<Self>>(
        query: impl 'q + Execute<'q, Self::Database>,
        executor: impl 'e + Executor<'c, Database = Self::Database>,
    ) -> impl Future<Output = Result<Option<T>, StoreError>> + Send + 'e {
        let row = executor.fetch_optional(query);
        async move {
            let row = row.await.map_err(Self::store_error)?;
            row.as_ref().map(T::from_row).transpose()
        }
    }
}

impl<D: Dialect> Fetch for D {}
