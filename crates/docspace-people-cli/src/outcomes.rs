//! Each user's outcome by input position, kept as the bulk engine settles them (or a plan makes
//! them), for the report: five bytes per user (nine with a plan's state now), with each distinct
//! text kept once (a run's details repeat: the same refusal, the same "not sent"; a plan's
//! states repeat: `Active`). The engine itself keeps nothing per user, so a run of a million
//! users fits in a few tens of MiB.

use std::collections::HashMap;
use std::sync::Arc;

use docspace_people::bulk::Entry;

/// Outcomes by position.
#[derive(Debug, Default)]
pub struct Outcomes {
    /// The names of the outcomes, by code less one.
    names: &'static [&'static str],
    /// The outcome of each position (an index into `names`, plus one); 0 for none yet.
    outcomes: Vec<u8>,
    /// The detail of each position: an index into `texts`, plus one; 0 for none.
    details: Vec<u32>,
    /// A plan's state now of each position, as `details`; empty for a run.
    states: Vec<u32>,
    texts: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

/// The outcomes of a run, as [`Outcome::as_str`](docspace_people::bulk::Outcome::as_str) names
/// them (a run's, and those a journal records).
pub(crate) const RUN: &[&str] = &[
    "changed",
    "already_in_target",
    "refused",
    "failed",
    "unknown",
];

impl Outcomes {
    /// Room for `positions` inputs of a run.
    pub fn new(positions: usize) -> Self {
        Outcomes {
            names: RUN,
            outcomes: vec![0; positions],
            details: vec![0; positions],
            ..Outcomes::default()
        }
    }

    /// Room for `positions` inputs of a plan whose outcomes are `names`, with each user's state
    /// now.
    pub fn for_plan(positions: usize, names: &'static [&'static str]) -> Self {
        Outcomes {
            names,
            states: vec![0; positions],
            ..Outcomes::new(positions)
        }
    }

    /// Room for `positions` inputs, those already kept staying.
    pub fn resize(&mut self, positions: usize) {
        self.outcomes.resize(positions, 0);
        self.details.resize(positions, 0);
        self.states.resize(positions, 0);
    }

    /// Keeps the outcomes of `entries`.
    pub fn record(&mut self, entries: &[Entry]) {
        for entry in entries {
            self.set(
                entry.position,
                entry.outcome.as_str(),
                entry.detail.as_deref(),
            );
        }
    }

    /// Keeps the outcome `name` (one of those given at [`for_plan`](Self::for_plan), or a run's)
    /// and its detail for `position`.
    pub fn set(&mut self, position: usize, name: &str, detail: Option<&str>) {
        if position >= self.outcomes.len() {
            return;
        }
        let code = self
            .names
            .iter()
            .position(|n| *n == name)
            .map_or(u8::MAX, |i| u8::try_from(i + 1).unwrap_or(u8::MAX));
        self.outcomes[position] = code;
        self.details[position] = detail.map_or(0, |d| self.intern(d));
    }

    /// Keeps a plan's state now for `position`.
    pub fn set_state(&mut self, position: usize, state: &str) {
        let code = self.intern(state);
        if let Some(slot) = self.states.get_mut(position) {
            *slot = code;
        }
    }

    /// A plan's state now of `position`, if kept.
    pub fn state(&self, position: usize) -> Option<&str> {
        self.text(*self.states.get(position)?)
    }

    fn text(&self, code: u32) -> Option<&str> {
        let index = code.checked_sub(1)?;
        self.texts.get(index as usize).map(|t| &**t)
    }

    /// How many positions have the outcome `name`.
    pub fn count(&self, name: &str) -> usize {
        let Some(code) = self.names.iter().position(|n| *n == name) else {
            return 0;
        };
        self.outcomes
            .iter()
            .filter(|&&c| usize::from(c) == code + 1)
            .count()
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&index) = self.index.get(text) {
            return index;
        }
        let Ok(index) = u32::try_from(self.texts.len() + 1) else {
            return 0;
        };
        let text: Arc<str> = Arc::from(text);
        self.texts.push(Arc::clone(&text));
        self.index.insert(text, index);
        index
    }

    /// The outcome and detail of `position`, if the run reported one.
    pub fn get(&self, position: usize) -> Option<(&'static str, Option<String>)> {
        let code = *self.outcomes.get(position)?;
        if code == 0 {
            return None;
        }
        let outcome = self
            .names
            .get(usize::from(code) - 1)
            .copied()
            .unwrap_or("unknown");
        let detail = self
            .details
            .get(position)
            .and_then(|&d| self.text(d))
            .map(str::to_owned);
        Some((outcome, detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use docspace_people::bulk::Outcome;

    #[test]
    fn a_run_names_its_outcomes_as_the_engine_does_and_texts_are_kept_once() {
        let names: Vec<&str> = Outcome::ALL.into_iter().map(Outcome::as_str).collect();
        assert_eq!(RUN, names);
        let mut plan = Outcomes::for_plan(4, &["would_change", "already_in_target"]);
        plan.set(0, "would_change", None);
        plan.set(2, "already_in_target", Some("note"));
        plan.set(3, "would_change", Some("note"));
        plan.set_state(0, "Active");
        plan.set_state(3, "Active");
        plan.set(9, "would_change", None);
        assert_eq!(plan.get(0), Some(("would_change", None)));
        assert_eq!(plan.get(1), None);
        assert_eq!(
            plan.get(2),
            Some(("already_in_target", Some("note".to_owned())))
        );
        assert_eq!(plan.state(3), Some("Active"));
        assert_eq!(plan.state(1), None);
        assert_eq!(plan.count("would_change"), 2);
        assert_eq!(plan.texts.len(), 2, "each text once");
    }
}
