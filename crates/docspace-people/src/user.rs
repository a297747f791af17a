//! Portal users, as the wrapper hands them out.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use docspace_people_gen::types::{self, ApiDateTime};
use uuid::Uuid;

use crate::enums::{ActivationStatus, MobilePhoneActivationStatus, Theme, UserStatus, UserType};
use crate::{Error, Quota};

/// A contact of a user: a phone number, a Skype name, a second address...
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// The kind of contact, e.g. `mail`, `phone`, `skype`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The contact itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A group a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// The group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user name of the group's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
}

impl From<types::Contact> for Contact {
    fn from(contact: types::Contact) -> Self {
        Contact {
            kind: contact.type_,
            value: contact.value,
        }
    }
}

impl From<types::GroupSummary> for Group {
    fn from(group: types::GroupSummary) -> Self {
        Group {
            id: group.id,
            name: group.name,
            manager: group.manager,
        }
    }
}

/// The id of the server's placeholder "lost user" ("Unknown Unknown"), which the bulk
/// operations return for ids that belong to no user.
pub const LOST_USER_ID: Uuid = Uuid::from_u128(0x4a515a15_d4d6_4b8e_828e_e0586f18f3a3);

/// A portal user.
///
/// Every field but `id` is optional or may be empty, because the server omits what it does not
/// know or may not show, and drops fields between versions (`birthday`, `sex`, `work_from` and
/// `title` are gone in 3.7). Unknown enum values arrive as `Unknown(..)`; fields this crate does
/// not know are ignored.
///
/// It serializes to the server's own form (camelCase, enums in their wire form, the quota as
/// bytes or `-1`, display names HTML-encoded, `isLDAP`/`isSSO`, dates as RFC 3339 with nine
/// fraction digits and the offset), and `Deserialize` reads that form, so an exported user
/// reads back equal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    pub id: Uuid,
    /// The display name, HTML-decoded (the server sends `&amp;` for `&`; serializing encodes
    /// it again, so that the JSON reads back to the same user).
    #[serde(serialize_with = "crate::wire_form::html_encoded")]
    pub display_name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The login name.
    pub user_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Active, Terminated (disabled) or Pending (invited).
    pub status: Option<UserStatus>,
    /// Whether the email address is confirmed.
    pub activation_status: Option<ActivationStatus>,
    /// When the user was terminated, if they are.
    #[serde(serialize_with = "crate::wire_form::date")]
    pub terminated: Option<DateTime<FixedOffset>>,
    /// When the user was added to the portal.
    #[serde(serialize_with = "crate::wire_form::date")]
    pub registration_date: Option<DateTime<FixedOffset>>,
    /// Birthday (servers before 3.7).
    #[serde(serialize_with = "crate::wire_form::date")]
    pub birthday: Option<DateTime<FixedOffset>>,
    /// Start of employment (servers before 3.7).
    #[serde(serialize_with = "crate::wire_form::date")]
    pub work_from: Option<DateTime<FixedOffset>>,
    /// Department name(s).
    pub department: Option<String>,
    /// Job title (servers before 3.7).
    pub title: Option<String>,
    /// Sex (servers before 3.7).
    pub sex: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Contacts (phone, skype, ...).
    pub contacts: Vec<Contact>,
    /// Groups the user belongs to.
    pub groups: Vec<Group>,
    /// Portal administrator.
    pub is_admin: Option<bool>,
    /// Room administrator.
    pub is_room_admin: Option<bool>,
    /// Portal owner.
    pub is_owner: Option<bool>,
    /// Guest (type 2).
    pub is_visitor: Option<bool>,
    /// Type 4 (User since DocSpace 3.0, Collaborator before).
    pub is_collaborator: Option<bool>,
    /// Managed by LDAP: the bulk operations refuse to change such users.
    #[serde(rename = "isLDAP")]
    pub is_ldap: Option<bool>,
    /// Signs in through SSO.
    #[serde(rename = "isSSO")]
    pub is_sso: Option<bool>,
    /// The anonymous user.
    pub is_anonim: Option<bool>,
    /// Modules the user administers.
    pub list_admin_modules: Vec<String>,
    /// Interface language, e.g. `en-US`.
    pub culture_name: Option<String>,
    /// Mobile phone number.
    pub mobile_phone: Option<String>,
    /// Whether the mobile phone is confirmed.
    pub mobile_phone_activation_status: Option<MobilePhoneActivationStatus>,
    /// Interface theme (only on the signed-in user's own profile).
    pub theme: Option<Theme>,
    /// Storage quota; present only when per-user quotas are enabled on the portal.
    pub quota_limit: Option<Quota>,
    /// Storage used, in bytes.
    pub used_space: Option<f64>,
    /// Whether the quota was set for this user rather than inherited from the portal default.
    pub is_custom_quota: Option<bool>,
    /// Whether the user has avatar.
    pub has_avatar: Option<bool>,
    /// Avatar URLs (relative to the portal).
    pub avatar: Option<String>,
    /// Small avatar URL.
    pub avatar_small: Option<String>,
    /// Medium avatar URL.
    pub avatar_medium: Option<String>,
    /// Largest avatar URL.
    pub avatar_max: Option<String>,
    /// Original avatar URL.
    pub avatar_original: Option<String>,
    /// Profile page URL.
    pub profile_url: Option<String>,
    /// Who added the user.
    pub created_by: Option<UserSummary>,
    /// Whether the user has a personal folder.
    pub has_personal_folder: Option<bool>,
    /// Whether two-factor authentication by app is on.
    pub tfa_app_enabled: Option<bool>,
    /// Shared.
    pub shared: Option<bool>,
    /// Current login event id.
    pub login_event_id: Option<i32>,
    /// Lifetime of the user's auth cookie.
    pub auth_cookie_lifetime: Option<i32>,
}

