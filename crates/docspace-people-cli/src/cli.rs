//! The command line: clap types only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use docspace_people::bulk::BulkOptions;
use docspace_people::lifecycle::JobOptions;
use docspace_people::{ActivationStatus, Quota, SortBy, UserStatus};

/// Find users of an ONLYOFFICE DocSpace portal and change the status, type or storage quota of
/// many of them at once, with an exact per-user report.
#[derive(Debug, Parser)]
#[command(name = "docspace-people", version)]
#[command(after_help = "\
Exit codes: 0 all good; 1 some user was refused, failed, unknown, drifted or only partly
offboarded; 2 bad input or usage (nothing sent); 3 authentication or connection error before any
change; 4 the portal's rate limit stopped the run (resume the journal at the time it prints);
5 a sync safeguard held the run (nothing changed); 130 interrupted (resume the journal).

Examples:
  docspace-people --demo users list --type guest
  docspace-people login --portal https://portal.example.com --user admin@example.com
  docspace-people status set terminated --from leavers.csv --report leavers-report.json
  docspace-people quota set 10GiB --from engineering.txt --dry-run
  docspace-people invite --type user --from new-hires.csv
  docspace-people sync plan --desired hr.csv --out plan.json && docspace-people sync apply plan.json
  docspace-people --demo status set terminated noah.fischer@example.com lucas.moreau@example.com")]
pub struct Cli {
    /// Connection and output settings shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options valid for every command.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The portal's URL, e.g. https://portal.example.com (default: the one `login` stored).
    #[arg(long, env = "DOCSPACE_URL", global = true, value_name = "URL")]
    pub portal: Option<String>,
    /// A session token (default: the one `login` stored for this portal).
    #[arg(
        long,
        env = "DOCSPACE_TOKEN",
        global = true,
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// An API key (`sk-...`) instead of a session token. Prefer --api-key-file or the
    /// environment: a command line is visible to other users in the process list.
    #[arg(
        long,
        env = "DOCSPACE_API_KEY",
        global = true,
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Read the API key from the first line of FILE (`-`: the first line of standard input,
    /// whose other lines are left for `--from -`).
    #[arg(
        long,
        env = "DOCSPACE_API_KEY_FILE",
        global = true,
        value_name = "FILE",
        conflicts_with = "api_key"
    )]
    pub api_key_file: Option<PathBuf>,
    /// Run against a demo portal started in-process (seeded with ~50 people, signed in as the
    /// owner); nothing leaves this machine and every change vanishes when the command ends.
    #[arg(long, global = true)]
    pub demo: bool,
    /// The server the --demo portal imitates: 3.7 (default), 3.6 or 2.6 (DocSpace), or
    /// workspace (Workspace 12.7).
    #[arg(
        long,
        global = true,
        value_name = "VERSION",
        default_value = "3.7",
        requires = "demo"
    )]
    pub demo_server: String,
    /// Use the named profile: its portal and stored token (`login --profile NAME` stores one).
    #[arg(long, env = "DOCSPACE_PROFILE", global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where `login` keeps its config file (default: the per-user config directory).
    #[arg(long, env = "DOCSPACE_CONFIG_DIR", global = true, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Ask the portal which server it runs even if the profile keeps the answer (kept for a
    /// day), and keep the new answer.
    #[arg(long, global = true)]
    pub detect_server: bool,
    /// Allow a plain http:// portal URL to another machine (tokens and passwords then cross the
    /// network unencrypted). http://localhost and loopback addresses need no permission.
    #[arg(long, global = true)]
    pub allow_http: bool,
    /// Attempts per request, the first included, on failures that may pass (429, 5xx, dropped
    /// connections, timeouts); reads and changes alike.
    #[arg(long, global = true, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// Seconds to wait for each request.
    #[arg(long, global = true, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// More log output on stderr (-v, -vv, -vvv); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in with a user name and password and store the session token for later commands.
    Login(LoginArgs),
    /// Forget the stored session token (of --profile NAME, if given).
    Logout,
    /// Who the credentials sign in as, on which portal and server, and whether they still
    /// work.
    Whoami,
    /// The stored profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Find users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Change the status of users (activate or terminate).
    #[command(subcommand)]
    Status(StatusCommand),
    /// Change the type of users: promotions directly, demotions (DocSpace 3.1+) through the
    /// portal's type-change job, one user at a time, which hands their rooms to a receiver.
    #[command(name = "type", subcommand)]
    Type(TypeCommand),
    /// Set or reset the storage quota of users.
    #[command(subcommand)]
    Quota(QuotaCommand),
    /// Invite people by e-mail (`invite --type user --from new-hires.csv`), or send the
    /// invitation again to users who never accepted theirs (`invite resend`).
    Invite(InviteCommand),
    /// Keep the portal in line with a source of truth (an HR export): `sync plan` writes what
    /// would change, `sync apply` applies exactly that plan; `sync --desired FILE` does both.
    Sync(SyncCommand),
    /// Offboard users: disable them, then optionally move their rooms and files to a receiver
    /// (--reassign-to), then optionally delete them for good (--delete, asks for the count).
    /// A user's steps stop at the first that does not succeed.
    Offboard(OffboardArgs),
    /// Continue a run from its journal: sends only the users whose outcome is not known yet
    /// (not sent, failed or unknown), and appends to the same journal.
    Resume(ReplayArgs),
    /// Take a run back from its journal: restore the status, type or quota every user it
    /// changed had before (lowering a type again through the type-change job). An offboarding
    /// is undone by re-enabling the users not deleted; a deletion cannot be undone.
    Undo(UndoArgs),
    /// The per-user report of a run, from its journal (every run and resume of it): a summary,
    /// and with --report a file.
    Report(JournalReportArgs),
    /// Print a shell completion script: `docspace-people completions bash > ~/.local/share/bash-completion/completions/docspace-people`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `login` options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The user name (email) to sign in as; asked for when on a terminal and not given.
    #[arg(long, short = 'u', value_name = "EMAIL")]
    pub user: Option<String>,
    /// Read the password from the first line of standard input (else DOCSPACE_PASSWORD, else a
    /// prompt on the terminal).
    #[arg(long)]
    pub password_stdin: bool,
}

