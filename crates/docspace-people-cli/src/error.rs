//! Errors that end a command, and the exit code each one means.

use std::fmt;
use std::process::ExitCode;

/// The exit code of a bulk run the portal's rate limit stopped (after its daily write limit):
/// nothing is wrong, the rest has to wait.
pub const STOPPED_BY_LIMIT: u8 = 4;

/// The exit code of a sync a safeguard held: nothing was changed.
pub const HELD_BY_SAFEGUARD: u8 = 5;

/// Why a command stopped, which decides its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something went wrong after changes may have been sent (exit 1).
    Failed,
    /// Bad input or usage, found before anything was sent (exit 2).
    Usage,
    /// Authentication or connection trouble before any change was sent (exit 3).
    Portal,
}

impl Kind {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Kind::Failed => 1,
            Kind::Usage => 2,
            Kind::Portal => 3,
        }
    }
}

/// An error that ends a command.
#[derive(Debug)]
pub struct CliError {
    /// What kind of failure it is.
    pub kind: Kind,
    /// What happened, with its causes.
    pub error: anyhow::Error,
}

impl CliError {
    /// Bad input or usage (exit 2).
    pub fn usage(message: impl fmt::Display) -> Self {
        CliError {
            kind: Kind::Usage,
            error: anyhow::anyhow!("{message}"),
        }
    }

    /// A failure after changes may have been sent (exit 1).
    pub fn failed(error: impl Into<anyhow::Error>) -> Self {
        CliError {
            kind: Kind::Failed,
            error: error.into(),
        }
    }

    /// An error from the portal before any change was sent: input refused by the client
    /// library is a usage error (exit 2), anything else exit 3.
    pub fn portal(error: docspace_people::Error, context: impl fmt::Display) -> Self {
        let kind = match error {
            // Asking a server for what it does not have is a usage error, found before sending.
            docspace_people::Error::InvalidInput(_) | docspace_people::Error::Unsupported(_) => {
                Kind::Usage
            }
            _ => Kind::Portal,
        };
        let hint = next_step(&error);
        let error = anyhow::Error::new(error).context(context.to_string());
        CliError {
            kind,
            error: match hint {
                // The hint ends the message: what to do next.
                Some(hint) => anyhow::anyhow!("{}. {hint}", CliError { kind, error }),
                None => error,
            },
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.kind.code())
    }
}

impl fmt::Display for CliError {
    /// The error and its causes, skipping a cause whose text the message already holds (some
    /// errors repeat their source in their own message).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        for cause in self.error.chain() {
            let cause = cause.to_string();
            if text.contains(&cause) {
                continue;
            }
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
        f.write_str(&text)
    }
}

/// What to do next after a refusal of the credentials or of a sign-in, which the server's own
/// words do not say.
fn next_step(error: &docspace_people::Error) -> Option<&'static str> {
    use docspace_people::Error;
    match error {
        Error::Forbidden { message: Some(m) } if m.contains("Too many") => Some(
            "The portal blocks sign-in for this login for about a minute after repeated \
             failures, and each new attempt extends the block: wait, then try once",
        ),
        Error::Forbidden { message: Some(m) } if m.contains("User disabled") => Some(
            "This user is disabled, or has not accepted their invitation: an administrator \
             can enable them",
        ),
        Error::Unauthorized { .. } => Some(
            "The portal refused the credentials: a session token expires, so sign in again with \
             `docspace-people login`; or check the user name and password, --token or --api-key",
        ),
        _ => None,
    }
}

/// The result of a command: the exit code to end with, or an error.
pub type CliResult<T = ExitCode> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_causes_are_shown_once() {
        let inner = std::io::Error::other("connection refused");
        let outer = anyhow::Error::new(inner).context("sending failed: connection refused");
        let error = CliError {
            kind: Kind::Portal,
            error: outer.context("cannot list the users"),
        };
        assert_eq!(
            error.to_string(),
            "cannot list the users: sending failed: connection refused"
        );
        assert_eq!(error.kind.code(), 3);
    }
}
