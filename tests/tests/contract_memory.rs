//! The store contract suite against the `sinmungo-memory` fakes, and proof
//! that the suite catches broken stores.

use sinmungo_tests::contract::Stores;

async fn fresh() -> anyhow::Result<Stores> {
    Ok(Stores::memory())
}

sinmungo_tests::store_contract!(fresh);

/// Each check below must fail against a memory store with one deliberate flaw;
/// a check that passes against a broken store proves nothing.
mod the_suite_catches {
    use std::future::Future;
    use std::sync::Arc;

    use async_trait::async_trait;
    use chrono::{DateTime, TimeDelta, Utc};
    use sinmungo_core::domain::audit::AuditEntry;
    use sinmungo_core::domain::correction::RulePrecision;
    use sinmungo_core::domain::department::DepartmentCode;
    use sinmungo_core::domain::identity::{
        ApiKey, ExternalIdentity, Provider, SealedSecret, SecretName, SessionId,
    };
    use sinmungo_core::domain::mail::EmailPreference;
    use sinmungo_core::domain::notification::{Notification, NotificationId};
    use sinmungo_core::domain::receipt::ReceiptNumber;
    use sinmungo_core::domain::report::{Report, ReportId};
    use sinmungo_core::domain::stats::{Stats, StatsQuery};
    use sinmungo_core::domain::status::ReportStatus;
    use sinmungo_core::domain::timeline::TimelineEntry;
    use sinmungo_core::domain::user::{Email, Role, User, UserId};
    use sinmungo_core::ports::{
        AuditLog, AuditQuery, ClaimedEvent, Consumed, CorrectionPage, CorrectionQuery,
        NotificationPage, NotificationQuery, NotificationStore, Outbox, Page, RefreshSession,
        ReportChange, ReportQuery, ReportSketch, ReportStore, ReportWrite, Scope, SessionStore,
        SettingsStore, StoreError, UserStore,
    };
    use sinmungo_tests::contract::{self, CheckResult, Stores};
    use uuid::Uuid;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Flaw {
        /// `list` ignores the cursor.
        IgnoresCursor,
        /// `list` shows private reports to the public.
        LeaksPrivateReports,
        /// `list` forgets the text filter's case folding.
        CaseSensitiveSearch,
        /// `sketches` give the text as written, not folded.
        UnfoldedSketches,
        /// `apply` writes whatever version it is given.
        SkipsVersionCheck,
        /// `apply` writes a change's parts one by one, keeping those before a failure.
        NotAtomic,
        /// `next_receipt_number` restarts every year at the last year's count.
        SharedReceiptCounter,
        /// `next_receipt_numbers` counts the first number of a batch only.
        BatchCountedAsOne,
        /// `stats` counts every jurisdiction whatever is asked.
        StatsIgnoreTheJurisdiction,
        /// `corrections` ignores the cursor.
        CorrectionsIgnoreTheCursor,
        /// `rule_precision` counts overrides as kept.
        PrecisionCountsOverridesAsKept,
    }

    struct Broken {
        inner: Arc<dyn ReportStore>,
        flaw: Flaw,
    }

    #[async_trait]
    impl ReportStore for Broken {
        async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
            if self.flaw == Flaw::SharedReceiptCounter {
                let shared = self.inner.next_receipt_number(0).await?;
                return Ok(ReceiptNumber::new(year, shared.sequence()));
            }
            self.inner.next_receipt_number(year).await
        }

        async fn next_receipt_numbers(
            &self,
            year: i32,
            count: u32,
        ) -> Result<Vec<ReceiptNumber>, StoreError> {
            if self.flaw == Flaw::BatchCountedAsOne && count > 0 {
                let first = self.inner.next_receipt_number(year).await?.sequence();
                return Ok((first..first + count)
                    .map(|sequence| ReceiptNumber::new(year, sequence))
                    .collect());
            }
            self.inner.next_receipt_numbers(year, count).await
        }

