//! Resolving email targets to user ids through the API, and reading the users a command needs
//! whole.

use std::collections::HashMap;

use docspace_people::{Client, User, Uuid};

use super::{SkipReason, Targets, input_problems, read};
use crate::error::{CliError, CliResult};
use crate::progress::Bar;

/// What a look-up by e-mail found: the users whole (few addresses) or only their ids.
enum Found {
    Whole(docspace_people::EmailLookup),
    Ids(docspace_people::EmailIds),
}

impl Found {
    /// The users of the address `input` at `place`, and why its look-up failed, if it did.
    fn at(&self, place: usize, input: &str) -> (Vec<Uuid>, Option<String>) {
        match self {
            Found::Whole(lookup) => {
                let key = input.trim().to_lowercase();
                let users = lookup
                    .found
                    .get(&key)
                    .map(|users| users.iter().map(|u| u.id).collect())
                    .unwrap_or_default();
                (users, lookup.failed.get(&key).map(ToString::to_string))
            }
            Found::Ids(ids) => (
                ids.ids(place).to_vec(),
                ids.failed(place).map(ToString::to_string),
            ),
        }
    }
}

/// What resolving the targets learned.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The users found by email, by id: their current state is known.
    pub known: HashMap<Uuid, User>,
}

/// Resolves the email targets through the API to a user whose email matches exactly
/// (ignoring case), and puts their ids in `targets`: pages of the user list when that takes
/// fewer requests than one search per address, else `concurrency` searches at a time.
///
/// An address whose look-up still fails after the retries is left out of the run and reported
/// failed (`resume` looks it up again). An address no user has, or several users share, is an
/// input error naming its line, or with `skip_unknown` is left out and reported refused. An
/// error that fails every look-up alike (credentials refused) is a portal error. Nothing is
/// changed.
pub async fn resolve(
    client: &Client,
    targets: &mut Targets,
    concurrency: usize,
    skip_unknown: bool,
) -> CliResult<Resolved> {
    // The addresses as the input has them, borrowed: the look-up matches them by place.
    let inputs: Vec<&str> = targets
        .emails
        .iter()
        .map(|position| targets.texts.get(*position as usize).unwrap_or_default())
        .collect();
    let bar = if inputs.is_empty() {
        Bar::hidden()
    } else {
        Bar::new(inputs.len(), "Looking up emails")
    };
    // Up to WHOLE_USERS_LIMIT addresses the users are kept whole (their names and state are
    // then known); past it, only their ids, and the run reads their light state itself.
    let mut resolved = Resolved::default();
    let looked_up = if inputs.len() <= super::WHOLE_USERS_LIMIT {
        client
            .look_up_emails(&inputs, concurrency)
            .await
            .map(Found::Whole)
    } else {
        client
            .look_up_email_ids(&inputs, concurrency)
            .await
            .map(Found::Ids)
    };
    bar.set(inputs.len());
    bar.finish();
    let lookup =
        looked_up.map_err(|e| CliError::portal(e, "cannot look the email addresses up"))?;
    drop(inputs);

    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    for place in 0..targets.emails.len() {
        let Some(position) = targets.emails.get(place).map(|p| *p as usize) else {
            break;
        };
        let email = targets.input(position);
        let (users, failure) = lookup.at(place, &email);
        if let Some(error) = failure {
            skipped.push((position, SkipReason::LookupFailed(error)));
            continue;
        }
        let unknown = match users.as_slice() {
            [user] => {
                if let Some(id) = targets.ids.get_mut(position) {
                    *id = *user;
                }
                continue;
            }
            [] => "no user has this email address".to_owned(),
            several => format!(
                "{} users have this email address ({}); give the user id instead",
                several.len(),
                several
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        if skip_unknown {
            skipped.push((position, SkipReason::NoSuchUser(unknown)));
        } else {
            problems.push(format!(
                "{}: `{email}`: {unknown}",
                targets.origin(position)
            ));
        }
    }
    if let Found::Whole(lookup) = lookup {
        for users in lookup.found.into_values() {
            resolved.known.extend(users.into_iter().map(|u| (u.id, u)));
        }
    }
    if !problems.is_empty() {
        let listed = input_problems(
            "some email addresses do not name exactly one user",
            problems,
        );
        let error = CliError::usage(format_args!(
            "{}\n--skip-unknown sends the others and reports these refused; --dry-run shows the \
             whole plan.",
            listed.error
        ));
        return Err(error);
    }
    targets.skip(skipped);
    Ok(resolved)
}

/// Fetches the current state of the users in `ids` not already in `known`, `concurrency` at a
/// time, and adds them to `known`; returns the ids that name no user.
pub async fn fetch_missing(
    client: &Client,
    ids: &[Uuid],
    known: &mut HashMap<Uuid, User>,
    concurrency: usize,
) -> CliResult<Vec<Uuid>> {
    let mut wanted: Vec<Uuid> = ids
        .iter()
        .filter(|id| !known.contains_key(id))
        .copied()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    // Pages of the user list when they are cheaper than reading users one by one: a dry run of
    // 100,000 users must not cost 100,000 requests.
    let bar = Bar::new(wanted.len(), "Reading users");
    let mut found = client
        .users_by_id(&wanted, concurrency)
        .await
        .map_err(|e| CliError::portal(e, "cannot read the users"))?;
    bar.set(wanted.len());
    bar.finish();
    let mut missing = Vec::new();
    for id in wanted {
        match found.remove(&id) {
            Some(user) => {
                known.insert(id, user);
            }
            None => missing.push(id),
        }
    }
    Ok(missing)
}

/// One user named on the command line (id or email), resolved on the portal.
pub async fn resolve_one(client: &Client, user: &str, flag: &str) -> CliResult<Uuid> {
    let mut named = read(&[user.to_owned()], None, None)?;
    resolve(client, &mut named, 1, false).await?;
    if let Some(skipped) = named.skipped().first() {
        return Err(CliError::usage(format_args!(
            "{flag} {user}: {}",
            skipped.outcome().1
        )));
    }
    named
        .ids()
        .first()
        .copied()
        .ok_or_else(|| CliError::usage(format_args!("{flag} {user}: no such user on the portal")))
}

/// What `change` will do to the distinct targets besides itself (read-only documents, paid
/// seats, rooms), in input order, and the ids that name no user. Up to
/// [`WHOLE_USERS_LIMIT`](super::WHOLE_USERS_LIMIT) targets, the users are read whole into
/// `known` (those already there are not read again); past it, `known` is emptied and each user
/// is read and let go.
pub async fn consequences(
    client: &Client,
    change: &docspace_people::bulk::Change,
    targets: &Targets,
    known: &mut HashMap<Uuid, User>,
    concurrency: usize,
) -> CliResult<(docspace_people::bulk::Consequences, Vec<Uuid>)> {
    let error = |e| CliError::portal(e, "cannot foresee the change's consequences");
    if targets.len() > super::WHOLE_USERS_LIMIT {
        known.clear();
        return client
            .consequences_of(change, targets.ids(), concurrency, &mut |_| {})
            .await
            .map_err(error);
    }
    let absent = fetch_missing(client, targets.ids(), known, concurrency).await?;
    let mut seen = std::collections::HashSet::new();
    let users: Vec<User> = targets
        .ids()
        .iter()
        .filter(|id| seen.insert(**id))
        .filter_map(|id| known.get(id).cloned())
        .collect();
    let consequences = client.consequences(change, &users).await.map_err(error)?;
    Ok((consequences, absent))
}
