//! Decoding a 10,000-user response (about 13 MB) three ways, side by side:
//!
//! * `wrapper`: `docspace_people::User` (dates parsed to `DateTime<FixedOffset>`, display names
//!   HTML-decoded, enums normalised, quotas typed);
//! * `generated`: serde_json into `docspace_people_gen::types::EmployeeFullListEnvelope`;
//! * `plain`: a hand-written `#[derive(Deserialize)]` struct with the same fields, dates as
//!   strings and enums as integers (the floor: what any serde client pays for this JSON).
//!
//! The input is generated deterministically here, in the shape the server sends (see
//! the repository's `docs/wire.md`): every 3.7 field of `EmployeeFullDto` but `theme`
//! (which only `@self` carries) is filled, as in the answer to terminating all of them (the
//! bulk change this crate is for: `status` 2 and a `terminated` date on everyone); dates are seven-digit strings with an offset, display
//! names are HTML-encoded, each user has groups, contacts and `createdBy`.
//!
//! ```text
//! cargo bench -p docspace-people --bench decode
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput};
use docspace_people::User;
use docspace_people::generated::types::EmployeeFullListEnvelope;
use docspace_people_fake::helpers::{self, SplitMix64, html_encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Users in the response.
const USERS: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// Input generation (deterministic).

/// The fake portal's deterministic generator, so every run decodes the same bytes.
type Rng = SplitMix64;

/// One of `items`, at random.
fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

const FIRST: &[&str] = &[
    "Olivia", "Marcus", "Sean", "Priya", "Tomás", "Hannah", "Alex", "Peter", "Hiroshi", "Victor",
    "Elena", "Brian", "Sarah", "Julia", "Anna", "Lucas", "Fatima", "Kenji", "Grace", "Isabella",
];
const LAST: &[&str] = &[
    "Bennett",
    "Lindqvist",
    "O'Brien",
    "Raman",
    "Herrera",
    "Schmidt",
    "Turner",
    "Jansen",
    "Tanaka",
    "Nguyen",
    "Popescu",
    "Kelly",
    "Cohen",
    "Wagner",
    "Kowalczyk",
    "Moreau",
    "D'Angelo",
    "Watanabe",
    "Okafor",
    "Rossi",
];
const GROUPS: &[&str] = &[
    "Management",
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Research & Development",
    "Customer Support",
    "Legal",
];
const LOCATIONS: &[&str] = &["Riga", "London", "Berlin", "Lisbon", "Toronto", "Singapore"];
const CULTURES: &[&str] = &["en-US", "de-DE", "fr-FR", "pt-BR", "ja-JP", "lv-LV"];
const PORTAL: &str = "https://portal.example.com";

/// A seven-digit date string in the portal's offset, as the server writes it (the fake's
/// formatting, at a random time of 2015 to 2025).
fn api_date(rng: &mut Rng, offset_minutes: i32) -> String {
    let (year, month, day) = (2015 + rng.below(11), 1 + rng.below(12), 1 + rng.below(28));
    let (hour, minute, second) = (rng.below(24), rng.below(60), rng.below(60));
    let ticks = rng.below(10_000_000);
    let at = chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
        .and_then(|d| {
            d.and_hms_nano_opt(
                hour as u32,
                minute as u32,
                second as u32,
                ticks as u32 * 100,
            )
        })
        .map(|t| t.and_utc())
        .unwrap_or_default();
    let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)
        .unwrap_or(chrono::FixedOffset::east_opt(0).unwrap());
    helpers::api_date(at, offset)
}

