//! Where a backfill can resume without skipping anything.
//!
//! Objects are started in listing order but finish in any order (several at once). The
//! watermark is the last key up to which every started object was handled (written, skipped,
//! rejected or failed with an error the response lists): resuming after it skips nothing, and
//! repeats at most the objects that were still in flight, whose handling is idempotent.

use std::collections::VecDeque;

/// One started object, in listing order, and whether it was handled.
#[derive(Debug)]
struct Slot {
    key: String,
    handled: bool,
}

/// The started objects not yet behind the watermark, and the watermark itself.
#[derive(Debug)]
pub struct Watermark {
    /// The started objects from the first unhandled one on, in listing order.
    slots: VecDeque<Slot>,
    /// The id of `slots[0]`.
    first_id: u64,
    /// The id the next started object gets.
    next_id: u64,
    /// The last key up to which everything was handled (at first, the request's `start_after`).
    resume_after: Option<String>,
}

/// A started object's place in the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started(u64);

impl Watermark {
    /// Nothing started yet; resuming now means resuming after `start_after`.
    pub fn new(start_after: Option<String>) -> Self {
        Self {
            slots: VecDeque::new(),
            first_id: 0,
            next_id: 0,
            resume_after: start_after,
        }
    }

    /// `key`, the next object of the listing, is started.
    pub fn start(&mut self, key: &str) -> Started {
        let id = self.next_id;
        self.next_id += 1;
        self.slots.push_back(Slot {
            key: key.to_owned(),
            handled: false,
        });
        Started(id)
    }

    /// The object `started` was handled; the watermark moves past every handled object at the
    /// front of the listing.
    pub fn handled(&mut self, started: Started) {
        let Some(index) = started.0.checked_sub(self.first_id) else {
            return; // already behind the watermark
        };
        if let Some(slot) = usize::try_from(index)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
        {
            slot.handled = true;
        }
        while self.slots.front().is_some_and(|s| s.handled) {
            if let Some(slot) = self.slots.pop_front() {
                self.resume_after = Some(slot.key);
                self.first_id += 1;
            }
        }
    }

    /// The key to resume after: everything up to it was handled.
    pub fn resume_after(&self) -> Option<&str> {
        self.resume_after.as_deref()
    }

    /// [`Watermark::resume_after`], taken.
    pub fn into_resume_after(self) -> Option<String> {
        self.resume_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_handled_resumes_where_the_request_started() {
        let mut w = Watermark::new(Some("a".into()));
        assert_eq!(w.resume_after(), Some("a"));
        w.start("b");
        assert_eq!(w.resume_after(), Some("a"), "started is not handled");
        assert_eq!(Watermark::new(None).resume_after(), None);
    }

    #[test]
    fn in_order_handling_moves_it_key_by_key() {
        let mut w = Watermark::new(None);
        let (b, c) = (w.start("b"), w.start("c"));
        w.handled(b);
        assert_eq!(w.resume_after(), Some("b"));
        w.handled(c);
        assert_eq!(w.resume_after(), Some("c"));
    }

    #[test]
    fn an_object_in_flight_holds_it_back() {
        let mut w = Watermark::new(Some("a".into()));
        let (b, c, d) = (w.start("b"), w.start("c"), w.start("d"));
        w.handled(c);
        w.handled(d);
        assert_eq!(w.resume_after(), Some("a"), "b is still in flight");
        w.handled(b);
        assert_eq!(w.resume_after(), Some("d"), "then everything up to d");
        let e = w.start("e");
        w.handled(e);
        assert_eq!(w.into_resume_after().as_deref(), Some("e"));
    }

    #[test]
    fn an_object_never_handled_is_repeated_by_the_next_invocation() {
        let mut w = Watermark::new(None);
        let (b, _c, d) = (w.start("b"), w.start("c"), w.start("d"));
        w.handled(b);
        w.handled(d);
        assert_eq!(
            w.resume_after(),
            Some("b"),
            "c (say, a task that died) is not skipped"
        );
    }

    #[test]
    fn handling_twice_or_late_changes_nothing() {
        let mut w = Watermark::new(None);
        let b = w.start("b");
        w.handled(b);
        w.handled(b);
        assert_eq!(w.resume_after(), Some("b"));
        let c = w.start("c");
        w.handled(Started(99));
        assert_eq!(w.resume_after(), Some("b"), "an unknown id moves nothing");
        w.handled(c);
        assert_eq!(w.resume_after(), Some("c"));
    }
}
