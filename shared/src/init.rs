//! Cold start: logging, and the contract's answer to a bad setting.
//!
//! A missing or invalid setting must stop the cold start with the Runtime API's init error
//! (`POST /runtime/init/error`, header `Lambda-Runtime-Function-Error-Type`), so that Lambda
//! reports `InvalidConfiguration` on every invocation instead of a function that half works.
//! `lambda_runtime` has no call for it; `lambda_runtime_api_client` (its transport) does the HTTP.

use http::{Method, Request, Uri};
use lambda_runtime_api_client::body::Body;

use crate::error::{BoxError, Error};

/// The Runtime API path for initialisation errors.
pub const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";

/// The header that carries the error type.
pub const ERROR_TYPE_HEADER: &str = "Lambda-Runtime-Function-Error-Type";

/// Crates that log what they send and receive at TRACE (the SDK's signer its canonical
/// request, the orchestrator the request with its headers, the STS body with the ExternalId,
/// `lambda_runtime` the raw event with what the caller sent): never below DEBUG, whatever the
/// level asked for. Our own crates log at every level.
pub const CAPPED_AT_DEBUG: &[&str] = &[
    "aws_sigv4",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_smithy_xml",
    "aws_smithy_json",
    "aws_smithy_query",
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "aws_sdk_s3",
    "aws_sdk_sts",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tower",
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
];

/// Sets up tracing as Lambda expects, on stdout, from the environment that `lookup` reads (the
/// cold start's; `main` passes `|name| std::env::var(name).ok()`): see
/// [`init_logging_with_writer`].
pub fn init_logging(lookup: impl Fn(&str) -> Option<String>) {
    init_logging_with_writer(lookup, std::io::stdout);
}

/// Sets up tracing as `lambda_runtime`'s default subscriber does (JSON lines when
/// `AWS_LAMBDA_LOG_FORMAT=JSON`, else text; level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`,
/// else INFO), with two directives of our own:
/// - aws-config's warning about an empty `AWS_ENDPOINT_URL` is dropped: the template passes
///   the variable empty on purpose, and [`Settings`](crate::Settings) already refuses a
///   non-empty invalid one at cold start with a clearer message;
/// - `aws_config::sts::assume_role` never logs below INFO, even at DEBUG, since its debug line
///   names the access key id it obtained;
/// - the crates of [`CAPPED_AT_DEBUG`] never log at TRACE.
pub fn init_logging_with_writer<W>(lookup: impl Fn(&str) -> Option<String>, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;

    let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let level = var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|| var("RUST_LOG"))
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let mut filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .parse_lossy(var("RUST_LOG").unwrap_or_default());
    // Caps, not levels: a directive sets its target's level, so each is at most `level`.
    let capped = |cap: LevelFilter| cap.min(level);
    let mut directives = vec![
        format!(
            "aws_config::default_provider::endpoint_url={}",
            capped(LevelFilter::ERROR)
        ),
        format!("aws_config::sts::assume_role={}", capped(LevelFilter::INFO)),
    ];
    for target in CAPPED_AT_DEBUG {
        directives.push(format!("{target}={}", capped(LevelFilter::DEBUG)));
    }
    for directive in directives {
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    let subscriber = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .with_writer(writer);
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
    // A second initialisation (tests) keeps the first subscriber.
    let _ = if json {
        subscriber.json().try_init()
    } else {
        subscriber.try_init()
    };
}

/// Posts `err` as the init error to the Runtime API at `runtime_api` (`host:port`, the value of
/// `AWS_LAMBDA_RUNTIME_API`).
pub async fn post_init_error(runtime_api: &str, err: &Error) -> Result<(), BoxError> {
    let base: Uri = format!("http://{runtime_api}").parse()?;
    let client = lambda_runtime_api_client::PooledClient::builder()
        .with_endpoint(base)
        .build();
    let body = serde_json::json!({
        "errorType": err.error_type(),
        "errorMessage": err.to_string(),
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri(INIT_ERROR_PATH)
        .header(ERROR_TYPE_HEADER, err.error_type())
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))?;
    let response = client.call(request).await?;
    if !response.status().is_success() {
        return Err(format!(
            "the Runtime API answered {} to the init error",
            response.status()
        )
        .into());
    }
    Ok(())
}

/// Logs `err`, reports it to the Runtime API when there is one (`runtime_api`), and exits 1.
pub async fn fail_init(runtime_api: Option<&str>, err: &Error) -> ! {
    tracing::error!(error_type = err.error_type(), error = %err, "cold start failed");
    if let Some(api) = runtime_api {
        if let Err(report) = post_init_error(api, err).await {
            tracing::error!(error = %report, "could not report the init error to the Runtime API");
        }
    } else {
        eprintln!("{}: {err}", err.error_type());
    }
    std::process::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A one-request Runtime API stand-in: returns the raw request it received.
    async fn runtime_api_once(listener: TcpListener) -> String {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.expect("read");
            raw.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&raw);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        socket
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            .await
            .expect("write");
        String::from_utf8_lossy(&raw).into_owned()
    }

    #[tokio::test]
    async fn an_invalid_setting_is_posted_as_the_init_error() {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("addr").to_string();
        let server = tokio::spawn(runtime_api_once(listener));
        let err =
            Error::invalid_configuration("DESTINATION_BUCKET", "is required: set it to the bucket");
        post_init_error(&addr, &err).await.expect("posted");
        let raw = server.await.expect("server task");
        let (head, body) = raw.split_once("\r\n\r\n").expect("a request");
        assert!(
            head.starts_with("POST /2018-06-01/runtime/init/error "),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("lambda-runtime-function-error-type: invalidconfiguration"),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(body).expect("JSON body");
        assert_eq!(json["errorType"], "InvalidConfiguration");
        assert_eq!(
            json["errorMessage"],
            "DESTINATION_BUCKET is required: set it to the bucket"
        );
    }
}
