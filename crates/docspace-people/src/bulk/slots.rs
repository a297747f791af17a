//! What the engine knows of each input position between reading the users and settling them,
//! in 13 bytes: the user's state as read (status, the type and LDAP flags, the quota), and
//! where the user is going (settled before sending, sent in a chunk, or through a job). A state
//! that does not fit (an unknown status, an error text) is kept aside, by position.

use std::collections::HashMap;

use uuid::Uuid;

use crate::UserStatus;
use crate::read::Seen;
use crate::state::UserState;

/// What reading found for a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Not read (yet).
    Unread,
    /// A repeat of an earlier id: settled there.
    Repeat,
    /// The state is in the slot.
    State,
    /// No deciding query listed the user: the state in the slot is what they must be, if the
    /// id names a user at all (see [`super::deciding`]).
    Implied,
    /// The server has no such user.
    Missing,
    /// Kept aside in [`Slots::aside`].
    Aside,
}

/// Where a user is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// Not decided yet.
    Undecided,
    /// Settled without sending: already in the target state, refused, or unreadable.
    Settled,
    /// Sent in a chunk.
    Chunk,
    /// Through the type-change job.
    Job,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    read: Read,
    route: Route,
    status: u8,
    /// Two bits per optional flag (none, false, true), in the order of [`flags`], then whether
    /// there is a quota.
    flags: [u8; 2],
    quota: [u8; 8],
}

const EMPTY: Slot = Slot {
    read: Read::Unread,
    route: Route::Undecided,
    status: 0,
    flags: [0; 2],
    quota: [0; 8],
};

const HAS_QUOTA: u16 = 1 << 15;

/// The optional flags of a state, in slot order.
fn flags(state: &UserState) -> [Option<bool>; 7] {
    [
        state.is_owner,
        state.is_admin,
        state.is_room_admin,
        state.is_visitor,
        state.is_collaborator,
        state.is_ldap,
        state.is_custom_quota,
    ]
}

/// The engine's knowledge of every input position.
pub(super) struct Slots {
    slots: Vec<Slot>,
    aside: HashMap<usize, Seen>,
}

impl Slots {
    /// `len` positions, none read yet.
    pub(super) fn new(len: usize) -> Self {
        Slots {
            slots: vec![EMPTY; len],
            aside: HashMap::new(),
        }
    }

    /// Marks `position` as a repeat, never read nor sent.
    pub(super) fn set_repeat(&mut self, position: usize) {
        if let Some(slot) = self.slots.get_mut(position) {
            slot.read = Read::Repeat;
        }
    }

    /// Whether `position` is a first occurrence not read yet.
    pub(super) fn is_unread(&self, position: usize) -> bool {
        self.slots
            .get(position)
            .is_some_and(|s| s.read == Read::Unread)
    }

    /// Keeps what reading `position` found.
    pub(super) fn set(&mut self, position: usize, seen: Seen) {
        let Some(slot) = self.slots.get_mut(position) else {
            return;
        };
        match seen {
            Seen::Missing => slot.read = Read::Missing,
            Seen::State(state) => match pack(&state) {
                Some((status, flags, quota)) => {
                    slot.read = Read::State;
                    slot.status = status;
                    slot.flags = flags.to_le_bytes();
                    slot.quota = quota.to_le_bytes();
                }
                None => {
                    slot.read = Read::Aside;
                    self.aside.insert(position, Seen::State(state));
                }
            },
            seen @ Seen::Unreadable(_) => {
                slot.read = Read::Aside;
                self.aside.insert(position, seen);
            }
        }
    }

    /// Gives `position`, which no deciding query listed, the state every such user has.
    pub(super) fn set_implied(&mut self, position: usize, state: &UserState) {
        let Some(slot) = self.slots.get_mut(position) else {
            return;
        };
        if let Some((status, flags, quota)) = pack(state) {
            slot.read = Read::Implied;
            slot.status = status;
            slot.flags = flags.to_le_bytes();
            slot.quota = quota.to_le_bytes();
        }
    }

    /// Whether the state of `position` is implied rather than read: the id may name no user.
    pub(super) fn is_implied(&self, position: usize) -> bool {
        self.slots
            .get(position)
            .is_some_and(|s| s.read == Read::Implied)
    }

