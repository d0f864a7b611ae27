//! The SQL row layer shared by the SQLite and PostgreSQL stores: what both
//! write and read the same way, written once.
//!
//! - [`dialect`]: what a store's [`Dialect`] supplies: its driver types, its
//!   error mapping and how it keeps ids and times;
//! - [`row`]: reading a row through the domain constructors;
//! - [`value`]: the values a store binds, [`SqlValue`], for the dialect to
//!   encode;
//! - [`report`], [`accounts`], [`outbox`], [`audit`], [`directory`],
//!   [`settings`]: each table's columns, the values written to them and the
//!   domain values read back;
//! - [`fetch`]: running a read and parsing its rows;
//! - [`change`]: what a `ReportChange` writes, in order;
//! - [`report_list`]: the report list query's conditions, as a plan each
//!   dialect writes into its own SQL.
//!
//! Every SQL statement, and how a dialect encodes ids, times and JSON, stays
//! in the dialect's crate. No port is implemented here, so the stores still
//! depend on nothing but `sinmungo-core` and sqlx (and this layer).

#![forbid(unsafe_code)]

pub mod accounts;
pub mod audit;
pub mod change;
pub mod dialect;
pub mod directory;
pub mod fetch;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod outbox;
pub mod report;
pub mod report_list;
pub mod row;
pub mod settings;
pub mod value;

pub use dialect::Dialect;
pub use fetch::Fetch;
pub use row::{FromSqlRow, RowReader};
pub use value::{SqlValue, SqlWriter};
