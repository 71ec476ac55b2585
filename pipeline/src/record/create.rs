//! A create record: open the source once, then for every route the key takes read its
//! renditions' state and decide; render what the routes need in one pass (each distinct
//! rendition encoded once), write each route's, and check once more that the source is still
//! current.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use contract::decision::{
    self, AfterLostWrite, Create, CreateDecision, Delete, Pinned, Plan, SourceObject, Wanted, Write,
};
use contract::spec::Rendition;
use cross_account_s3::error::{AwsAnswer, TransientFailure};
use cross_account_s3::{DestinationS3, Error, Side};
use rendering::{Output, RenderError, Rendering, render};

use super::destination::{self, Conditional};
use super::source::{Opened, read_body, what_differs};
use super::{Gate, Lane, Outcome, Pipeline, RecordMetrics, Routed, result, route_less};
use crate::event::Record;
use crate::outputs::{Provenance, metadata};
use crate::response::{Disposition, Skip};

/// What writing one rendition came to.
enum Wrote {
    /// Written: the new object's ETag.
    Written(String),
    /// Left as it is: the same source's rendition of this spec (a concurrent invocation's),
    /// or one made for a later event.
    Left { later: bool },
}

/// A route that decided to render: what it wants and the plan.
struct Pending<'a> {
    /// Its place among the record's routes (RESULTs keep `ROUTES` order).
    index: usize,
    lane: Lane<'a>,
    wanted: Vec<Wanted>,
    plan: Plan,
    /// Time reading, up to its decision.
    read: Duration,
}

/// What the rendering routes need rendered: per route, its renditions and what to do with
/// each; the answer holds each distinct canonical spec once, in the order first needed, and
/// leaves out what every route keeps.
fn union_of<'a>(needs: impl IntoIterator<Item = (&'a [Rendition], &'a [Write])>) -> Vec<Rendition> {
    let mut union: Vec<Rendition> = Vec::new();
    for (renditions, writes) in needs {
        for (rendition, write) in renditions.iter().zip(writes) {
            if *write != Write::Keep
                && !union.iter().any(|u| u.canonical() == rendition.canonical())
            {
                union.push(rendition.clone());
            }
        }
    }
    union
}

