//! `docspace-people-fake`: serves a fake DocSpace portal for manual use.
//!
//! ```text
//! cargo run -p docspace-people-fake -- --port 8092 [--users 1000 [--ids-file ids.txt]]
//!     [--server-version 3.6]
//!     [--product workspace [--server-version 12.7]]
//!     [--fault 429@rate=0.1] [--fault drop-after@every=5] [--retry-after 2]
//!     [--job-duration-ms 1000] [--job-record-ttl-secs 60] [--job-workers 1]
//! ```
//!
//! `--ids-file PATH` is for benchmarks: once the portal is seeded and listening, the ids of the
//! `--users` generated users are written to PATH, one a line, in seeding order. The file is
//! written beside PATH under a temporary name and renamed, so it appears complete or not at
//! all, and a script can wait for it before it starts.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use docspace_people_fake::{
    ADMIN_EMAIL, ADMIN_PASSWORD, FakePortal, Faults, OWNER_API_KEY, OWNER_EMAIL, OWNER_PASSWORD,
    PortalConfig, ServerVersion, USER_EMAIL, USER_PASSWORD,
};
use tracing_subscriber::EnvFilter;

/// A local fake ONLYOFFICE DocSpace portal serving the People API.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8092)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Generated users to add to the demo organisation.
    #[arg(long, default_value_t = 0)]
    users: usize,
    /// Once the portal is seeded and listening, write the ids of the generated users (the
    /// --users ones) to PATH, one a line. It is written under a temporary name beside PATH and
    /// renamed, so it never appears half written: a benchmark can wait for it to exist.
    #[arg(long, value_name = "PATH")]
    ids_file: Option<PathBuf>,
    /// The product to imitate: docspace, or workspace (CommunityServer).
    #[arg(long, value_enum, default_value_t = Product::Docspace)]
    product: Product,
    /// Server version to imitate: 2.6, 3.0, 3.6 or 3.7 for DocSpace (default 3.7); 12.7 for
    /// Workspace (the default with --product workspace). Type-change jobs need 3.6 or later.
    #[arg(long)]
    server_version: Option<String>,
    /// Seed of the generated data.
    #[arg(long)]
    seed: Option<u64>,
    /// Turn per-user quotas off (`quotaLimit` and `isCustomQuota` disappear).
    #[arg(long)]
    no_user_quota: bool,
    /// Limit the paid seats (active room admins and DocSpace admins, the owner included) to N:
    /// activating or promoting past them answers 402 part-way through a request, as the server
    /// does.
    #[arg(long, value_name = "N")]
    paid_seats: Option<usize>,
    /// A plan without the paid audit feature: the login history ignores its filters and answers
    /// the last 20 sign-ins, so inactivity cannot be computed from it.
    #[arg(long)]
    no_login_history: bool,
    /// The portal's time zone in minutes east of UTC.
    #[arg(long, default_value_t = 180, allow_negative_numbers = true)]
    utc_offset_minutes: i32,
    /// A fault to inject, KIND[@TRIGGER]; repeatable. KIND: 429, 500, 502, drop (before the
    /// request is handled), drop-after (after its change is applied), latency=MS.
    /// TRIGGER: always (default), rate=P (0..1 or N%), every=N, first=N.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    /// Retry-After seconds of an injected 429.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Run the rate limiter of a hosted portal: `real` (1500 requests a minute, 15 writes and 50
    /// reads in flight, 10,000 writes a day, 5 sign-ins in 15 minutes), optionally with
    /// overrides: `real,window=100/60s,writes-in-flight=4,reads-in-flight=8,writes-per-day=50,sign-ins=5/900s`.
    #[arg(long, value_name = "SPEC")]
    rate_limit: Option<docspace_people_fake::RateLimit>,
    /// Inject faults only into requests that change data (PUT, DELETE, and POST except sign-in).
    #[arg(long)]
    faults_writes_only: bool,
    /// Seed of the fault generator (for rate triggers).
    #[arg(long, default_value_t = 42)]
    fault_seed: u64,
    /// How long a background job (type change, data reassignment) takes, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    job_duration_ms: u64,
    /// How long a job's progress stays readable after its last update, in seconds (0: gone as
    /// soon as the job ends).
    #[arg(long, default_value_t = 60)]
    job_record_ttl_secs: u64,
    /// Workers per job kind: jobs of one kind run one after another on this many (as on the
    /// server, 1).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    job_workers: u16,
}

