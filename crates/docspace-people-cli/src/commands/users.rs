//! `users list`: every user matching the filters, page after page.

use std::io::{self, Write};
use std::process::ExitCode;

use docspace_people::{Client, MAX_PAGE_SIZE, Server, User, UserQuery};
use futures::{Stream, StreamExt, TryStreamExt};

use crate::cli::{Format, GlobalArgs, ListArgs};
use crate::error::{CliError, CliResult, Kind};
use crate::output::to_stdout;
use crate::output::{JsonArray, UserRow, write_table};
use crate::session::{self, connect};

/// Lists users as a table, JSON or CSV on stdout.
pub async fn list(global: &GlobalArgs, args: ListArgs) -> CliResult<ExitCode> {
    let session = connect(global)?;
    let client = &session.client;
    let server = session::server(client, global).await?;
    let query = query(client, &args, &server).await?;
    let limit = args
        .limit
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let since = crate::select::inactive_since(&args.select);
    // The last sign-ins, back to the inactivity window's start or through the whole history.
    let last_logins = if args.last_login {
        let from = since.unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        Some(
            client
                .sign_ins_since(from)
                .await
                .map_err(|e| CliError::portal(e, "--last-login"))?
                .last,
        )
    } else {
        None
    };
    let make_row = |user: &User| {
        let mut row = UserRow::new(user, &server);
        if let Some(logins) = &last_logins {
            row.last_login = Some(match logins.get(&user.id) {
                Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
                None => match since {
                    Some(since) => format!("before {}", since.format("%Y-%m-%d")),
                    None => "never".to_owned(),
                },
            });
        }
        row
    };
    let bar = crate::progress::Bar::counter("Listing users");
    let counted = bar.clone();
    let source: std::pin::Pin<Box<dyn Stream<Item = Result<User, docspace_people::Error>> + Send>> =
        match since {
            None => Box::pin(client.find_all_users(query)),
            Some(since) => Box::pin(client.inactive_users(since, query).map_ok(|u| u.user)),
        };
    let users = source.take(limit).inspect(move |_| counted.inc(1));
    let mut users = std::pin::pin!(users);
    let mut error = None;
    match args.format {
        Format::Table => {
            let mut rows = Vec::new();
            while let Some(user) = next(&mut users, &mut error).await {
                rows.push(make_row(&user));
            }
            bar.finish();
            if error.is_none() {
                to_stdout(|out| write_table(out, &rows)).map_err(CliError::failed)?;
            }
        }
        Format::Json | Format::Csv | Format::Jsonl => {
            // All or nothing: the export is written to an unnamed temporary file and copied to
            // stdout only once every page has been read, so a failure part-way leaves stdout
            // empty instead of holding a well-formed but partial export.
            let spool = tempfile::tempfile().map_err(|e| {
                CliError::failed(
                    anyhow::Error::new(e).context("cannot create a temporary file for the export"),
                )
            })?;
            let mut out = io::BufWriter::new(spool);
            let written = match args.format {
                Format::Json => write_json(&mut out, &mut users, &mut error, &make_row).await,
                Format::Jsonl => write_jsonl(&mut out, &mut users, &mut error, &make_row).await,
                _ => write_csv(&mut out, &mut users, &mut error, &make_row).await,
            };
            bar.finish();
            let spool = written
                .and_then(|()| out.into_inner().map_err(io::IntoInnerError::into_error))
                .map_err(|e| {
                    CliError::failed(anyhow::Error::new(e).context("cannot write the export"))
                })?;
            if error.is_none() {
                finish_output(copy_to_stdout(spool))?;
            }
        }
    }
    match error {
        Some(e) => Err(CliError::portal(e, "cannot list the users")),
        None => Ok(ExitCode::SUCCESS),
    }
}

async fn write_json(
    out: &mut dyn Write,
    users: &mut (impl Stream<Item = Result<User, docspace_people::Error>> + Unpin),
    error: &mut Option<docspace_people::Error>,
    make_row: &dyn Fn(&User) -> UserRow,
) -> io::Result<()> {
    let mut array = JsonArray::start(out)?;
    while let Some(user) = next(users, error).await {
        array.push(&make_row(&user))?;
    }
    array.finish()
}

async fn write_jsonl(
    out: &mut dyn Write,
    users: &mut (impl Stream<Item = Result<User, docspace_people::Error>> + Unpin),
    error: &mut Option<docspace_people::Error>,
    make_row: &dyn Fn(&User) -> UserRow,
) -> io::Result<()> {
    while let Some(user) = next(users, error).await {
        serde_json::to_writer(&mut *out, &make_row(&user)).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

async fn write_csv(
    out: &mut dyn Write,
    users: &mut (impl Stream<Item = Result<User, docspace_people::Error>> + Unpin),
    error: &mut Option<docspace_people::Error>,
    make_row: &dyn Fn(&User) -> UserRow,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    let mut any = false;
    while let Some(user) = next(users, error).await {
        csv.serialize(make_row(&user).for_csv())?;
        any = true;
    }
    if !any {
        csv.write_record(CSV_HEADER)?;
    }
    csv.flush()
}

fn copy_to_stdout(mut spool: std::fs::File) -> io::Result<()> {
    use std::io::Seek;
    spool.rewind()?;
    let stdout = io::stdout();
    let mut stdout = stdout.lock();
    io::copy(&mut spool, &mut stdout)?;
    stdout.flush()
}

/// The CSV header when there are no rows to take it from.
const CSV_HEADER: [&str; 13] = [
    "id",
    "display_name",
    "email",
    "type",
    "status",
    "activation",
    "quota",
    "quota_bytes",
    "custom_quota",
    "used_space",
    "department",
    "is_owner",
    "is_ldap",
];

/// The query of the selectors, sorted and paged as asked.
async fn query(client: &Client, args: &ListArgs, server: &Server) -> CliResult<UserQuery> {
    let mut query = crate::select::query(client, server, &args.select)
        .await?
        .descending(args.descending);
    if let Some(sort_by) = args.sort_by {
        query = query.sort_by(sort_by.into());
    }
    if let Some(limit) = args.limit {
        // No bigger pages than needed.
        let page = u32::try_from(limit)
            .unwrap_or(MAX_PAGE_SIZE)
            .min(MAX_PAGE_SIZE);
        query = query.page_size(page);
    }
    Ok(query)
}

/// The next user, or `None` at the end or at an error, which is kept in `error`.
async fn next(
    users: &mut (impl Stream<Item = Result<User, docspace_people::Error>> + Unpin),
    error: &mut Option<docspace_people::Error>,
) -> Option<User> {
    match users.next().await? {
        Ok(user) => Some(user),
        Err(e) => {
            *error = Some(e);
            None
        }
    }
}

fn finish_output(result: io::Result<()>) -> CliResult<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError {
            kind: Kind::Failed,
            error: anyhow::Error::new(e).context("cannot write the output"),
        }),
        Ok(()) => Ok(()),
    }
}
