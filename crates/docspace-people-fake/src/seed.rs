//! The seeded demo organisation and its documented credentials.
//!
//! Every portal starts with the same fifty people (ids depend on [`crate::Seed::rng_seed`],
//! nothing else does), in eight departments:
//!
//! | who | email | password | role |
//! |---|---|---|---|
//! | Olivia Bennett | [`OWNER_EMAIL`] | [`OWNER_PASSWORD`] | owner (type 3), API key [`OWNER_API_KEY`] |
//! | Marcus Lindqvist | [`ADMIN_EMAIL`] | [`ADMIN_PASSWORD`] | DocSpace admin (type 3) |
//! | Sean O'Brien | [`USER_EMAIL`] | [`USER_PASSWORD`] | user (type 4), display name `Sean O&#39;Brien` |
//! | Priya Raman, Tomás Herrera | ... | [`DEFAULT_PASSWORD`] | DocSpace admins |
//! | Hannah Schmidt ([`ROOM_ADMIN_EMAIL`]) and 7 more | ... | [`DEFAULT_PASSWORD`] | room admins (type 1) |
//! | Alex Turner ([`GUEST_EMAIL`]) and 5 more | ... | [`DEFAULT_PASSWORD`] | guests (type 2) |
//! | Peter Jansen | [`LDAP_USER_EMAIL`] | [`DEFAULT_PASSWORD`] | LDAP user |
//! | Hiroshi Tanaka | `hiroshi.tanaka@example.com` | [`DEFAULT_PASSWORD`] | SSO user |
//! | Victor Nguyen ([`TERMINATED_USER_EMAIL`]), Elena Popescu, Brian Kelly | ... | [`DEFAULT_PASSWORD`] | terminated |
//! | Sarah Cohen | [`TERMINATED_INVITEE_EMAIL`] | - | terminated, never finished her invitation |
//! | Julia Wagner | [`PENDING_INVITEE_EMAIL`] | - | invited: status Pending (4), activation Pending (2) |
//! | Anna Kowalczyk | `anna.kowalczyk@northwind.example` | - | invited guest, Pending |
//!
//! DocSpace and room admins own 0 to 3 rooms each (drawn from the seed), everyone else none;
//! [`crate::FakePortal::set_rooms_owned`] changes that. Terminated users cannot sign in (403
//! "User disabled" with the right password); invitees have no password (401). The department
//! "Research & Development" and the names with an apostrophe exercise HTML encoding.
//! [`READONLY_API_KEY`] belongs to the admin and lacks the `accounts:write` scope;
//! [`SCOPED_API_KEY`] is the owner's, limited to `accounts:read` and `accounts:write`.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use crate::config::{GIB, PortalConfig};
use crate::dates::utc;
use crate::model::{
    ApiKey, Group, KeyScope, PortalState, Theme, User, UserType, activation, status,
};
use crate::rng::SplitMix64;

