//! The users a bulk command targets: read from arguments, a file or stdin (`read.rs`), checked
//! before anything is sent, kept in a few bytes each (here), and emails resolved to ids
//! through the API (`resolve.rs`).

mod read;
mod resolve;

use std::fmt;
use std::sync::Arc;

use docspace_people::Uuid;

use crate::error::{CliError, CliResult};

pub(crate) use read::csv_rows;
pub use read::{parse_value, read, read_skipping};
pub use resolve::{Resolved, consequences, fetch_missing, resolve, resolve_one};

/// Up to this many targets the tool keeps their users whole: a plan names them and shows
/// their consequences from what was read, and a run reads them no more. Past it, it keeps a
/// few bytes per user (a million users whole would take gigabytes): a plan's table leaves
/// names out, and a run reads the users' light state itself.
pub const WHOLE_USERS_LIMIT: usize = 10_000;
/// At most this many input problems are listed; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

/// Where an input value came from, for messages and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The n-th positional argument (from 1).
    Argument(usize),
    /// Line n (from 1) of a file or of stdin.
    Line {
        /// The file name, or `stdin`.
        source: Arc<str>,
        /// The line, counting from 1.
        line: u64,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Argument(n) => write!(f, "argument {n}"),
            Origin::Line { source, line } => write!(f, "{source} line {line}"),
        }
    }
}

/// A target as given: a user id or an email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A user id.
    Id(Uuid),
    /// An email address, to be resolved through the API.
    Email(String),
}

/// One target user, as given in the input.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where it came from.
    pub origin: Origin,
    /// The text as given (trimmed).
    pub input: String,
    /// What it names.
    pub value: Value,
}

/// The targets of a command, in input order, in about 20 bytes each (an id and a line
/// number), so that a file of a million ids stays small: the text as given is kept only when
/// it is not the id's usual form (an email, an id in capitals or braces).
#[derive(Debug, Default)]
pub struct Targets {
    /// The file or `stdin` the lines after the arguments came from.
    source: Option<Arc<str>>,
    /// The argument number (from 1) of each target given as an argument: the first ones.
    arguments: Vec<u32>,
    /// The line of each target read from the file, in order.
    lines: Vec<u32>,
    /// The user id of each target; nil for an email until [`resolve()`] finds its user.
    ids: Vec<Uuid>,
    /// The text as given, where it is not `ids[position]` written the usual way.
    texts: Texts,
    /// The positions of email targets.
    emails: Vec<u32>,
    /// Inputs that name no user (with `--skip-unknown`) or whose look-up failed: left out of
    /// the run and reported.
    skipped: Vec<Skipped>,
}

/// The texts of some positions, given in increasing order, in one buffer: eight bytes per text
/// besides the text (a map of boxed strings took about sixty), so that a million addresses
/// cost little more than themselves. Positions and ends are `u32`: an input of more than
/// 4 GiB of text, or of more than 4 billion targets, is refused as it is read.
#[derive(Debug, Default)]
struct Texts {
    /// Each position with a text, and where its text ends in `buffer`, by position.
    ends: Vec<(u32, u32)>,
    buffer: String,
}

/// The input holds more targets or more text than [`Texts`] can place.
#[derive(Debug)]
struct TextsFull;

impl Texts {
    /// Gives `position`, which comes after every position given so far, this text.
    fn push(&mut self, position: usize, text: &str) -> Result<(), TextsFull> {
        let position = u32::try_from(position).map_err(|_| TextsFull)?;
        let end = u32::try_from(self.buffer.len() + text.len()).map_err(|_| TextsFull)?;
        debug_assert!(self.ends.last().is_none_or(|(p, _)| *p < position));
        self.buffer.push_str(text);
        self.ends.push((position, end));
        Ok(())
    }

    /// The text of `position`, if it has one.
    fn get(&self, position: usize) -> Option<&str> {
        let position = u32::try_from(position).ok()?;
        let at = self
            .ends
            .binary_search_by_key(&position, |(p, _)| *p)
            .ok()?;
        let start = at.checked_sub(1).map_or(0, |before| self.ends[before].1);
        self.buffer.get(start as usize..self.ends[at].1 as usize)
    }

    /// Gives back the room the lists grew into.
    fn shrink_to_fit(&mut self) {
        self.ends.shrink_to_fit();
        self.buffer.shrink_to_fit();
    }
}

/// An input left out of a run, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Where it came from.
    pub origin: Origin,
    /// The text as given.
    pub input: String,
    /// Why it is left out.
    pub why: SkipReason,
}

