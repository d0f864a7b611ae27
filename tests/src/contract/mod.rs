//! The contract suite of the store ports: one set of checks that every
//! adapter of `ReportStore`, `Outbox`, `UserStore`, `DirectoryStore`, `SessionStore`,
//! `SettingsStore`, `NotificationStore` and `AuditLog` must pass unchanged (memory, SQLite, PostgreSQL, …).
//!
//! # Running it against a new adapter
//!
//! 1. Implement [`OutboxProbe`] for your backend (on a newtype in your test
//!    file if the store type is not yours): it returns *every* event `apply`
//!    appended, published or not, in append order.
//! 2. Write a factory that builds a **fresh, empty** backend (a new database
//!    file or schema; migrations run) and bundles it as [`Stores`]. Put
//!    anything that must outlive the stores (a `tempfile::TempDir`) in
//!    [`Stores::keep_alive`].
//! 3. Expand [`store_contract!`](crate::store_contract) with it in a file
//!    under `tests/tests/` (the crate's `tokio` and `anyhow` are used):
//!
//! ```text
//! // tests/tests/contract_sqlite.rs
//! async fn fresh() -> anyhow::Result<sinmungo_tests::contract::Stores> {
//!     let dir = tempfile::tempdir()?;
//!     let store = /* open and migrate a database in `dir` */;
//!     Ok(Stores {
//!         reports: Arc::new(store.reports()),
//!         outbox: Arc::new(SqliteOutbox(store.clone())),
//!         /* users, directory, sessions, settings, audit */
//!         keep_alive: Some(Arc::new(dir)),
//!     })
//! }
//! sinmungo_tests::store_contract!(fresh);
//! ```
//!
//! A backend that needs a service (PostgreSQL) may return
//! `anyhow::Result<Option<Stores>>` instead: `None` means the service is not
//! configured and the check passes as skipped (see
//! [`crate::services::service_url`], which also fails instead under
//! `SINMUNGO_REQUIRE_SERVICES=1`).
//!
//! That generates one `#[tokio::test]` per check (named after it, so
//! `cargo test -p sinmungo-tests --test contract_sqlite list_` runs the list
//! checks), each on its own fresh backend. An adapter of only some ports can
//! fill the other fields from [`Stores::memory`] and call the checks of its
//! ports directly: every check is a public `async fn(&Stores) -> CheckResult`
//! in this module.
//!
//! # What the contract promises beyond the trait docs
//!
//! - **Times** come back truncated (not rounded) to whole microseconds, the
//!   precision of PostgreSQL's `timestamptz`; every stored time, in reports,
//!   analyses, timelines, events, audit entries, users, sessions, API keys
//!   and secrets.
//! - **Bytes** (sealed secrets) come back byte for byte, NUL and 0xff included.
//! - **Floats** (coordinates, confidence) come back bit for bit.
//! - **Text** comes back byte for byte (Hangul, emoji, quotes, `%`, `_`, `\`, new lines).
//! - **Text search** ignores case as `fold_for_search` folds it (Unicode
//!   lower case; the check uses ASCII); `%`, `_` and `\` in the search text are
//!   literal characters.
//! - **Identity**: `Create` of a taken id *or receipt number* is
//!   `AlreadyExists(Identity)`.
//! - **`UserStore::update`** replaces role, department, display name and
//!   password hash only; e-mail and creation time stay.
//! - **Audit entries** appended by `ReportStore::apply` are read back by the
//!   same backend's `AuditLog::list` (one log, one transaction).
//! - **Audit and timeline order**: the audit log lists by `at`, newest first;
//!   a timeline lists by `at`, oldest first, and entries of one instant in the
//!   order they were appended.
//! - **Sessions**: a token's expiry is the caller's to judge, and a store
//!   may forget a token once it has expired (`consume` answers either as it
//!   would have before the expiry, or `Unknown`); a family is active while
//!   some token of it expires strictly after `now`; `purge_expired` removes
//!   tokens expiring at or before `now`, used or not.
//! - **Foreign keys**: linking an identity to, or adding an API key for, a
//!   user who does not exist is `NotFound`.
//! - **Order**: API keys list newest first; secrets by name in byte order.
//! - **Corrections** (`ReportStore::corrections`) list newest (highest id)
//!   first with the report's number and text as stored now (no copy), and
//!   `rule_precision` follows `sinmungo_core::domain::correction`.
//! - **Statistics** (`ReportStore::stats`) follow `sinmungo_core::domain::stats`
//!   to the unit: nearest-rank percentiles over whole seconds (truncated),
//!   a city or county taking in its districts, `[since, until)` on the
//!   creation time, Korean (UTC+9) dates, age bands closed below.
//! - **Concurrency**: of two `apply`s from the same version exactly one wins;
//!   concurrent receipt numbers (drawn singly or together) are distinct; of
//!   concurrent `consume`s of one token exactly one sees it `Fresh`.
//!
//! # Adding a check
//!
//! Write it as a public `async fn(&Stores) -> CheckResult` in the module of
//! its port, add its name to [`store_contract!`](crate::store_contract), and
//! prove it can fail: `tests/tests/contract_memory.rs` runs checks against
//! memory stores with one deliberate flaw each (`the_suite_catches`).