/// The owner's email address (user name for sign-in).
pub const OWNER_EMAIL: &str = "owner@example.com";
/// The owner's password.
pub const OWNER_PASSWORD: &str = "Owner-Passw0rd!";
/// An API key of the owner with every scope (`Authorization: Bearer sk-...`).
pub const OWNER_API_KEY: &str = "sk-fake-owner-5d41402abc4b2a76b9719d911017c592";
/// A DocSpace administrator's email address.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// The administrator's password.
pub const ADMIN_PASSWORD: &str = "Admin-Passw0rd!";
/// An API key of the administrator with `accounts:read` only: the PUTs answer it 403 (empty body).
pub const READONLY_API_KEY: &str = "sk-fake-readonly-7215ee9c7d9dc229d2921a40e899ec5f";
/// The owner's least-privilege API key: scopes `accounts:read` and `accounts:write` only (no
/// `accounts.self:read`), as DocSpace 3.7.1 lets an administrator make.
pub const SCOPED_API_KEY: &str = "sk-fake-accounts-3c59dc048e8850243be8079a5c74d079";
/// A regular user's (type 4, not an administrator) email address.
pub const USER_EMAIL: &str = "user@example.com";
/// The regular user's password.
pub const USER_PASSWORD: &str = "User-Passw0rd!";
/// The password of every other seeded user who can sign in.
pub const DEFAULT_PASSWORD: &str = "Demo-Passw0rd!";
/// A room administrator (type 1).
pub const ROOM_ADMIN_EMAIL: &str = "hannah.schmidt@example.com";
/// A guest (type 2).
pub const GUEST_EMAIL: &str = "alex.turner@contoso.example";
/// The LDAP user: the 3.7 status operation refuses to touch them.
pub const LDAP_USER_EMAIL: &str = "peter.jansen@example.com";
/// A terminated user who had finished their invitation (re-activation makes them Active).
pub const TERMINATED_USER_EMAIL: &str = "victor.nguyen@example.com";
/// A terminated user who never finished their invitation (re-activation makes them Pending).
pub const TERMINATED_INVITEE_EMAIL: &str = "sarah.cohen@example.com";
/// An invitee: status Pending (4), activation Pending (2).
pub const PENDING_INVITEE_EMAIL: &str = "julia.wagner@example.com";

const GROUPS: [&str; 8] = [
    "Management",
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Research & Development",
    "Customer Support",
    "Legal",
];
const MANAGEMENT: u16 = 0;
const ENGINEERING: u16 = 1;
const SALES: u16 = 2;
const MARKETING: u16 = 3;
const FINANCE: u16 = 4;
const RND: u16 = 5;
const SUPPORT: u16 = 6;
const LEGAL: u16 = 7;

/// Group managers, by group index.
const MANAGERS: [&str; 8] = [
    OWNER_EMAIL,
    ROOM_ADMIN_EMAIL,
    "lucas.moreau@example.com",
    "fatima.alsayed@example.com",
    "tomas.herrera@example.com",
    "kenji.watanabe@example.com",
    "grace.okafor@example.com",
    "isabella.rossi@example.com",
];

const LOCATIONS: [&str; 6] = ["Riga", "London", "Berlin", "Lisbon", "Toronto", "Singapore"];

#[derive(Clone, Copy)]
struct Person {
    first: &'static str,
    last: &'static str,
    email: &'static str,
    user_type: UserType,
    groups: &'static [u16],
    status: i32,
    activation: i32,
    quota_gib: Option<i64>,
    password: Option<&'static str>,
    owner: bool,
    ldap: bool,
    sso: bool,
}

const fn p(
    first: &'static str,
    last: &'static str,
    email: &'static str,
    user_type: UserType,
    groups: &'static [u16],
) -> Person {
    Person {
        first,
        last,
        email,
        user_type,
        groups,
        status: status::ACTIVE,
        activation: activation::ACTIVATED,
        quota_gib: None,
        password: Some(DEFAULT_PASSWORD),
        owner: false,
        ldap: false,
        sso: false,
    }
}

impl Person {
    const fn password(mut self, password: &'static str) -> Self {
        self.password = Some(password);
        self
    }
    const fn owner(mut self) -> Self {
        self.owner = true;
        self
    }
    const fn quota(mut self, gib: i64) -> Self {
        self.quota_gib = Some(gib);
        self
    }
    const fn ldap(mut self) -> Self {
        self.ldap = true;
        self
    }
    const fn sso(mut self) -> Self {
        self.sso = true;
        self
    }
    /// Disabled: keeps the password, which then gets 403 "User disabled".
    const fn terminated(mut self) -> Self {
        self.status = status::TERMINATED;
        self
    }
    /// Invited and never finished the invitation.
    const fn invitee(mut self) -> Self {
        self.status = status::PENDING;
        self.activation = activation::PENDING;
        self.password = None;
        self
    }
    const fn unconfirmed(mut self) -> Self {
        self.activation = activation::NOT_ACTIVATED;
        self
    }
}