/// A short user record, as in [`User::created_by`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserSummary {
    /// The user's id.
    pub id: Uuid,
    /// The display name, HTML-decoded (serialized encoded, as the server writes it).
    #[serde(serialize_with = "crate::wire_form::html_encoded")]
    pub display_name: Option<String>,
    /// Profile page URL.
    pub profile_url: Option<String>,
    /// Small avatar URL.
    pub avatar_small: Option<String>,
}

impl User {
    /// Whether this is the server's placeholder for an id that belongs to no user.
    pub fn is_lost_user(&self) -> bool {
        self.id == LOST_USER_ID
    }

    /// The user's type, worked out from the `is*` flags (the user object carries no type field):
    /// the owner and administrators are DocSpaceAdmin, then RoomAdmin, Guest (`isVisitor`),
    /// User (`isCollaborator`). `None` when the server sent none of the flags.
    pub fn user_type(&self) -> Option<UserType> {
        type_from_flags(
            self.is_owner,
            self.is_admin,
            self.is_room_admin,
            self.is_visitor,
            self.is_collaborator,
        )
    }
}

/// The type a user object's `is*` flags describe on DocSpace: the owner and administrators are
/// DocSpace admins, then room admins, guests (`isVisitor`) and users (`isCollaborator`).
pub(crate) fn type_from_flags(
    is_owner: Option<bool>,
    is_admin: Option<bool>,
    is_room_admin: Option<bool>,
    is_visitor: Option<bool>,
    is_collaborator: Option<bool>,
) -> Option<UserType> {
    let flag = |f: Option<bool>| f == Some(true);
    if flag(is_owner) || flag(is_admin) {
        Some(UserType::DocSpaceAdmin)
    } else if flag(is_room_admin) {
        Some(UserType::RoomAdmin)
    } else if flag(is_visitor) {
        Some(UserType::Guest)
    } else if flag(is_collaborator) {
        Some(UserType::User)
    } else {
        None
    }
}

fn date(value: Option<ApiDateTime>) -> Option<DateTime<FixedOffset>> {
    value.and_then(|d| crate::dates::parse(&d))
}