/// `resume`: a journal and how to run.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The journal of the run (a sync's journal directory: each of its journals in turn).
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Use a journal whose seals do not verify with your key (edited by hand, written by
    /// another user or on another machine, or from before journals were sealed). Check it
    /// first: it decides whom the command changes.
    #[arg(long)]
    pub trust_journal: bool,
    /// Show, user by user, what would be sent (resume) or restored (undo); send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The report, the chunking and the guard rails.
    #[command(flatten)]
    pub run: RunOptions,
}

/// `report`: a journal and where the report goes.
#[derive(Debug, Args)]
pub struct JournalReportArgs {
    /// The journal.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Write the per-user outcome to FILE, as JSON, CSV or JSON lines (by extension).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The format of --report (default: from its extension, JSON otherwise).
    #[arg(long, value_enum, requires = "report")]
    pub report_format: Option<ReportFormat>,
}

/// `undo`: a journal, how to run, and where the undo's own journal goes.
#[derive(Debug, Clone, Args)]
pub struct UndoArgs {
    /// The journal and how to run.
    #[command(flatten)]
    pub replay: ReplayArgs,
    /// Restore users even if they were changed after the run. By default a user who is no
    /// longer as the run left them is skipped and listed: undo does not overwrite later
    /// decisions.
    #[arg(long)]
    pub force: bool,
    /// The undo's own journal (default: a new file, as for any run).
    #[arg(long = "journal", value_name = "FILE")]
    pub own_journal: Option<PathBuf>,
}

/// `profiles` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// List the stored profiles and their portals (never their tokens).
    List,
}