/// Why an input is left out of a run.
#[derive(Debug, Clone)]
pub enum SkipReason {
    /// It names no user (an unknown address, a blank cell, an address several users share):
    /// reported refused.
    NoSuchUser(String),
    /// Its look-up failed after the retries: reported failed, and `resume` looks it up again.
    LookupFailed(String),
}

impl Skipped {
    /// The outcome of a run's report and its detail.
    pub fn outcome(&self) -> (&'static str, String) {
        match &self.why {
            SkipReason::NoSuchUser(why) => ("refused", why.clone()),
            SkipReason::LookupFailed(why) => ("failed", format!("could not look up: {why}")),
        }
    }

    /// The outcome of a dry run's report and its detail.
    pub fn planned(&self) -> (&'static str, String) {
        match &self.why {
            SkipReason::NoSuchUser(why) => ("not_found", why.clone()),
            SkipReason::LookupFailed(why) => ("state_unknown", format!("could not look up: {why}")),
        }
    }

    /// The report row of a run (`dry_run`: of a dry run).
    pub fn row(&self, dry_run: bool) -> crate::report::Row {
        let (outcome, detail) = if dry_run {
            self.planned()
        } else {
            self.outcome()
        };
        crate::report::Row {
            source: self.origin.to_string(),
            input: self.input.clone(),
            id: Uuid::nil(),
            outcome,
            detail: Some(detail),
        }
    }
}

impl Targets {
    /// Targets that are the lines of `source` (a journal, say): `ids[i]` on line `i + 1`.
    pub fn numbered(source: &str, ids: Vec<Uuid>) -> CliResult<Self> {
        // The ids are kept as given, not copied: a journal of a million users hands over 16 MB.
        let count = u32::try_from(ids.len()).map_err(|_| {
            CliError::usage(format_args!(
                "{source}: runs of more than {} users are not made",
                u32::MAX
            ))
        })?;
        Ok(Targets {
            source: Some(Arc::from(source)),
            lines: (1..=count).collect(),
            ids,
            ..Targets::default()
        })
    }

    /// Targets that are users of a plan: `ids[i]` as item `i + 1` of `source`, shown by their
    /// address when `label` knows one.
    pub fn labelled(
        source: &str,
        ids: &[Uuid],
        label: impl Fn(&Uuid) -> Option<String>,
    ) -> CliResult<Self> {
        let mut targets = Targets {
            source: Some(Arc::from(source)),
            ..Targets::default()
        };
        for (index, id) in ids.iter().enumerate() {
            let text = label(id).unwrap_or_else(|| id.to_string());
            targets.add(Some(index as u64 + 1), &text, Value::Id(*id))?;
        }
        Ok(targets)
    }

    /// Adds email addresses after the targets, numbered on from them (a journal's addresses
    /// whose look-up failed).
    pub fn add_emails(&mut self, emails: &[String]) -> CliResult<()> {
        for email in emails {
            let line = self.len() as u64 + 1;
            self.add(Some(line), email, Value::Email(email.clone()))?;
        }
        Ok(())
    }

    pub(super) fn add(&mut self, line: Option<u64>, text: &str, value: Value) -> CliResult<()> {
        let position = self.ids.len();
        match line {
            None => self
                .arguments
                .push(u32::try_from(self.arguments.len() + 1).unwrap_or(u32::MAX)),
            Some(line) => self.lines.push(u32::try_from(line).map_err(|_| {
                CliError::usage(format_args!(
                    "line {line}: files of more than {} lines are not read",
                    u32::MAX
                ))
            })?),
        }
        let too_much = |_| {
            CliError::usage(format_args!(
                "inputs of more than {} targets or 4 GiB of text are not read",
                u32::MAX
            ))
        };
        match value {
            Value::Id(id) => {
                if id.hyphenated().to_string() != text {
                    self.texts.push(position, text).map_err(too_much)?;
                }
                self.ids.push(id);
            }
            Value::Email(email) => {
                self.texts.push(position, &email).map_err(too_much)?;
                self.emails
                    .push(u32::try_from(position).map_err(|_| too_much(TextsFull))?);
                self.ids.push(Uuid::nil());
            }
        }
        Ok(())
    }

    /// The inputs left out of the run, in input order.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// How many inputs left out are refused (naming no user) and failed (not looked up).
    pub fn skipped_counts(&self) -> (usize, usize) {
        let failed = self
            .skipped
            .iter()
            .filter(|s| matches!(s.why, SkipReason::LookupFailed(_)))
            .count();
        (self.skipped.len() - failed, failed)
    }

    /// The addresses whose look-up failed: `resume` looks them up again.
    pub fn unresolved(&self) -> Vec<String> {
        self.skipped
            .iter()
            .filter(|s| matches!(s.why, SkipReason::LookupFailed(_)))
            .map(|s| s.input.clone())
            .collect()
    }

