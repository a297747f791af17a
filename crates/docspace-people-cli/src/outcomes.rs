//! Each user's outcome by input position, kept as the bulk engine settles them, for the report:
//! five bytes per user, with each distinct detail text kept once (a run's details repeat: the
//! same refusal, the same "not sent"). The engine itself keeps nothing per user, so a run of a
//! million users fits in a few tens of MiB.

use std::collections::HashMap;
use std::sync::Arc;

use docspace_people::bulk::{Entry, Outcome};

/// Outcomes by position.
#[derive(Debug, Default)]
pub struct Outcomes {
    /// The outcome of each position (see [`code`]); 0 for none yet.
    outcomes: Vec<u8>,
    /// The detail of each position: an index into `texts`, plus one; 0 for none.
    details: Vec<u32>,
    texts: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

const OUTCOMES: [Outcome; 5] = [
    Outcome::Changed,
    Outcome::AlreadyInTarget,
    Outcome::Refused,
    Outcome::Failed,
    Outcome::Unknown,
];

fn code(outcome: Outcome) -> u8 {
    OUTCOMES
        .iter()
        .position(|o| *o == outcome)
        .map_or(u8::MAX, |i| i as u8 + 1)
}

impl Outcomes {
    /// Room for `positions` inputs.
    pub fn new(positions: usize) -> Self {
        Outcomes {
            outcomes: vec![0; positions],
            details: vec![0; positions],
            ..Outcomes::default()
        }
    }

    /// Keeps the outcomes of `entries`.
    pub fn record(&mut self, entries: &[Entry]) {
        for entry in entries {
            let position = entry.position;
            if position >= self.outcomes.len() {
                continue;
            }
            self.outcomes[position] = code(entry.outcome);
            self.details[position] = match &entry.detail {
                None => 0,
                Some(detail) => self.intern(detail),
            };
        }
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
        let outcome = OUTCOMES
            .get(usize::from(code) - 1)
            .map_or("unknown", |o| o.as_str());
        let detail = self
            .details
            .get(position)
            .and_then(|&d| d.checked_sub(1))
            .and_then(|d| self.texts.get(d as usize))
            .map(|text| text.to_string());
        Some((outcome, detail))
    }
}
