//! `ObjectMediaStore` against the `MediaStore` contract on every backend
//! (memory, a temporary directory, a local S3 server), and what only it promises.
//!
//! The S3 checks need an S3-compatible server that accepts unsigned requests
//! to create buckets (moto): `SINMUNGO_TEST_S3_URL=http://127.0.0.1:5000`.
//! Unset, they are skipped — unless `SINMUNGO_REQUIRE_SERVICES=1`.

#![expect(clippy::unwrap_used, reason = "test fixtures")]

use std::path::{Path, PathBuf};

use sinmungo_core::ports::{Blob, MediaError, MediaKey, MediaStore};
use sinmungo_storage::contract::FreshStore;
use sinmungo_storage::{ObjectMediaStore, OpenError, S3Config};

fn key(raw: &str) -> MediaKey {
    MediaKey::new(raw).unwrap()
}

fn jpeg_blob(bytes: &[u8]) -> Blob {
    Blob {
        bytes: bytes.to_vec(),
        content_type: "image/jpeg".into(),
    }
}

mod memory {
    use super::*;

    async fn fresh() -> anyhow::Result<Option<FreshStore>> {
        Ok(Some(FreshStore::new(ObjectMediaStore::open("memory://")?)))
    }

    sinmungo_storage::media_store_contract!(fresh);
}

mod file {
    use super::*;

    async fn fresh() -> anyhow::Result<Option<FreshStore>> {
        let dir = tempfile::tempdir()?;
        let store = ObjectMediaStore::open(&format!("file://{}", dir.path().display()))?;
        Ok(Some(FreshStore::new(store).keeping(dir)))
    }

    sinmungo_storage::media_store_contract!(fresh);
}

mod s3 {
    use object_store::aws::AmazonS3Builder;
    use object_store::{Attribute, ObjectStoreExt as _};

    use super::*;

    /// A store on a new, empty bucket of the test server, or `None` if there
    /// is no server and none is required.
    pub(super) async fn fresh() -> anyhow::Result<Option<FreshStore>> {
        let Some(endpoint) = endpoint()? else {
            return Ok(None);
        };
        let bucket = create_bucket(&endpoint).await?;
        let store =
            ObjectMediaStore::open_with(&format!("s3://{bucket}/media"), &config(&endpoint))?;
        Ok(Some(FreshStore::new(store)))
    }

    pub(super) fn endpoint() -> anyhow::Result<Option<String>> {
        Ok(
            sinmungo_test_support::services::service_url("SINMUNGO_TEST_S3_URL")?
                .map(|url| url.trim_end_matches('/').to_owned()),
        )
    }

    pub(super) fn config(endpoint: &str) -> S3Config {
        S3Config {
            endpoint: Some(endpoint.to_owned()),
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            session_token: None,
        }
    }

    /// A bucket of its own for one test. `object_store` cannot create
    /// buckets; moto takes an unsigned `PUT /{bucket}`.
    pub(super) async fn create_bucket(endpoint: &str) -> anyhow::Result<String> {
        let bucket = format!("sinmungo-test-{}", uuid::Uuid::now_v7().simple());
        let response = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "creating bucket {bucket}: {}",
            response.status()
        );
        Ok(bucket)
    }

    sinmungo_storage::media_store_contract!(fresh);

    /// Keys live under the URL's prefix, and the object's `Content-Type` is
    /// set for other readers of the bucket.
    #[tokio::test]
    async fn keys_live_under_the_prefix_with_their_content_type() -> anyhow::Result<()> {
        let Some(endpoint) = endpoint()? else {
            return Ok(());
        };
        let bucket = create_bucket(&endpoint).await?;
        let store =
            ObjectMediaStore::open_with(&format!("s3://{bucket}/prod/media"), &config(&endpoint))?;
        store
            .put(&key("reports/1/public.jpg"), jpeg_blob(b"jpeg bytes"))
            .await?;

        // Read the object as another S3 client would, signed (moto refuses
        // anonymous reads of private objects).
        let raw = AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_allow_http(true)
            .with_bucket_name(&bucket)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()?;
        let object = raw
            .get(&object_store::path::Path::from(
                "prod/media/reports/1/public.jpg",
            ))
            .await?;
        assert_eq!(
            object
                .attributes
                .get(&Attribute::ContentType)
                .map(|v| v.as_ref()),
            Some("image/jpeg")
        );
        assert_eq!(object.bytes().await?.as_ref(), b"jpeg bytes");

        let root = ObjectMediaStore::open_with(&format!("s3://{bucket}"), &config(&endpoint))?;
        let got = root.get(&key("prod/media/reports/1/public.jpg")).await?;
        assert_eq!(got, Some(jpeg_blob(b"jpeg bytes")));
        assert_eq!(root.get(&key("reports/1/public.jpg")).await?, None);
        Ok(())
    }
}