mod audit_log;
mod directory_store;
pub mod fixtures;
mod job_lease;
mod mail_queue;
mod notification_store;
mod outbox;
mod report_apply;
mod report_corrections;
mod report_list;
mod report_stats;
mod report_store;
mod session_store;
mod settings_store;
mod user_store;

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::{
    AuditLog, DirectoryStore, JobLease, MailQueue, NotificationStore, Outbox, ReportStore,
    SessionStore, SettingsStore, UserStore,
};
use sinmungo_memory::{MemoryHandles, MemoryReportStore};

pub use audit_log::*;
pub use directory_store::*;
pub use job_lease::*;
pub use mail_queue::*;
pub use notification_store::*;
pub use outbox::*;
pub use report_apply::*;
pub use report_corrections::*;
pub use report_list::*;
pub use report_stats::*;
pub use report_store::*;
pub use session_store::*;
pub use settings_store::*;
pub use user_store::*;

/// What a check returns: `Err` when the store failed unexpectedly (a check
/// whose expectation is not met panics with an assertion message instead).
pub type CheckResult = anyhow::Result<()>;

/// Reads a backend's outbox, which no port exposes in full.
#[async_trait]
pub trait OutboxProbe: Send + Sync {
    /// Every event `ReportStore::apply` appended, published or not, in append order.
    async fn outbox(&self) -> anyhow::Result<Vec<EventEnvelope>>;
}