#[derive(Serialize)]
struct WireContact {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

#[derive(Serialize)]
struct WireGroup {
    id: Uuid,
    name: String,
    manager: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireCreatedBy {
    id: Uuid,
    display_name: String,
    avatar_small: &'static str,
    profile_url: String,
    has_avatar: bool,
    is_anonim: bool,
}

/// The server's field order (`EmployeeFullDto` as serialised by ASC.People).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireUser {
    first_name: String,
    last_name: String,
    user_name: String,
    email: String,
    contacts: Vec<WireContact>,
    status: i32,
    activation_status: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    terminated: Option<String>,
    department: String,
    groups: Vec<WireGroup>,
    location: &'static str,
    notes: String,
    is_admin: bool,
    is_room_admin: bool,
    #[serde(rename = "isLDAP")]
    is_ldap: bool,
    list_admin_modules: Vec<&'static str>,
    is_owner: bool,
    is_visitor: bool,
    is_collaborator: bool,
    culture_name: &'static str,
    mobile_phone: String,
    mobile_phone_activation_status: i32,
    #[serde(rename = "isSSO")]
    is_sso: bool,
    quota_limit: i64,
    used_space: f64,
    is_custom_quota: bool,
    shared: bool,
    login_event_id: i32,
    auth_cookie_lifetime: i32,
    created_by: WireCreatedBy,
    registration_date: String,
    has_personal_folder: bool,
    tfa_app_enabled: bool,
    id: Uuid,
    display_name: String,
    avatar: String,
    avatar_original: String,
    avatar_max: String,
    avatar_medium: String,
    avatar_small: String,
    profile_url: String,
    has_avatar: bool,
    is_anonim: bool,
}

#[derive(Serialize)]
struct WireLink {
    href: String,
    action: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireEnvelope {
    response: Vec<WireUser>,
    count: usize,
    total: usize,
    links: Vec<WireLink>,
    status: i32,
    status_code: i32,
}

/// Which body to build.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Every user terminated (the answer to a bulk terminate), some names with entities.
    Full,
    /// Every display name with an HTML entity, a third of the users terminated.
    Entities,
}

/// The JSON body of a 10,000-user response.
fn response_body(users: usize, style: Body) -> Vec<u8> {
    let mut rng = Rng::new(0x5EED_D0C5_BACE_0001);
    let group_ids: Vec<Uuid> = GROUPS.iter().map(|_| rng.uuid()).collect();
    let owner_id = rng.uuid();
    let offset = 180; // the portal's time zone, +03:00
    let response = (0..users)
        .map(|i| {
            let first = pick(&mut rng, FIRST);
            let last = pick(&mut rng, LAST);
            let user_name = format!(
                "{}.{}.{i}",
                first.to_lowercase(),
                last.to_lowercase().replace('\'', "")
            );
            let id = rng.uuid();
            let group = rng.below(GROUPS.len() as u64) as usize;
            let second_group =
                (group + 1 + rng.below(GROUPS.len() as u64 - 1) as usize) % GROUPS.len();
            let user_type = rng.below(100);
            // A tenth have a photo; the rest get the default pictures.
            let photo = rng.below(10) == 0;
            let avatar = |size: &str, default: &str| {
                if photo {
                    format!("/storage/userPhotos/root/{id}_size_{size}.jpeg")
                } else {
                    format!("/static/images/default_user_photo_size_{default}.png")
                }
            };
            WireUser {
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                user_name: user_name.clone(),
                email: format!("{user_name}@example.com"),
                contacts: vec![
                    WireContact {
                        kind: "phone",
                        value: format!("+1 555 {:04} {:04}", rng.below(10_000), rng.below(10_000)),
                    },
                    WireContact {
                        kind: "skype",
                        value: format!("live:{first}{i}"),
                    },
                ],
                // The answer to terminating them all: the bulk change this crate is for.
                status: 2,
                activation_status: 1,
                terminated: {
                    let date = api_date(&mut rng, offset);
                    (style == Body::Full || i % 3 == 0).then_some(date)
                },
                department: html_encode(&format!("{}, {}", GROUPS[group], GROUPS[second_group])),
                groups: [group, second_group]
                    .into_iter()
                    .map(|g| WireGroup {
                        id: group_ids[g],
                        name: html_encode(GROUPS[g]),
                        manager: "olivia.bennett".to_owned(),
                    })
                    .collect(),
                location: pick(&mut rng, LOCATIONS),
                notes: html_encode(&format!(
                    "Badge #{} & desk {}",
                    rng.below(100_000),
                    rng.below(500)
                )),
                is_admin: false,
                is_room_admin: user_type >= 82,
                is_ldap: false,
                list_admin_modules: if user_type >= 95 {
                    vec!["people", "documents"]
                } else {
                    Vec::new()
                },
                is_owner: false,
                is_visitor: (60..82).contains(&user_type),
                is_collaborator: user_type < 60,
                culture_name: pick(&mut rng, CULTURES),
                mobile_phone: format!("+44 7{:03} {:06}", rng.below(1000), rng.below(1_000_000)),
                mobile_phone_activation_status: (rng.below(2)) as i32,
                is_sso: false,
                quota_limit: if rng.below(10) == 0 {
                    -1
                } else {
                    (1 + rng.below(20) as i64) << 30
                },
                used_space: (rng.below(1 << 30) & !0xFFF) as f64,
                is_custom_quota: rng.below(10) == 0,
                shared: false,
                login_event_id: rng.below(1_000_000) as i32,
                auth_cookie_lifetime: 0,
                created_by: WireCreatedBy {
                    id: owner_id,
                    display_name: "Olivia Bennett".to_owned(),
                    avatar_small: "/static/images/default_user_photo_size_32-32.png",
                    profile_url: format!("{PORTAL}/accounts/people/filter?search=olivia.bennett"),
                    has_avatar: false,
                    is_anonim: false,
                },
                registration_date: api_date(&mut rng, offset),
                has_personal_folder: true,
                tfa_app_enabled: rng.below(4) == 0,
                id,
                display_name: if style == Body::Entities {
                    html_encode(&format!("{first} {last} & Co."))
                } else {
                    html_encode(&format!("{first} {last}"))
                },
                avatar: avatar("200-200", "200-200"),
                avatar_original: avatar("orig", "200-200"),
                avatar_max: avatar("96-96", "96-96"),
                avatar_medium: avatar("48-48", "48-48"),
                avatar_small: avatar("32-32", "32-32"),
                profile_url: format!("{PORTAL}/accounts/people/filter?search={user_name}"),
                has_avatar: photo,
                is_anonim: false,
            }
        })
        .collect();
    let envelope = WireEnvelope {
        response,
        count: users,
        total: users,
        links: vec![WireLink {
            href: format!("{PORTAL}/api/2.0/people/filter?count={users}"),
            action: "GET",
        }],
        status: 0,
        status_code: 200,
    };
    serde_json::to_vec(&envelope).expect("the envelope serialises")
}

// ---------------------------------------------------------------------------------------------
// (a) the wrapper, (c) the plain struct. (b) is the generated envelope itself.

/// The envelope around the wrapper's users.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct WrapperEnvelope {
    count: Option<i64>,
    total: Option<i64>,
    #[serde(default)]
    links: Vec<PlainLink>,
    #[serde(default)]
    response: Vec<User>,
    status: Option<i32>,
    status_code: Option<i32>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainLink {
    href: Option<String>,
    action: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainEnvelope {
    count: Option<i64>,
    total: Option<i64>,
    #[serde(default)]
    links: Vec<PlainLink>,
    #[serde(default)]
    response: Vec<PlainUser>,
    status: Option<i32>,
    status_code: Option<i32>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainContact {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainGroup {
    id: Option<Uuid>,
    name: Option<String>,
    manager: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainCreatedBy {
    id: Uuid,
    display_name: Option<String>,
    avatar: Option<String>,
    avatar_small: Option<String>,
    avatar_medium: Option<String>,
    avatar_max: Option<String>,
    avatar_original: Option<String>,
    profile_url: Option<String>,
    has_avatar: Option<bool>,
    is_anonim: Option<bool>,
    title: Option<String>,
}

/// Every field of `EmployeeFullDto`, dates as strings, enums as integers.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainUser {
    id: Uuid,
    display_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    user_name: Option<String>,
    email: Option<String>,
    status: Option<i32>,
    activation_status: Option<i32>,
    terminated: Option<String>,
    registration_date: Option<String>,
    birthday: Option<String>,
    work_from: Option<String>,
    department: Option<String>,
    title: Option<String>,
    sex: Option<String>,
    location: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    contacts: Vec<PlainContact>,
    #[serde(default)]
    groups: Vec<PlainGroup>,
    is_admin: Option<bool>,
    is_room_admin: Option<bool>,
    is_owner: Option<bool>,
    is_visitor: Option<bool>,
    is_collaborator: Option<bool>,
    #[serde(rename = "isLDAP")]
    is_ldap: Option<bool>,
    #[serde(rename = "isSSO")]
    is_sso: Option<bool>,
    is_anonim: Option<bool>,
    #[serde(default)]
    list_admin_modules: Vec<String>,
    culture_name: Option<String>,
    mobile_phone: Option<String>,
    mobile_phone_activation_status: Option<i32>,
    theme: Option<String>,
    quota_limit: Option<i64>,
    used_space: Option<f64>,
    is_custom_quota: Option<bool>,
    has_avatar: Option<bool>,
    avatar: Option<String>,
    avatar_small: Option<String>,
    avatar_medium: Option<String>,
    avatar_max: Option<String>,
    avatar_original: Option<String>,
    profile_url: Option<String>,
    created_by: Option<PlainCreatedBy>,
    has_personal_folder: Option<bool>,
    tfa_app_enabled: Option<bool>,
    shared: Option<bool>,
    login_event_id: Option<i32>,
    auth_cookie_lifetime: Option<i32>,
}

// ---------------------------------------------------------------------------------------------

/// The bulk engine's own decode of users (the crate-private `state::UserState`, mirrored here):
/// only the ten fields that decide whether a change is needed or was made.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "decoded to be measured, not read")]
struct SlimUser {
    id: Uuid,
    #[serde(default)]
    status: Option<docspace_people::UserStatus>,
    #[serde(default)]
    is_owner: Option<bool>,
    #[serde(default)]
    is_admin: Option<bool>,
    #[serde(default)]
    is_room_admin: Option<bool>,
    #[serde(default)]
    is_visitor: Option<bool>,
    #[serde(default)]
    is_collaborator: Option<bool>,
    #[serde(default, rename = "isLDAP")]
    is_ldap: Option<bool>,
    #[serde(default)]
    quota_limit: Option<i64>,
    #[serde(default)]
    is_custom_quota: Option<bool>,
}

#[derive(Deserialize)]
struct SlimEnvelope {
    response: Vec<SlimUser>,
}

fn decode_slim(body: &[u8]) -> SlimEnvelope {
    serde_json::from_slice(body).expect("slim decodes")
}

fn decode_plain(body: &[u8]) -> PlainEnvelope {
    serde_json::from_slice(body).expect("plain decodes")
}

fn decode_generated(body: &[u8]) -> EmployeeFullListEnvelope {
    serde_json::from_slice(body).expect("generated decodes")
}

fn decode_wrapper(body: &[u8]) -> WrapperEnvelope {
    serde_json::from_slice(body).expect("wrapper decodes")
}

fn check_and_describe(body: &[u8]) {
    // The three decoders agree on what they read.
    let wrapper = decode_wrapper(body);
    let generated = decode_generated(body);
    let plain = decode_plain(body);
    assert_eq!(wrapper.response.len(), USERS);
    assert_eq!(generated.response.len(), USERS);
    assert_eq!(plain.response.len(), USERS);
    assert_eq!(decode_slim(body).response.len(), USERS);
    let sample = &wrapper.response[USERS / 2];
    assert_eq!(sample.id, plain.response[USERS / 2].id);
    assert!(sample.registration_date.is_some());
    assert!(wrapper.response.iter().all(|u| u.terminated.is_some()));
    assert!(
        wrapper
            .response
            .iter()
            .any(|u| u.display_name.as_deref().is_some_and(|n| n.contains('\'')))
    );
    eprintln!(
        "decode: {USERS} users, {} bytes ({:.1} MB, {:.0} bytes per user)",
        body.len(),
        body.len() as f64 / 1e6,
        body.len() as f64 / USERS as f64
    );
    eprintln!(
        "size of one decoded user: User {} bytes, EmployeeFullDto {} bytes, PlainUser {} bytes",
        std::mem::size_of::<User>(),
        std::mem::size_of::<docspace_people::generated::types::EmployeeFullDto>(),
        std::mem::size_of::<PlainUser>()
    );
    if std::env::var_os("DECODE_BENCH_DUMP").is_some() {
        let start = body
            .windows(13)
            .position(|w| w == b"{\"firstName\":")
            .unwrap_or(0);
        let end = body[start + 1..]
            .windows(13)
            .position(|w| w == b"{\"firstName\":")
            .unwrap_or(0);
        eprintln!("{}", String::from_utf8_lossy(&body[start..start + 1 + end]));
    }
}

/// The three ways side by side (criterion), then what the wrapper adds on top of the generated
/// types, piece by piece: the conversion `EmployeeFullDto -> User` as a whole, and within it the
/// two date parses and the HTML decoding, run alone on the same 10,000 users' values.
fn decode(c: &mut Criterion, body: &[u8]) {
    let mut group = c.benchmark_group("decode_10k_users");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("plain_struct", |b| b.iter(|| decode_plain(black_box(body))));
    group.bench_function("generated_types", |b| {
        b.iter(|| decode_generated(black_box(body)))
    });
    group.bench_function("wrapper_user", |b| {
        b.iter(|| decode_wrapper(black_box(body)))
    });
    group.bench_function("engine_slim_state", |b| {
        b.iter(|| decode_slim(black_box(body)))
    });
    // As the client decodes answers: the body checked as UTF-8 once, then read as text.
    group.bench_function("engine_slim_state_utf8_once", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
            serde_json::from_str::<SlimEnvelope>(text).expect("slim decodes")
        })
    });
    group.finish();

    let generated = decode_generated(body).response;
    let dates: Vec<String> = generated
        .iter()
        .flat_map(|u| [&u.terminated, &u.registration_date])
        .filter_map(|d| d.as_ref().map(|d| d.0.clone()))
        .collect();
    let names: Vec<String> = generated
        .iter()
        .flat_map(|u| {
            [
                u.display_name.as_ref(),
                u.created_by.as_ref().and_then(|c| c.display_name.as_ref()),
            ]
        })
        .flatten()
        .cloned()
        .collect();
    let mut group = c.benchmark_group("wrapper_overhead_10k_users");
    group.sample_size(30);
    group.bench_function("conversion_from_generated", |b| {
        b.iter_batched(
            || generated.clone(),
            |users| users.into_iter().map(User::from).collect::<Vec<User>>(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("date_parsing_only", |b| {
        b.iter(|| {
            dates
                .iter()
                .filter_map(|d| chrono::DateTime::parse_from_rfc3339(black_box(d)).ok())
                .count()
        })
    });
    group.bench_function("html_decoding_only", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|n| black_box(n).contains('&'))
                .map(|n| html_escape::decode_html_entities(n).into_owned().len())
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Interleaved rounds: each round decodes with all three in a rotating order, so a change in
/// machine load hits all three alike; the medians and the median of per-round ratios are printed.
fn paired(body: &[u8], rounds: usize, label: &str) {
    let mut times = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for round in 0..rounds {
        for k in 0..4 {
            let which = (round + k) % 4;
            let started = std::time::Instant::now();
            match which {
                0 => drop(black_box(decode_plain(black_box(body)))),
                1 => drop(black_box(decode_generated(black_box(body)))),
                2 => drop(black_box(decode_wrapper(black_box(body)))),
                _ => drop(black_box(decode_slim(black_box(body)))),
            }
            times[which].push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratio = |i: usize| {
        let r: Vec<f64> = (0..rounds).map(|k| times[i][k] / times[0][k]).collect();
        median(&r)
    };
    let mb = body.len() as f64 / 1e6;
    eprintln!(
        "\n{label} body, {rounds} interleaved rounds (median ms; ratio = median of per-round ratios to plain):"
    );
    eprintln!("| decoder | median ms | min ms | MB/s | vs plain |");
    eprintln!("|---|---|---|---|---|");
    for (i, name) in [
        "plain struct",
        "generated types",
        "wrapper User",
        "engine slim state",
    ]
    .iter()
    .enumerate()
    {
        let min = times[i].iter().copied().fold(f64::INFINITY, f64::min);
        eprintln!(
            "| {name} | {:.1} | {:.1} | {:.0} | {:.3}x |",
            median(&times[i]),
            min,
            mb / (median(&times[i]) / 1e3),
            ratio(i)
        );
    }
}

fn main() {
    let body = response_body(USERS, Body::Full);
    check_and_describe(&body);
    let entities = response_body(USERS, Body::Entities);
    let mut criterion = Criterion::default().configure_from_args();
    decode(&mut criterion, &body);
    criterion.final_summary();
    // Only under `cargo bench` (which passes --bench), not when `cargo test` runs the target.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let rounds: usize = std::env::var("DECODE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(31);
    if benchmarking && rounds > 0 {
        paired(&body, rounds, "every-field (all terminated)");
        paired(
            &entities,
            rounds,
            "entity-heavy (every name with an entity, a third terminated)",
        );
    }
}
