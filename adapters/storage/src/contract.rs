//! The contract suite of the `MediaStore` port: the checks every adapter must
//! pass unchanged (`memory://`, `file://` and `s3://` here; any fake elsewhere).
//!
//! # Running it against a store
//!
//! Write a factory that opens a **fresh, empty** store, an
//! `async fn() -> anyhow::Result<Option<FreshStore>>` (`Ok(None)` when the
//! backend is not available here, after saying so), and expand
//! [`media_store_contract!`](crate::media_store_contract) with it in a test
//! file (the test crate needs `tokio` with `macros` and `rt-multi-thread`, and
//! `anyhow`):
//!
//! ```text
//! async fn fresh() -> anyhow::Result<Option<FreshStore>> {
//!     let dir = tempfile::tempdir()?;
//!     let store = ObjectMediaStore::open(&format!("file://{}", dir.path().display()))?;
//!     Ok(Some(FreshStore::new(store).keeping(dir)))
//! }
//! sinmungo_storage::media_store_contract!(fresh);
//! ```
//!
//! That generates one `#[tokio::test]` per check, named after it, each on its
//! own fresh store. Every check is also a public `async fn(&FreshStore) -> CheckResult`.
//!
//! # What the contract promises beyond the trait docs
//!
//! - A blob's content type comes back as it was given, for keys whose suffix
//!   names it (`.jpg` and `image/jpeg`; see `media_type_for`): the checks use
//!   only such pairs, the ones `ObjectMediaStore` accepts.
//! - Empty blobs and blobs of several MiB come back byte for byte.
//! - A reader racing a writer of the same key sees a whole old or whole new blob.
//! - Keys are independent: deleting one leaves its neighbours and the keys
//!   below the same segments alone; a key made of segments that only lead to
//!   other keys (`reports/1` of `reports/1/a.jpg`) holds nothing, and deleting
//!   it deletes nothing.

use std::any::Any;
use std::sync::Arc;

use anyhow::Context as _;
use sinmungo_core::ports::{Blob, MediaKey, MediaStore};

/// What a check returns: `Err` when the store failed unexpectedly (a check
/// whose expectation is not met panics with an assertion message instead).
pub type CheckResult = anyhow::Result<()>;

/// A fresh, empty store under test.
#[derive(Clone)]
pub struct FreshStore {
    /// The store.
    pub store: Arc<dyn MediaStore>,
    /// Anything that must live as long as the store (a temporary directory).
    pub keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for FreshStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshStore").finish_non_exhaustive()
    }
}

impl FreshStore {
    /// Wraps `store`.
    pub fn new(store: impl MediaStore + 'static) -> Self {
        Self {
            store: Arc::new(store),
            keep_alive: None,
        }
    }

    /// Keeps `value` (a temporary directory) alive as long as the store.
    #[must_use]
    pub fn keeping(mut self, value: impl Any + Send + Sync) -> Self {
        self.keep_alive = Some(Arc::new(value));
        self
    }
}

/// Generates one `#[tokio::test]` per contract check, each on a fresh store
/// from `$fresh` (an `async fn() -> anyhow::Result<Option<FreshStore>>`; with
/// `Ok(None)` the test passes without running); see the module docs.
#[macro_export]
macro_rules! media_store_contract {
    ($fresh:path) => {
        $crate::media_store_contract!(@checks $fresh;
            round_trip_keeps_bytes_and_content_type,
            empty_blob_round_trips,
            put_replaces_the_blob,
            missing_key_is_none,
            deleted_key_is_none,
            deleting_a_missing_key_is_ok,
            nested_keys_are_independent,
            five_mib_blob_round_trips,
            concurrent_puts_of_different_keys_all_land,
            reader_racing_a_writer_sees_whole_blobs,
        );
    };
    (@checks $fresh:path; $($check:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() -> $crate::contract::CheckResult {
                match $fresh().await? {
                    Some(fresh) => $crate::contract::$check(&fresh).await,
                    None => Ok(()),
                }
            }
        )*
    };
}