/// `users` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List the users matching the filters, every page.
    List(ListArgs),
}

/// `users list` options: the filters of `people/filter`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Which users: the portal's filters.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Add each user's last sign-in (from the login history: read back to --inactive-for's
    /// start, or whole).
    #[arg(long)]
    pub last_login: bool,
    /// Sort by this field.
    #[arg(long, value_enum)]
    pub sort_by: Option<SortArg>,
    /// Sort in descending order.
    #[arg(long)]
    pub descending: bool,
    /// Stop after this many users.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Users chosen by what the portal knows: `users list` and, instead of a list, every bulk
/// command. All given must match.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Select users")]
pub struct SelectArgs {
    /// Only users whose name or email contains this text.
    #[arg(id = "select_text", long = "text", value_name = "TEXT")]
    pub text: Option<String>,
    /// Only users with this status.
    #[arg(
        id = "select_status",
        long = "status",
        value_enum,
        value_name = "STATUS"
    )]
    pub status: Option<StatusFilter>,
    /// Only users of this type, in the portal's words: guest, user, room-admin, docspace-admin
    /// (DocSpace 3.x); user, visitor (Workspace); user, collaborator, room-admin,
    /// docspace-admin (DocSpace 2.x).
    #[arg(id = "select_user_type", long = "type", value_name = "TYPE")]
    pub user_type: Option<String>,
    /// Only users with this activation (email confirmation) status.
    #[arg(
        id = "select_activation",
        long = "activation",
        value_enum,
        value_name = "ACTIVATION"
    )]
    pub activation: Option<ActivationArg>,
    /// Only administrators.
    #[arg(
        id = "select_admins",
        long = "admins",
        conflicts_with = "select_non_admins"
    )]
    pub admins: bool,
    /// Only users who are not administrators.
    #[arg(id = "select_non_admins", long = "non-admins")]
    pub non_admins: bool,
    /// Only accounts that sign in this way (DocSpace).
    #[arg(
        id = "select_login_type",
        long = "login-type",
        value_enum,
        value_name = "KIND"
    )]
    pub login_type: Option<ScopeArg>,
    /// Only members of this group: its name or id.
    #[arg(
        id = "select_group",
        long = "group",
        value_name = "NAME|ID",
        conflicts_with = "select_without_group"
    )]
    pub group: Option<String>,
    /// Only users in no group (DocSpace).
    #[arg(id = "select_without_group", long = "without-group")]
    pub without_group: bool,
    /// Only users who take a paid seat: the owner, DocSpace admins, room admins (DocSpace).
    #[arg(id = "select_paid", long = "paid", conflicts_with = "select_free")]
    pub paid: bool,
    /// Only users who take no paid seat: users and guests (DocSpace).
    #[arg(id = "select_free", long = "free")]
    pub free: bool,
    /// Only users on the default quota, or with a quota of their own (DocSpace).
    #[arg(
        id = "select_quota_kind",
        long = "quota-kind",
        value_enum,
        value_name = "KIND"
    )]
    pub quota_kind: Option<QuotaKindArg>,
    /// Only users this user invited: an id or an email (DocSpace).
    #[arg(id = "select_invited_by", long = "invited-by", value_name = "USER")]
    pub invited_by: Option<String>,
    /// Only users nobody signed in as for this long (e.g. 180d, 26w, 1y), from the login
    /// history; users who never signed in count from when they joined. Refused on a plan that
    /// keeps no login history.
    #[arg(id = "select_inactive_for", long = "inactive-for", value_name = "DURATION", value_parser = parse_duration)]
    pub inactive_for: Option<chrono::Duration>,
}

impl SelectArgs {
    /// Whether any selector is given.
    pub fn any(&self) -> bool {
        self.text.is_some()
            || self.status.is_some()
            || self.user_type.is_some()
            || self.activation.is_some()
            || self.admins
            || self.non_admins
            || self.login_type.is_some()
            || self.group.is_some()
            || self.without_group
            || self.paid
            || self.free
            || self.quota_kind.is_some()
            || self.invited_by.is_some()
            || self.inactive_for.is_some()
    }
}