impl Pipeline {
    /// A create record on `lanes` (the routes its key candidates take).
    pub(super) async fn created(
        &self,
        r: &Record,
        force: bool,
        lanes: &[Lane<'_>],
        gate: &mut (dyn Gate + Send),
    ) -> Vec<Routed> {
        let started = Instant::now();
        let opened = match self.open_source(r).await {
            Ok(opened) => opened,
            Err(e) => return vec![Routed::route_less(Err(e))],
        };
        let key = opened.key.clone();
        // The key found may be one candidate of two (EventBridge): its own routes.
        let lanes: Vec<Lane<'_>> = lanes
            .iter()
            .filter(|lane| lane.route.takes(&key))
            .copied()
            .collect();
        if lanes.is_empty() {
            return vec![route_less(r, &key, Skip::NoRoute)];
        }
        // Step 2 decides before anything else is read: with SOURCE_BUCKET a route's bucket,
        // every rendition written comes back as an event.
        let current = match &opened.pinned {
            Pinned::Found {
                own_output: true, ..
            } => return vec![route_less(r, &key, Skip::OwnOutput)],
            Pinned::Found { .. } => match self.current(&r.bucket, &key).await {
                Ok(current) => current,
                Err(e) => return vec![Routed::route_less(Err(e))],
            },
            Pinned::Missing | Pinned::Changed => None,
        };
        let mut routed: Vec<Option<Routed>> = vec![None; lanes.len()];
        let mut pending = Vec::new();
        // What the key holds, read at most once, for the detail of `superseded` and `gone`.
        let mut holds: Option<Result<Option<SourceObject>, Error>> = None;
        for (index, lane) in lanes.iter().enumerate() {
            if let Err(e) = lane.start(gate, r, index) {
                routed[index] = Some(Routed::on(lane, Err(e)));
                continue;
            }
            let decided = self
                .decide(r, &key, force, &opened, current.as_ref(), lane)
                .await;
            let read = started.elapsed();
            let outcome = |disposition, detail| Outcome {
                result: result(r, &key, disposition),
                metrics: RecordMetrics {
                    read,
                    ..RecordMetrics::default()
                },
                detail,
            };
            let answer = match decided {
                Err(e) => Err(e),
                Ok((CreateDecision::Skip(skip @ (Skip::Superseded | Skip::Gone)), _)) => {
                    // Name what the event said and what the key holds (read now when the
                    // record's own object was not found: only this answer needs it).
                    if holds.is_none() {
                        holds = Some(match &opened.pinned {
                            Pinned::Found { .. } => Ok(current.clone()),
                            Pinned::Missing | Pinned::Changed => {
                                self.current(&r.bucket, &key).await
                            }
                        });
                    }
                    let held = holds.as_ref().map(|h| h.as_ref().map(Option::as_ref));
                    let detail = match held {
                        Some(held) => what_differs(r, held),
                        None => what_differs(r, Ok(None)),
                    };
                    Ok(outcome(Disposition::Skipped(skip), Some(detail)))
                }
                Ok((CreateDecision::Skip(skip), _)) => {
                    Ok(outcome(Disposition::Skipped(skip), None))
                }
                Ok((CreateDecision::Reject(reject, detail), _)) => {
                    Ok(outcome(Disposition::Rejected(reject), Some(detail)))
                }
                Ok((CreateDecision::Tidy(obsolete), _)) => {
                    delete_all(lane.dst, &obsolete).await.map(|deleted| {
                        outcome(
                            Disposition::Skipped(Skip::AlreadyCurrent),
                            deleted_note(&deleted),
                        )
                    })
                }
                Ok((CreateDecision::Render(plan), Some(wanted))) => {
                    pending.push(Pending {
                        index,
                        lane: *lane,
                        wanted,
                        plan,
                        read,
                    });
                    continue;
                }
                Ok((CreateDecision::Render(_), None)) => Err(Error::internal(
                    format!("the decision for s3://{}/{key}", r.bucket),
                    "a render without output keys",
                )),
            };
            routed[index] = Some(Routed::on(lane, answer));
        }
        if !pending.is_empty() {
            for (index, one) in self.render_and_write(r, &key, opened, pending).await {
                routed[index] = Some(one);
            }
        }
        routed.into_iter().flatten().collect()
    }

    /// Reads `lane`'s renditions of `key` (when the record's object is the source's) and
    /// decides; the route's wanted renditions come back for a render.
    async fn decide(
        &self,
        r: &Record,
        key: &str,
        force: bool,
        opened: &Opened,
        current: Option<&SourceObject>,
        lane: &Lane<'_>,
    ) -> Result<(CreateDecision, Option<Vec<Wanted>>), Error> {
        let wanted = lane.wanted(key);
        let found = match (&opened.pinned, &wanted) {
            (Pinned::Found { .. }, Some(_)) if current.is_some() => {
                destination::folder(lane.dst, &lane.folder_of(key)).await?
            }
            _ => vec![],
        };
        let decision = decision::create(&Create {
            bucket: &r.bucket,
            key,
            sequencer: r.sequencer.as_deref(),
            force,
            pinned: &opened.pinned,
            current,
            wanted: wanted.as_deref(),
            found: &found,
            max_input_bytes: self.config.max_input_bytes,
        });
        Ok((decision, wanted))
    }

    /// Reads the body once, renders the union of what the `pending` routes need once, and
    /// writes each route's; one [`Routed`] per pending route, with its index.
    async fn render_and_write(
        &self,
        r: &Record,
        key: &str,
        opened: Opened,
        pending: Vec<Pending<'_>>,
    ) -> Vec<(usize, Routed)> {
        let every = |answer: &dyn Fn(&Pending<'_>) -> Result<Outcome, Error>| {
            pending
                .iter()
                .map(|p| (p.index, Routed::on(&p.lane, answer(p))))
                .collect::<Vec<_>>()
        };
        let Some(body) = opened.body else {
            let e = Error::internal(
                format!("the decision for s3://{}/{key}", r.bucket),
                "a render without an open object",
            );
            return every(&|_| Err(e.clone()));
        };
        let body = match read_body(body, &r.bucket, key).await {
            Ok(body) => body.into_bytes(),
            Err(e) => return every(&|_| Err(e.clone())),
        };
        let bytes_in = body.len() as u64;
        let renditions = union_of(pending.iter().map(|p| {
            (
                p.lane.route.destination.renditions.as_slice(),
                p.plan.writes.as_slice(),
            )
        }));
        let rendering_started = Instant::now();
        let limits = rendering::limits(self.config.max_input_bytes, self.config.max_input_pixels);
        let union = renditions.clone();
        let rendering = tokio::task::spawn_blocking(move || render(&body, &union, &limits))
            .await
            .unwrap_or_else(|e| {
                Err(RenderError::Internal {
                    what: "the image task",
                    detail: e.to_string(),
                })
            });
        let transform = rendering_started.elapsed();
        let base = |p: &Pending<'_>| RecordMetrics {
            bytes_in,
            read: p.read,
            transform,
            ..RecordMetrics::default()
        };
        let rendering = match rendering {
            Ok(rendering) => rendering,
            Err(RenderError::Rejected(rejection)) => {
                return every(&|p| {
                    Ok(Outcome {
                        result: result(
                            r,
                            key,
                            Disposition::Rejected(rendering::reject(&rejection)),
                        ),
                        metrics: base(p),
                        detail: Some(rejection.to_string()),
                    })
                });
            }
            Err(RenderError::Internal { what, detail }) => {
                let e = Error::internal(format!("{what} for s3://{}/{key}", r.bucket), detail);
                return every(&|_| Err(e.clone()));
            }
        };
        for note in &rendering.notes {
            tracing::warn!(bucket = r.bucket, key, note, "input partly ignored");
        }
        let pixels_in = u64::from(rendering.source_width) * u64::from(rendering.source_height);
        let mut answers = Vec::with_capacity(pending.len());
        for p in &pending {
            let metrics = RecordMetrics {
                pixels_in,
                ..base(p)
            };
            let answer = self
                .write_route(r, key, p, &renditions, &rendering, metrics)
                .await;
            answers.push((p.index, Routed::on(&p.lane, answer)));
        }
        answers
    }