        async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
            match self.flaw {
                Flaw::SkipsVersionCheck => {
                    let mut change = change;
                    for write in &mut change.writes {
                        if let ReportWrite::Update {
                            report,
                            expected_version,
                        } = write
                        {
                            if let Some(stored) = self.inner.get(report.id).await? {
                                *expected_version = stored.version;
                            }
                        }
                    }
                    self.inner.apply(change).await
                }
                Flaw::NotAtomic => {
                    for write in change.writes.clone() {
                        self.inner
                            .apply(ReportChange {
                                writes: vec![write],
                                ..ReportChange::default()
                            })
                            .await?;
                    }
                    self.inner
                        .apply(ReportChange {
                            writes: Vec::new(),
                            ..change
                        })
                        .await
                }
                _ => self.inner.apply(change).await,
            }
        }

        async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
            self.inner.get(id).await
        }

        async fn sketches(&self, query: &ReportQuery) -> Result<Vec<ReportSketch>, StoreError> {
            let mut sketches = self.inner.sketches(query).await?;
            if self.flaw == Flaw::UnfoldedSketches {
                for sketch in &mut sketches {
                    if let Some(report) = self.inner.get(sketch.id).await? {
                        sketch.title_folded = report.title.as_str().to_owned();
                    }
                }
            }
            Ok(sketches)
        }

        async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
            let mut query = query.clone();
            match self.flaw {
                Flaw::IgnoresCursor => query.after = None,
                Flaw::LeaksPrivateReports if query.scope == Scope::Public => {
                    query.scope = Scope::All;
                }
                Flaw::CaseSensitiveSearch => {
                    if let Some(text) = query.text.take() {
                        let mut page = self.inner.list(&query).await?;
                        page.items.retain(|r| {
                            r.title.as_str().contains(&text)
                                || r.description.as_str().contains(&text)
                        });
                        return Ok(page);
                    }
                }
                _ => {}
            }
            self.inner.list(&query).await
        }

        async fn count_by_status(
            &self,
            query: &ReportQuery,
        ) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
            self.inner.count_by_status(query).await
        }

        async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
            self.inner.timeline(id).await
        }

        async fn supporters(&self, id: ReportId) -> Result<Vec<UserId>, StoreError> {
            self.inner.supporters(id).await
        }

        async fn stats(&self, query: &StatsQuery, now: DateTime<Utc>) -> Result<Stats, StoreError> {
            let mut query = query.clone();
            if self.flaw == Flaw::StatsIgnoreTheJurisdiction {
                query.jurisdiction = None;
            }
            self.inner.stats(&query, now).await
        }

        async fn corrections(&self, query: &CorrectionQuery) -> Result<CorrectionPage, StoreError> {
            let mut query = query.clone();
            if self.flaw == Flaw::CorrectionsIgnoreTheCursor {
                query.before = None;
            }
            self.inner.corrections(&query).await
        }

        async fn rule_precision(&self) -> Result<Vec<RulePrecision>, StoreError> {
            let mut rules = self.inner.rule_precision().await?;
            if self.flaw == Flaw::PrecisionCountsOverridesAsKept {
                for rule in &mut rules {
                    rule.kept += std::mem::take(&mut rule.overridden);
                }
            }
            Ok(rules)
        }

        async fn ping(&self) -> Result<(), StoreError> {
            self.inner.ping().await
        }
    }

    fn broken(flaw: Flaw) -> Stores {
        let stores = Stores::memory();
        Stores {
            reports: Arc::new(Broken {
                inner: stores.reports.clone(),
                flaw,
            }),
            ..stores
        }
    }

    /// Runs a check on its own task, so an assertion's panic is an outcome.
    async fn fails<F, Fut>(stores: Stores, check: F) -> bool
    where
        F: FnOnce(Stores) -> Fut,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        !matches!(tokio::spawn(check(stores)).await, Ok(Ok(())))
    }

    macro_rules! caught {
        ($name:ident, $stores:expr, $check:ident) => {
            #[tokio::test]
            async fn $name() {
                let failed = fails($stores, |s| async move { contract::$check(&s).await }).await;
                assert!(
                    failed,
                    "{} passed against a broken store",
                    stringify!($check)
                );
            }
        };
    }

    caught!(
        statistics_that_ignore_the_jurisdiction,
        broken(Flaw::StatsIgnoreTheJurisdiction),
        stats_filters_by_window_jurisdiction_department_and_category
    );
    caught!(
        corrections_that_ignore_the_cursor,
        broken(Flaw::CorrectionsIgnoreTheCursor),
        corrections_page_newest_first_with_the_reports_current_text
    );
    caught!(
        a_precision_that_counts_overrides_as_kept,
        broken(Flaw::PrecisionCountsOverridesAsKept),
        rule_precision_counts_what_officers_kept_and_overrode
    );
    caught!(
        a_list_that_ignores_the_cursor,
        broken(Flaw::IgnoresCursor),
        list_pages_newest_first_without_gaps_or_duplicates
    );
    caught!(
        a_list_that_leaks_private_reports,
        broken(Flaw::LeaksPrivateReports),
        list_scope_decides_visibility
    );
    caught!(
        a_case_sensitive_search,
        broken(Flaw::CaseSensitiveSearch),
        list_text_search_ignores_case_and_treats_wildcards_literally
    );
    caught!(
        sketches_of_unfolded_text,
        broken(Flaw::UnfoldedSketches),
        list_text_search_ignores_case_and_treats_wildcards_literally
    );
    caught!(
        an_apply_without_version_check,
        broken(Flaw::SkipsVersionCheck),
        stale_update_is_a_version_conflict
    );
    caught!(
        lost_updates_under_concurrency,
        broken(Flaw::SkipsVersionCheck),
        concurrent_updates_from_one_version_let_one_win
    );
    caught!(
        an_apply_that_is_not_atomic,
        broken(Flaw::NotAtomic),
        refused_change_writes_nothing
    );
    caught!(
        a_batch_of_hundreds_applied_report_by_report,
        broken(Flaw::NotAtomic),
        a_change_creating_hundreds_of_reports_is_all_or_nothing
    );
    caught!(
        receipt_numbers_drawn_together_handed_out_again,
        broken(Flaw::BatchCountedAsOne),
        receipt_numbers_drawn_together_are_new_and_ascending
    );
    caught!(
        receipt_numbers_drawn_together_racing_single_ones,
        broken(Flaw::BatchCountedAsOne),
        receipt_numbers_drawn_together_are_distinct_under_concurrency
    );
    caught!(
        receipt_numbers_shared_across_years,
        broken(Flaw::SharedReceiptCounter),
        receipt_numbers_count_up_per_year
    );

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum SessionFlaw {
        /// `consume` answers `Fresh` every time, never `Reused`.
        NeverReused,
        /// `revoke_family` removes nothing.
        RevokeFamilyDoesNothing,
        /// `is_active` still counts a token at the instant it expires.
        ActiveAtExpiry,
        /// `purge_expired` keeps a token expiring exactly at `now`.
        PurgeKeepsTokensExpiringNow,
    }

    struct BrokenSessions {
        inner: Arc<dyn SessionStore>,
        flaw: SessionFlaw,
    }

    #[async_trait]
    impl SessionStore for BrokenSessions {
        async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
            self.inner.insert(session).await
        }

        async fn consume(&self, token_hash: &str) -> Result<Consumed, StoreError> {
            match self.inner.consume(token_hash).await? {
                Consumed::Reused(session) if self.flaw == SessionFlaw::NeverReused => {
                    Ok(Consumed::Fresh(session))
                }
                other => Ok(other),
            }
        }

        async fn is_active(
            &self,
            family: SessionId,
            now: DateTime<Utc>,
        ) -> Result<bool, StoreError> {
            let now = if self.flaw == SessionFlaw::ActiveAtExpiry {
                now - TimeDelta::microseconds(1)
            } else {
                now
            };
            self.inner.is_active(family, now).await
        }

        async fn revoke_family(&self, family: SessionId) -> Result<u64, StoreError> {
            if self.flaw == SessionFlaw::RevokeFamilyDoesNothing {
                return Ok(0);
            }
            self.inner.revoke_family(family).await
        }

        async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
            self.inner.revoke_all(user_id).await
        }

        async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
            let now = if self.flaw == SessionFlaw::PurgeKeepsTokensExpiringNow {
                now - TimeDelta::microseconds(1)
            } else {
                now
            };
            self.inner.purge_expired(now).await
        }
    }

    fn broken_sessions(flaw: SessionFlaw) -> Stores {
        let stores = Stores::memory();
        Stores {
            sessions: Arc::new(BrokenSessions {
                inner: stores.sessions.clone(),
                flaw,
            }),
            ..stores
        }
    }

    caught!(
        a_token_never_reported_reused,
        broken_sessions(SessionFlaw::NeverReused),
        session_is_fresh_once_then_reused
    );
    caught!(
        a_token_fresh_for_every_racing_consumer,
        broken_sessions(SessionFlaw::NeverReused),
        concurrent_consumers_of_one_token_let_one_have_it_fresh
    );
    caught!(
        a_revoke_family_that_does_nothing,
        broken_sessions(SessionFlaw::RevokeFamilyDoesNothing),
        revoke_family_ends_only_that_family
    );
    caught!(
        a_revoked_family_still_active,
        broken_sessions(SessionFlaw::RevokeFamilyDoesNothing),
        family_is_active_until_revoked_or_expired
    );
    caught!(
        a_revoked_token_still_usable,
        broken_sessions(SessionFlaw::RevokeFamilyDoesNothing),
        unknown_or_revoked_token_is_unknown
    );
    caught!(
        a_family_active_at_its_expiry,
        broken_sessions(SessionFlaw::ActiveAtExpiry),
        family_is_active_until_revoked_or_expired
    );
    caught!(
        a_purge_that_keeps_tokens_expiring_now,
        broken_sessions(SessionFlaw::PurgeKeepsTokensExpiringNow),
        purge_expired_removes_only_expired_tokens
    );

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum UserFlaw {
        /// `link_identity` of a linked pair succeeds (and links nothing).
        SilentDuplicateLinks,
        /// `api_keys` lists oldest first.
        KeysOldestFirst,
        /// `officials_of` counts a department's admins too.
        AdminsAsOfficials,
    }

    struct BrokenUsers {
        inner: Arc<dyn UserStore>,
        flaw: UserFlaw,
    }

    #[async_trait]
    impl UserStore for BrokenUsers {
        async fn create(&self, user: &User) -> Result<(), StoreError> {
            self.inner.create(user).await
        }
        async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
            self.inner.get(id).await
        }
        async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
            self.inner.find_by_email(email).await
        }
        async fn email_preference(
            &self,
            id: UserId,
        ) -> Result<Option<EmailPreference>, StoreError> {
            self.inner.email_preference(id).await
        }
        async fn set_email_preference(
            &self,
            id: UserId,
            preference: Option<EmailPreference>,
        ) -> Result<(), StoreError> {
            self.inner.set_email_preference(id, preference).await
        }
        async fn officials_of(&self, department: &DepartmentCode) -> Result<Vec<User>, StoreError> {
            let mut officials = self.inner.officials_of(department).await?;
            if self.flaw == UserFlaw::AdminsAsOfficials {
                for n in 1..10 {
                    let id = UserId(Uuid::from_u128(
                        0x0190_0000_0000_7000_8000_0000_0000_0000 | n,
                    ));
                    match self.inner.get(id).await? {
                        Some(admin)
                            if admin.role == Role::Admin
                                && admin.department.as_ref() == Some(department) =>
                        {
                            officials.push(admin);
                        }
                        _ => {}
                    }
                }
            }
            Ok(officials)
        }
        async fn update(&self, user: &User) -> Result<(), StoreError> {
            self.inner.update(user).await
        }
        async fn list(
            &self,
            after: Option<UserId>,
            limit: u32,
        ) -> Result<Vec<sinmungo_core::ports::Account>, StoreError> {
            self.inner.list(after, limit).await
        }
        async fn set_disabled(
            &self,
            id: UserId,
            at: Option<DateTime<Utc>>,
        ) -> Result<(), StoreError> {
            self.inner.set_disabled(id, at).await
        }
        async fn disabled_at(&self, id: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
            self.inner.disabled_at(id).await
        }
        async fn link_identity(&self, identity: &ExternalIdentity) -> Result<(), StoreError> {
            match self.inner.link_identity(identity).await {
                Err(StoreError::AlreadyExists(_))
                    if self.flaw == UserFlaw::SilentDuplicateLinks =>
                {
                    Ok(())
                }
                other => other,
            }
        }
        async fn find_by_identity(
            &self,
            provider: Provider,
            subject: &str,
        ) -> Result<Option<User>, StoreError> {
            self.inner.find_by_identity(provider, subject).await
        }
        async fn add_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
            self.inner.add_api_key(key).await
        }
        async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
            self.inner.find_api_key(key_hash).await
        }
        async fn api_keys(&self, user_id: UserId) -> Result<Vec<ApiKey>, StoreError> {
            let mut keys = self.inner.api_keys(user_id).await?;
            if self.flaw == UserFlaw::KeysOldestFirst {
                keys.reverse();
            }
            Ok(keys)
        }
        async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
            self.inner.revoke_api_key(id, at).await
        }
    }

    fn broken_users(flaw: UserFlaw) -> Stores {
        let stores = Stores::memory();
        Stores {
            users: Arc::new(BrokenUsers {
                inner: stores.users.clone(),
                flaw,
            }),
            ..stores
        }
    }

    caught!(
        a_duplicate_identity_link_accepted,
        broken_users(UserFlaw::SilentDuplicateLinks),
        duplicate_identity_link_is_refused
    );
    caught!(
        api_keys_oldest_first,
        broken_users(UserFlaw::KeysOldestFirst),
        api_keys_list_newest_first
    );
    caught!(
        admins_told_of_new_work,
        broken_users(UserFlaw::AdminsAsOfficials),
        officials_of_a_department_are_its_staff_and_managers
    );

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum NotificationFlaw {
        /// `insert` stores every notification, dedupe key or not.
        NoDedupe,
        /// `mark_read` marks anyone's notification.
        ReadsOthers,
        /// `mark_read` overwrites an earlier read time.
        RereadMovesTime,
    }

    struct BrokenNotifications {
        inner: Arc<dyn NotificationStore>,
        flaw: NotificationFlaw,
    }

    #[async_trait]
    impl NotificationStore for BrokenNotifications {
        async fn insert(
            &self,
            notifications: &[Notification],
        ) -> Result<Vec<Notification>, StoreError> {
            if self.flaw == NotificationFlaw::NoDedupe {
                let mut unique = notifications.to_vec();
                for n in &mut unique {
                    n.dedupe_key = n.id.to_string();
                }
                return self.inner.insert(&unique).await;
            }
            self.inner.insert(notifications).await
        }
        async fn list(&self, query: &NotificationQuery) -> Result<NotificationPage, StoreError> {
            self.inner.list(query).await
        }
        async fn unread_count(&self, recipient: UserId) -> Result<u64, StoreError> {
            self.inner.unread_count(recipient).await
        }
        async fn mark_read(
            &self,
            recipient: UserId,
            id: NotificationId,
            at: DateTime<Utc>,
        ) -> Result<Option<Notification>, StoreError> {
            match self.flaw {
                NotificationFlaw::ReadsOthers => {
                    for owner in 1..=2 {
                        let owner = UserId(Uuid::from_u128(
                            0x0190_0000_0000_7000_8000_0000_0000_0000 | owner,
                        ));
                        if let Some(read) = self.inner.mark_read(owner, id, at).await? {
                            return Ok(Some(read));
                        }
                    }
                    Ok(None)
                }
                NotificationFlaw::RereadMovesTime => {
                    let mut read = self.inner.mark_read(recipient, id, at).await?;
                    if let Some(read) = &mut read {
                        read.read_at = Some(
                            at - TimeDelta::nanoseconds(i64::from(
                                at.timestamp_subsec_nanos() % 1_000,
                            )),
                        );
                    }
                    Ok(read)
                }
                NotificationFlaw::NoDedupe => self.inner.mark_read(recipient, id, at).await,
            }
        }
        async fn mark_all_read(
            &self,
            recipient: UserId,
            at: DateTime<Utc>,
        ) -> Result<u64, StoreError> {
            self.inner.mark_all_read(recipient, at).await
        }
        async fn purge_created_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
            self.inner.purge_created_before(before).await
        }
    }

    fn broken_notifications(flaw: NotificationFlaw) -> Stores {
        let stores = Stores::memory();
        Stores {
            notifications: Arc::new(BrokenNotifications {
                inner: stores.notifications.clone(),
                flaw,
            }),
            ..stores
        }
    }

    caught!(
        an_event_notified_twice,
        broken_notifications(NotificationFlaw::NoDedupe),
        a_dedupe_key_notifies_each_recipient_once
    );
    caught!(
        another_persons_notification_read,
        broken_notifications(NotificationFlaw::ReadsOthers),
        marking_read_is_ones_own_and_keeps_the_first_time
    );
    caught!(
        a_second_read_moving_the_time,
        broken_notifications(NotificationFlaw::RereadMovesTime),
        marking_read_is_ones_own_and_keeps_the_first_time
    );

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum SettingsFlaw {
        /// `put_secret` never says what it replaced.
        ForgetsReplaced,
        /// `secrets` lists newest name last instead of by name.
        UnsortedList,
        /// `put_secret` stores the sealed bytes as text, losing what is not UTF-8.
        BytesAsText,
    }

    struct BrokenSettings {
        inner: Arc<dyn SettingsStore>,
        flaw: SettingsFlaw,
    }

    #[async_trait]
    impl SettingsStore for BrokenSettings {
        async fn put_secret(
            &self,
            secret: &SealedSecret,
        ) -> Result<Option<SealedSecret>, StoreError> {
            let mut secret = secret.clone();
            if self.flaw == SettingsFlaw::BytesAsText {
                secret.sealed = String::from_utf8_lossy(&secret.sealed)
                    .into_owned()
                    .into_bytes();
            }
            let replaced = self.inner.put_secret(&secret).await?;
            Ok(replaced.filter(|_| self.flaw != SettingsFlaw::ForgetsReplaced))
        }
        async fn secret(&self, name: &SecretName) -> Result<Option<SealedSecret>, StoreError> {
            self.inner.secret(name).await
        }
        async fn secrets(&self) -> Result<Vec<SealedSecret>, StoreError> {
            let mut secrets = self.inner.secrets().await?;
            if self.flaw == SettingsFlaw::UnsortedList {
                secrets.sort_by_key(|s| s.updated_at);
            }
            Ok(secrets)
        }
        async fn delete_secret(&self, name: &SecretName) -> Result<bool, StoreError> {
            self.inner.delete_secret(name).await
        }
    }

    fn broken_settings(flaw: SettingsFlaw) -> Stores {
        let stores = Stores::memory();
        Stores {
            settings: Arc::new(BrokenSettings {
                inner: stores.settings.clone(),
                flaw,
            }),
            ..stores
        }
    }

    caught!(
        a_put_that_forgets_what_it_replaced,
        broken_settings(SettingsFlaw::ForgetsReplaced),
        put_secret_returns_the_one_replaced
    );
    caught!(
        secrets_listed_in_the_order_they_were_set,
        broken_settings(SettingsFlaw::UnsortedList),
        secrets_list_by_name
    );
    caught!(
        sealed_bytes_stored_as_text,
        broken_settings(SettingsFlaw::BytesAsText),
        sealed_bytes_round_trip_exactly
    );

    /// An outbox that forgets leases: every claim ends as it is made.
    struct Forgetful(Arc<dyn Outbox>);

    #[async_trait]
    impl Outbox for Forgetful {
        async fn claim(
            &self,
            now: DateTime<Utc>,
            lease: TimeDelta,
            limit: u32,
        ) -> Result<Vec<ClaimedEvent>, StoreError> {
            let _ = lease;
            self.0.claim(now, TimeDelta::zero(), limit).await
        }
        async fn mark_published(&self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), StoreError> {
            self.0.mark_published(ids, at).await
        }
        async fn release(&self, ids: &[Uuid], error: &str) -> Result<(), StoreError> {
            self.0.release(ids, error).await
        }
        async fn pending(&self) -> Result<u64, StoreError> {
            self.0.pending().await
        }
        async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
            self.0.oldest_pending().await
        }
    }

    fn forgetful() -> Stores {
        let stores = Stores::memory();
        Stores {
            outbox: Arc::new(Forgetful(stores.outbox.clone())),
            ..stores
        }
    }

    caught!(
        an_outbox_that_ignores_leases,
        forgetful(),
        outbox_lease_holds_until_it_ends
    );
    caught!(
        an_outbox_that_lets_events_overtake,
        forgetful(),
        outbox_keeps_each_reports_events_in_order
    );

    /// An audit log whose `recorded_targets` matches targets by prefix, as a
    /// careless `LIKE` would.
    struct PrefixMatching(Arc<dyn AuditLog>);

    #[async_trait]
    impl AuditLog for PrefixMatching {
        async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
            self.0.record(entry).await
        }
        async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
            self.0.list(query).await
        }
        async fn recorded_targets(&self, targets: &[String]) -> Result<Vec<String>, StoreError> {
            let all = self
                .0
                .list(&AuditQuery {
                    target: None,
                    limit: u32::MAX,
                })
                .await?;
            Ok(targets
                .iter()
                .filter(|t| all.iter().any(|e| e.target.starts_with(t.as_str())))
                .cloned()
                .collect())
        }
    }

    fn prefix_matching() -> Stores {
        let stores = Stores::memory();
        Stores {
            audit: Arc::new(PrefixMatching(stores.audit.clone())),
            ..stores
        }
    }

    caught!(
        an_audit_log_that_matches_targets_by_prefix,
        prefix_matching(),
        audit_log_says_which_targets_have_entries
    );
}
