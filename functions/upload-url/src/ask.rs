//! What a caller asks for, checked: the pure part of upload-url, from the request's method,
//! body and identity to either an [`Ask`] or a [`Refused`] with its status.

use serde_json::{Map, Value};

use crate::settings::{ContentType, UploadSettings};

/// The largest request body read: the JSON of a request is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 4096;
/// The longest `name` kept as `original-name` metadata (bytes of UTF-8): S3 allows 2 KB of
/// user metadata in all, and the percent-encoded name can take three times its length.
pub const MAX_NAME_BYTES: usize = 255;

/// A checked request for an upload grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// One of `UPLOAD_CONTENT_TYPES`.
    pub content_type: ContentType,
    /// 1..=`UPLOAD_MAX_BYTES`.
    pub content_length: u64,
    /// Base64 of the SHA-256 of the content, as S3's `x-amz-checksum-sha256` takes it.
    pub checksum_sha256: Option<String>,
    /// The caller's file name, percent-encoded (`original-name` metadata).
    pub original_name: Option<String>,
    /// The caller's IAM ARN (`uploaded-by` metadata).
    pub uploaded_by: String,
}

/// A request refused, with its HTTP status and the contract's `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// HTTP status.
    pub status: u16,
    /// `InvalidRequest`, `ContentTooLarge`, `UnsupportedMediaType`, `MethodNotAllowed`,
    /// `Unauthenticated` or `Internal`.
    pub error: &'static str,
    /// What is wrong, naming the field.
    pub message: String,
}

impl Refused {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            error: "InvalidRequest",
            message: message.into(),
        }
    }

    /// A failure of this function or of AWS (not the caller's): 500 `Internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: 500,
            error: "Internal",
            message: message.into(),
        }
    }

    /// The response body: `{"error", "message"}`.
    pub fn body(&self) -> Value {
        serde_json::json!({"error": self.error, "message": self.message})
    }
}

/// Checks a request: `method`, the (already base64-decoded) `body`, and `caller`, the IAM ARN of
/// the request context (`None` when there is none: the Function URL is not AWS_IAM).
pub fn check(
    method: &str,
    body: &[u8],
    caller: Option<&str>,
    settings: &UploadSettings,
) -> Result<Ask, Refused> {
    if method != "POST" {
        return Err(Refused {
            status: 405,
            error: "MethodNotAllowed",
            message: format!("{method} is not allowed: POST a JSON request"),
        });
    }
    let uploaded_by = caller.filter(|arn| is_iam_arn(arn)).ok_or_else(|| Refused {
        status: 403,
        error: "Unauthenticated",
        message: "the request carries no IAM identity: call the Function URL signed with SigV4 (its AuthType must be AWS_IAM)".into(),
    })?;
    if body.len() > MAX_BODY_BYTES {
        return Err(Refused {
            status: 413,
            error: "ContentTooLarge",
            message: format!(
                "the request body is {} bytes; a request is at most {MAX_BODY_BYTES} bytes of JSON (the image itself goes to the URL this answers with)",
                body.len()
            ),
        });
    }
    let fields: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => fields,
        Ok(_) => return Err(Refused::invalid("the body must be a JSON object")),
        Err(e) => return Err(Refused::invalid(format!("the body is not JSON: {e}"))),
    };
    if let Some(unknown) = fields.keys().find(|k| {
        !["content_type", "content_length", "checksum_sha256", "name"].contains(&k.as_str())
    }) {
        return Err(Refused::invalid(format!(
            "unknown field {unknown:?}: the fields are content_type, content_length, checksum_sha256 and name"
        )));
    }
    let content_type = match fields.get("content_type") {
        Some(Value::String(t)) => t,
        Some(_) => {
            return Err(Refused::invalid(
                "content_type must be a string such as \"image/jpeg\"",
            ));
        }
        None => {
            return Err(Refused::invalid(
                "content_type is required (for instance \"image/jpeg\")",
            ));
        }
    };
    let allowed: Vec<&str> = settings
        .content_types
        .iter()
        .map(|t| t.media_type)
        .collect();
    let content_type = *settings
        .content_types
        .iter()
        .find(|t| t.media_type.eq_ignore_ascii_case(content_type))
        .ok_or_else(|| Refused {
            status: 415,
            error: "UnsupportedMediaType",
            message: format!(
                "content_type {content_type:?} is not allowed: choose among {}",
                allowed.join(", ")
            ),
        })?;
    let content_length = match fields.get("content_length") {
        Some(Value::Number(n)) => n.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
            Refused::invalid(format!(
                "content_length {n} is not a whole number of bytes, at least 1"
            ))
        })?,
        Some(_) => return Err(Refused::invalid("content_length must be a number of bytes")),
        None => {
            return Err(Refused::invalid(
                "content_length is required: the exact size in bytes",
            ));
        }
    };
    if content_length > settings.max_bytes {
        return Err(Refused {
            status: 413,
            error: "ContentTooLarge",
            message: format!(
                "content_length {content_length} is over the limit of {} bytes (UPLOAD_MAX_BYTES)",
                settings.max_bytes
            ),
        });
    }
    let checksum_sha256 = match fields.get("checksum_sha256") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if is_sha256_base64(c) => Some(c.clone()),
        Some(_) => {
            return Err(Refused::invalid(
                "checksum_sha256 must be the base64 of the content's 32-byte SHA-256 (44 characters, as `openssl dgst -sha256 -binary | base64` prints it)",
            ));
        }
    };
    let original_name = match fields.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) if !n.is_empty() && n.len() <= MAX_NAME_BYTES => Some(
            percent_encoding::utf8_percent_encode(n, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        ),
        Some(_) => {
            return Err(Refused::invalid(format!(
                "name must be a non-empty string of at most {MAX_NAME_BYTES} bytes (the file's name, kept as metadata; the key is chosen by the server)"
            )));
        }
    };
    Ok(Ask {
        content_type,
        content_length,
        checksum_sha256,
        original_name,
        uploaded_by: uploaded_by.to_owned(),
    })
}

/// `arn:aws...:iam::<account>:...` or `arn:aws...:sts::<account>:assumed-role/...`, ASCII
/// without control characters (it becomes a signed header value).
fn is_iam_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && (parts[2] == "iam" || parts[2] == "sts")
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && arn.len() <= 2048
        && arn.bytes().all(|b| b.is_ascii_graphic())
}

fn is_sha256_base64(c: &str) -> bool {
    c.len() == 44 && aws_smithy_types::base64::decode(c).is_ok_and(|bytes| bytes.len() == 32)
}

/// The key of an upload: `{UPLOAD_PREFIX}{yyyy}/{mm}/{dd}/{uuid}.{ext}`, `date` being
/// `yyyy-mm-dd` (UTC).
pub fn key(prefix: &str, date: &str, id: &uuid::Uuid, content_type: &ContentType) -> String {
    let date = date.replace('-', "/");
    format!(
        "{prefix}{date}/{}.{}",
        id.hyphenated(),
        content_type.extension
    )
}

#[cfg(test)]
mod tests;
