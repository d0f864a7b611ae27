//! Sinmungo's photos and thumbnails on file://, s3:// and memory:// storage.