/// One fresh, empty backend under test. Stores of one backend share its data
/// (the report store's audit entries are the audit log's).
#[derive(Clone)]
pub struct Stores {
    /// Reports, timelines, supporters and the outbox.
    pub reports: Arc<dyn ReportStore>,
    /// Reads everything `reports` appended to its outbox.
    pub appended: Arc<dyn OutboxProbe>,
    /// The same outbox, as relays claim from it.
    pub outbox: Arc<dyn Outbox>,
    /// The audit log `reports` appends to.
    pub audit: Arc<dyn AuditLog>,
    /// Accounts.
    pub users: Arc<dyn UserStore>,
    /// Categories and departments.
    pub directory: Arc<dyn DirectoryStore>,
    /// Refresh sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// Sealed secrets.
    pub settings: Arc<dyn SettingsStore>,
    /// Notifications.
    pub notifications: Arc<dyn NotificationStore>,
    /// Scheduled jobs' leases.
    pub leases: Arc<dyn JobLease>,
    /// The mail work of the same notifications.
    pub mail: Arc<dyn MailQueue>,
    /// Anything that must live as long as the stores (a temporary directory).
    pub keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// The memory report store's outbox, read through the suite's probe.
#[derive(Debug, Clone)]
pub struct MemoryOutbox(pub Arc<MemoryReportStore>);

#[async_trait]
impl OutboxProbe for MemoryOutbox {
    async fn outbox(&self) -> anyhow::Result<Vec<EventEnvelope>> {
        Ok(self.0.outbox())
    }
}

impl Stores {
    /// A fresh backend of `sinmungo-memory` fakes.
    pub fn memory() -> Self {
        let MemoryHandles {
            reports,
            users,
            directory,
            sessions,
            audit,
            settings,
            notifications,
            leases,
            ..
        } = MemoryHandles::new();
        Self {
            appended: Arc::new(MemoryOutbox(reports.clone())),
            outbox: reports.clone(),
            reports,
            audit: Arc::new(audit),
            users,
            directory,
            sessions,
            settings,
            mail: notifications.clone(),
            notifications,
            leases,
            keep_alive: None,
        }
    }
}

/// What a factory given to [`store_contract!`](crate::store_contract) returns:
/// a backend, or `None` when its service is not configured (the check is skipped).
pub trait FreshBackend {
    /// The backend to check, if there is one.
    fn into_stores(self) -> Option<Stores>;
}

impl FreshBackend for Stores {
    fn into_stores(self) -> Option<Stores> {
        Some(self)
    }
}

impl FreshBackend for Option<Stores> {
    fn into_stores(self) -> Option<Stores> {
        self
    }
}

/// Generates one `#[tokio::test]` per contract check, each on a fresh backend
/// from `$fresh` (an `async fn() -> anyhow::Result<Stores>`, or
/// `anyhow::Result<Option<Stores>>` for a backend that may be skipped); see
/// the module docs.
#[macro_export]
macro_rules! store_contract {
    ($fresh:path) => {
        $crate::session_contract!($fresh);
        $crate::store_contract!(@checks $fresh;
            // ReportStore: writing and reading back
            report_round_trip_keeps_every_field,
            report_times_are_kept_to_the_microsecond,
            unknown_report_is_none,
            update_replaces_the_stored_report,
            receipt_numbers_count_up_per_year,
            receipt_numbers_are_distinct_under_concurrency,
            receipt_numbers_drawn_together_are_new_and_ascending,
            receipt_numbers_drawn_together_are_distinct_under_concurrency,
            create_refuses_a_taken_id_or_receipt_number,
            timeline_is_oldest_first_and_per_report,
            outbox_keeps_events_in_order,
            change_audit_reaches_the_audit_log,
            ping_answers,
            // Outbox
            outbox_claims_oldest_first_and_forgets_published_events,
            outbox_oldest_pending_is_the_first_unpublished_event,
            outbox_lease_holds_until_it_ends,
            outbox_release_counts_the_attempt,
            outbox_keeps_each_reports_events_in_order,
            outbox_concurrent_claims_share_nothing_and_miss_nothing,
            outbox_claim_returns_payloads_intact,
            // ReportStore: apply is all or nothing
            stale_update_is_a_version_conflict,
            refused_change_writes_nothing,
            concurrent_updates_from_one_version_let_one_win,
            one_change_may_write_several_reports,
            a_change_creating_hundreds_of_reports_is_all_or_nothing,
            update_of_missing_report_is_not_found,
            entries_for_a_missing_report_are_not_found,
            rewriting_a_timeline_entry_replaces_it_in_place,
            supporter_is_recorded_once_per_user_and_report,
            // ReportStore: list
            list_scope_decides_visibility,
            list_filters_by_status_category_priority_and_department,
            list_filters_by_bounding_box_including_its_edges,
            list_filters_by_distance,
            list_text_search_ignores_case_and_treats_wildcards_literally,
            list_filters_combine_with_and,
            list_pages_newest_first_without_gaps_or_duplicates,
            list_finds_what_the_scheduled_jobs_are_due_to_do,
            list_filters_open_reports_and_recent_ones,
            list_orders_by_priority_and_deadline_and_queues_breaches_first,
            // ReportStore: statistics
            stats_count_every_figure_of_known_reports,
            stats_filters_by_window_jurisdiction_department_and_category,
            // ReportStore: officers' corrections of triage
            corrections_page_newest_first_with_the_reports_current_text,
            rule_precision_counts_what_officers_kept_and_overrode,
            // UserStore
            user_round_trip_and_lookup_by_email,
            duplicate_email_is_refused,
            accounts_list_in_pages_and_can_be_disabled,
            user_update_replaces_role_department_name_and_hash_only,
            update_of_missing_user_is_not_found,
            user_without_password_round_trips,
            every_role_round_trips,
            officials_of_a_department_are_its_staff_and_managers,
            // UserStore: linked identities
            linked_identity_finds_its_user,
            duplicate_identity_link_is_refused,
            identity_link_for_unknown_user_is_not_found,
            // UserStore: API keys
            api_key_is_found_by_its_hash,
            api_keys_list_newest_first,
            revoke_api_key_keeps_the_first_revocation,
            duplicate_api_key_hash_is_refused,
            // NotificationStore
            notification_round_trips,
            a_dedupe_key_notifies_each_recipient_once,
            notifications_list_newest_first_per_person,
            marking_read_is_ones_own_and_keeps_the_first_time,
            purge_removes_notifications_made_before_a_time,
            // JobLease
            job_lease_is_held_by_one_until_it_ends,
            job_lease_goes_to_one_of_concurrent_callers,
            // MailQueue
            mail_work_round_trips_with_the_notification,
            mail_is_claimed_when_due_and_marked_once,
            mail_lease_holds_until_it_ends_and_counts_attempts,
            mail_retry_waits_its_turn_and_giving_up_is_final,
            mail_claims_are_exclusive_under_concurrency,
            digest_goes_out_once_per_recipient_and_slot,
            digest_claims_are_exclusive_under_concurrency,
            digest_retry_waits_and_giving_up_drops_its_notifications,
            email_preference_is_kept_per_user,
            // SettingsStore
            put_secret_returns_the_one_replaced,
            sealed_bytes_round_trip_exactly,
            secrets_list_by_name,
            delete_secret_says_whether_there_was_one,
            // DirectoryStore
            directory_lists_by_code_and_upserts_replace,
            category_needs_its_department,
            // AuditLog
            audit_log_lists_newest_first_by_target_with_limit,
            audit_log_says_which_targets_have_entries,
        );
    };
    (@checks $fresh:path; $($check:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() -> $crate::contract::CheckResult {
                let Some(stores) = $crate::contract::FreshBackend::into_stores($fresh().await?)
                else {
                    return Ok(());
                };
                $crate::contract::$check(&stores).await
            }
        )*
    };
}

/// Generates the [`SessionStore`] checks alone, as [`store_contract!`](crate::store_contract)
/// does for every port: for an adapter of sessions only (Redis), whose
/// factory fills the other fields from [`Stores::memory`].
#[macro_export]
macro_rules! session_contract {
    ($fresh:path) => {
        $crate::store_contract!(@checks $fresh;
            session_is_fresh_once_then_reused,
            inserting_a_taken_token_hash_is_refused,
            unknown_or_revoked_token_is_unknown,
            concurrent_consumers_of_one_token_let_one_have_it_fresh,
            family_is_active_until_revoked_or_expired,
            revoke_family_ends_only_that_family,
            revoke_all_ends_only_that_users_sessions,
            purge_expired_removes_only_expired_tokens,
        );
    };
}
