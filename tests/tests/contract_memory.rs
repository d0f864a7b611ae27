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
    use sinmungo_core::domain::receipt::ReceiptNumber;
    use sinmungo_core::domain::report::{Report, ReportId};
    use sinmungo_core::domain::timeline::TimelineEntry;
    use sinmungo_core::domain::user::UserId;
    use sinmungo_core::ports::{
        ClaimedEvent, Outbox, Page, RefreshSession, ReportChange, ReportQuery, ReportStore,
        ReportWrite, Scope, SessionStore, StoreError,
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
        /// `apply` writes whatever version it is given.
        SkipsVersionCheck,
        /// `apply` writes a change's parts one by one, keeping those before a failure.
        NotAtomic,
        /// `next_receipt_number` restarts every year at the last year's count.
        SharedReceiptCounter,
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

        async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
            let mut query = query.clone();
            match self.flaw {
                Flaw::IgnoresCursor => query.before = None,
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

        async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
            self.inner.timeline(id).await
        }

        async fn ping(&self) -> Result<(), StoreError> {
            self.inner.ping().await
        }
    }

    /// A session store whose `take` reads without removing.
    struct Reusable(Arc<dyn SessionStore>);

    #[async_trait]
    impl SessionStore for Reusable {
        async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
            self.0.insert(session).await
        }

        async fn take(&self, token_hash: &str) -> Result<Option<RefreshSession>, StoreError> {
            let taken = self.0.take(token_hash).await?;
            if let Some(session) = &taken {
                self.0.insert(session).await?;
            }
            Ok(taken)
        }

        async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
            self.0.revoke_all(user_id).await
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
        receipt_numbers_shared_across_years,
        broken(Flaw::SharedReceiptCounter),
        receipt_numbers_count_up_per_year
    );

    #[tokio::test]
    async fn a_session_that_can_be_taken_twice() {
        let stores = Stores::memory();
        let stores = Stores {
            sessions: Arc::new(Reusable(stores.sessions.clone())),
            ..stores
        };
        let failed = fails(stores, |s| async move {
            contract::session_is_taken_once(&s).await
        })
        .await;
        assert!(
            failed,
            "session_is_taken_once passed against a reusable session"
        );
    }

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
}