fn key(raw: &str) -> anyhow::Result<MediaKey> {
    MediaKey::new(raw).with_context(|| format!("test key {raw:?}"))
}

fn blob(bytes: impl Into<Vec<u8>>, content_type: &str) -> Blob {
    Blob {
        bytes: bytes.into(),
        content_type: content_type.to_owned(),
    }
}

/// Bytes that are neither constant nor repeating with a short period, so a
/// truncated or shifted copy cannot pass for the original.
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            // xorshift32
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// What `get` returned, for assertion messages that do not print megabytes.
fn describe(blob: &Option<Blob>) -> String {
    match blob {
        Some(blob) => format!("{} bytes of {}", blob.bytes.len(), blob.content_type),
        None => "nothing".into(),
    }
}

/// Each media type comes back with its bytes.
pub async fn round_trip_keeps_bytes_and_content_type(fresh: &FreshStore) -> CheckResult {
    let store = &fresh.store;
    let cases = [
        ("photos/original.jpg", "image/jpeg", noise(1000, 1)),
        ("photos/original.png", "image/png", noise(1001, 2)),
        ("photos/original.webp", "image/webp", noise(1002, 3)),
        (
            "photos/meta.json",
            "application/json",
            b"{\"a\":1}".to_vec(),
        ),
        ("photos/blob", "application/octet-stream", noise(3, 4)),
    ];
    for (raw, content_type, bytes) in &cases {
        store
            .put(&key(raw)?, blob(bytes.clone(), content_type))
            .await?;
    }
    for (raw, content_type, bytes) in cases {
        let got = store.get(&key(raw)?).await?;
        assert_eq!(
            got,
            Some(blob(bytes, content_type)),
            "{raw}: got {}",
            describe(&got)
        );
    }
    Ok(())
}

/// Zero bytes are a blob, not a missing one.
pub async fn empty_blob_round_trips(fresh: &FreshStore) -> CheckResult {
    let empty = key("empty.jpg")?;
    fresh
        .store
        .put(&empty, blob(Vec::new(), "image/jpeg"))
        .await?;
    assert_eq!(
        fresh.store.get(&empty).await?,
        Some(blob(Vec::new(), "image/jpeg"))
    );
    Ok(())
}

/// A second `put` replaces the first entirely, also when it is shorter.
pub async fn put_replaces_the_blob(fresh: &FreshStore) -> CheckResult {
    let store = &fresh.store;
    let photo = key("reports/1/public.jpg")?;
    store
        .put(&photo, blob(noise(4096, 5), "image/jpeg"))
        .await?;
    store.put(&photo, blob(noise(100, 6), "image/jpeg")).await?;
    let got = store.get(&photo).await?;
    assert_eq!(
        got,
        Some(blob(noise(100, 6), "image/jpeg")),
        "got {}",
        describe(&got)
    );
    Ok(())
}

/// A key never written is `None`, at the root and deep below it.
pub async fn missing_key_is_none(fresh: &FreshStore) -> CheckResult {
    for raw in ["never.jpg", "no/such/dir/never.jpg"] {
        assert_eq!(fresh.store.get(&key(raw)?).await?, None, "{raw}");
    }
    Ok(())
}

/// After `delete`, `get` is `None`, and a new `put` works again.
pub async fn deleted_key_is_none(fresh: &FreshStore) -> CheckResult {
    let store = &fresh.store;
    let photo = key("reports/2/original.png")?;
    store.put(&photo, blob(noise(10, 7), "image/png")).await?;
    store.delete(&photo).await?;
    assert_eq!(store.get(&photo).await?, None);
    store.put(&photo, blob(noise(11, 8), "image/png")).await?;
    assert_eq!(
        store.get(&photo).await?,
        Some(blob(noise(11, 8), "image/png"))
    );
    Ok(())
}

/// Deleting what is not there succeeds, twice, and under missing directories.
pub async fn deleting_a_missing_key_is_ok(fresh: &FreshStore) -> CheckResult {
    let store = &fresh.store;
    store.delete(&key("never.jpg")?).await?;
    store.delete(&key("no/such/dir/never.jpg")?).await?;
    let photo = key("once.jpg")?;
    store.put(&photo, blob(noise(10, 9), "image/jpeg")).await?;
    store.delete(&photo).await?;
    store.delete(&photo).await?;
    Ok(())
}

