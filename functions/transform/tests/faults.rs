//! Faults, concurrency and disorder at once, against the local two-account AWS with its fault
//! layer on (tools/local-aws, faults.py: a share of the pipeline's S3 calls answered 503
//! SlowDown or 500, a share of its AssumeRole calls throttled).
//!
//! Uploads, overwrites and deletes run on a set of keys of a versioned bucket while their events are delivered to
//! several function instances at once (each its own pipeline: its own clients, credential
//! cache and connections, as separate Lambda containers have), duplicated, late and out of
//! order; an event whose invocation fails is delivered again, as Lambda retries. At the end
//! every key's renditions must match its source's final state: none for a deleted source, the
//! three renditions of the final ETag for the others.
//!
//! The pipeline writes through `FAULTS_ROUTES` routes (CI: 2, `ROUTES` into one bucket under
//! `renditions/r0/` and `renditions/r1/`; 1: the `DESTINATION_*` settings): a route failing
//! under a fault fails the invocation after the others were written, and the retry must find
//! those current and complete the rest.
//!
//! `FAULTS_KEYS`, `FAULTS_ROUNDS` and `FAULTS_WORKERS` size the run (CI: 16 keys, 6 rounds, 4
//! instances); `bench/faults` runs a longer one. The figures go to stdout as one JSON line.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Harness, invoke_on};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Deliveries of one event before it counts as lost (Lambda's own limit is lower; the point
/// here is that retrying is enough, and how often it was needed).
const MAX_ATTEMPTS: u32 = 25;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift64*): the run's choices, reproducible by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A PNG whose pixels (so ETag) depend on `seed`.
fn png(seed: u64) -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 16, |x, y| {
        image::Rgb([(seed % 256) as u8, (x * 10) as u8, (y * 15) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// How many faults the local AWS has injected so far, by service.
async fn injected() -> Value {
    tokio::task::spawn_blocking(|| testkit::local_aws().get_json("/_local_aws/faults"))
        .await
        .expect("the request task")
}

fn key(i: usize) -> String {
    format!("photos/chaos é {i:03} (x)+.png")
}

/// S3's form-URL-encoding of a key in notifications.
fn encoded(key: &str) -> String {
    form_urlencoded::byte_serialize(key.as_bytes())
        .collect::<String>()
        .replace("%2F", "/")
}

struct Queue {
    events: VecDeque<(Value, u32)>,
    producing: bool,
    in_flight: usize,
}

#[derive(Default)]
struct Figures {
    deliveries: AtomicU64,
    retries: AtomicU64,
    lost: AtomicU64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn renditions_match_every_sources_final_state_through_faults_and_disorder() {
    let (keys, rounds, workers) = (
        setting("FAULTS_KEYS", 16),
        setting("FAULTS_ROUNDS", 6),
        setting("FAULTS_WORKERS", 4),
    );
    let routes = setting("FAULTS_ROUTES", 2).max(1);
    let h = Arc::new(Harness::new("chaos", &[]).await);
    // Where each route writes, and the settings that make it so.
    let (prefixes, overrides): (Vec<String>, Vec<(String, String)>) = if routes == 1 {
        (vec!["renditions/".to_owned()], vec![])
    } else {
        let d = &h.aws.destination;
        let prefixes: Vec<String> = (0..routes).map(|r| format!("renditions/r{r}/")).collect();
        let json: Vec<Value> = prefixes
            .iter()
            .enumerate()
            .map(|(r, prefix)| {
                json!({"id": format!("r{r}"), "source_prefix": "", "bucket": d.bucket,
                       "role_arn": d.role_arn, "external_id": d.external_id, "prefix": prefix})
            })
            .collect();
        let overrides = testkit::routes_env(&Value::from(json).to_string())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        (prefixes, overrides)
    };
    let overrides: Vec<(&str, &str)> = overrides
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Versioned: an old version stays readable by its id, so only the currency rules keep a
    // late event from rendering it or bringing a deleted photo back.
    h.versioned().await;
    let queue = Arc::new(Mutex::new(Queue {
        events: VecDeque::new(),
        producing: true,
        in_flight: 0,
    }));
    let figures = Arc::new(Figures::default());
    let injected_before = injected().await;
    let started = Instant::now();

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let pipeline = Harness::pipeline_for(&h.aws, &overrides).await;
        let (queue, figures) = (queue.clone(), figures.clone());
        tasks.spawn(async move {
            loop {
                let next = {
                    let mut q = queue.lock().await;
                    match q.events.pop_front() {
                        Some(e) => {
                            q.in_flight += 1;
                            Some(e)
                        }
                        None if !q.producing && q.in_flight == 0 => return,
                        None => None,
                    }
                };
                let Some((event, attempts)) = next else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                figures.deliveries.fetch_add(1, Ordering::Relaxed);
                let outcome = invoke_on(&pipeline, event.clone(), Duration::from_secs(900)).await;
                let mut q = queue.lock().await;
                q.in_flight -= 1;
                if let Err(failure) = outcome {
                    assert!(
                        matches!(failure.error_type, "Transient" | "Internal"),
                        "only retryable failures under faults: {failure}"
                    );
                    if attempts + 1 >= MAX_ATTEMPTS {
                        figures.lost.fetch_add(1, Ordering::Relaxed);
                    } else {
                        figures.retries.fetch_add(1, Ordering::Relaxed);
                        q.events.push_back((event, attempts + 1));
                    }
                }
            }
        });
    }

    // The producer: each round, every key is uploaded, overwritten or deleted by its admin.
    let mut rng = Rng(0x005E_ED0F_FA17);
    let mut sequencer: u64 = 0x0062_E99A_88DC_0000;
    let mut events = 0u64;
    for round in 0..rounds {
        for i in 0..keys {
            sequencer += 1;
            let k = key(i);
            let delete = round > 0 && rng.below(4) == 0;
            let mut event;
            if delete {
                h.delete_source(&k).await;
                event = h.event("s3-delete.json");
                event["Records"][0]["eventName"] = json!("ObjectRemoved:DeleteMarkerCreated");
            } else {
                let (etag, version) = h.put(&k, png(rng.next())).await;
                event = h.event("s3-put.json");
                event["Records"][0]["s3"]["object"]["eTag"] = json!(etag);
                event["Records"][0]["s3"]["object"]["versionId"] = json!(version);
            }
            let object = &mut event["Records"][0]["s3"]["object"];
            object["key"] = json!(encoded(&k));
            object["sequencer"] = json!(format!("{sequencer:016X}"));
            events += 1;
            let mut q = queue.lock().await;
            // Late and out of order: up to 8 places ahead of where it belongs.
            let at = q.events.len() - rng.below(q.events.len().min(8) as u64 + 1) as usize;
            q.events.insert(at, (event.clone(), 0));
            // Delivered twice, the copy later.
            if rng.below(3) == 0 {
                q.events.push_back((event, 0));
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.below(20))).await;
    }
    queue.lock().await.producing = false;
    while let Some(done) = tasks.join_next().await {
        done.expect("a worker ran to the end");
    }
    let elapsed = started.elapsed();

    // Every key's renditions against its source's final state.
    let mut mismatched = Vec::new();
    for i in 0..keys {
        let k = key(i);
        let source = h
            .source_admin
            .head_object()
            .bucket(&h.aws.source.bucket)
            .key(&k)
            .send()
            .await
            .ok()
            .and_then(|o| o.e_tag().map(|e| e.trim_matches('"').to_owned()));
        for prefix in &prefixes {
            let mut found = Vec::new();
            for name in ["thumb", "small", "large"] {
                let meta = h
                    .destination_metadata(&format!("{prefix}{k}/{name}.jpg"))
                    .await;
                found.push(meta.and_then(|m| m.get("source-etag").cloned()));
            }
            let listed = h
                .destination_admin
                .list_objects_v2()
                .bucket(&h.aws.destination.bucket)
                .prefix(format!("{prefix}{k}/"))
                .send()
                .await
                .expect("list")
                .key_count()
                .unwrap_or(0);
            let expected = match &source {
                None => found.iter().all(Option::is_none) && listed == 0,
                Some(etag) => found.iter().all(|f| f.as_ref() == Some(etag)) && listed == 3,
            };
            if !expected {
                mismatched.push(format!(
                    "{prefix}{k}: source {source:?}, renditions {found:?}, {listed} listed"
                ));
            }
        }
    }
    let deliveries = figures.deliveries.load(Ordering::Relaxed);
    let injected_now = injected().await;
    let faults = |service: &str| {
        injected_now[service].as_u64().unwrap_or(0) - injected_before[service].as_u64().unwrap_or(0)
    };
    let report = json!({
        "faults_injected": {"s3": faults("s3"), "sts": faults("sts")},
        "keys": keys, "rounds": rounds, "instances": workers, "routes": routes,
        "events": events, "deliveries": deliveries,
        "retries": figures.retries.load(Ordering::Relaxed),
        "lost_events": figures.lost.load(Ordering::Relaxed),
        "mismatched_keys": mismatched.len(),
        "seconds": elapsed.as_secs_f64(),
        "deliveries_per_second": deliveries as f64 / elapsed.as_secs_f64(),
    });
    #[allow(clippy::print_stdout)]
    {
        println!("faults: {report}");
    }
    assert!(mismatched.is_empty(), "{report}\n{}", mismatched.join("\n"));
    assert_eq!(report["lost_events"], 0, "{report}");
    assert!(
        faults("s3") > 0 && faults("sts") > 0,
        "the fault layer answered some S3 and STS calls: {report}"
    );
}