use UserType::{DocSpaceAdmin as DA, Guest as G, RoomAdmin as RA, User as U};

const PEOPLE: [Person; 50] = [
    p("Olivia", "Bennett", OWNER_EMAIL, DA, &[MANAGEMENT])
        .owner()
        .password(OWNER_PASSWORD),
    p(
        "Marcus",
        "Lindqvist",
        ADMIN_EMAIL,
        DA,
        &[MANAGEMENT, ENGINEERING],
    )
    .password(ADMIN_PASSWORD),
    p(
        "Priya",
        "Raman",
        "priya.raman@example.com",
        DA,
        &[ENGINEERING],
    )
    .quota(50),
    p(
        "Tomás",
        "Herrera",
        "tomas.herrera@example.com",
        DA,
        &[FINANCE],
    ),
    p("Hannah", "Schmidt", ROOM_ADMIN_EMAIL, RA, &[ENGINEERING]).quota(20),
    p(
        "Kenji",
        "Watanabe",
        "kenji.watanabe@example.com",
        RA,
        &[RND],
    )
    .quota(-1),
    p(
        "Fatima",
        "Al-Sayed",
        "fatima.alsayed@example.com",
        RA,
        &[MARKETING],
    ),
    p("Lucas", "Moreau", "lucas.moreau@example.com", RA, &[SALES]),
    p(
        "Grace",
        "Okafor",
        "grace.okafor@example.com",
        RA,
        &[SUPPORT],
    ),
    p(
        "Daniel",
        "Kowalski",
        "daniel.kowalski@example.com",
        RA,
        &[FINANCE],
    ),
    p(
        "Isabella",
        "Rossi",
        "isabella.rossi@example.com",
        RA,
        &[LEGAL],
    ),
    p(
        "Ahmed",
        "Karimi",
        "ahmed.karimi@example.com",
        RA,
        &[ENGINEERING],
    ),
    p("Sean", "O'Brien", USER_EMAIL, U, &[SALES])
        .password(USER_PASSWORD)
        .quota(2),
    p(
        "Emma",
        "Johansson",
        "emma.johansson@example.com",
        U,
        &[ENGINEERING],
    )
    .quota(5),
    p(
        "Noah",
        "Fischer",
        "noah.fischer@example.com",
        U,
        &[ENGINEERING],
    ),
    p(
        "Chloé",
        "Dubois",
        "chloe.dubois@example.com",
        U,
        &[MARKETING],
    ),
    p("Mateo", "García", "mateo.garcia@example.com", U, &[SALES]),
    p("Aisha", "Mensah", "aisha.mensah@example.com", U, &[SUPPORT]),
    p(
        "Ethan",
        "Walker",
        "ethan.walker@example.com",
        U,
        &[ENGINEERING],
    ),
    p("Sofia", "Petrova", "sofia.petrova@example.com", U, &[RND]).quota(15),
    p("Liam", "Murphy", "liam.murphy@example.com", U, &[SALES]),
    p("Mia", "Novak", "mia.novak@example.com", U, &[FINANCE]),
    p("Oliver", "Brown", "oliver.brown@example.com", U, &[SUPPORT]),
    p("Zoe", "Clarke", "zoe.clarke@example.com", U, &[MARKETING]),
    p("Raj", "Patel", "raj.patel@example.com", U, &[RND]),
    p(
        "Ingrid",
        "Halvorsen",
        "ingrid.halvorsen@example.com",
        U,
        &[LEGAL],
    ),
    p(
        "Yusuf",
        "Demir",
        "yusuf.demir@example.com",
        U,
        &[ENGINEERING],
    ),
    p(
        "Camille",
        "Laurent",
        "camille.laurent@example.com",
        U,
        &[MARKETING],
    ),
    p("Jacob", "Miller", "jacob.miller@example.com", U, &[SALES]),
    p("Nadia", "Haddad", "nadia.haddad@example.com", U, &[FINANCE]),
    p(
        "Samuel",
        "Adeyemi",
        "samuel.adeyemi@example.com",
        U,
        &[SUPPORT],
    ),
    p("Lena", "Hoffmann", "lena.hoffmann@example.com", U, &[RND]),
    p(
        "Diego",
        "Fernández",
        "diego.fernandez@example.com",
        U,
        &[ENGINEERING],
    ),
    p("Hiroshi", "Tanaka", "hiroshi.tanaka@example.com", U, &[RND]).sso(),
    p("Maeve", "D'Arcy", "maeve.darcy@example.com", U, &[LEGAL]),
    p("Peter", "Jansen", LDAP_USER_EMAIL, U, &[ENGINEERING]).ldap(),
    p("Kofi", "Asante", "kofi.asante@example.com", U, &[SUPPORT]).unconfirmed(),
    p(
        "Thomas",
        "Müller",
        "thomas.muller@example.com",
        U,
        &[ENGINEERING, RND],
    ),
    p("Alex", "Turner", GUEST_EMAIL, G, &[]),
    p("Maria", "Silva", "maria.silva@contoso.example", G, &[]),
    p("Jonas", "Berg", "jonas.berg@fabrikam.example", G, &[]),
    p("Chen", "Wei", "chen.wei@fabrikam.example", G, &[]),
    p("Laura", "Smith", "laura.smith@northwind.example", G, &[]),
    p("Omar", "Farouk", "omar.farouk@northwind.example", G, &[]),
    p("Victor", "Nguyen", TERMINATED_USER_EMAIL, U, &[SALES]).terminated(),
    p(
        "Elena",
        "Popescu",
        "elena.popescu@example.com",
        RA,
        &[MARKETING],
    )
    .terminated(),
    p("Brian", "Kelly", "brian.kelly@contoso.example", G, &[]).terminated(),
    p("Sarah", "Cohen", TERMINATED_INVITEE_EMAIL, U, &[FINANCE])
        .invitee()
        .terminated(),
    p("Julia", "Wagner", PENDING_INVITEE_EMAIL, U, &[MARKETING]).invitee(),
    p(
        "Anna",
        "Kowalczyk",
        "anna.kowalczyk@northwind.example",
        G,
        &[],
    )
    .invitee(),
];