/// Whose quota a user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QuotaKindArg {
    /// The portal's default.
    Default,
    /// Their own.
    Custom,
}

/// A duration: a whole number and a unit, `h` hours, `d` days, `w` weeks, `y` years of 365
/// days.
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write a number and a unit, e.g. 180d"))?;
    let hours = match unit.trim().to_ascii_lowercase().as_str() {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        "y" => 24 * 365,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use h, d, w or y (e.g. 180d)"
            ));
        }
    };
    if n == 0 || n > 100 * 365 * 24 / hours {
        return Err(format!(
            "`{text}` is out of range: from 1 hour to 100 years"
        ));
    }
    Ok(chrono::Duration::hours(n * hours))
}

/// `status` subcommands.
#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Set the status of the target users.
    Set {
        /// The new status.
        #[arg(value_enum)]
        status: StatusArg,
        /// Who and how.
        #[command(flatten)]
        bulk: BulkArgs,
    },
}

/// `type` subcommands.
#[derive(Debug, Subcommand)]
pub enum TypeCommand {
    /// Set the type of the target users.
    Set {
        /// The new type, in the portal's words: guest, user, room-admin, docspace-admin
        /// (DocSpace 3.x); user, visitor (Workspace); user, collaborator, room-admin,
        /// docspace-admin (DocSpace 2.x). The connected server decides what a name means.
        #[arg(value_name = "TYPE")]
        user_type: String,
        /// Demotions and jobs.
        #[command(flatten)]
        jobs: JobArgs,
        /// Who and how.
        #[command(flatten)]
        bulk: BulkArgs,
    },
}

/// How the portal's background jobs (demotions, data moves) are run.
#[derive(Debug, Clone, Args)]
pub struct JobArgs {
    /// Who receives the rooms of users whose type is lowered (or whose data moves): an id or
    /// email of a DocSpace admin or room admin (default for demotions: you).
    #[arg(long, value_name = "USER")]
    pub reassign_to: Option<String>,
    /// Background jobs followed at once (the portal runs them one after another; a few keep
    /// it busy without letting queued jobs expire).
    #[arg(long, default_value_t = DEFAULT_JOBS, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
    pub jobs: u64,
    /// The first wait between two reads of a job's progress, in milliseconds (it grows to 8
    /// times that while a job shows no progress).
    #[arg(long, default_value_t = DEFAULT_JOB_POLL_MS, value_parser = clap::value_parser!(u64).range(1..=MAX_JOB_POLL_MS))]
    pub job_poll_ms: u64,
}

impl GlobalArgs {
    /// Reads the API key of `--api-key-file` into `api_key`, naming the file in any error and
    /// never echoing the key.
    pub fn read_secrets(&mut self) -> Result<(), String> {
        let Some(path) = &self.api_key_file else {
            return Ok(());
        };
        let mut line = String::new();
        let read = if path.as_os_str() == "-" {
            std::io::stdin().read_line(&mut line)
        } else {
            std::fs::File::open(path).and_then(|file| {
                std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut line)
            })
        };
        read.map_err(|e| format!("cannot read the API key from {}: {e}", path.display()))?;
        let key = line.trim();
        if key.is_empty() {
            return Err(format!(
                "{} holds no API key on its first line",
                path.display()
            ));
        }
        self.api_key = Some(key.to_owned());
        Ok(())
    }
}

impl Default for JobArgs {
    fn default() -> Self {
        JobArgs {
            reassign_to: None,
            jobs: DEFAULT_JOBS,
            job_poll_ms: DEFAULT_JOB_POLL_MS,
        }
    }
}

