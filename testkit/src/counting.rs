//! An HTTP client that counts the requests passing through it, by a predicate on the request.
//!
//! Used to prove that N concurrent first uses of the destination client make one AssumeRole
//! call: moto keeps no count, but every STS request goes through the `SdkConfig`'s HTTP client.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

type Predicate = Arc<dyn Fn(&HttpRequest) -> bool + Send + Sync>;

/// Wraps an HTTP client; [`Counting::count`] says how many requests matched.
#[derive(Clone)]
pub struct Counting {
    inner: SharedHttpClient,
    predicate: Predicate,
    count: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counting")
            .field("count", &self.count())
            .finish_non_exhaustive()
    }
}

impl Counting {
    /// Counts the requests of `inner` for which `predicate` holds.
    pub fn new(
        inner: SharedHttpClient,
        predicate: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner,
            predicate: Arc::new(predicate),
            count: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Counts STS AssumeRole requests (a form-encoded body with `Action=AssumeRole`) over a plain
    /// HTTP client: the local AWS listens on loopback without TLS. (A loaded `SdkConfig` has no
    /// HTTP client of its own to wrap: clients pick the default one when they are built.)
    pub fn assume_role_calls() -> Self {
        let inner = aws_smithy_http_client::Builder::new().build_http();
        Self::new(inner, |request| {
            request
                .body()
                .bytes()
                .is_some_and(|b| String::from_utf8_lossy(b).contains("Action=AssumeRole"))
        })
    }

    /// How many requests matched so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl HttpClient for Counting {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
            predicate: self.predicate.clone(),
            count: self.count.clone(),
        })
    }
}

struct CountingConnector {
    inner: SharedHttpConnector,
    predicate: Predicate,
    count: Arc<AtomicUsize>,
}

impl std::fmt::Debug for CountingConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CountingConnector")
    }
}

impl HttpConnector for CountingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if (self.predicate)(&request) {
            self.count.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.call(request)
    }
}
