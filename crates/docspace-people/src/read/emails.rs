//! Looking users up by e-mail address, the one way: pages of the whole user list when they take
//! fewer requests than one search per address, else one search each. Addresses are matched by
//! their place in the list asked (ignoring case and surrounding spaces), through a sorted index
//! of their hashes: no copy of the addresses is made, so a million of them cost a few bytes
//! each besides themselves.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use futures::{StreamExt, stream};

use super::{MAX_PAGE_SIZE, paging_is_cheaper, read_page};
use crate::transport::Attempts;
use crate::{Client, Error, User};

/// Whether `error` leaves only this look-up unsettled (the portal failed it), rather than
/// every look-up alike.
fn fails_one_address(error: &Error) -> bool {
    match error {
        Error::Server { .. } | Error::Transport(_) | Error::UndecodableResponse { .. } => true,
        Error::UnexpectedStatus { status, .. } => *status >= 500,
        _ => false,
    }
}

/// An address as compared: trimmed, in lower case (borrowed when it already is).
pub(super) fn normalized(email: &str) -> Cow<'_, str> {
    let email = email.trim();
    if email.chars().any(char::is_uppercase) {
        Cow::Owned(email.to_lowercase())
    } else {
        Cow::Borrowed(email)
    }
}

fn hash_of(email: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    email.hash(&mut hasher);
    hasher.finish()
}

/// The addresses asked, by the hash of their normalized form.
struct Wanted<'a, S> {
    emails: &'a [S],
    /// (hash, place), sorted.
    keys: Vec<(u64, u32)>,
}

impl<'a, S: AsRef<str> + Sync> Wanted<'a, S> {
    fn new(emails: &'a [S]) -> Self {
        let mut keys: Vec<(u64, u32)> = emails
            .iter()
            .enumerate()
            .filter_map(|(place, email)| {
                let email = normalized(email.as_ref());
                let place = u32::try_from(place).ok()?;
                email.contains('@').then(|| (hash_of(&email), place))
            })
            .collect();
        keys.sort_unstable();
        Wanted { emails, keys }
    }

    /// The places of the addresses equal to `email` (normalized).
    fn places(&self, email: &str) -> Vec<usize> {
        let email = normalized(email);
        let hash = hash_of(&email);
        let from = self.keys.partition_point(|(h, _)| *h < hash);
        self.keys[from..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .map(|(_, place)| *place as usize)
            .filter(|&place| normalized(self.emails[place].as_ref()) == email)
            .collect()
    }

    /// The place of each distinct address's first occurrence.
    fn firsts(&self) -> impl Iterator<Item = usize> + '_ {
        self.keys
            .iter()
            .map(|&(_, place)| place as usize)
            .filter(|&place| self.places(self.emails[place].as_ref()).first() == Some(&place))
    }

    /// One place per distinct address, with all the places of its address.
    fn distinct(&self) -> Vec<Vec<usize>> {
        self.firsts()
            .map(|place| self.places(self.emails[place].as_ref()))
            .collect()
    }
}

/// Looks `emails` up. Each user found is passed once to `found` with the places of their
/// address (a user may be passed twice when a page fails and the searches follow); each address
/// whose search fails after the retries (a 5xx, a broken connection) is passed to `failed` with
/// its places. When a page of the list fails, the addresses are searched one by one. An error that would fail every search alike is
/// returned.
pub(super) async fn look_up<S: AsRef<str> + Sync>(
    client: &Client,
    emails: &[S],
    concurrency: usize,
    found: &mut (dyn FnMut(&[usize], User) + Send),
    failed: &mut (dyn FnMut(&[usize], Error) + Send),
) -> Result<(), Error> {
    let concurrency = concurrency.clamp(1, crate::server::MAX_IN_FLIGHT);
    let wanted = Wanted::new(emails);
    if wanted.keys.is_empty() {
        return Ok(());
    }
    let attempts = Attempts {
        policy: client.retry_policy(),
        cancel: None,
        on_send: &|| {},
    };
    let keep = |user: User, found: &mut (dyn FnMut(&[usize], User) + Send)| {
        if let Some(email) = user.email.as_deref() {
            let places = wanted.places(email);
            if !places.is_empty() {
                found(&places, user);
            }
        }
    };
    let distinct = wanted.firsts().count();
    if distinct > 1 {
        let first = match read_page::<User>(client, 0, &attempts).await {
            Ok(first) => Some(first),
            Err(e) if fails_one_address(&e) => None,
            Err(e) => return Err(e),
        };
        // Without a `total` the pages cannot be counted: search each address instead.
        if let Some((first, Some(total))) = first
            && let Ok(total) = usize::try_from(total)
            && paging_is_cheaper(total, distinct)
        {
            // Users are passed on as their page comes: if a page fails, the searches that
            // follow find them again, which the callers take once.
            let mut complete = true;
            first.into_iter().for_each(|u| keep(u, found));
            let page_size = MAX_PAGE_SIZE as usize;
            let mut rest = stream::iter(1..total.div_ceil(page_size))
                .map(|page| {
                    crate::boxed::boxed(read_page::<User>(client, page * page_size, &attempts))
                })
                .buffer_unordered(concurrency);
            while let Some(page) = rest.next().await {
                match page {
                    Ok((users, _)) => users.into_iter().for_each(|u| keep(u, found)),
                    Err(e) if fails_one_address(&e) => complete = false,
                    Err(e) => return Err(e),
                }
            }
            if complete {
                return Ok(());
            }
            tracing::debug!("a page of the user list failed; searching address by address");
        }
    }
    let groups = wanted.distinct();
    let mut searches = stream::iter(groups)
        .map(|places| {
            let email = normalized(emails[places[0]].as_ref()).into_owned();
            crate::boxed::boxed(async move {
                let users = client.users_with_email(&email).await;
                (places, users)
            })
        })
        .buffer_unordered(concurrency);
    while let Some((places, users)) = searches.next().await {
        match users {
            Ok(users) => users.into_iter().for_each(|u| keep(u, found)),
            Err(e) if fails_one_address(&e) => failed(&places, e),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