// The defaults and ranges of the run options: the library's, as numbers clap can show.
const DEFAULT_CHUNK_SIZE: u64 = BulkOptions::DEFAULT_CHUNK_SIZE as u64;
const MAX_CHUNK_SIZE: u64 = BulkOptions::MAX_CHUNK_SIZE as u64;
const DEFAULT_CONCURRENCY: u64 = BulkOptions::DEFAULT_CONCURRENCY as u64;
const MAX_CONCURRENCY: u64 = BulkOptions::MAX_CONCURRENCY as u64;
const DEFAULT_JOBS: u64 = BulkOptions::DEFAULT_JOB_CONCURRENCY as u64;
const MAX_JOBS: u64 = BulkOptions::MAX_IN_FLIGHT as u64;
const DEFAULT_JOB_POLL_MS: u64 = JobOptions::DEFAULT_POLL_INTERVAL.as_millis() as u64;
// The poll grows to 8 times the first wait, which must stay within the library's longest.
const MAX_JOB_POLL_MS: u64 = JobOptions::MAX_POLL_INTERVAL.as_millis() as u64 / 8;

/// `offboard` options.
#[derive(Debug, Args)]
pub struct OffboardArgs {
    /// Move each user's rooms, folders and files to this user (id or email; a DocSpace admin
    /// or room admin) after disabling them.
    #[arg(long, value_name = "USER")]
    pub reassign_to: Option<String>,
    /// Delete each user for good after the other steps. Cannot be undone: asks for the number
    /// of users on a terminal, and needs --yes without one.
    #[arg(long)]
    pub delete: bool,
    /// With --delete on Workspace and no --reassign-to: delete although Workspace deletes each
    /// user's My Documents, Trash, mail and Talk files with them. Refused without it (with
    /// --reassign-to, their data moves first and nothing of theirs is destroyed).
    #[arg(long, requires = "delete")]
    pub destroy_documents: bool,
    /// Data moves followed at once.
    #[arg(long, default_value_t = DEFAULT_JOBS, value_parser = clap::value_parser!(u64).range(1..=MAX_JOBS))]
    pub jobs: u64,
    /// Who and how.
    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// `invite`: new invitations, or `invite resend`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct InviteCommand {
    /// `resend`, or nothing for new invitations.
    #[command(subcommand)]
    pub resend: Option<InviteResend>,
    /// New invitations.
    #[command(flatten)]
    pub new: InviteArgs,
}

/// `invite --type TYPE --from FILE`: invite new people by e-mail (DocSpace).
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The type to invite as, in the portal's words: user, room-admin, docspace-admin (guests
    /// are invited through rooms).
    #[arg(long = "type", value_name = "TYPE", default_value = "user")]
    pub user_type: String,
    /// E-mail addresses to invite.
    #[arg(value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// Read addresses from FILE (`-` for standard input): one per line, or a CSV file (`.csv`,
    /// or with --column).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// The CSV column holding the addresses (default: a column named email or mail).
    #[arg(long, value_name = "NAME", requires = "from")]
    pub column: Option<String>,
    /// Show who would be invited and who is on the portal already; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The report and the guard rails.
    #[command(flatten)]
    pub run: RunOptions,
}

/// `invite` subcommands.
#[derive(Debug, Subcommand)]
pub enum InviteResend {
    /// Mail the invitation again to the target users who are still Pending (DocSpace). Users
    /// who are not Pending are refused without sending. Each request sends mail, so a request
    /// whose answer was lost is reported unknown and never sent again, by this run or by
    /// `resume`.
    Resend {
        /// Every user of the portal who is still Pending, found with the user list, instead of
        /// targets. (Each is listed in the report; the server's whole-portal `resendAll` is not
        /// used.)
        #[arg(long, conflicts_with_all = ["targets", "from"])]
        all_pending: bool,
        /// Who and how.
        #[command(flatten)]
        bulk: BulkArgs,
    },
}