    /// What reading `position` (whose id is `id`) found; `None` if it was not read or is a
    /// repeat.
    pub(super) fn seen(&self, position: usize, id: Uuid) -> Option<Seen> {
        let slot = self.slots.get(position)?;
        match slot.read {
            Read::Unread | Read::Repeat => None,
            Read::Missing => Some(Seen::Missing),
            Read::Aside => self.aside.get(&position).cloned(),
            Read::State | Read::Implied => Some(Seen::State(unpack(id, slot))),
        }
    }

    /// The state read for `position`, if any.
    pub(super) fn state(&self, position: usize, id: Uuid) -> Option<UserState> {
        match self.seen(position, id) {
            Some(Seen::State(state)) => Some(state),
            _ => None,
        }
    }

    /// Whether `position` is a first occurrence (read or not).
    pub(super) fn is_first(&self, position: usize) -> bool {
        self.slots
            .get(position)
            .is_some_and(|s| s.read != Read::Repeat)
    }

    /// Where `position` is going.
    pub(super) fn route(&self, position: usize) -> Route {
        self.slots.get(position).map_or(Route::Settled, |s| s.route)
    }

    /// Sends `position` that way.
    pub(super) fn set_route(&mut self, position: usize, route: Route) {
        if let Some(slot) = self.slots.get_mut(position) {
            slot.route = route;
        }
    }
}

/// The slot form of a state, if it has one: the status as its number, the flags, the quota.
fn pack(state: &UserState) -> Option<(u8, u16, i64)> {
    let status = match &state.status {
        None => 0,
        Some(status) => {
            let number = u8::try_from(status.number()?).ok().filter(|n| *n != 0)?;
            (UserStatus::from_number(i64::from(number)) == *status).then_some(number)?
        }
    };
    let mut bits = 0u16;
    for (i, flag) in flags(state).into_iter().enumerate() {
        let code = match flag {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        bits |= code << (2 * i);
    }
    if state.quota_limit.is_some() {
        bits |= HAS_QUOTA;
    }
    Some((status, bits, state.quota_limit.unwrap_or(0)))
}

fn unpack(id: Uuid, slot: &Slot) -> UserState {
    let bits = u16::from_le_bytes(slot.flags);
    let flag = |i: usize| match (bits >> (2 * i)) & 0b11 {
        1 => Some(false),
        2 => Some(true),
        _ => None,
    };
    UserState {
        id,
        status: (slot.status != 0).then(|| UserStatus::from_number(i64::from(slot.status))),
        is_owner: flag(0),
        is_admin: flag(1),
        is_room_admin: flag(2),
        is_visitor: flag(3),
        is_collaborator: flag(4),
        is_ldap: flag(5),
        is_custom_quota: flag(6),
        quota_limit: (bits & HAS_QUOTA != 0).then(|| i64::from_le_bytes(slot.quota)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: Uuid) -> UserState {
        UserState {
            id,
            status: Some(UserStatus::Terminated),
            is_owner: Some(false),
            is_admin: None,
            is_room_admin: Some(true),
            is_visitor: Some(false),
            is_collaborator: None,
            is_ldap: Some(true),
            quota_limit: Some(-1),
            is_custom_quota: Some(false),
        }
    }

    #[test]
    fn states_round_trip_through_a_slot() {
        assert_eq!(std::mem::size_of::<Slot>(), 13);
        let id = Uuid::from_u128(5);
        let mut slots = Slots::new(4);
        let mut odd = state(id);
        odd.status = Some(UserStatus::from_number(300));
        let mut bare = state(id);
        bare.status = None;
        bare.quota_limit = None;
        bare.is_owner = None;
        for (position, user) in [state(id), odd, bare].into_iter().enumerate() {
            slots.set(position, Seen::State(user.clone()));
            assert_eq!(slots.state(position, id), Some(user));
        }
        assert_eq!(slots.aside.len(), 1, "the unknown status is kept aside");
        assert!(slots.is_unread(3));
        slots.set(3, Seen::Unreadable("boom".into()));
        assert!(matches!(slots.seen(3, id), Some(Seen::Unreadable(e)) if e == "boom"));
    }
}
