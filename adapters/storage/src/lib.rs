//! Sinmungo's photos and thumbnails on `file://`, `s3://` and `memory://` storage.
//!
//! Two halves that the server puts together:
//!
//! - [`ObjectMediaStore`] implements the core's `MediaStore` port over the
//!   `object_store` crate; [`ObjectMediaStore::open`] takes the storage URL
//!   (see [`StorageUrl`] for the forms it accepts). A blob's content type is
//!   decided by its key's suffix ([`media_type_for`]) on every backend.
//! - [`photo`] checks and processes uploaded images: [`photo::inspect`] decides
//!   by content and from the header alone whether an upload is an image we take,
//!   [`photo::process`] makes the metadata-free public copy and the thumbnails.
//!   Both are synchronous and CPU-bound: call them inside `spawn_blocking`.
//!   [`ImageProcessor`] implements the core's `PhotoProcessor` port with them.
//!
//! With the `contract` feature, [`contract`] holds the checks every
//! `MediaStore` must pass.

#[cfg(feature = "contract")]
pub mod contract;
mod error;
mod media_type;
pub mod photo;
mod s3;
#[cfg(feature = "samples")]
pub mod samples;
mod storage_url;
mod store;

pub use error::OpenError;
pub use media_type::media_type_for;
pub use photo::ImageProcessor;
pub use s3::S3Config;
pub use storage_url::StorageUrl;
pub use store::ObjectMediaStore;