/// `sync`: plan, apply, or both at once.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SyncCommand {
    /// `plan` or `apply`; nothing to plan and apply in one go.
    #[command(subcommand)]
    pub step: Option<SyncStep>,
    /// Planning and applying in one go.
    #[command(flatten)]
    pub once: SyncOnceArgs,
}

/// The steps of `sync`.
#[derive(Debug, Subcommand)]
pub enum SyncStep {
    /// Read the portal once and write the plan that brings it in line with the source: who is
    /// invited, enabled, disabled (or offboarded), re-typed, given a quota, and who is left
    /// alone and why. Exits 5 when a safeguard holds the plan.
    Plan {
        /// What the portal should be.
        #[command(flatten)]
        source: SyncSourceArgs,
        /// Write the plan to FILE (JSON; never over an input).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Apply exactly the plan in FILE: each user is read again first, and one no longer as
    /// planned is reported drifted and left alone; the safeguards are checked again.
    Apply {
        /// The plan, as `sync plan` wrote it.
        #[arg(value_name = "PLAN")]
        plan: PathBuf,
        /// How to apply.
        #[command(flatten)]
        apply: SyncApplyArgs,
    },
}

/// `sync --desired FILE`: plan, then apply.
#[derive(Debug, Args)]
pub struct SyncOnceArgs {
    /// What the portal should be.
    #[command(flatten)]
    pub source: SyncSourceArgs,
    /// Also write the plan to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How to apply.
    #[command(flatten)]
    pub apply: SyncApplyArgs,
}

/// The source of truth and what sync may do.
#[derive(Debug, Args)]
pub struct SyncSourceArgs {
    /// The desired state: a CSV file with a header row (`email` or `id`, and optionally
    /// `type`, `quota`, `status`), or JSON lines (`.jsonl`) with the same fields.
    #[arg(long, value_name = "FILE", required = true)]
    pub desired: Option<PathBuf>,
    /// How rows name people.
    #[arg(long, value_enum, default_value_t = SyncKeyArg::Email)]
    pub key: SyncKeyArg,
    /// People in the source but not on the portal: list them as missing, or invite them.
    #[arg(long, value_enum, default_value_t = JoinersArg::List)]
    pub joiners: JoinersArg,
    /// Active users absent from the source: disable them, or offboard them (needs
    /// --reassign-to).
    #[arg(long, value_enum, default_value_t = LeaversArg::Disable)]
    pub leavers: LeaversArg,
    /// Who receives the rooms of demoted users and the data of offboarded ones (id or email).
    #[arg(long, value_name = "USER")]
    pub reassign_to: Option<String>,
    /// The login kinds sync manages (comma-separated); others are left alone.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [ScopeArg::Standard, ScopeArg::Sso])]
    pub scope: Vec<ScopeArg>,
    /// Never touch users with this address or glob (`svc-*@example.com`); repeatable.
    #[arg(long, value_name = "EMAIL|GLOB")]
    pub protect: Vec<String>,
    /// Never touch the users of FILE: one address or glob per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub protect_file: Option<PathBuf>,
    /// Hold the plan when more than this many users would leave: a count, or a percentage of
    /// the active users in scope (default: 10%, and at least 5).
    #[arg(long, value_name = "N|P%")]
    pub max_leavers: Option<String>,
    /// Apply a source with fewer rows than half the active users in scope (by default such a
    /// source is taken for a truncated export and the plan is held).
    #[arg(long)]
    pub allow_small_source: bool,
}

/// How a sync is applied.
#[derive(Debug, Args)]
pub struct SyncApplyArgs {
    /// Show what would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the run's journals in DIR, one per change, for `resume DIR`, `undo DIR` and
    /// `report DIR` (default: a new directory under the user's data directory; none for
    /// --demo).
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// The report, the chunking and the guard rails (--report FILE: one file per change,
    /// numbered, and one for the invitations).
    #[command(flatten)]
    pub run: RunOptions,
}

/// How rows name people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncKeyArg {
    /// By e-mail address.
    Email,
    /// By user id.
    Id,
}

