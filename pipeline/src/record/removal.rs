//! A removal record (`ObjectRemoved:*`, `LifecycleExpiration:*`, EventBridge `Object
//! Deleted`): on every route the key takes, read the renditions; then the source once;
//! decide per route, delete each conditionally, or render the version that became current.

use std::time::Instant;

use contract::decision::{self, Found, RemovalDecision, SourceObject};
use cross_account_s3::Error;

use super::destination::{self, Conditional};
use super::source::what_differs;
use super::{Gate, Lane, Outcome, Pipeline, RecordMetrics, Routed, result};
use crate::event::{EventKey, Kind, Record};
use crate::response::{Disposition, OutputInfo, Skip};

/// What a removal came to on one route.
enum Removed {
    /// Decided and carried out.
    Done(Outcome),
    /// Render this version, now the key's current one.
    RenderCurrent(SourceObject),
}

/// The routes (each with its place) whose renditions of a key go back to its current version.
type CurrentRender<'a> = (String, SourceObject, Vec<(usize, Lane<'a>)>);

/// A route's renditions of the removed key, read before the source.
struct Read<'a> {
    index: usize,
    lane: Lane<'a>,
    /// The key candidate whose renditions exist (EventBridge keys may or may not be encoded).
    key: String,
    found: Vec<Found>,
}

