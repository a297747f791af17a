//! The JSON the portal sends: envelopes and user objects, as in `openapi/docspace-people.yaml`.
//!
//! Field names are camelCase and absent values are omitted, never `null`, like the real server.

use chrono::FixedOffset;
use serde::Serialize;
use uuid::Uuid;

use crate::dates::api_date;
use crate::model::{PortalState, User, UserType, activation};

/// Id of the placeholder the server returns for unknown ids ("Unknown Unknown").
pub const LOST_USER_ID: Uuid = Uuid::from_u128(0x4a515a15_d4d6_4b8e_828e_e0586f18f3a3);

/// A `links` entry.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Link {
    pub(crate) href: String,
    pub(crate) action: String,
}

/// The success envelope.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope<T> {
    pub(crate) response: T,
    pub(crate) count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) total: Option<u64>,
    pub(crate) links: Vec<Link>,
    pub(crate) status: i32,
    pub(crate) status_code: u16,
}

impl<T> Envelope<T> {
    /// A 200 envelope around `response`.
    pub(crate) fn ok(response: T, count: u64, total: Option<u64>, link: Link) -> Self {
        Self {
            response,
            count,
            total,
            links: vec![link],
            status: 0,
            status_code: 200,
        }
    }
}

/// The success envelope of an action that returned nothing (`null`): no `response`, `count` 0.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmptyEnvelope {
    pub(crate) count: u64,
    pub(crate) links: Vec<Link>,
    pub(crate) status: i32,
    pub(crate) status_code: u16,
}

impl EmptyEnvelope {
    /// A 200 envelope without `response`.
    pub(crate) fn ok(link: Link) -> Self {
        Self {
            count: 0,
            links: vec![link],
            status: 0,
            status_code: 200,
        }
    }
}

/// `AuthenticationToken`.
#[derive(Debug, Serialize)]
pub(crate) struct AuthToken {
    pub(crate) token: String,
    pub(crate) expires: String,
}

/// `Contact`.
#[derive(Debug, Serialize)]
pub(crate) struct Contact {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) value: String,
}

/// `GroupSummary`.
#[derive(Debug, Serialize)]
pub(crate) struct GroupSummary {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) manager: Option<String>,
}

/// `EmployeeDto`, the short form used in `createdBy`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmployeeDto {
    pub(crate) id: Uuid,
    pub(crate) display_name: String,
    pub(crate) avatar_small: String,
    pub(crate) profile_url: String,
    pub(crate) has_avatar: bool,
    pub(crate) is_anonim: bool,
}

/// `EmployeeFullDto`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmployeeFullDto {
    pub(crate) id: Uuid,
    pub(crate) display_name: String,
    pub(crate) avatar: String,
    pub(crate) avatar_original: String,
    pub(crate) avatar_max: String,
    pub(crate) avatar_medium: String,
    pub(crate) avatar_small: String,
    pub(crate) profile_url: String,
    pub(crate) has_avatar: bool,
    pub(crate) is_anonim: bool,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) contacts: Vec<Contact>,
    pub(crate) status: i32,
    pub(crate) activation_status: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) terminated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) department: Option<String>,
    pub(crate) groups: Vec<GroupSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<String>,
    pub(crate) is_admin: bool,
    pub(crate) is_room_admin: bool,
    #[serde(rename = "isLDAP")]
    pub(crate) is_ldap: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) list_admin_modules: Vec<&'static str>,
    pub(crate) is_owner: bool,
    pub(crate) is_visitor: bool,
    pub(crate) is_collaborator: bool,
    pub(crate) culture_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mobile_phone: Option<String>,
    pub(crate) mobile_phone_activation_status: i32,
    #[serde(rename = "isSSO")]
    pub(crate) is_sso: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) theme: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) quota_limit: Option<i64>,
    pub(crate) used_space: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) is_custom_quota: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) created_by: Option<EmployeeDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) registration_date: Option<String>,
    pub(crate) has_personal_folder: bool,
    pub(crate) tfa_app_enabled: bool,
}

/// HTML-encodes like .NET's `HtmlEncode`: `&`, `<`, `>`, `"` and `'`.
pub fn html_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const DEFAULT_AVATAR: &str = "/static/images/default_user_photo_size_200-200.png";
const DEFAULT_AVATAR_MAX: &str = "/static/images/default_user_photo_size_96-96.png";
const DEFAULT_AVATAR_MEDIUM: &str = "/static/images/default_user_photo_size_48-48.png";
const DEFAULT_AVATAR_SMALL: &str = "/static/images/default_user_photo_size_32-32.png";

/// What turning a [`User`] into wire objects needs besides the user.
pub(crate) struct Renderer<'a> {
    pub(crate) state: &'a PortalState,
    pub(crate) base_url: &'a str,
    pub(crate) offset: FixedOffset,
}

