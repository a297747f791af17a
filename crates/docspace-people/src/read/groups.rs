//! The portal's groups (`GET group`), to select users by group name.

use docspace_people_gen::{paths, types};
use uuid::Uuid;

use super::MAX_PAGE_SIZE;
use crate::transport::{Request, envelope};
use crate::{Client, Error};

/// More groups than any portal has: the listing stops there.
const MAX_GROUPS: usize = 100_000;

/// A group (department) of the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortalGroup {
    /// The group's id (for [`UserQuery::group`](crate::UserQuery::group)).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// How many members it has, when the server says.
    pub members: Option<u32>,
}

impl Client {
    /// Every group of the portal, page after page.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// for group in client.groups().await? {
    ///     println!("{} ({:?} members)", group.name, group.members);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn groups(&self) -> Result<Vec<PortalGroup>, Error> {
        self.groups_matching(None).await
    }

    /// The group called `name` (any case), or the one with this id when `name` is one.
    /// A name no group has, or that several share, is [`Error::InvalidInput`] naming the
    /// groups there are (or those sharing it).
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// use docspace_people::UserQuery;
    ///
    /// let sales = client.group_named("Sales").await?;
    /// let query = UserQuery::new().group(sales.id);
    /// # let _ = query;
    /// # Ok(()) }
    /// ```
    pub async fn group_named(&self, name: &str) -> Result<PortalGroup, Error> {
        let wanted = name.trim();
        if wanted.is_empty() {
            return Err(Error::invalid_input("an empty group name"));
        }
        let id = Uuid::parse_str(wanted).ok();
        // By id the whole list is needed; by name the server narrows it (names containing it).
        let listed = self.groups_matching(id.is_none().then_some(wanted)).await?;
        let found: Vec<&PortalGroup> = listed
            .iter()
            .filter(|g| Some(g.id) == id || g.name.trim().eq_ignore_ascii_case(wanted))
            .collect();
        match found.as_slice() {
            [group] => Ok((*group).clone()),
            [] => {
                let all = if id.is_none() {
                    self.groups().await?
                } else {
                    listed
                };
                let names: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
                Err(Error::invalid_input(format!(
                    "no group is called `{wanted}`; the groups are: {}",
                    if names.is_empty() {
                        "(none)".to_owned()
                    } else {
                        names.join(", ")
                    }
                )))
            }
            several => Err(Error::invalid_input(format!(
                "{} groups are called `{wanted}` ({}); give the group's id",
                several.len(),
                several
                    .iter()
                    .map(|g| g.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    async fn groups_matching(&self, text: Option<&str>) -> Result<Vec<PortalGroup>, Error> {
        self.server_if(false).await?;
        let mut groups = Vec::new();
        loop {
            let start = i32::try_from(groups.len())
                .map_err(|_| Error::invalid_input("more groups than a page index holds"))?;
            let mut request = Request::get(paths::GET_GROUPS)
                .query("count", MAX_PAGE_SIZE)
                .query("startIndex", start);
            if let Some(text) = text {
                request = request.query("filterValue", text);
            }
            let answer = self.transport().send(&request).await?;
            let envelope: types::GroupListEnvelope = answer.json()?;
            envelope::check(None, envelope.status, envelope.status_code)?;
            let page = envelope.response.len();
            groups.extend(envelope.response.into_iter().map(|g| PortalGroup {
                id: g.id,
                name: g.name,
                members: g.members_count.and_then(|n| u32::try_from(n).ok()),
            }));
            let total = envelope.total.and_then(|t| usize::try_from(t).ok());
            if page < MAX_PAGE_SIZE as usize || total.is_some_and(|t| groups.len() >= t) {
                return Ok(groups);
            }
            // A list that never ends is a server fault, not a reason to loop for ever.
            if groups.len() >= MAX_GROUPS {
                return Err(Error::invalid_input(format!(
                    "the portal lists more than {MAX_GROUPS} groups; select by group id"
                )));
            }
        }
    }
}