fn faults(args: &Args) -> Result<Faults, docspace_people_fake::InvalidFault> {
    let mut faults = Faults::none().with_rng_seed(args.fault_seed);
    for spec in &args.faults {
        faults = faults.add_spec(spec)?;
    }
    faults.retry_after_secs = args.retry_after;
    faults.writes_only = args.faults_writes_only;
    Ok(faults)
}

/// Writes one id a line to a temporary file beside `path`, then renames it to `path`.
fn write_ids(path: &Path, ids: &[uuid::Uuid]) -> std::io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--ids-file {} names no file", path.display()),
        )
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        for id in ids {
            writeln!(out, "{id}")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The products the fake imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Product {
    /// ONLYOFFICE DocSpace.
    Docspace,
    /// ONLYOFFICE Workspace (CommunityServer).
    Workspace,
}

/// The version the product and `--server-version` name together.
fn server_version(args: &Args) -> Result<ServerVersion, String> {
    let (product, default) = match args.product {
        Product::Docspace => ("DocSpace", "3.7"),
        Product::Workspace => ("Workspace", "12.7"),
    };
    let number = args.server_version.as_deref().unwrap_or(default);
    format!("{product} {number}").parse().map_err(|_| {
        format!(
            "--server-version {number} is not a {product} version the fake imitates: \
             DocSpace 2.6, 3.0, 3.6 or 3.7; Workspace 12.7"
        )
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let version = server_version(&args)?;
    let mut config = PortalConfig::demo()
        .with_bind(SocketAddr::new(args.host, args.port))
        .with_extra_users(args.users)
        .with_version(version)
        .with_per_user_quota(!args.no_user_quota)
        .with_utc_offset_minutes(args.utc_offset_minutes)
        .with_faults(faults(&args)?)
        .with_job_duration(Duration::from_millis(args.job_duration_ms))
        .with_job_record_ttl(Duration::from_secs(args.job_record_ttl_secs))
        .with_job_workers(usize::from(args.job_workers));
    if let Some(limit) = args.rate_limit {
        config = config.with_rate_limit(limit);
    }
    if args.no_login_history {
        config = config.without_login_history();
    }
    if let Some(seats) = args.paid_seats {
        config = config.with_paid_seats(seats);
    }
    if let Some(seed) = args.seed {
        config.seed = config.seed.with_rng_seed(seed);
    }
    let portal = FakePortal::start(config)?;
    let url = portal.base_url();
    println!("Fake portal ({}) at {url}", portal.version());
    println!("{} users seeded.", portal.user_count());
    if let Some(path) = &args.ids_file {
        let ids = portal.generated_user_ids();
        write_ids(path, &ids)
            .map_err(|e| format!("cannot write --ids-file {}: {e}", path.display()))?;
        println!(
            "Ids of the {} generated users in {}.",
            ids.len(),
            path.display()
        );
    }
    println!();
    println!("Sign in:");
    // Workspace has no API keys: its banner offers the owner's session token instead.
    let workspace = portal.config().version.is_workspace();
    if workspace {
        println!("  owner  {OWNER_EMAIL} / {OWNER_PASSWORD}");
    } else {
        println!("  owner  {OWNER_EMAIL} / {OWNER_PASSWORD}   (API key {OWNER_API_KEY})");
    }
    println!("  admin  {ADMIN_EMAIL} / {ADMIN_PASSWORD}");
    println!("  user   {USER_EMAIL} / {USER_PASSWORD}");
    println!();
    println!(
        "  curl -s -X POST {url}/api/2.0/authentication -H 'Content-Type: application/json' \\\n       -d '{{\"userName\":\"{OWNER_EMAIL}\",\"password\":\"{OWNER_PASSWORD}\"}}'"
    );
    let credential = if workspace {
        portal.owner_token()
    } else {
        format!("Bearer {OWNER_API_KEY}")
    };
    println!("  curl -s '{url}/api/2.0/people/filter?count=5' -H 'Authorization: {credential}'");
    if let Some(limit) = portal.config().rate_limit {
        println!();
        println!("Rate limiter on: {limit}.");
    }
    if !portal.faults().is_none() {
        println!();
        println!("Injecting faults: {:?}", portal.faults());
    }
    println!();
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    portal.shutdown().await;
    Ok(())
}
