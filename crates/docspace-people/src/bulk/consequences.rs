//! What a change will do besides the change itself, before it is sent: a quota below what a
//! user stores (DocSpace accepts it, then opens their documents read-only), a paid seat taken
//! by an activation or a promotion (past the plan's seats the server answers 402 part-way), rooms
//! a demoted user owns (they go to the receiver).

use std::collections::HashMap;

use uuid::Uuid;

use super::Change;
use crate::{Client, Error, Quota, Server, User, UserStatus, UserType};

/// What a change will do to one user besides the change itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Consequence {
    /// The new quota is below what the user already stores: DocSpace accepts it and then opens
    /// their documents read-only (3.7.1).
    ReadOnly {
        /// Bytes the user stores.
        used: u64,
        /// The new quota, in bytes.
        quota: u64,
    },
    /// The user takes one of the plan's paid seats (activated as, or promoted to, a room admin
    /// or DocSpace admin), and one is free.
    TakesSeat,
    /// The user would take a paid seat and none is left: the server refuses them with 402.
    NoSeatLeft,
    /// The user owns rooms (or, becoming a guest, shares personal files): they go to the
    /// receiver of the demotion or the offboarding.
    OwnsRooms,
    /// The user owns rooms and no receiver is named: they stay with the disabled user (and go
    /// to the caller if the user is deleted).
    RoomsStay,
    /// Deleting the user deletes their documents, mail and Talk files with them (Workspace,
    /// with no receiver to move them to first).
    DocumentsDestroyed,
}

impl std::fmt::Display for Consequence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Consequence::ReadOnly { used, .. } => write!(
                f,
                "will open their documents read-only (uses {})",
                rounded(*used)
            ),
            Consequence::TakesSeat => f.write_str("takes a paid seat"),
            Consequence::NoSeatLeft => {
                f.write_str("would take a paid seat and none is left: the server answers 402")
            }
            Consequence::OwnsRooms => f.write_str("owns rooms, which go to the receiver"),
            Consequence::RoomsStay => {
                f.write_str("owns rooms, which stay theirs: no receiver is named")
            }
            Consequence::DocumentsDestroyed => {
                f.write_str("the deletion destroys their documents, mail and Talk files")
            }
        }
    }
}

/// The consequences of a change for the users it concerns, and the seats behind them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Consequences {
    /// Each user's consequences, by id (users with none are absent).
    pub by_user: HashMap<Uuid, Vec<Consequence>>,
    /// The plan's free paid seats before the change, when the server says.
    pub seats_free: Option<u64>,
}

impl Consequences {
    /// How many users have a consequence like `wanted` (compared by kind).
    pub fn count(&self, wanted: &Consequence) -> usize {
        self.by_user
            .values()
            .filter(|list| {
                list.iter()
                    .any(|c| std::mem::discriminant(c) == std::mem::discriminant(wanted))
            })
            .count()
    }
}

/// A size rounded for people: `7.2 GiB`, `512.0 MiB`, `900 bytes`.
fn rounded(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} bytes")
}

fn takes_paid_seat(user_type: Option<&UserType>) -> bool {
    matches!(
        user_type,
        Some(UserType::RoomAdmin | UserType::DocSpaceAdmin)
    )
}

impl Change {
    /// What this change does to `user` besides itself, as far as `user` alone tells: a quota
    /// below their use ([`Consequence::ReadOnly`], DocSpace), a paid seat taken
    /// ([`Consequence::TakesSeat`]; whether one is left is [`Client::consequences`]'s to say).
    ///
    /// ```
    /// use docspace_people::bulk::{Change, Consequence};
    /// use docspace_people::{Quota, Server, User};
    ///
    /// let user: User = serde_json::from_str(
    ///     r#"{"id": "75a5f745-f697-4418-b38d-0fe0d277e258", "usedSpace": 7516192768}"#,
    /// )?;
    /// let server: Server = "DocSpace 3.7.1".parse()?;
    /// let change = Change::Quota(Quota::Bytes(5 << 30));
    /// assert!(matches!(
    ///     change.consequences_for(&user, &server).as_slice(),
    ///     [Consequence::ReadOnly { .. }]
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consequences_for(&self, user: &User, server: &Server) -> Vec<Consequence> {
        let mut found = Vec::new();
        let active = user.status == Some(UserStatus::Active);
        let current = user.user_type_on(server);
        match self {
            Change::Quota(_) => found.extend(self.read_only(user.used_space, server)),
            Change::Status(UserStatus::Active)
                if !active && takes_paid_seat(current.as_ref()) && !server.is_workspace() =>
            {
                found.push(Consequence::TakesSeat);
            }
            Change::Type(target)
                if active
                    && takes_paid_seat(Some(target))
                    && !takes_paid_seat(current.as_ref())
                    && user.is_owner != Some(true)
                    && !server.is_workspace() =>
            {
                found.push(Consequence::TakesSeat);
            }
            _ => {}
        }
        found
    }
}

impl Change {
    /// [`Consequence::ReadOnly`] when this is a quota below `used` bytes (DocSpace; Workspace
    /// refuses such a quota instead).
    pub fn read_only(&self, used: Option<f64>, server: &Server) -> Option<Consequence> {
        let Change::Quota(Quota::Bytes(quota)) = self else {
            return None;
        };
        let used = used
            .filter(|u| u.is_finite() && *u > 0.0)
            .map(|u| u as u64)?;
        (used > *quota && !server.is_workspace()).then_some(Consequence::ReadOnly {
            used,
            quota: *quota,
        })
    }
}