/// Every file below `dir`, relative to it.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn file_blobs_land_under_the_root_as_plain_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media");
    let store = ObjectMediaStore::open(&format!("file://{}", root.display())).unwrap();
    store
        .put(
            &key("reports/0192/photo/original.jpg"),
            jpeg_blob(b"original"),
        )
        .await
        .unwrap();
    store
        .put(
            &key("reports/0192/photo/original.jpg"),
            jpeg_blob(b"replaced"),
        )
        .await
        .unwrap();

    // The one file, where the key says, holding exactly the bytes: no
    // temporary file left behind, nothing written beside the root.
    assert_eq!(
        files_below(dir.path()),
        [PathBuf::from("media/reports/0192/photo/original.jpg")]
    );
    assert_eq!(
        std::fs::read(root.join("reports/0192/photo/original.jpg")).unwrap(),
        b"replaced"
    );
    // A key cannot name a way out of the root in the first place.
    for escape in [
        "../outside.jpg",
        "a/../../outside.jpg",
        "/etc/passwd",
        "a/./b.jpg",
    ] {
        assert!(MediaKey::new(escape).is_err(), "{escape}");
    }
}

#[tokio::test]
async fn relative_file_url_is_below_the_working_directory_and_is_created() {
    // Reach a temporary directory from the working directory with `../`s.
    let dir = tempfile::tempdir().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let ups = "../".repeat(cwd.components().count() - 1);
    let target = dir.path().join("new/media");
    let relative = format!("{ups}{}", target.strip_prefix("/").unwrap().display());
    assert!(!target.exists());

    let store = ObjectMediaStore::open(&format!("file://./{relative}")).unwrap();
    assert!(target.is_dir());
    store.put(&key("a.jpg"), jpeg_blob(b"a")).await.unwrap();
    assert_eq!(std::fs::read(target.join("a.jpg")).unwrap(), b"a");
}

#[tokio::test]
async fn content_type_contradicting_the_key_is_refused_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let stores = [
        ObjectMediaStore::open("memory://").unwrap(),
        ObjectMediaStore::open(&format!("file://{}", dir.path().display())).unwrap(),
    ];
    for store in stores {
        let png_named_jpg = Blob {
            bytes: b"png".to_vec(),
            content_type: "image/png".into(),
        };
        let result = store.put(&key("photo.jpg"), png_named_jpg).await;
        assert!(
            matches!(result, Err(MediaError::Unknown(_))),
            "{store:?}: {result:?}"
        );
        assert_eq!(
            store.get(&key("photo.jpg")).await.unwrap(),
            None,
            "{store:?}"
        );
    }
}