    /// Leaves the targets at `positions` out of the run, each reported for its reason. The
    /// others keep their place of origin.
    pub fn skip(&mut self, mut positions: Vec<(usize, SkipReason)>) {
        if positions.is_empty() {
            return;
        }
        positions.sort_by_key(|(position, _)| *position);
        let mut reasons = positions.into_iter().peekable();
        let old = std::mem::take(self);
        let mut skipped = Vec::new();
        self.source = old.source.clone();
        for position in 0..old.len() {
            if reasons.peek().is_some_and(|(at, _)| *at == position) {
                if let Some((_, why)) = reasons.next() {
                    skipped.push(Skipped {
                        origin: old.origin(position),
                        input: old.input(position),
                        why,
                    });
                }
                continue;
            }
            let new_position = self.ids.len();
            match position.checked_sub(old.arguments.len()) {
                None => self
                    .arguments
                    .push(old.arguments.get(position).copied().unwrap_or_default()),
                Some(index) => self
                    .lines
                    .push(old.lines.get(index).copied().unwrap_or_default()),
            }
            self.ids
                .push(old.ids.get(position).copied().unwrap_or_default());
            // A new position comes before its old one, and the texts are fewer: they fit.
            if let Some(text) = old.texts.get(position) {
                let _ = self.texts.push(new_position, text);
            }
            if old.is_email(position) {
                self.emails
                    .push(u32::try_from(new_position).unwrap_or(u32::MAX));
            }
        }
        self.skipped = old.skipped;
        self.skipped.extend(skipped);
    }

    /// Records an input left out before it became a target (a blank cell).
    pub(super) fn skip_input(&mut self, origin: Origin, input: &str, why: SkipReason) {
        self.skipped.push(Skipped {
            origin,
            input: input.to_owned(),
            why,
        });
    }

    /// How many targets.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The user id of every target, in input order (repeats kept: the bulk engine reports
    /// them); emails are resolved by [`resolve()`].
    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    /// Whether the target at `position` was given as an email address.
    pub fn is_email(&self, position: usize) -> bool {
        u32::try_from(position).is_ok_and(|position| self.emails.binary_search(&position).is_ok())
    }

    /// Where the target at `position` came from.
    pub fn origin(&self, position: usize) -> Origin {
        match position.checked_sub(self.arguments.len()) {
            None => Origin::Argument(
                self.arguments
                    .get(position)
                    .map_or(position + 1, |&n| n as usize),
            ),
            Some(index) => Origin::Line {
                source: self.source.clone().unwrap_or_else(|| Arc::from("input")),
                line: self.lines.get(index).copied().map_or(0, u64::from),
            },
        }
    }

    /// The text given for the target at `position`.
    pub fn input(&self, position: usize) -> String {
        match self.texts.get(position) {
            Some(text) => text.to_owned(),
            None => self
                .ids
                .get(position)
                .map_or_else(String::new, Uuid::to_string),
        }
    }

    /// The target at `position`, as given.
    #[cfg(test)]
    pub fn get(&self, position: usize) -> Option<Target> {
        let id = *self.ids.get(position)?;
        let input = self.input(position);
        let value = if self.is_email(position) {
            Value::Email(input.clone())
        } else {
            Value::Id(id)
        };
        Some(Target {
            origin: self.origin(position),
            input,
            value,
        })
    }

    /// The targets as given, in input order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = Target> + '_ {
        (0..self.len()).filter_map(|position| self.get(position))
    }
}

pub(super) fn input_problems(headline: &str, problems: Vec<String>) -> CliError {
    let mut message = format!("{headline}; nothing was sent:");
    for problem in problems.iter().take(MAX_PROBLEMS_SHOWN) {
        message.push_str("\n  ");
        message.push_str(problem);
    }
    if problems.len() > MAX_PROBLEMS_SHOWN {
        message.push_str(&format!(
            "\n  ... and {} more",
            problems.len() - MAX_PROBLEMS_SHOWN
        ));
    }
    CliError::usage(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_found_by_position_in_one_buffer() {
        let mut texts = Texts::default();
        texts.push(1, "jane@example.com").unwrap();
        texts.push(4, "").unwrap();
        texts.push(7, "Ünïcode@example.com").unwrap();
        assert_eq!(texts.get(1), Some("jane@example.com"));
        assert_eq!(texts.get(4), Some(""));
        assert_eq!(texts.get(7), Some("Ünïcode@example.com"));
        assert_eq!(texts.get(0), None);
        assert_eq!(texts.get(5), None);
    }
}
