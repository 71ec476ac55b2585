//! The `upload-url` function: short-lived, narrow upload grants into the source bucket.
//!
//! A caller signed with SigV4 POSTs `{"content_type", "content_length", "checksum_sha256"?,
//! "name"?}` to the Function URL (`AuthType: AWS_IAM`) and gets a presigned PUT of one
//! server-chosen key, with its type, size, `If-None-Match: *`, the caller's identity and the
//! checksum all signed, by the uploader role whose only S3 permission is `s3:PutObject` under
//! `UPLOAD_PREFIX`.
//!
//! # Layout
//! - [`settings`]: `SOURCE_*` and `UPLOAD_*`, never the destination's.
//! - [`ask`]: the pure check of a request, to an [`ask::Ask`] or a [`ask::Refused`].
//! - [`grant`]: the presigned PutObject, its expiry capped by the credentials'.
//! - [`handler`]: the `lambda_http` adapter.

pub mod ask;
pub mod grant;
pub mod handler;
pub mod settings;

pub use grant::Signer;
pub use settings::UploadSettings;