impl Pipeline {
    pub(super) async fn removed(
        &self,
        r: &Record,
        lanes: &[Lane<'_>],
        gate: &mut (dyn Gate + Send),
    ) -> Vec<Routed> {
        let started = Instant::now();
        // The renditions are read before the source, so a re-upload that lands in between is
        // seen either as a current source or as renditions replaced since the read (whose
        // conditional delete then fails and keeps them).
        let mut routed: Vec<Option<Routed>> = vec![None; lanes.len()];
        let mut reads = Vec::new();
        for (index, lane) in lanes.iter().enumerate() {
            if let Err(e) = lane.start(gate, r, index) {
                routed[index] = Some(Routed::on(lane, Err(e)));
                continue;
            }
            match chosen(r, lane).await {
                Ok((key, found)) => reads.push(Read {
                    index,
                    lane: *lane,
                    key,
                    found,
                }),
                Err(e) => routed[index] = Some(Routed::on(lane, Err(e))),
            }
        }
        // The source, once per key chosen (one key but for an EventBridge key whose routes
        // found their renditions under different candidates).
        let mut currents: Vec<(String, Result<Option<SourceObject>, Error>)> = Vec::new();
        for read in &reads {
            if !currents.iter().any(|(k, _)| *k == read.key) {
                let current = self.current(&r.bucket, &read.key).await;
                currents.push((read.key.clone(), current));
            }
        }
        // Routes whose renditions go back to the version now current, by key and version.
        let mut to_render: Vec<CurrentRender<'_>> = Vec::new();
        for read in reads {
            let current = currents
                .iter()
                .find(|(k, _)| *k == read.key)
                .map(|(_, c)| c.clone());
            let answer = match current {
                Some(Ok(current)) => self.remove_on(r, &read, current.as_ref(), started).await,
                Some(Err(e)) => Err(e),
                None => Err(Error::internal("a removal", "the source was not read")),
            };
            match answer {
                Ok(Removed::RenderCurrent(object)) => {
                    match to_render
                        .iter_mut()
                        .find(|(k, o, _)| *k == read.key && *o == object)
                    {
                        Some((_, _, lanes)) => lanes.push((read.index, read.lane)),
                        None => to_render.push((read.key, object, vec![(read.index, read.lane)])),
                    }
                }
                Ok(Removed::Done(outcome)) => {
                    routed[read.index] = Some(Routed::on(&read.lane, Ok(outcome)));
                }
                Err(e) => routed[read.index] = Some(Routed::on(&read.lane, Err(e))),
            }
        }
        for (key, object, lanes) in to_render {
            for (index, one) in self.render_current(r, &key, &object, &lanes).await {
                routed[index] = Some(one);
            }
        }
        routed.into_iter().flatten().collect()
    }

    /// Renders the version now current on `lanes` (one read and render for all of them), as
    /// a create record of that version ordered by the removal's sequencer; each answer as the
    /// removal's RESULT on its route.
    async fn render_current(
        &self,
        r: &Record,
        key: &str,
        object: &SourceObject,
        lanes: &[(usize, Lane<'_>)],
    ) -> Vec<(usize, Routed)> {
        let create = Record {
            kind: Kind::Created,
            key: EventKey::Decoded(key.to_owned()),
            version_id: object.version_id.clone(),
            etag: Some(object.etag.clone()),
            size: Some(object.length),
            ..r.clone()
        };
        let only: Vec<Lane<'_>> = lanes.iter().map(|(_, lane)| *lane).collect();
        let answers = self
            .created(&create, false, &only, &mut super::Ungated)
            .await;
        lanes
            .iter()
            .map(|(index, lane)| {
                // Its own route's answer; a route-less one (decided before any route, or the
                // source unreadable) answers for each.
                let answer = answers
                    .iter()
                    .find(|a| a.route.as_ref() == Some(&lane.route.id))
                    .or_else(|| answers.iter().find(|a| a.route.is_none()))
                    .map(|a| a.outcome.clone())
                    .unwrap_or_else(|| {
                        Err(Error::internal(
                            format!("the removal of s3://{}/{key}", r.bucket),
                            "rendering the current version answered nothing for a route",
                        ))
                    })
                    .map(|mut outcome| {
                        outcome.result.version_id = r.version_id.clone();
                        outcome.result.disposition =
                            decision::removal_rendered(outcome.result.disposition);
                        outcome
                    });
                (*index, Routed::on(lane, answer))
            })
            .collect()
    }

    /// Decides and carries out the removal on one route, but for a render of the version now
    /// current, which the routes that need it share.
    async fn remove_on(
        &self,
        r: &Record,
        read: &Read<'_>,
        current: Option<&SourceObject>,
        started: Instant,
    ) -> Result<Removed, Error> {
        let key = &read.key;
        let skipped = |skip| Outcome {
            result: result(r, key, Disposition::Skipped(skip)),
            metrics: RecordMetrics {
                read: started.elapsed(),
                ..RecordMetrics::default()
            },
            detail: matches!(skip, Skip::Superseded | Skip::Gone)
                .then(|| what_differs(r, Ok(current))),
        };
        match decision::removal(&r.bucket, key, current, &read.found) {
            RemovalDecision::Skip(skip) => Ok(Removed::Done(skipped(skip))),
            RemovalDecision::RenderCurrent(object) => Ok(Removed::RenderCurrent(object)),
            RemovalDecision::Delete(deletes) => {
                let read_time = started.elapsed();
                let mut outputs = Vec::new();
                let mut kept = 0;
                for d in &deletes {
                    match destination::delete(read.lane.dst, d).await? {
                        Conditional::Done(_) => outputs.push(OutputInfo::deleted(d.key.clone())),
                        Conditional::Changed => kept += 1,
                        Conditional::Missing => {}
                    }
                }
                let metrics = RecordMetrics {
                    read: read_time,
                    write: started.elapsed() - read_time,
                    ..RecordMetrics::default()
                };
                let detail = (kept > 0).then(|| {
                    format!(
                        "kept {kept} rendition(s) replaced since they were read (a re-upload's)"
                    )
                });
                let mut res = result(r, key, decision::after_deleting(outputs.len(), kept));
                res.outputs = outputs;
                Ok(Removed::Done(Outcome {
                    result: res,
                    metrics,
                    detail,
                }))
            }
        }
    }
}

/// The candidate key whose renditions exist on `lane`, with what its folder holds (the first
/// candidate when none has any).
async fn chosen(r: &Record, lane: &Lane<'_>) -> Result<(String, Vec<Found>), Error> {
    let mut chosen = None;
    for key in r.key.candidates() {
        if !lane.route.takes(key) {
            continue;
        }
        let found = destination::folder(lane.dst, &lane.folder_of(key)).await?;
        let ours = found.iter().any(|f| f.belongs_to(&r.bucket, key));
        if chosen.is_none() || ours {
            chosen = Some((key.to_owned(), found));
        }
        if ours {
            break;
        }
    }
    Ok(chosen.unwrap_or_else(|| (r.key.primary().to_owned(), vec![])))
}