/// Keys sharing segments are independent blobs; deleting one leaves the
/// others, and so does deleting the segments they share.
pub async fn nested_keys_are_independent(fresh: &FreshStore) -> CheckResult {
    let store = &fresh.store;
    let raws = [
        "reports/0192/photos/a/original.jpg",
        "reports/0192/photos/a/public.jpg",
        "reports/0192/photos/b/original.jpg",
        "reports/0192/thumbnail.jpg",
        "reports/0193/photos/a/original.jpg",
    ];
    for (i, raw) in (0u32..).zip(raws) {
        store
            .put(&key(raw)?, blob(noise(64, i), "image/jpeg"))
            .await?;
    }
    store.delete(&key(raws[1])?).await?;
    // Segments that only lead to other keys hold no blob: nothing to delete.
    assert_eq!(store.get(&key("reports/0192/photos")?).await?, None);
    store.delete(&key("reports/0192/photos")?).await?;
    for (i, raw) in (0u32..).zip(raws) {
        let expected = (i != 1).then(|| blob(noise(64, i), "image/jpeg"));
        assert_eq!(store.get(&key(raw)?).await?, expected, "{raw}");
    }
    Ok(())
}

/// A photo-sized blob (5 MiB) comes back byte for byte.
pub async fn five_mib_blob_round_trips(fresh: &FreshStore) -> CheckResult {
    let photo = key("large/original.jpg")?;
    let bytes = noise(5 * 1024 * 1024, 10);
    fresh
        .store
        .put(&photo, blob(bytes.clone(), "image/jpeg"))
        .await?;
    let got = fresh.store.get(&photo).await?;
    assert!(
        got.as_ref().is_some_and(|got| got.bytes == bytes),
        "got {}",
        describe(&got)
    );
    Ok(())
}

/// Sixteen concurrent writers of different keys all land, intact.
pub async fn concurrent_puts_of_different_keys_all_land(fresh: &FreshStore) -> CheckResult {
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..16u32 {
        let store = fresh.store.clone();
        writers.spawn(async move {
            let photo = key(&format!("concurrent/{i}/original.jpg"))?;
            store
                .put(&photo, blob(noise(64 * 1024, i), "image/jpeg"))
                .await?;
            anyhow::Ok(())
        });
    }
    while let Some(written) = writers.join_next().await {
        written??;
    }
    for i in 0..16u32 {
        let got = fresh
            .store
            .get(&key(&format!("concurrent/{i}/original.jpg"))?)
            .await?;
        assert!(
            got.as_ref()
                .is_some_and(|got| got.bytes == noise(64 * 1024, i)),
            "key {i}: got {}",
            describe(&got)
        );
    }
    Ok(())
}

/// While one task overwrites a key back and forth between two blobs, every
/// read returns one of them whole: never a part, a mix, or nothing.
pub async fn reader_racing_a_writer_sees_whole_blobs(fresh: &FreshStore) -> CheckResult {
    let photo = key("racing/public.jpg")?;
    let versions = [noise(256 * 1024, 11), noise(200 * 1024, 12)];
    fresh
        .store
        .put(&photo, blob(versions[0].clone(), "image/jpeg"))
        .await?;
    let writer = {
        let (store, photo, versions) = (fresh.store.clone(), photo.clone(), versions.clone());
        tokio::spawn(async move {
            for round in 0..20 {
                let bytes = versions[round % 2].clone();
                store.put(&photo, blob(bytes, "image/jpeg")).await?;
            }
            anyhow::Ok(())
        })
    };
    let mut reads = 0;
    while !writer.is_finished() || reads < 5 {
        let got = fresh.store.get(&photo).await?;
        assert!(
            got.as_ref()
                .is_some_and(|got| versions.contains(&got.bytes)),
            "read {reads}: got {}",
            describe(&got)
        );
        reads += 1;
    }
    writer.await??;
    Ok(())
}
