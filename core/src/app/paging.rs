//! What every paged list takes from its client: a cursor and a page size.

use uuid::Uuid;

use crate::domain::validation::FieldError;
use crate::ports::MAX_PAGE_SIZE;

/// The `cursor` a client sent: a `next_cursor` of an earlier page.
pub(crate) fn cursor(raw: &str) -> Result<Uuid, FieldError> {
    Uuid::parse_str(raw.trim()).map_err(|_| {
        FieldError::new(
            "cursor",
            "invalid_cursor",
            "cursor must be a next_cursor from a previous page",
        )
    })
}

/// The `limit` a client sent: 1–[`MAX_PAGE_SIZE`].
pub(crate) fn limit(limit: u32) -> Result<u32, FieldError> {
    if limit == 0 || limit > MAX_PAGE_SIZE {
        Err(FieldError::new(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
        ))
    } else {
        Ok(limit)
    }
}
