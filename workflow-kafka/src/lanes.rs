//! Per-URN lanes: one queue per entity with work in flight.
//!
//! Events for one URN must apply one at a time, in the order they arrived, whatever topic
//! or partition they came from; events for different URNs should run concurrently. So each
//! URN with pending work has a FIFO queue drained by one task. The map lives in the intake
//! loop alone, which both pushes jobs and hears about their completion: a lane is removed
//! when its last pending job completes, and because nothing else touches the map there is
//! no window in which a job can be pushed to a lane whose task already ended.

use std::collections::HashMap;

use tokio::sync::mpsc;

struct Lane<J> {
    sender: mpsc::UnboundedSender<J>,
    pending: usize,
}

/// The lanes of the URNs that have work in flight.
pub(crate) struct Lanes<J> {
    lanes: HashMap<String, Lane<J>>,
}

impl<J> Default for Lanes<J> {
    fn default() -> Self {
        Self {
            lanes: HashMap::new(),
        }
    }
}

impl<J> Lanes<J> {
    /// Queues `job` on the lane of `urn`. Returns the receiving end when the lane is new: the
    /// caller must start a task draining it.
    pub(crate) fn push(&mut self, urn: &str, job: J) -> Option<mpsc::UnboundedReceiver<J>> {
        if let Some(lane) = self.lanes.get_mut(urn) {
            // The task holds the receiver until the sender is dropped, and the sender is
            // dropped only when nothing is pending, so this send cannot fail.
            if lane.sender.send(job).is_ok() {
                lane.pending += 1;
                return None;
            }
            unreachable!("lane task of a URN with pending work has ended");
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        let _ = sender.send(job);
        self.lanes
            .insert(urn.to_owned(), Lane { sender, pending: 1 });
        Some(receiver)
    }

    /// Notes that one job of `urn` completed; the lane closes when it was the last.
    pub(crate) fn done(&mut self, urn: &str) {
        if let Some(lane) = self.lanes.get_mut(urn) {
            lane.pending -= 1;
            if lane.pending == 0 {
                self.lanes.remove(urn);
            }
        }
    }

    /// How many lanes are open.
    pub(crate) fn len(&self) -> usize {
        self.lanes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lane_per_urn_closed_after_its_last_job() {
        let mut lanes = Lanes::default();
        let mut a = lanes.push("a", 1).expect("new lane");
        assert!(lanes.push("a", 2).is_none(), "same URN, same lane");
        let _b = lanes.push("b", 3).expect("another URN, another lane");
        assert_eq!((a.try_recv().ok(), a.try_recv().ok()), (Some(1), Some(2)));
        lanes.done("a");
        assert_eq!(lanes.len(), 2);
        lanes.done("a");
        assert_eq!(lanes.len(), 1);
        assert!(
            a.try_recv().is_err(),
            "the closed lane's queue is disconnected"
        );
        assert!(
            lanes.push("a", 4).is_some(),
            "a new lane for a URN seen again"
        );
    }
}
