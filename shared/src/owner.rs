//! `ExpectedBucketOwner` on every request of a client, so no call can forget it.
//!
//! Setting the field on each operation would work until someone adds an operation and forgets;
//! an interceptor on the client puts the `x-amz-expected-bucket-owner` header on every request,
//! before signing (so the header is signed), on every attempt.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The header S3 checks against the bucket's owning account (403 when they differ).
pub const EXPECTED_BUCKET_OWNER: &str = "x-amz-expected-bucket-owner";

/// Adds `x-amz-expected-bucket-owner: <account>` to every request.
#[derive(Debug, Clone)]
pub(crate) struct ExpectedBucketOwner {
    account_id: String,
}

impl ExpectedBucketOwner {
    pub(crate) fn new(account_id: &contract::AccountId) -> Self {
        Self {
            account_id: account_id.to_string(),
        }
    }
}

impl Intercept for ExpectedBucketOwner {
    fn name(&self) -> &'static str {
        "ExpectedBucketOwner"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert(EXPECTED_BUCKET_OWNER, self.account_id.clone());
        Ok(())
    }
}