    /// Writes route `p`'s renditions from `rendering` (made for `renditions`), checks that the
    /// source is still current, and deletes the route's obsolete renditions.
    async fn write_route(
        &self,
        r: &Record,
        key: &str,
        p: &Pending<'_>,
        renditions: &[Rendition],
        rendering: &Rendering,
        mut metrics: RecordMetrics,
    ) -> Result<Outcome, Error> {
        let writing_started = Instant::now();
        let provenance = Provenance {
            bucket: &r.bucket,
            key,
            etag: &p.plan.object.etag,
            version_id: p.plan.object.version_id.as_deref(),
            sequencer: r.sequencer.as_deref(),
            generated_by: &self.config.generated_by,
        };
        let dst = p.lane.dst;
        let mine = &p.lane.route.destination.renditions;
        let mut outputs = Vec::new();
        let mut written = Vec::new();
        let mut left_later = false;
        for ((rendition, w), write) in mine.iter().zip(&p.wanted).zip(&p.plan.writes) {
            let replace = match write {
                Write::Keep => continue,
                Write::New => None,
                Write::Replace(etag) => Some(etag.clone()),
            };
            let spec = rendition.canonical();
            let Some(out) = renditions
                .iter()
                .position(|u| u.canonical() == spec)
                .and_then(|i| rendering.outputs.get(i))
            else {
                return Err(Error::internal(
                    format!("the rendering of s3://{}/{key}", r.bucket),
                    format!("no output for {spec}"),
                ));
            };
            match write_one(dst, w, out, replace, &provenance, &p.plan.object).await? {
                Wrote::Written(etag) => {
                    metrics.bytes_out += out.bytes.len() as u64;
                    metrics.pixels_out += u64::from(out.width) * u64::from(out.height);
                    outputs.push(out.info(w.key.clone()));
                    written.push(Delete {
                        key: w.key.clone(),
                        etag,
                    });
                }
                Wrote::Left { later } => left_later |= later,
            }
        }

        // A removal or an overwrite may have come in while rendering: then what was just
        // written must not stay (a deleted photo stays deleted; no old version's renditions).
        if !written.is_empty() {
            let now = self.current(&r.bucket, key).await?;
            if let Some(skip) = decision::after_writing(&p.plan.object, now.as_ref()) {
                let taken_back = delete_all(dst, &written).await?;
                metrics.write = writing_started.elapsed();
                return Ok(Outcome {
                    result: result(r, key, Disposition::Skipped(skip)),
                    metrics,
                    detail: Some(format!(
                        "the source changed while rendering: took back {}; {}",
                        taken_back.join(", "),
                        what_differs(r, Ok(now.as_ref()))
                    )),
                });
            }
        }
        let obsolete = delete_all(dst, &p.plan.obsolete).await?;
        metrics.write = writing_started.elapsed();
        let mut res = result(r, key, Disposition::Written);
        if outputs.is_empty() {
            // Every rendition was written meanwhile by a concurrent invocation.
            res.disposition = Disposition::Skipped(if left_later {
                Skip::OutOfOrder
            } else {
                Skip::AlreadyCurrent
            });
        } else {
            res.outputs = outputs;
        }
        Ok(Outcome {
            result: res,
            metrics,
            detail: deleted_note(&obsolete),
        })
    }
}