impl Renderer<'_> {
    fn profile_url(&self, user_name: &str) -> String {
        format!(
            "{}/accounts/people/filter?search={user_name}",
            self.base_url
        )
    }

    /// The short form of a user.
    pub(crate) fn short(&self, user: &User) -> EmployeeDto {
        EmployeeDto {
            id: user.id,
            display_name: html_encode(&user.display_name()),
            avatar_small: DEFAULT_AVATAR_SMALL.to_owned(),
            profile_url: self.profile_url(&user.user_name),
            has_avatar: false,
            is_anonim: false,
        }
    }

    /// The full form of a user; `with_theme` for `@self` only.
    pub(crate) fn full(&self, user: &User, with_theme: bool) -> EmployeeFullDto {
        let state = self.state;
        let groups: Vec<GroupSummary> = user
            .groups
            .iter()
            .filter_map(|g| state.groups.get(usize::from(*g)))
            .map(|g| GroupSummary {
                id: g.id,
                name: g.name.clone(),
                manager: g
                    .manager
                    .and_then(|m| state.users.get(m))
                    .map(|m| m.user_name.clone()),
            })
            .collect();
        let department = (!groups.is_empty()).then(|| {
            groups
                .iter()
                .map(|g| html_encode(&g.name))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut contacts = Vec::new();
        if let Some(phone) = &user.mobile_phone {
            contacts.push(Contact {
                kind: "phone",
                value: phone.clone(),
            });
        }
        let quota = state.quota_of(user);
        EmployeeFullDto {
            id: user.id,
            display_name: html_encode(&user.display_name()),
            avatar: DEFAULT_AVATAR.to_owned(),
            avatar_original: DEFAULT_AVATAR.to_owned(),
            avatar_max: DEFAULT_AVATAR_MAX.to_owned(),
            avatar_medium: DEFAULT_AVATAR_MEDIUM.to_owned(),
            avatar_small: DEFAULT_AVATAR_SMALL.to_owned(),
            profile_url: self.profile_url(&user.user_name),
            has_avatar: false,
            is_anonim: false,
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            user_name: user.user_name.clone(),
            email: Some(user.email.clone()),
            contacts,
            status: user.status,
            activation_status: user.activation,
            terminated: user.terminated_at.map(|t| api_date(t, self.offset)),
            department,
            groups,
            location: user.location.clone(),
            is_admin: user.is_admin(),
            is_room_admin: user.user_type == UserType::RoomAdmin,
            is_ldap: user.is_ldap,
            list_admin_modules: if user.is_admin() {
                vec!["people"]
            } else {
                Vec::new()
            },
            is_owner: user.is_owner,
            is_visitor: user.user_type == UserType::Guest,
            is_collaborator: user.user_type == UserType::User,
            culture_name: user.culture,
            mobile_phone: user.mobile_phone.clone(),
            mobile_phone_activation_status: i32::from(user.mobile_phone.is_some()),
            is_sso: user.is_sso,
            theme: with_theme.then(|| user.theme.name()),
            quota_limit: state.per_user_quota.then_some(quota),
            used_space: user.used_space,
            is_custom_quota: state.per_user_quota.then_some(user.custom_quota.is_some()),
            created_by: user
                .created_by
                .and_then(|c| state.users.get(c))
                .map(|c| self.short(c)),
            registration_date: Some(api_date(user.registered, self.offset)),
            has_personal_folder: user.user_type != UserType::Guest
                && user.activation != activation::PENDING,
            tfa_app_enabled: false,
        }
    }

    /// The placeholder the server returns for an unknown id.
    pub(crate) fn lost_user(&self) -> EmployeeFullDto {
        let state = self.state;
        EmployeeFullDto {
            id: LOST_USER_ID,
            display_name: "Unknown Unknown".to_owned(),
            avatar: DEFAULT_AVATAR.to_owned(),
            avatar_original: DEFAULT_AVATAR.to_owned(),
            avatar_max: DEFAULT_AVATAR_MAX.to_owned(),
            avatar_medium: DEFAULT_AVATAR_MEDIUM.to_owned(),
            avatar_small: DEFAULT_AVATAR_SMALL.to_owned(),
            profile_url: self.profile_url("Unknown"),
            has_avatar: false,
            is_anonim: false,
            first_name: "Unknown".to_owned(),
            last_name: "Unknown".to_owned(),
            user_name: "Unknown".to_owned(),
            email: None,
            contacts: Vec::new(),
            status: crate::model::status::ACTIVE,
            activation_status: activation::NOT_ACTIVATED,
            terminated: None,
            department: None,
            groups: Vec::new(),
            location: None,
            is_admin: false,
            is_room_admin: false,
            is_ldap: false,
            list_admin_modules: Vec::new(),
            is_owner: false,
            is_visitor: false,
            is_collaborator: true,
            culture_name: "en-US",
            mobile_phone: None,
            mobile_phone_activation_status: 0,
            is_sso: false,
            theme: None,
            quota_limit: state.per_user_quota.then_some(state.default_user_quota),
            used_space: 0,
            is_custom_quota: state.per_user_quota.then_some(false),
            created_by: None,
            registration_date: None,
            has_personal_folder: false,
            tfa_app_enabled: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_dotnet() {
        assert_eq!(html_encode("Sean O'Brien"), "Sean O&#39;Brien");
        assert_eq!(
            html_encode("R & D <x> \"q\""),
            "R &amp; D &lt;x&gt; &quot;q&quot;"
        );
        assert_eq!(
            LOST_USER_ID.to_string(),
            "4a515a15-d4d6-4b8e-828e-e0586f18f3a3"
        );
    }
}