impl Client {
    /// The consequences of `change` for `users` (read whole: their use, type and status),
    /// in their order: each user's own ([`Change::consequences_for`]), the paid seats (read
    /// from the plan: the seat-takers past the free seats get [`Consequence::NoSeatLeft`]),
    /// and for demotions through the type-change job whether the user owns rooms (one
    /// `reassign/necessary` read each).
    ///
    /// # Errors
    ///
    /// The errors of reading the plan's seats and the users' rooms.
    pub async fn consequences(
        &self,
        change: &Change,
        users: &[User],
    ) -> Result<Consequences, Error> {
        let server = self.server().await?;
        let mut tally = Tally::new(change, &server);
        for user in users {
            tally.add(user);
        }
        tally.finish(self).await
    }

    /// [`consequences`](Self::consequences) for the users `ids` name (read the cheapest way, see
    /// [`Client::for_each_user_by_id`]), in the order of `ids`, without keeping them: each is
    /// passed to `each` (for its name, say) and let go. Also returns the ids that name no
    /// user. A change that has no consequence besides itself (a termination) reads nobody: it
    /// then returns no consequences and no absent ids. For a million targets it holds a few bytes per id and the consequences found.
    ///
    /// # Errors
    ///
    /// The errors of reading the users, the plan's seats and the users' rooms.
    pub async fn consequences_of(
        &self,
        change: &Change,
        ids: &[Uuid],
        concurrency: usize,
        each: &mut (dyn FnMut(&User) + Send + Sync),
    ) -> Result<(Consequences, Vec<Uuid>), Error> {
        let server = self.server().await?;
        let mut tally = Tally::new(change, &server);
        if !tally.possible() {
            return Ok((Consequences::default(), Vec::new()));
        }
        let absent = self
            .for_each_user_by_id(ids, concurrency, &mut |user: User| {
                tally.add(&user);
                each(&user);
            })
            .await?;
        // The server takes seats in the order it is sent the users: the order of `ids`.
        let mut order: HashMap<Uuid, usize> = tally
            .seat_takers
            .iter()
            .map(|id| (*id, usize::MAX))
            .collect();
        for (position, id) in ids.iter().enumerate() {
            if let Some(first) = order.get_mut(id) {
                *first = (*first).min(position);
            }
        }
        tally
            .seat_takers
            .sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
        Ok((tally.finish(self).await?, absent))
    }
}

/// The consequences found so far, user by user, and what is left to ask the portal: the
/// paid seats, and the rooms of users whose type is lowered.
struct Tally<'a> {
    change: &'a Change,
    server: &'a Server,
    found: Consequences,
    seat_takers: Vec<Uuid>,
    demoted: Vec<Uuid>,
}

impl<'a> Tally<'a> {
    fn new(change: &'a Change, server: &'a Server) -> Self {
        Tally {
            change,
            server,
            found: Consequences::default(),
            seat_takers: Vec::new(),
            demoted: Vec::new(),
        }
    }

    /// Whether this change can have any consequence besides itself: a status change to
    /// Terminated, a quota reset or an invitation sent again has none, so no user need be read
    /// for them.
    fn possible(&self) -> bool {
        match self.change {
            Change::Quota(_) | Change::Type(_) => true,
            Change::Status(status) => *status == UserStatus::Active,
            Change::ResetQuota | Change::ResendInvitation => false,
        }
    }

    /// Counts `user`, keeping only their id, and their consequences if they have any.
    fn add(&mut self, user: &User) {
        let found = self.change.consequences_for(user, self.server);
        if found.contains(&Consequence::TakesSeat) {
            self.seat_takers.push(user.id);
        }
        if !found.is_empty() {
            self.found.by_user.insert(user.id, found);
        }
        if matches!(self.change, Change::Type(_)) && self.change.is_demotion_on(user, self.server) {
            self.demoted.push(user.id);
        }
    }

    /// Asks the portal what the users alone do not tell: the free seats, and whether each
    /// demoted user owns rooms.
    async fn finish(mut self, client: &Client) -> Result<Consequences, Error> {
        let mut result = std::mem::take(&mut self.found);
        if !self.seat_takers.is_empty() {
            let seats = client.paid_seats().await?;
            result.seats_free = seats.and_then(|s| s.free());
            if let Some(free) = result.seats_free {
                for id in self
                    .seat_takers
                    .iter()
                    .skip(usize::try_from(free).unwrap_or(usize::MAX))
                {
                    if let Some(list) = result.by_user.get_mut(id) {
                        for c in list.iter_mut() {
                            if *c == Consequence::TakesSeat {
                                *c = Consequence::NoSeatLeft;
                            }
                        }
                    }
                }
            }
        }
        if let Change::Type(target) = self.change {
            for id in &self.demoted {
                if client.reassign_necessary(*id, Some(target.clone())).await? {
                    result
                        .by_user
                        .entry(*id)
                        .or_default()
                        .push(Consequence::OwnsRooms);
                }
            }
        }
        Ok(result)
    }
}
