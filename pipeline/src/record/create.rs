//! A create record: open the source, read the renditions' state, decide, render, write, and
//! check once more that the source is still current.

use std::collections::HashMap;
use std::time::Instant;

use contract::decision::{
    self, AfterLostWrite, Create, CreateDecision, Delete, Pinned, Plan, SourceObject, Wanted, Write,
};
use contract::spec::Rendition;
use cross_account_s3::error::{AwsAnswer, TransientFailure};
use cross_account_s3::{Error, Side};
use rendering::{Output, RenderError, render};

use super::destination::{self, Conditional};
use super::source::{read_body, what_differs};
use super::{Outcome, Pipeline, RecordMetrics, result};
use crate::event::Record;
use crate::outputs::{Provenance, metadata, output_keys};
use crate::response::{Disposition, Skip};

/// What writing one rendition came to.
enum Wrote {
    /// Written: the new object's ETag.
    Written(String),
    /// Left as it is: the same source's rendition of this spec (a concurrent invocation's),
    /// or one made for a later event.
    Left { later: bool },
}

impl Pipeline {
    /// The renditions of `RENDITIONS` for `key`, or `None` when an output key would pass 1024
    /// bytes.
    fn wanted(&self, key: &str) -> Option<Vec<Wanted>> {
        let renditions = &self.config.settings.destination().renditions;
        let keys = output_keys(&self.config.settings.destination().prefix, key, renditions)?;
        Some(
            keys.into_iter()
                .zip(renditions)
                .map(|(key, r)| Wanted {
                    key,
                    spec: r.canonical(),
                })
                .collect(),
        )
    }

    /// `{DESTINATION_PREFIX}{key}/`: where the renditions of `key` are.
    pub(super) fn folder_of(&self, key: &str) -> String {
        format!("{}{key}/", self.config.settings.destination().prefix)
    }

    pub(super) async fn created(&self, r: &Record, force: bool) -> Result<Outcome, Error> {
        let started = Instant::now();
        let opened = self.open_source(r).await?;
        let key = opened.key;
        let wanted = self.wanted(&key);
        // Read what the decision may need: nothing more once the record's object is missing
        // or is one of our own outputs (step 2 decides before anything else is read; with
        // SOURCE_BUCKET = DESTINATION_BUCKET every rendition written comes back as an event).
        let (current, found) = match &opened.pinned {
            Pinned::Found {
                own_output: false, ..
            } => {
                let current = self.current(&r.bucket, &key).await?;
                let found = match &wanted {
                    Some(_) => {
                        destination::folder(self.clients.destination(), &self.folder_of(&key))
                            .await?
                    }
                    None => vec![],
                };
                (current, found)
            }
            Pinned::Found { .. } | Pinned::Missing | Pinned::Changed => (None, vec![]),
        };
        let decision = decision::create(&Create {
            bucket: &r.bucket,
            key: &key,
            sequencer: r.sequencer.as_deref(),
            force,
            pinned: &opened.pinned,
            current: current.as_ref(),
            wanted: wanted.as_deref(),
            found: &found,
            max_input_bytes: self.config.max_input_bytes,
        });
        let outcome = |disposition, detail| Outcome {
            result: result(r, &key, disposition),
            metrics: RecordMetrics {
                read: started.elapsed(),
                ..RecordMetrics::default()
            },
            detail,
        };
        match decision {
            CreateDecision::Skip(skip @ (Skip::Superseded | Skip::Gone)) => {
                // Name what the event said and what the key holds (read now when the record's
                // own object was not found: only this answer needs it).
                let holds = match &opened.pinned {
                    Pinned::Found { .. } => Ok(current),
                    Pinned::Missing | Pinned::Changed => self.current(&r.bucket, &key).await,
                };
                let detail = what_differs(r, holds.as_ref().map(Option::as_ref));
                Ok(outcome(Disposition::Skipped(skip), Some(detail)))
            }
            CreateDecision::Skip(skip) => Ok(outcome(Disposition::Skipped(skip), None)),
            CreateDecision::Reject(reject, detail) => {
                Ok(outcome(Disposition::Rejected(reject), Some(detail)))
            }
            CreateDecision::Tidy(obsolete) => {
                let deleted = self.delete_all(&obsolete).await?;
                let detail = (!deleted.is_empty()).then(|| {
                    format!(
                        "deleted renditions no longer in RENDITIONS: {}",
                        deleted.join(", ")
                    )
                });
                Ok(outcome(Disposition::Skipped(Skip::AlreadyCurrent), detail))
            }
            CreateDecision::Render(plan) => {
                let (Some(body), Some(wanted)) = (opened.body, wanted) else {
                    return Err(Error::internal(
                        format!("the decision for s3://{}/{key}", r.bucket),
                        "a render without an open object or output keys",
                    ));
                };
                self.render_and_write(r, &key, body, &wanted, plan, started)
                    .await
            }
        }
    }

