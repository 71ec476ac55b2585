//! What to do with a record, decided from what was read: pure, no I/O.
//!
//! The pipeline reads (the source as the record names it, the key's current object, the
//! objects under the key's folder in the destination), calls [`create`] or [`removal`], and
//! carries out the answer. Every rule of the contract's "order of decisions", "currency",
//! "renditions record their spec" and "removals" lives here, where a table of tests states
//! them (`decision/tests.rs`). What was read is `decision/state.rs`'s ([`SourceObject`],
//! [`Found`], [`Pinned`]).
//!
//! For a create record, in the contract's order:
//! 1. `ignored-event` is decided before anything is read (the handler's scope check);
//! 2. `own-output`: the record's object carries `generated-by`;
//! 3. `gone` / `superseded`: the record's object is not the key's current object;
//! 4. `out-of-order`: one of this source's renditions was made for a later `sequencer` (only
//!    a record with a sequencer can be out of order; one without, from backfill or Batch
//!    Operations, was found current in step 3, and that is its order);
//! 5. `already-current`: every rendition was made from this source ETag and version and
//!    carries this `rendition-spec` (unless `force`);
//! 6. otherwise: `key-too-long`, `too-large` by the object's length, or render and write.

mod state;

pub use state::{Found, Pinned, SourceObject};

use crate::event::Record;
use crate::response::{Disposition, Reject, Skip};

/// Step 1: whether a record concerns `SOURCE_BUCKET` (when set) and lies under
/// `SOURCE_PREFIX` (any of its key candidates); when not, it is `skipped/ignored-event`
/// without reading anything. (Event types not handled are told apart by the event parser.)
pub fn in_scope(r: &Record, source_bucket: Option<&str>, source_prefix: &str) -> bool {
    source_bucket.is_none_or(|b| b == r.bucket)
        && r.key
            .candidates()
            .iter()
            .any(|k| k.starts_with(source_prefix))
}

/// A rendition of `RENDITIONS` for this key: where it goes and its canonical spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Full destination key.
    pub key: String,
    /// `rendition-spec`.
    pub spec: String,
}

/// Everything a create decision depends on.
#[derive(Debug, Clone)]
pub struct Create<'a> {
    /// Source bucket.
    pub bucket: &'a str,
    /// Source key (decoded).
    pub key: &'a str,
    /// The record's sequencer (none from backfill and Batch Operations).
    pub sequencer: Option<&'a str>,
    /// Re-render even when the renditions are current (Batch Operations' `force`).
    pub force: bool,
    /// The record's object.
    pub pinned: &'a Pinned,
    /// The key's current object (HeadObject without a version); `None` for no object or a
    /// delete marker.
    pub current: Option<&'a SourceObject>,
    /// The renditions of `RENDITIONS`, in order, or `None` when an output key would pass S3's
    /// 1024 bytes.
    pub wanted: Option<&'a [Wanted]>,
    /// Every object directly under the key's folder in the destination.
    pub found: &'a [Found],
    /// `MAX_INPUT_BYTES`.
    pub max_input_bytes: u64,
}

/// What to do with one rendition of `RENDITIONS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Nothing there: write with `If-None-Match: *`.
    New,
    /// Replace the object of this ETag (`If-Match`).
    Replace(String),
    /// Current already: leave it.
    Keep,
}

/// A conditional deletion: the key, and the ETag it must still have (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    /// Full destination key.
    pub key: String,
    /// The ETag just read, quoted.
    pub etag: String,
}

/// What to do with a create record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateDecision {
    /// Nothing to write.
    Skip(Skip),
    /// The renditions are current; delete this source's outputs whose rendition left
    /// `RENDITIONS` (answered `skipped/already-current`).
    Tidy(Vec<Delete>),
    /// The input cannot be made into renditions, and why.
    Reject(Reject, String),
    /// Render the current object (it is [`Create::current`]).
    Render(Plan),
}

/// What a render writes and deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The object to render.
    pub object: SourceObject,
    /// One per rendition of `RENDITIONS`, in order; at least one is not [`Write::Keep`].
    pub writes: Vec<Write>,
    /// This source's outputs whose rendition left `RENDITIONS`, deleted after the writes.
    pub obsolete: Vec<Delete>,
}

