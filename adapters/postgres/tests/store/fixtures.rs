//! Valid reports and the changes that submit them: `sinmungo-sql`'s,
//! shared with the SQLite store's tests.

pub use sinmungo_sql::fixtures::{at, report, status_event, submission};