    async fn render_and_write(
        &self,
        r: &Record,
        key: &str,
        body: Box<aws_sdk_s3::operation::get_object::GetObjectOutput>,
        wanted: &[Wanted],
        plan: Plan,
        started: Instant,
    ) -> Result<Outcome, Error> {
        let body = read_body(body, &r.bucket, key).await?.into_bytes();
        let mut metrics = RecordMetrics {
            bytes_in: body.len() as u64,
            read: started.elapsed(),
            ..RecordMetrics::default()
        };
        let rendering_started = Instant::now();
        let renditions = self.config.settings.destination().renditions.clone();
        let limits = rendering::limits(self.config.max_input_bytes, self.config.max_input_pixels);
        let rendering = tokio::task::spawn_blocking(move || render(&body, &renditions, &limits))
            .await
            .unwrap_or_else(|e| {
                Err(RenderError::Internal {
                    what: "the image task",
                    detail: e.to_string(),
                })
            });
        metrics.transform = rendering_started.elapsed();
        let rendering = match rendering {
            Ok(rendering) => rendering,
            Err(RenderError::Rejected(rejection)) => {
                return Ok(Outcome {
                    result: result(r, key, Disposition::Rejected(rendering::reject(&rejection))),
                    metrics,
                    detail: Some(rejection.to_string()),
                });
            }
            Err(RenderError::Internal { what, detail }) => {
                return Err(Error::internal(
                    format!("{what} for s3://{}/{key}", r.bucket),
                    detail,
                ));
            }
        };
        for note in &rendering.notes {
            tracing::warn!(bucket = r.bucket, key, note, "input partly ignored");
        }
        metrics.pixels_in = u64::from(rendering.source_width) * u64::from(rendering.source_height);

        let writing_started = Instant::now();
        let provenance = Provenance {
            bucket: &r.bucket,
            key,
            etag: &plan.object.etag,
            version_id: plan.object.version_id.as_deref(),
            sequencer: r.sequencer.as_deref(),
            generated_by: &self.config.generated_by,
        };
        let mut outputs = Vec::new();
        let mut written = Vec::new();
        let mut left_later = false;
        for ((out, w), write) in rendering.outputs.iter().zip(wanted).zip(&plan.writes) {
            let replace = match write {
                Write::Keep => continue,
                Write::New => None,
                Write::Replace(etag) => Some(etag.clone()),
            };
            match self
                .write(w, out, replace, &provenance, &plan.object)
                .await?
            {
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
            if let Some(skip) = decision::after_writing(&plan.object, now.as_ref()) {
                let taken_back = self.delete_all(&written).await?;
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
        let obsolete = self.delete_all(&plan.obsolete).await?;
        metrics.write = writing_started.elapsed();
        let detail = (!obsolete.is_empty()).then(|| {
            format!(
                "deleted renditions no longer in RENDITIONS: {}",
                obsolete.join(", ")
            )
        });
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
            detail,
        })
    }

    /// Writes one rendition conditionally; on a lost race, reads the rendition again and
    /// retries once, unless what is there now is this source's rendition of this spec or one
    /// made for a later event.
    async fn write(
        &self,
        w: &Wanted,
        out: &Output,
        mut replace: Option<String>,
        p: &Provenance<'_>,
        object: &SourceObject,
    ) -> Result<Wrote, Error> {
        let dst = self.clients.destination();
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

    /// Deletes each conditionally; the keys actually deleted.
    pub(super) async fn delete_all(&self, deletes: &[Delete]) -> Result<Vec<String>, Error> {
        let mut deleted = Vec::new();
        for d in deletes {
            if let Conditional::Done(_) = destination::delete(self.clients.destination(), d).await?
            {
                deleted.push(d.key.clone());
            }
        }
        Ok(deleted)
    }
}

fn metadata_map(p: &Provenance<'_>, rendition: &Rendition) -> HashMap<String, String> {
    metadata(p, rendition)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}
