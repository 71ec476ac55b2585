//! The Function URL adapter: a `lambda_http` request in, a JSON response out.

use std::time::SystemTime;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

use crate::ask::check;
use crate::grant::{Signer, rfc3339};

/// Answers one request. Logs what was granted or refused, never the URL, the signature or the
/// request's headers.
pub async fn handle(signer: &Signer, request: Request) -> Response<Body> {
    let caller = caller_arn(&request);
    let method = request.method().as_str().to_owned();
    let answer = match check(
        &method,
        request.body(),
        caller.as_deref(),
        signer.settings(),
    ) {
        Ok(ask) => signer.grant(&ask, SystemTime::now()).await.map(|grant| {
            tracing::info!(
                key = %grant.key,
                content_type = ask.content_type.media_type,
                content_length = ask.content_length,
                uploaded_by = %ask.uploaded_by,
                expires_at = %rfc3339(grant.expires_at),
                "upload granted"
            );
            grant.body()
        }),
        Err(refusal) => Err(refusal),
    };
    match answer {
        Ok(body) => json(200, &body),
        Err(refusal) => {
            tracing::info!(
                status = refusal.status,
                error = refusal.error,
                message = %refusal.message,
                caller = caller.as_deref().unwrap_or("none"),
                "upload refused"
            );
            let mut response = json(refusal.status, &refusal.body());
            if refusal.status == 405 {
                response
                    .headers_mut()
                    .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
            }
            response
        }
    }
}

/// The caller's IAM ARN from a Function URL's (HTTP API v2) request context.
fn caller_arn(request: &Request) -> Option<String> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => {
            context.authorizer.as_ref()?.iam.as_ref()?.user_arn.clone()
        }
        #[allow(unreachable_patterns)] // other payloads, when lambda_http's features add them
        _ => None,
    }
}

fn json(status: u16, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    // A grant is a secret for its few minutes: no cache may keep it.
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}
