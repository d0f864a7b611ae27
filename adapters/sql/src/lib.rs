//! The SQL row layer shared by the SQLite and PostgreSQL stores: what both
//! write and read the same way, written once.
//!
//! - [`dialect`]: what a store's [`Dialect`] supplies: its driver types, its
//!   error mapping, and how it binds and reads ids and times;
//! - [`row`]: reading a row through the domain constructors;
//! - [`value`]: the values a store binds, [`SqlValue`], for the dialect to
//!   encode;
//! - [`report`], [`accounts`], [`outbox`], [`audit`], [`directory`],
//!   [`settings`], [`notification`], [`correction`]: each table's columns, the values written to them and the
//!   domain values read back;
//! - [`fetch`]: running a statement and parsing the rows it returns;
//! - [`change`]: what a `ReportChange` writes, in order, with the dialect's
//!   statements;
//! - [`report_list`] (and [`audit::write_audit_list`],
//!   [`notification::write_notification_list`]): the list queries'
//!   conditions, as a plan each dialect writes into its own SQL.
//!
//! Every SQL statement's text, and how a dialect encodes ids and times,
//! stays in the dialect's crate. No port is implemented here, so the stores still
//! depend on nothing but `sinmungo-core` and sqlx (and this layer).

pub mod accounts;
pub mod audit;
pub mod change;
pub mod correction;
pub mod dialect;
pub mod directory;
pub mod fetch;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod job_lease;
pub mod mail;
pub mod notification;
pub mod outbox;
pub mod pool;
pub mod ports;
pub mod report;
pub mod report_list;
pub mod row;
pub mod settings;
pub mod stats;
pub mod value;

pub use dialect::Dialect;
pub use fetch::Fetch;
pub use pool::PoolUsage;
pub use ports::SqlPorts;
pub use row::{FromSqlRow, RowReader};
pub use value::{SqlValue, SqlWriter};
