//! Property tests: no decoder panics on arbitrary input, and enums and quotas round-trip.

use docspace_people::{
    ActivationStatus, Error, Quota, Theme, User, UserStatus, UserType, parse_user_ids,
};
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use uuid::Uuid;

/// JSON-ish text: arbitrary, or built from fragments of real user objects so that decoding gets
/// past the first byte.
fn jsonish() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just(r#""id":"75a5f745-f697-4418-b38d-0fe0d277e258""#.to_owned()),
        Just(r#""status":"#.to_owned()),
        Just(r#""theme":"#.to_owned()),
        Just(r#""terminated":"#.to_owned()),
        Just(r#""displayName":"&amp;&#"#.to_owned()),
        Just(r#""quotaLimit":"#.to_owned()),
        Just(r#""error":{"message":"#.to_owned()),
        Just(r#""response":{"errors":"#.to_owned()),
        "-?[0-9]{1,25}",
        "\"[^\"]{0,12}\"",
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(",".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("null".to_owned()),
    ];
    prop_oneof![
        ".{0,200}",
        proptest::collection::vec(fragment, 0..30).prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #[test]
    fn user_decoding_never_panics(text in jsonish()) {
        let _ = serde_json::from_str::<User>(&text);
        let _ = serde_json::from_str::<Vec<User>>(&text);
    }

    #[test]
    fn error_decoding_never_panics(status in 100u16..600, body in jsonish(), retry in ".{0,40}") {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&retry) {
            headers.insert(RETRY_AFTER, value);
        }
        let status = StatusCode::from_u16(status).unwrap();
        let err = Error::from_response(status, &headers, body.as_bytes());
        let _ = err.to_string();
        prop_assert_eq!(err.status().unwrap_or(0), status.as_u16());
    }

    #[test]
    fn enum_decoding_never_panics(text in jsonish()) {
        let _ = serde_json::from_str::<UserStatus>(&text);
        let _ = serde_json::from_str::<UserType>(&text);
        let _ = serde_json::from_str::<ActivationStatus>(&text);
        let _ = serde_json::from_str::<Theme>(&text);
        let _ = text.parse::<UserStatus>();
        let _ = text.parse::<Quota>();
        let _ = parse_user_ids([text.as_str()]);
    }

    #[test]
    fn every_number_round_trips(number in any::<i64>()) {
        let status = UserStatus::from_number(number);
        let json = serde_json::to_string(&status).unwrap();
        prop_assert_eq!(serde_json::from_str::<UserStatus>(&json).unwrap(), status.clone());
        prop_assert_eq!(status.number(), Some(number));
        let user_type = UserType::from_number(number);
        let json = serde_json::to_string(&user_type).unwrap();
        prop_assert_eq!(serde_json::from_str::<UserType>(&json).unwrap(), user_type);
    }

    #[test]
    fn every_name_round_trips(name in "[A-Za-z]{1,16}") {
        let theme: Theme = serde_json::from_value(serde_json::json!(name)).unwrap();
        let json = serde_json::to_string(&theme).unwrap();
        prop_assert_eq!(serde_json::from_str::<Theme>(&json).unwrap(), theme.clone());
        if let Ok(parsed) = name.parse::<Theme>() {
            prop_assert_eq!(parsed.to_string().parse::<Theme>().unwrap(), parsed);
        }
    }

    #[test]
    fn quotas_round_trip_through_display(bytes in 0u64..=i64::MAX as u64) {
        let quota = Quota::Bytes(bytes);
        prop_assert_eq!(quota.to_string().parse::<Quota>().unwrap(), quota);
        prop_assert_eq!(Quota::from_wire(quota.to_wire().unwrap()), Some(quota));
    }
}

/// A user object as the server could send it: any text in the names (entities, quotes, any
/// Unicode), any flags, statuses and types by number, quotas, dates of any year chrono holds
/// from 0001-01-02 on and any offset, contacts and groups.
fn wire_user() -> impl Strategy<Value = serde_json::Value> {
    let text = || proptest::option::of(".{0,24}");
    let flag = || proptest::option::of(any::<bool>());
    let date = || {
        proptest::option::of((
            // From 0001-01-02 to the year 262,000, with nanoseconds.
            86_400i64 - 62_135_596_800..8_205_843_753_600i64,
            0u32..1_000_000_000,
            -14 * 3600..=14 * 3600i32,
        ))
        .prop_map(|parts| {
            parts.and_then(|(seconds, nanos, offset)| {
                let utc = chrono::DateTime::from_timestamp(seconds, nanos)?;
                let offset = chrono::FixedOffset::east_opt(offset)?;
                Some(
                    utc.with_timezone(&offset)
                        .format("%Y-%m-%dT%H:%M:%S%.9f%:z")
                        .to_string(),
                )
            })
        })
    };
    (
        (text(), text(), text(), text(), flag(), flag(), flag(), flag()),
        (flag(), flag(), flag(), proptest::option::of(0i64..8), proptest::option::of(-1i64..1 << 50)),
        (date(), date(), date(), date()),
        proptest::collection::vec((text(), text()), 0..3),
        proptest::collection::vec((proptest::option::of(any::<u128>()), text(), text()), 0..3),
    )
        .prop_map(|(names, flags, dates, contacts, groups)| {
            let (display, first, email, notes, admin, owner, visitor, room_admin) = names;
            let (ldap, sso, collaborator, status, quota) = flags;
            let (terminated, registered, birthday, work_from) = dates;
            serde_json::json!({
                "id": Uuid::from_u128(7),
                "displayName": display,
                "firstName": first,
                "email": email,
                "notes": notes,
                "isAdmin": admin,
                "isOwner": owner,
                "isVisitor": visitor,
                "isRoomAdmin": room_admin,
                "isLDAP": ldap,
                "isSSO": sso,
                "isCollaborator": collaborator,
                "status": status,
                "quotaLimit": quota,
                "terminated": terminated,
                "registrationDate": registered,
                "birthday": birthday,
                "workFrom": work_from,
                "contacts": contacts.into_iter().map(|(t, v)| serde_json::json!({"type": t, "value": v})).collect::<Vec<_>>(),
                "groups": groups.into_iter().map(|(id, name, manager)| serde_json::json!({
                    "id": id.map(Uuid::from_u128), "name": name, "manager": manager
                })).collect::<Vec<_>>(),
                "createdBy": {"id": Uuid::from_u128(8), "displayName": display},
            })
        })
}

proptest! {
    /// Export and import round-trip: what a `User` serializes reads back equal, whatever the
    /// server sent.
    #[test]
    fn users_round_trip_through_their_json(wire in wire_user()) {
        let user: User = serde_json::from_value(wire).unwrap();
        let exported = serde_json::to_string(&user).unwrap();
        let back: User = serde_json::from_str(&exported).unwrap();
        prop_assert_eq!(&back, &user);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), exported);
    }
}
