//! Progress bars on stderr, shown only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing when stderr is not a terminal (piped or redirected).
#[derive(Debug, Clone)]
pub struct Bar(Option<ProgressBar>, Arc<AtomicBool>);

/// The bar of a count with a known end, and its ETA.
const COUNTING: &str =
    "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {msg} ({elapsed}, ETA {eta})";

impl Bar {
    /// A bar counting up to `total`, labelled `what`; hidden when stderr is not a terminal.
    pub fn new(total: usize, what: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
            .with_style(counting_style())
            .with_prefix(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(Some(bar), Arc::new(AtomicBool::new(true)))
    }

    /// A spinner labelled `what` while the users' states are read, which becomes a bar with
    /// its ETA at the first [`counting`](Self::counting): the reading is its own phase and
    /// does not count as time spent on the users.
    pub fn reading(what: &str) -> Self {
        Self::spinner(
            what,
            "{prefix:.bold} {spinner} reading the users' states ({elapsed})",
        )
    }

    /// A spinner counting what `what` found so far, for a count with no known end.
    pub fn counter(what: &str) -> Self {
        Self::spinner(what, "{prefix:.bold} {spinner} {pos} so far ({elapsed})")
    }

    fn spinner(what: &str, template: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self::hidden();
        }
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(Some(bar), Arc::new(AtomicBool::new(false)))
    }

    /// Counts up to `total` from now on: the first call ends a reading phase, and the elapsed
    /// time and ETA start then.
    pub fn counting(&self, total: usize) {
        // A count of nothing is no count yet: the reading goes on.
        if let Some(bar) = self.0.as_ref().filter(|_| total > 0) {
            bar.set_length(total as u64);
            if !self.1.swap(true, Ordering::SeqCst) {
                bar.reset();
                bar.set_style(counting_style());
            }
        }
    }

    /// A bar that shows nothing.
    pub fn hidden() -> Self {
        Bar(None, Arc::new(AtomicBool::new(true)))
    }

    /// Moves the bar to `done`.
    pub fn set(&self, done: usize) {
        if let Some(bar) = &self.0 {
            bar.set_position(done as u64);
        }
    }

    /// Advances the bar by `n`.
    pub fn inc(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(n as u64);
        }
    }

    /// Sets the text after the counts.
    pub fn message(&self, message: String) {
        if let Some(bar) = &self.0 {
            bar.set_message(message);
        }
    }

    /// Runs `f` with the bar hidden (for a prompt), then draws it again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Prints a line on stderr without breaking the bar.
    pub fn note(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

fn counting_style() -> ProgressStyle {
    ProgressStyle::with_template(COUNTING)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