/// What to do with joiners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JoinersArg {
    /// List them as missing.
    List,
    /// Invite them.
    Invite,
}

/// What to do with leavers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LeaversArg {
    /// Disable them.
    Disable,
    /// Offboard them (disable, then move their data to --reassign-to).
    Offboard,
}

/// A login kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// A password on the portal.
    Standard,
    /// Single sign-on.
    Sso,
    /// LDAP.
    Ldap,
}

/// `quota` subcommands.
#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Set the storage quota of the target users: `unlimited`, bytes, or with a unit (10GiB,
    /// 500MB, 1.5GiB; KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024; the portal's own
    /// pages say "GB" for 1024^3 bytes, so for what they show use GiB).
    Set {
        /// The new quota.
        #[arg(value_parser = parse_quota)]
        quota: Quota,
        /// Who and how.
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Remove the custom quota of the target users, so the portal's default applies.
    Reset {
        /// Who and how.
        #[command(flatten)]
        bulk: BulkArgs,
    },
}

/// Who to change, and how to run the change.
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// Target users: ids (UUIDs) or email addresses.
    #[arg(value_name = "USER")]
    pub targets: Vec<String>,
    /// Read targets from FILE (`-` for standard input): one id or email per line (blank lines
    /// and lines starting with `#` ignored), or a CSV file (`.csv`, or with --column).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// The CSV column holding the ids or emails (default: a column named email, mail, id,
    /// user id or uuid).
    #[arg(long, value_name = "NAME", requires = "from")]
    pub column: Option<String>,
    /// Send the users found and report each input that names no user (an unknown or shared
    /// address, a blank cell) refused with its line, instead of stopping before anything is
    /// sent. (Ids no user has are always reported that way; an address whose look-up fails is
    /// always reported failed, and `resume` looks it up again.)
    #[arg(long)]
    pub skip_unknown: bool,
    /// Show who would change and who already is in the target state; send no change.
    #[arg(long)]
    pub dry_run: bool,
    /// Instead of a list, every user the portal's filters select.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Keep the run's journal in FILE (appended to), for `resume` and `undo` (default: a new
    /// file under the user's data directory, or DOCSPACE_DATA_DIR; none for --demo).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// The report, the chunking and the guard rails.
    #[command(flatten)]
    pub run: RunOptions,
}

/// How a change is run and reported; shared by the bulk commands, `resume` and `undo`.
#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    /// Write the per-user outcome to FILE, as JSON, CSV or JSON lines (by extension, or
    /// --report-format).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The format of --report (default: from its extension, JSON otherwise).
    #[arg(long, value_enum, requires = "report")]
    pub report_format: Option<ReportFormat>,
    /// Users per request.
    #[arg(long, default_value_t = DEFAULT_CHUNK_SIZE, value_parser = clap::value_parser!(u64).range(1..=MAX_CHUNK_SIZE))]
    pub chunk_size: u64,
    /// Requests in flight at once (also bounds the look-ups of emails and current states; at
    /// most 15 are used, as a hosted portal takes no more from one user).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u64).range(1..=MAX_CONCURRENCY))]
    pub concurrency: u64,
    /// Do not ask for confirmation (asked on a terminal when more than 20 users would change).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Refuse the run, sending nothing, if more than N users would change. Holds with or
    /// without a terminal.
    #[arg(long, value_name = "N")]
    pub max_changes: Option<usize>,
}

fn parse_quota(text: &str) -> Result<Quota, String> {
    text.parse::<Quota>().map_err(|e| e.reason.to_owned())
}

/// A status that can be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Active: can sign in.
    Active,
    /// Terminated (disabled): cannot sign in.
    Terminated,
}

impl From<StatusArg> for UserStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Active => UserStatus::Active,
            StatusArg::Terminated => UserStatus::Terminated,
        }
    }
}

/// A status to filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    /// Active users.
    Active,
    /// Terminated users.
    Terminated,
    /// Invited users who have not finished their invitation.
    Pending,
}

