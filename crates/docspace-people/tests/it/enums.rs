//! Every normalized enum, read from both wire forms and written back in the server's form,
//! recorded as a snapshot so a change in any mapping shows up in review.

use docspace_people::{ActivationStatus, MobilePhoneActivationStatus, Theme, UserStatus, UserType};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// For each known value: what its number, its name, and its lower-case name read as, and what
/// is written back; then what older names, numbers as text and unknown values read as.
fn round_trips<T>(known: &[T], number_of: fn(&T) -> Option<i64>, others: &[Value]) -> Value
where
    T: Serialize + DeserializeOwned + std::fmt::Display + PartialEq + std::fmt::Debug,
{
    let mut rows = Vec::new();
    for value in known {
        let name = value.to_string();
        let out = serde_json::to_value(value).unwrap();
        let number = number_of(value);
        for input in [
            json!(name),
            json!(name.to_lowercase()),
            json!(number),
            out.clone(),
        ] {
            let read: T = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(&read, value, "{input} reads back as {value}");
        }
        rows.push(json!({"value": name, "wire": out, "number": number}));
    }
    let others: Vec<Value> = others
        .iter()
        .map(|input| {
            let read: T = serde_json::from_value(input.clone()).unwrap();
            json!({"in": input, "display": read.to_string(), "out": serde_json::to_value(&read).unwrap()})
        })
        .collect();
    json!({"known": rows, "other_inputs": others})
}

#[test]
fn user_status() {
    let table = round_trips(
        UserStatus::KNOWN,
        UserStatus::number,
        &[
            json!(8),
            json!("LeaveOfAbsence"),
            json!("Disabled"),
            json!("Suspended"),
            json!("2"),
        ],
    );
    insta::assert_json_snapshot!(table);
}

#[test]
fn user_type() {
    let table = round_trips(
        UserType::KNOWN,
        UserType::number,
        &[
            json!(5),
            json!("Visitor"),
            json!("Collaborator"),
            json!("Contractor"),
            json!(1),
        ],
    );
    insta::assert_json_snapshot!(table);
}

#[test]
fn activation_status() {
    let table = round_trips(
        ActivationStatus::KNOWN,
        ActivationStatus::number,
        &[json!(8), json!("Banned")],
    );
    insta::assert_json_snapshot!(table);
}

#[test]
fn mobile_phone_activation_status() {
    let table = round_trips(
        MobilePhoneActivationStatus::KNOWN,
        MobilePhoneActivationStatus::number,
        &[json!(3), json!("1")],
    );
    insta::assert_json_snapshot!(table);
}

#[test]
fn theme() {
    let table = round_trips(
        Theme::KNOWN,
        Theme::number,
        &[json!(1), json!("HighContrast")],
    );
    insta::assert_json_snapshot!(table);
}