const EXTRA_FIRST: [&str; 40] = [
    "James", "Mary", "John", "Linda", "Robert", "Susan", "Michael", "Karen", "William", "Nancy",
    "David", "Lisa", "Richard", "Betty", "Joseph", "Helen", "Charles", "Sandra", "Thomas", "Donna",
    "Aiden", "Freya", "Mohammed", "Leila", "Arjun", "Ananya", "Mei", "Hugo", "Ines", "Kai", "Nora",
    "Felix", "Astrid", "Luca", "Elif", "Ravi", "Yara", "Sven", "Amara", "Tariq",
];
const EXTRA_LAST: [&str; 40] = [
    "Smith",
    "Johnson",
    "Williams",
    "Jones",
    "Garcia",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Young",
    "Walker",
    "Hall",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Nguyen",
    "Kim",
    "Singh",
    "Khan",
    "Ivanova",
    "Larsen",
    "Costa",
    "Becker",
    "Novak",
    "Sato",
    "Okoro",
    "Dubois",
];

/// Builds the seeded portal state for `config`.
pub(crate) fn build(config: &PortalConfig) -> PortalState {
    let mut state = PortalState::empty(config);
    let mut rng = SplitMix64::new(config.seed.rng_seed);
    state.users.reserve(PEOPLE.len() + config.seed.extra_users);
    state.by_id.reserve(PEOPLE.len() + config.seed.extra_users);
    state
        .by_email
        .reserve(PEOPLE.len() + config.seed.extra_users);
    state.groups = GROUPS
        .iter()
        .map(|name| Group {
            id: rng.uuid(),
            name: (*name).to_owned(),
            manager: None,
        })
        .collect();

    // Rooms come from a generator of their own, so adding them changed no other seeded value.
    let mut rooms = SplitMix64::new(config.seed.rng_seed ^ ROOMS_STREAM);
    let founded = utc(2022, 3, 1, 9, 0);
    for (i, person) in PEOPLE.iter().enumerate() {
        let registered =
            founded + Duration::days(5 * i as i64) + Duration::minutes(rng.below(600) as i64);
        let mut user = demo_user(person, i, registered, &mut rng);
        user.rooms_owned = seeded_rooms(user.user_type, &mut rooms);
        state.push_user(user);
    }
    for (group, email) in MANAGERS.iter().enumerate() {
        let manager = state.index_by_email(email);
        if let Some(g) = state.groups.get_mut(group) {
            g.manager = manager;
        }
    }
    if let Some(owner) = state.index_by_email(OWNER_EMAIL) {
        for (i, user) in state.users.iter_mut().enumerate() {
            if i != owner {
                user.created_by = Some(owner);
            }
        }
        let owner_id = state.users[owner].id;
        state.api_keys.insert(
            OWNER_API_KEY.to_owned(),
            ApiKey {
                user: owner_id,
                scope: KeyScope::Full,
            },
        );
        state.api_keys.insert(
            SCOPED_API_KEY.to_owned(),
            ApiKey {
                user: owner_id,
                scope: KeyScope::Accounts,
            },
        );
    }
    if let Some(admin) = state.index_by_email(ADMIN_EMAIL) {
        let admin_id = state.users[admin].id;
        state.api_keys.insert(
            READONLY_API_KEY.to_owned(),
            ApiKey {
                user: admin_id,
                scope: KeyScope::ReadOnly,
            },
        );
    }
    add_extra_users(
        &mut state,
        config.seed.extra_users,
        founded,
        &mut rng,
        &mut rooms,
    );
    state
}

