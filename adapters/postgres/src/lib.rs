//! Sinmungo's production store: PostgreSQL through sqlx.