impl From<StatusFilter> for UserStatus {
    fn from(status: StatusFilter) -> Self {
        match status {
            StatusFilter::Active => UserStatus::Active,
            StatusFilter::Terminated => UserStatus::Terminated,
            StatusFilter::Pending => UserStatus::Pending,
        }
    }
}

/// An activation status to filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActivationArg {
    /// Email not confirmed.
    NotActivated,
    /// Email confirmed.
    Activated,
    /// Confirmation pending.
    Pending,
    /// Generated automatically.
    AutoGenerated,
}

impl From<ActivationArg> for ActivationStatus {
    fn from(status: ActivationArg) -> Self {
        match status {
            ActivationArg::NotActivated => ActivationStatus::NotActivated,
            ActivationArg::Activated => ActivationStatus::Activated,
            ActivationArg::Pending => ActivationStatus::Pending,
            ActivationArg::AutoGenerated => ActivationStatus::AutoGenerated,
        }
    }
}

/// A sort field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Display name.
    DisplayName,
    /// Email address.
    Email,
    /// User type.
    Type,
    /// Department.
    Department,
}

impl From<SortArg> for SortBy {
    fn from(sort: SortArg) -> Self {
        match sort {
            SortArg::FirstName => SortBy::FirstName,
            SortArg::LastName => SortBy::LastName,
            SortArg::DisplayName => SortBy::DisplayName,
            SortArg::Email => SortBy::Email,
            SortArg::Type => SortBy::Type,
            SortArg::Department => SortBy::Department,
        }
    }
}

/// How `users list` prints users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// A JSON array.
    Json,
    /// CSV with a header row.
    Csv,
    /// JSON lines: one object per user, for scripts.
    Jsonl,
}

/// The format of a report file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// JSON: the change, the counts and one object per user.
    Json,
    /// CSV: one row per input user.
    Csv,
    /// JSON lines: one object per input user (then per duplicate), for scripts.
    Jsonl,
}

/// Commands that never talk to a portal: `--demo` means nothing to them and is not offered.
const OFFLINE: [&str; 4] = ["report", "completions", "logout", "profiles"];

/// The command line as parsed and as completed: [`Cli`]'s, with the demo options hidden where
/// they mean nothing. (A subcommand's own argument of a global's name keeps the global from
/// being copied there; these hidden copies parse the same way.)
pub fn command() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|a| matches!(a.get_id().as_str(), "demo" | "demo_server"))
        .cloned()
        .collect();
    for name in OFFLINE {
        command = command.mut_subcommand(name, |mut sub| {
            for arg in &globals {
                sub = sub.arg(arg.clone().global(false).hide(true));
            }
            sub
        });
    }
    command
}

/// Parses the process's arguments (exits with clap's message on bad ones).
pub fn parse() -> Cli {
    let matches = command().get_matches();
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn parses_a_bulk_command() {
        let cli = Cli::try_parse_from([
            "docspace-people",
            "--demo",
            "quota",
            "set",
            "10GiB",
            "a@example.com",
            "--chunk-size",
            "10",
        ])
        .unwrap();
        let Command::Quota(QuotaCommand::Set { quota, bulk }) = cli.command else {
            panic!("not quota set");
        };
        assert_eq!(quota, Quota::Bytes(10 << 30));
        assert_eq!(bulk.targets, ["a@example.com"]);
        assert_eq!(bulk.run.chunk_size, 10);
        assert!(cli.global.demo);
    }

    #[test]
    fn refuses_bad_values() {
        for args in [
            &["docspace-people", "quota", "set", "10 parsecs", "x"][..],
            &["docspace-people", "status", "set", "pending", "x"],
            &[
                "docspace-people",
                "status",
                "set",
                "active",
                "--chunk-size",
                "0",
            ],
            &[
                "docspace-people",
                "users",
                "list",
                "--admins",
                "--non-admins",
            ],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