/// Mixed into the seed for the generator behind room counts.
const ROOMS_STREAM: u64 = 0x0005_EED0_F000_B00D_u64;

/// How many rooms a seeded user owns: 0 to 3 for DocSpace and room admins, none for others.
fn seeded_rooms(user_type: UserType, rooms: &mut SplitMix64) -> u32 {
    match user_type {
        UserType::DocSpaceAdmin | UserType::RoomAdmin => rooms.below(4) as u32,
        UserType::User | UserType::Guest => 0,
    }
}

fn demo_user(person: &Person, i: usize, registered: DateTime<Utc>, rng: &mut SplitMix64) -> User {
    let theme = match person.email {
        OWNER_EMAIL => Theme::System,
        ADMIN_EMAIL => Theme::Dark,
        _ => Theme::Base,
    };
    let culture = match person.last {
        "Dubois" | "Moreau" | "Laurent" => "fr-FR",
        "Watanabe" | "Tanaka" => "ja-JP",
        "Schmidt" | "Fischer" | "Hoffmann" | "Müller" => "de-DE",
        _ => "en-US",
    };
    let is_guest = person.user_type == UserType::Guest;
    let quota_cap = person.quota_gib.filter(|q| *q > 0).unwrap_or(3) * GIB;
    User {
        id: rng.uuid(),
        first_name: person.first.to_owned(),
        last_name: person.last.to_owned(),
        email: person.email.to_owned(),
        user_name: person
            .email
            .split('@')
            .next()
            .unwrap_or(person.email)
            .to_owned(),
        user_type: person.user_type,
        is_owner: person.owner,
        status: person.status,
        activation: person.activation,
        terminated_at: (person.status == status::TERMINATED)
            .then(|| utc(2024, 10, 1, 12, 0) + Duration::days(i as i64)),
        is_ldap: person.ldap,
        is_sso: person.sso,
        groups: person.groups.to_vec(),
        custom_quota: person.quota_gib.map(|g| if g < 0 { -1 } else { g * GIB }),
        used_space: (rng.below(quota_cap as u64 / 2) as i64) & !0xFFF,
        password: person.password.map(Cow::Borrowed),
        registered,
        created_by: None,
        mobile_phone: (i % 5 == 1).then(|| format!("+1 555 01{i:02}")),
        location: (!is_guest).then(|| LOCATIONS[i % LOCATIONS.len()].to_owned()),
        culture,
        theme,
        rooms_owned: 0,
        documents_moved: false,
        last_sign_in: None,
        keys: Default::default(),
    }
}