/// Writes one rendition conditionally; on a lost race, reads the rendition again and retries
/// once, unless what is there now is this source's rendition of this spec or one made for a
/// later event.
async fn write_one(
    dst: &DestinationS3,
    w: &Wanted,
    out: &Output,
    mut replace: Option<String>,
    p: &Provenance<'_>,
    object: &SourceObject,
) -> Result<Wrote, Error> {
    let meta = metadata_map(p, &out.rendition);
    for _attempt in 0..2 {
        let content_type = out.rendition.format.content_type();
        match destination::put(
            dst,
            &w.key,
            &out.bytes,
            content_type,
            &meta,
            replace.as_deref(),
        )
        .await?
        {
            Conditional::Done(etag) => return Ok(Wrote::Written(etag)),
            Conditional::Changed | Conditional::Missing => {
                let now = destination::head(dst, w.key.clone()).await?;
                match decision::after_lost_write(
                    now.as_ref(),
                    w,
                    p.bucket,
                    p.key,
                    object,
                    p.sequencer,
                ) {
                    AfterLostWrite::Leave { later } => return Ok(Wrote::Left { later }),
                    AfterLostWrite::Retry { replace: etag } => replace = etag,
                }
            }
        }
    }
    Err(TransientFailure::new(
        Side::Destination,
        "PutObject",
        format!("s3://{}/{}", dst.bucket(), w.key),
        AwsAnswer::none("the rendition changed twice under concurrent writers"),
    )
    .into())
}

/// Deletes each conditionally from `dst`; the keys actually deleted.
pub(super) async fn delete_all(
    dst: &DestinationS3,
    deletes: &[Delete],
) -> Result<Vec<String>, Error> {
    let mut deleted = Vec::new();
    for d in deletes {
        if let Conditional::Done(_) = destination::delete(dst, d).await? {
            deleted.push(d.key.clone());
        }
    }
    Ok(deleted)
}

/// The detail of a RESULT that deleted renditions no longer wanted.
fn deleted_note(deleted: &[String]) -> Option<String> {
    (!deleted.is_empty()).then(|| {
        format!(
            "deleted renditions no longer in RENDITIONS: {}",
            deleted.join(", ")
        )
    })
}

fn metadata_map(p: &Provenance<'_>, rendition: &Rendition) -> HashMap<String, String> {
    metadata(p, rendition)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

#[cfg(test)]
mod tests {
    use contract::spec::parse_renditions;

    use super::*;

    #[test]
    fn each_distinct_rendition_is_rendered_once_and_kept_ones_not_at_all() {
        let defaults = parse_renditions("thumb:200x200:jpeg,small:800x800:jpeg").expect("valid");
        let spelled = parse_renditions("thumb:200x200:jpg:82,big:1920x1920:png").expect("valid");
        let new = [Write::New, Write::New];
        let kept = [Write::Keep, Write::Replace("\"e\"".into())];
        let union = union_of([
            (defaults.as_slice(), new.as_slice()),
            (spelled.as_slice(), new.as_slice()),
            (defaults.as_slice(), kept.as_slice()),
        ]);
        let specs: Vec<String> = union.iter().map(Rendition::canonical).collect();
        assert_eq!(
            specs,
            [
                "thumb:200x200:jpeg:82",
                "small:800x800:jpeg:82",
                "big:1920x1920:png:0"
            ],
            "one thumbnail for two spellings of it; nothing for a route's kept renditions"
        );
        let only_kept = union_of([(defaults.as_slice(), kept.as_slice())]);
        assert_eq!(only_kept.len(), 1, "what every route keeps is not rendered");
    }
}