/// HTML-decodes, allocating only when there is something to decode.
fn decode_html(value: Option<String>) -> Option<String> {
    value.map(|text| {
        if !text.contains('&') {
            text
        } else if let Some(decoded) = decode_common_entities(&text) {
            decoded
        } else {
            html_escape::decode_html_entities(&text).into_owned()
        }
    })
}

/// The entities the server writes into names (it encodes `&`, `<`, `>`, `"` and `'`), decoded
/// without the full entity table; `None` when `text` has any other, for the full decoder.
fn decode_common_entities(text: &str) -> Option<String> {
    const COMMON: [(&str, char); 7] = [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&#x27;", '\''),
        ("&apos;", '\''),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (entity, ch) = COMMON.iter().find(|(e, _)| rest.starts_with(e))?;
        out.push(*ch);
        rest = &rest[entity.len()..];
    }
    out.push_str(rest);
    Some(out)
}

impl From<types::EmployeeFullDto> for User {
    fn from(dto: types::EmployeeFullDto) -> Self {
        User {
            id: dto.id,
            display_name: decode_html(dto.display_name),
            first_name: dto.first_name,
            last_name: dto.last_name,
            user_name: dto.user_name,
            email: dto.email,
            status: dto.status,
            activation_status: dto.activation_status,
            terminated: date(dto.terminated),
            registration_date: date(dto.registration_date),
            birthday: date(dto.birthday),
            work_from: date(dto.work_from),
            department: dto.department,
            title: dto.title,
            sex: dto.sex,
            location: dto.location,
            notes: dto.notes,
            contacts: dto.contacts.into_iter().map(Contact::from).collect(),
            groups: dto.groups.into_iter().map(Group::from).collect(),
            is_admin: dto.is_admin,
            is_room_admin: dto.is_room_admin,
            is_owner: dto.is_owner,
            is_visitor: dto.is_visitor,
            is_collaborator: dto.is_collaborator,
            is_ldap: dto.is_ldap,
            is_sso: dto.is_sso,
            is_anonim: dto.is_anonim,
            list_admin_modules: dto.list_admin_modules,
            culture_name: dto.culture_name,
            mobile_phone: dto.mobile_phone,
            mobile_phone_activation_status: dto.mobile_phone_activation_status,
            theme: dto.theme,
            quota_limit: dto.quota_limit.and_then(Quota::from_wire),
            used_space: dto.used_space,
            is_custom_quota: dto.is_custom_quota,
            has_avatar: dto.has_avatar,
            avatar: dto.avatar,
            avatar_small: dto.avatar_small,
            avatar_medium: dto.avatar_medium,
            avatar_max: dto.avatar_max,
            avatar_original: dto.avatar_original,
            profile_url: dto.profile_url,
            created_by: dto.created_by.map(UserSummary::from),
            has_personal_folder: dto.has_personal_folder,
            tfa_app_enabled: dto.tfa_app_enabled,
            shared: dto.shared,
            login_event_id: dto.login_event_id,
            auth_cookie_lifetime: dto.auth_cookie_lifetime,
        }
    }
}

impl From<types::EmployeeDto> for UserSummary {
    fn from(dto: types::EmployeeDto) -> Self {
        UserSummary {
            id: dto.id,
            display_name: decode_html(dto.display_name),
            profile_url: dto.profile_url,
            avatar_small: dto.avatar_small,
        }
    }
}

