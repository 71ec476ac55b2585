//! A removal record (`ObjectRemoved:*`, `LifecycleExpiration:*`, EventBridge `Object
//! Deleted`): read the renditions, then the source, decide, delete each conditionally, or
//! render the version that became current.

use std::time::Instant;

use contract::decision::{self, RemovalDecision};
use cross_account_s3::Error;

use super::destination::{self, Conditional};
use super::source::what_differs;
use super::{Outcome, Pipeline, RecordMetrics, result};
use crate::event::{EventKey, Kind, Record};
use crate::response::{Disposition, OutputInfo, Skip};

impl Pipeline {
    pub(super) async fn removed(&self, r: &Record) -> Result<Outcome, Error> {
        let started = Instant::now();
        // The candidate key whose renditions exist (EventBridge keys may or may not be
        // encoded); the renditions are read before the source, so a re-upload that lands in
        // between is seen either as a current source or as renditions replaced since the read
        // (whose conditional delete then fails and keeps them).
        let dst = self.clients.destination();
        let mut chosen = None;
        for key in r.key.candidates() {
            let found = destination::folder(dst, &self.folder_of(key)).await?;
            let ours = found.iter().any(|f| f.belongs_to(&r.bucket, key));
            if chosen.is_none() || ours {
                chosen = Some((key.to_owned(), found));
            }
            if ours {
                break;
            }
        }
        let (key, found) = chosen.unwrap_or_else(|| (r.key.primary().to_owned(), vec![]));
        let current = self.current(&r.bucket, &key).await?;
        let skipped = |skip| Outcome {
            result: result(r, &key, Disposition::Skipped(skip)),
            metrics: RecordMetrics {
                read: started.elapsed(),
                ..RecordMetrics::default()
            },
            detail: matches!(skip, Skip::Superseded | Skip::Gone)
                .then(|| what_differs(r, Ok(current.as_ref()))),
        };
        match decision::removal(&r.bucket, &key, current.as_ref(), &found) {
            RemovalDecision::Skip(skip) => Ok(skipped(skip)),
            RemovalDecision::RenderCurrent(object) => {
                // Rendered as a create record of the version now current, ordered by the
                // removal's sequencer.
                let create = Record {
                    kind: Kind::Created,
                    key: EventKey::Decoded(key.clone()),
                    version_id: object.version_id.clone(),
                    etag: Some(object.etag.clone()),
                    size: Some(object.length),
                    ..r.clone()
                };
                let mut outcome = self.created(&create, false).await?;
                outcome.result.version_id = r.version_id.clone();
                outcome.result.disposition = decision::removal_rendered(outcome.result.disposition);
                Ok(outcome)
            }
            RemovalDecision::Delete(deletes) => {
                let read = started.elapsed();
                let mut outputs = Vec::new();
                let mut kept = 0;
                for d in &deletes {
                    match destination::delete(dst, d).await? {
                        Conditional::Done(_) => outputs.push(OutputInfo::deleted(d.key.clone())),
                        Conditional::Changed => kept += 1,
                        Conditional::Missing => {}
                    }
                }
                let metrics = RecordMetrics {
                    read,
                    write: started.elapsed() - read,
                    ..RecordMetrics::default()
                };
                let detail = (kept > 0).then(|| {
                    format!(
                        "kept {kept} rendition(s) replaced since they were read (a re-upload's)"
                    )
                });
                let mut res = result(r, &key, decision::after_deleting(outputs.len(), kept));
                res.outputs = outputs;
                Ok(Outcome {
                    result: res,
                    metrics,
                    detail,
                })
            }
        }
    }
}