/// Decides a create record. See the module's documentation for the order.
pub fn create(c: &Create<'_>) -> CreateDecision {
    let object = match c.pinned {
        Pinned::Found {
            own_output: true, ..
        } => return CreateDecision::Skip(Skip::OwnOutput),
        Pinned::Missing => return CreateDecision::Skip(Skip::Gone),
        Pinned::Changed => return CreateDecision::Skip(Skip::Superseded),
        Pinned::Found { object, .. } => object,
    };
    match c.current {
        None => return CreateDecision::Skip(Skip::Gone),
        Some(current) if !current.is(object) => return CreateDecision::Skip(Skip::Superseded),
        Some(_) => {}
    }
    let ours: Vec<&Found> = c
        .found
        .iter()
        .filter(|f| f.belongs_to(c.bucket, c.key))
        .collect();
    if let Some(sequencer) = c.sequencer
        && ours.iter().any(|f| f.later_than(sequencer))
    {
        return CreateDecision::Skip(Skip::OutOfOrder);
    }
    let Some(wanted) = c.wanted else {
        return CreateDecision::Reject(
            Reject::KeyTooLong,
            format!(
                "an output key would pass S3's {} bytes",
                crate::outputs::MAX_KEY_BYTES
            ),
        );
    };
    let writes: Vec<Write> = wanted
        .iter()
        .map(|w| match c.found.iter().find(|f| f.key == w.key) {
            None => Write::New,
            Some(f)
                if !c.force
                    && f.belongs_to(c.bucket, c.key)
                    && f.made_from(object)
                    && f.spec.as_deref() == Some(w.spec.as_str()) =>
            {
                Write::Keep
            }
            Some(f) => Write::Replace(f.etag.clone()),
        })
        .collect();
    let obsolete: Vec<Delete> = ours
        .iter()
        .filter(|f| wanted.iter().all(|w| w.key != f.key))
        .map(|f| f.delete())
        .collect();
    if writes.iter().all(|w| *w == Write::Keep) {
        return if obsolete.is_empty() {
            CreateDecision::Skip(Skip::AlreadyCurrent)
        } else {
            CreateDecision::Tidy(obsolete)
        };
    }
    if object.length > c.max_input_bytes {
        return CreateDecision::Reject(
            Reject::TooLarge,
            format!(
                "the object is {} bytes, over MAX_INPUT_BYTES = {}",
                object.length, c.max_input_bytes
            ),
        );
    }
    CreateDecision::Render(Plan {
        object: object.clone(),
        writes,
        obsolete,
    })
}

/// After writing: whether the rendered object is still the key's current one. `Some` when a
/// removal or an overwrite came in between: the create takes back what it wrote and answers
/// this.
pub fn after_writing(rendered: &SourceObject, current: Option<&SourceObject>) -> Option<Skip> {
    match current {
        None => Some(Skip::Gone),
        Some(now) if !now.is(rendered) => Some(Skip::Superseded),
        Some(_) => None,
    }
}

/// What a create does after its conditional write lost a race (the rendition changed, or
/// vanished, since it was read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterLostWrite {
    /// What is there now is this source's rendition of this spec, or one made for a later
    /// event (`later`): leave it.
    Leave {
        /// Made for a later event (the record then answers `out-of-order`).
        later: bool,
    },
    /// Write again, conditionally on what is there now (`If-Match` its ETag) or on nothing
    /// being there (`If-None-Match: *`).
    Retry {
        /// The ETag to replace, or `None` to create.
        replace: Option<String>,
    },
}

/// Decides after a lost conditional write of `wanted`, from the rendition as it is now (`None`:
/// gone), for the source `bucket`/`key` rendered from `object` for `sequencer`.
pub fn after_lost_write(
    now: Option<&Found>,
    wanted: &Wanted,
    bucket: &str,
    key: &str,
    object: &SourceObject,
    sequencer: Option<&str>,
) -> AfterLostWrite {
    match now {
        Some(now)
            if now.belongs_to(bucket, key)
                && now.made_from(object)
                && now.spec.as_deref() == Some(wanted.spec.as_str()) =>
        {
            AfterLostWrite::Leave { later: false }
        }
        Some(now) if sequencer.is_some_and(|s| now.later_than(s)) => {
            AfterLostWrite::Leave { later: true }
        }
        now => AfterLostWrite::Retry {
            replace: now.map(|n| n.etag.clone()),
        },
    }
}

/// What to do with a removal record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovalDecision {
    /// Nothing to delete (`gone`), or the renditions are the current version's (`superseded`).
    Skip(Skip),
    /// Delete each, conditionally.
    Delete(Vec<Delete>),
    /// The key still has a current version (a permanently deleted version made an older one
    /// current) and the renditions are not its: render it, as a create record of that version.
    RenderCurrent(SourceObject),
}

/// Decides a removal record from the key's current object (`None`: no object, or a delete
/// marker) and the objects under its folder in the destination.
pub fn removal(
    bucket: &str,
    key: &str,
    current: Option<&SourceObject>,
    found: &[Found],
) -> RemovalDecision {
    let ours: Vec<&Found> = found.iter().filter(|f| f.belongs_to(bucket, key)).collect();
    match current {
        None if ours.is_empty() => RemovalDecision::Skip(Skip::Gone),
        None => RemovalDecision::Delete(ours.iter().map(|f| f.delete()).collect()),
        Some(object) if !ours.is_empty() && ours.iter().all(|f| f.made_from(object)) => {
            RemovalDecision::Skip(Skip::Superseded)
        }
        Some(object) => RemovalDecision::RenderCurrent(object.clone()),
    }
}

/// A removal's answer once its conditional deletes ran: `deleted` renditions went, `kept`
/// were replaced since they were read (a re-upload's) and stay.
pub fn after_deleting(deleted: usize, kept: usize) -> Disposition {
    match (deleted, kept) {
        (1.., _) => Disposition::Deleted,
        (0, 1..) => Disposition::Skipped(Skip::Superseded),
        (0, 0) => Disposition::Skipped(Skip::Gone),
    }
}

/// A removal that rendered the key's current version answers as that create did, except that
/// renditions already current mean the removal was `superseded` by that version.
pub fn removal_rendered(create: Disposition) -> Disposition {
    match create {
        Disposition::Skipped(Skip::AlreadyCurrent) => Disposition::Skipped(Skip::Superseded),
        other => other,
    }
}

#[cfg(test)]
mod tests;