impl<'de> serde::Deserialize<'de> for User {
    /// Reads a user object as the server sends it (camelCase `EmployeeFullDto`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        types::EmployeeFullDto::deserialize(deserializer).map(User::from)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn common_entities_decode_as_the_full_decoder_does() {
        for text in [
            "Tom &amp; Jerry",
            "&lt;b&gt; &quot;quoted&quot; O&#39;Brien &#x27;x&apos;",
            "no entity",
            "trailing &amp",
            "&eacute;mile &amp; Zo&euml;",
            "&&amp;&",
        ] {
            let full = html_escape::decode_html_entities(text).into_owned();
            assert_eq!(
                decode_html(Some(text.to_owned())),
                Some(full.clone()),
                "{text}"
            );
            if let Some(fast) = decode_common_entities(text) {
                assert_eq!(fast, full, "{text}");
            }
        }
        assert_eq!(decode_common_entities("&eacute;"), None);
    }
    use super::*;

    #[test]
    fn serializes_to_a_form_that_reads_back() {
        let user: User = serde_json::from_str(
            r#"{"id":"75a5f745-f697-4418-b38d-0fe0d277e258","displayName":"Tom","status":2,
                "quotaLimit":-1,"theme":"Dark","terminated":"2021-03-09T17:52:55.0000000+08:00"}"#,
        )
        .unwrap();
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["status"], 2);
        assert_eq!(json["quotaLimit"], -1);
        assert_eq!(json["theme"], "Dark");
        assert_eq!(json["terminated"], "2021-03-09T17:52:55.000000000+08:00");
        let back: User = serde_json::from_value(json).unwrap();
        assert_eq!(back, user);
    }

    #[test]
    fn lost_user_id_is_the_servers_placeholder() {
        assert_eq!(
            LOST_USER_ID.to_string(),
            "4a515a15-d4d6-4b8e-828e-e0586f18f3a3"
        );
    }

    #[test]
    fn decodes_a_minimal_and_a_rich_user() {
        let user: User =
            serde_json::from_str(r#"{"id":"4a515a15-d4d6-4b8e-828e-e0586f18f3a3"}"#).unwrap();
        assert!(user.is_lost_user());
        assert_eq!(user.user_type(), None);

        let user: User = serde_json::from_str(
            r#"{"id":"75a5f745-f697-4418-b38d-0fe0d277e258","displayName":"Tom &amp; Jerry",
                "status":2,"activationStatus":1,"isVisitor":true,"quotaLimit":-1,
                "terminated":"2021-03-09T17:52:55.0000000+08:00","newField":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(user.display_name.as_deref(), Some("Tom & Jerry"));
        assert_eq!(user.status, Some(UserStatus::Terminated));
        assert_eq!(user.user_type(), Some(UserType::Guest));
        assert_eq!(user.quota_limit, Some(Quota::Unlimited));
        assert_eq!(
            user.terminated.unwrap().offset().local_minus_utc(),
            8 * 3600
        );
    }
}

/// How an account signs in: what `sync` manages ([`SyncOptions::scope`](crate::sync::SyncOptions::scope))
/// and a selector of [`UserQuery::login_kind`](crate::UserQuery::login_kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginKind {
    /// A password on the portal.
    Standard,
    /// Single sign-on.
    Sso,
    /// LDAP, which manages the account itself.
    Ldap,
}

impl LoginKind {
    /// The kind of `user`, from `isLDAP` and `isSSO`.
    pub fn of(user: &User) -> Self {
        if user.is_ldap == Some(true) {
            LoginKind::Ldap
        } else if user.is_sso == Some(true) {
            LoginKind::Sso
        } else {
            LoginKind::Standard
        }
    }

    /// The `accountLoginType` filter number.
    pub fn filter_number(self) -> i32 {
        match self {
            LoginKind::Sso => 0,
            LoginKind::Ldap => 1,
            LoginKind::Standard => 2,
        }
    }
}

impl fmt::Display for LoginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoginKind::Standard => "standard",
            LoginKind::Sso => "sso",
            LoginKind::Ldap => "ldap",
        })
    }
}

impl FromStr for LoginKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(LoginKind::Standard),
            "sso" => Ok(LoginKind::Sso),
            "ldap" => Ok(LoginKind::Ldap),
            other => Err(Error::invalid_input(format!(
                "login type `{other}` is not one of standard, sso, ldap"
            ))),
        }
    }
}