#[test]
fn unknown_scheme_is_a_clear_error() {
    let err = ObjectMediaStore::open("gs://bucket/media").unwrap_err();
    assert!(matches!(err, OpenError::UnknownScheme { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "unknown media storage scheme \"gs\" in \"gs://bucket/media\"; use file://, s3:// or memory://"
    );
}

#[tokio::test]
async fn unreachable_s3_server_is_unavailable() {
    // A port nobody listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = S3Config {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        ..S3Config::default()
    };
    let store = ObjectMediaStore::open_with("s3://nowhere/media", &config).unwrap();
    let put = store.put(&key("a.jpg"), jpeg_blob(b"a")).await;
    assert!(matches!(put, Err(MediaError::Unavailable(_))), "{put:?}");
    let get = store.get(&key("a.jpg")).await;
    assert!(matches!(get, Err(MediaError::Unavailable(_))), "{get:?}");
    let delete = store.delete(&key("a.jpg")).await;
    assert!(
        matches!(delete, Err(MediaError::Unavailable(_))),
        "{delete:?}"
    );
}

/// The contract can fail: stores with one deliberate flaw each are caught.
mod the_suite_catches {
    use async_trait::async_trait;
    use sinmungo_storage::contract;

    use super::*;

    #[derive(Debug, Clone, Copy)]
    enum Flaw {
        /// Reports every blob as `application/octet-stream`.
        ForgetsContentType,
        /// Keeps only the first MiB.
        Truncates,
        /// Deletes nothing.
        IgnoresDelete,
        /// Fails to delete what is not there.
        DeleteOfMissingFails,
    }

    #[derive(Debug)]
    struct Flawed {
        inner: ObjectMediaStore,
        flaw: Flaw,
    }

    #[async_trait]
    impl MediaStore for Flawed {
        async fn put(&self, key: &MediaKey, mut blob: Blob) -> Result<(), MediaError> {
            if let Flaw::Truncates = self.flaw {
                blob.bytes.truncate(1024 * 1024);
            }
            self.inner.put(key, blob).await
        }

        async fn get(&self, key: &MediaKey) -> Result<Option<Blob>, MediaError> {
            let blob = self.inner.get(key).await?;
            Ok(match self.flaw {
                Flaw::ForgetsContentType => blob.map(|blob| Blob {
                    content_type: "application/octet-stream".into(),
                    ..blob
                }),
                _ => blob,
            })
        }

        async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
            match self.flaw {
                Flaw::IgnoresDelete => Ok(()),
                Flaw::DeleteOfMissingFails if self.inner.get(key).await?.is_none() => {
                    Err(MediaError::Unknown(anyhow::anyhow!("no such key")))
                }
                _ => self.inner.delete(key).await,
            }
        }
    }

    fn flawed(flaw: Flaw) -> FreshStore {
        FreshStore::new(Flawed {
            inner: ObjectMediaStore::open("memory://").unwrap(),
            flaw,
        })
    }

    /// Runs a check on its own task, so that its failed assertion is caught.
    async fn fails(
        check: impl std::future::Future<Output = contract::CheckResult> + Send + 'static,
    ) -> bool {
        !matches!(tokio::spawn(check).await, Ok(Ok(())))
    }

    #[tokio::test]
    async fn a_forgotten_content_type() {
        let fresh = flawed(Flaw::ForgetsContentType);
        assert!(
            fails(async move { contract::round_trip_keeps_bytes_and_content_type(&fresh).await })
                .await
        );
    }

    #[tokio::test]
    async fn a_truncated_blob() {
        let fresh = flawed(Flaw::Truncates);
        assert!(fails(async move { contract::five_mib_blob_round_trips(&fresh).await }).await);
    }

    #[tokio::test]
    async fn a_delete_that_deletes_nothing() {
        let fresh = flawed(Flaw::IgnoresDelete);
        let again = fresh.clone();
        assert!(fails(async move { contract::deleted_key_is_none(&fresh).await }).await);
        assert!(fails(async move { contract::nested_keys_are_independent(&again).await }).await);
    }

    #[tokio::test]
    async fn a_delete_of_a_missing_key_that_fails() {
        let fresh = flawed(Flaw::DeleteOfMissingFails);
        assert!(fails(async move { contract::deleting_a_missing_key_is_ok(&fresh).await }).await);
    }
}
