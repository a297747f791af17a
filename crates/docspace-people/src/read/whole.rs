//! Reading every user a few queries select, and knowing that it was every one: each query's
//! pages must together list as many distinct users as every page says the query has. Only then
//! may the engine say something of the users the queries did not list.

use std::collections::HashSet;

use futures::StreamExt;
use uuid::Uuid;

use super::{Listed, MAX_PAGE_SIZE, UserQuery};
use crate::Client;
use crate::boxed::boxed;
use crate::state::UserState;
use crate::transport::{Attempts, Failure};

/// How reading the queries whole went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whole {
    /// Every user of every query was listed.
    Read,
    /// The pages after the first would take `budget` requests or more: not read.
    TooCostly,
    /// A page failed, or the queries' users moved while they were read.
    Incomplete,
}

/// Reads every user `queries` select, passing each to `keep`, which says whether it was one of
/// the users wanted. Reads the first page of each query, then the rest only if they take fewer
/// than `budget` requests.
pub(crate) async fn read_whole(
    client: &Client,
    queries: &[UserQuery],
    budget: usize,
    concurrency: usize,
    attempts: &Attempts<'_>,
    keep: &mut (dyn FnMut(UserState) -> bool + Send + Sync),
) -> Whole {
    let page_size = MAX_PAGE_SIZE as usize;
    // By index: a stream of borrowed queries would make the engine's future not `Send`.
    let firsts: Vec<_> = futures::stream::iter(0..queries.len())
        .map(|query| {
            boxed(async move { (query, page(client, &queries[query], 0, attempts).await) })
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut listed: Vec<HashSet<Uuid>> = vec![HashSet::new(); queries.len()];
    let mut totals = vec![0usize; queries.len()];
    let mut complete = true;
    for (query, first) in firsts {
        match first {
            Ok((users, Some(total))) => {
                totals[query] = total;
                for user in users {
                    listed[query].insert(user.id);
                    keep(user);
                }
            }
            Ok((_, None)) | Err(_) => complete = false,
        }
    }
    if !complete {
        return Whole::Incomplete;
    }
    let rest: Vec<(usize, usize)> = totals
        .iter()
        .enumerate()
        .flat_map(|(query, total)| (1..total.div_ceil(page_size)).map(move |p| (query, p)))
        .collect();
    if rest.len() >= budget {
        tracing::debug!(
            pages = rest.len(),
            budget,
            "reading the deciding users would cost more"
        );
        return Whole::TooCostly;
    }
    let mut pages = futures::stream::iter(rest)
        .map(|(query, p)| {
            boxed(async move {
                let answer = page(client, &queries[query], p * page_size, attempts).await;
                (query, answer)
            })
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((query, answer)) = pages.next().await {
        match answer {
            Ok((users, Some(total))) if total == totals[query] => {
                for user in users {
                    listed[query].insert(user.id);
                    keep(user);
                }
            }
            Ok(_) | Err(_) => complete = false,
        }
    }
    let all_listed = listed
        .iter()
        .zip(&totals)
        .all(|(ids, total)| ids.len() == *total);
    if complete && all_listed {
        Whole::Read
    } else {
        tracing::debug!("the deciding users could not all be read");
        Whole::Incomplete
    }
}

/// One page of `query` in the engine's light form, with the total the server gave.
async fn page(
    client: &Client,
    query: &UserQuery,
    start: usize,
    attempts: &Attempts<'_>,
) -> Result<(Vec<UserState>, Option<usize>), Failure> {
    let start = u32::try_from(start).map_err(|_| {
        Failure::Error(crate::Error::invalid_input(format!(
            "start index {start} is too large"
        )))
    })?;
    let request = query
        .request(start, MAX_PAGE_SIZE)
        .map_err(Failure::Error)?;
    let answer = client.transport().execute(&request, attempts).await?;
    let (users, total) = UserState::list(&answer).map_err(Failure::Error)?;
    Ok((users, total.and_then(|t| usize::try_from(t).ok())))
}