/// The email domain of the generated users, which no user of the demo organisation has.
pub(crate) const GENERATED_DOMAIN: &str = "scale.example";

fn add_extra_users(
    state: &mut PortalState,
    n: usize,
    founded: DateTime<Utc>,
    rng: &mut SplitMix64,
    rooms: &mut SplitMix64,
) {
    let owner = state.index_by_email(OWNER_EMAIL);
    let group_count = state.groups.len() as u64;
    for i in 0..n {
        let first = EXTRA_FIRST[rng.below(EXTRA_FIRST.len() as u64) as usize];
        let last = EXTRA_LAST[rng.below(EXTRA_LAST.len() as u64) as usize];
        let roll = rng.below(100);
        let user_type = match roll {
            0..60 => UserType::User,
            60..82 => UserType::Guest,
            _ => UserType::RoomAdmin,
        };
        let (status, activation, terminated_at) = match rng.below(100) {
            0..5 => (
                status::TERMINATED,
                activation::ACTIVATED,
                Some(founded + Duration::days(900)),
            ),
            5..7 => (status::PENDING, activation::PENDING, None),
            _ => (status::ACTIVE, activation::ACTIVATED, None),
        };
        let groups = if user_type == UserType::Guest {
            Vec::new()
        } else {
            vec![rng.below(group_count) as u16]
        };
        let user_name = format!(
            "{}.{}.{i}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        );
        let email = format!("{user_name}@{GENERATED_DOMAIN}");
        let custom_quota = (rng.below(10) == 0).then(|| (1 + rng.below(20) as i64) * GIB);
        let user = User {
            id: rng.uuid(),
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email,
            user_name,
            user_type,
            is_owner: false,
            status,
            activation,
            terminated_at,
            is_ldap: false,
            is_sso: false,
            groups,
            custom_quota,
            used_space: (rng.below(GIB as u64) as i64) & !0xFFF,
            password: (status != status::PENDING).then_some(Cow::Borrowed(DEFAULT_PASSWORD)),
            registered: founded + Duration::minutes(60 * 24 * 365 + i as i64),
            created_by: owner,
            mobile_phone: None,
            location: None,
            culture: "en-US",
            theme: Theme::Base,
            rooms_owned: seeded_rooms(user_type, rooms),
            documents_moved: false,
            last_sign_in: None,
            keys: Default::default(),
        };
        state.push_user(user);
    }
}

/// The user `POST people/invite` creates for a new address: Pending, no password, named after
/// the address until they join.
pub(crate) fn invitee(
    email: &str,
    user_type: UserType,
    inviter: usize,
    now: DateTime<Utc>,
) -> User {
    let local = email.split('@').next().unwrap_or(email);
    User {
        id: uuid::Uuid::new_v4(),
        first_name: local.to_owned(),
        last_name: String::new(),
        email: email.to_owned(),
        user_name: local.to_owned(),
        user_type,
        is_owner: false,
        status: status::PENDING,
        activation: activation::PENDING,
        terminated_at: None,
        is_ldap: false,
        is_sso: false,
        groups: Vec::new(),
        custom_quota: None,
        used_space: 0,
        password: None,
        registered: now,
        created_by: Some(inviter),
        mobile_phone: None,
        location: None,
        culture: "en-US",
        theme: Theme::Base,
        rooms_owned: 0,
        documents_moved: false,
        last_sign_in: None,
        keys: Default::default(),
    }
}
