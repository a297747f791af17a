//! Naming the entries of a report: the engine keeps a few bytes per user, so the addresses and
//! names of the users a job settled are read afterwards, for the entries that want them.

use std::collections::HashSet;

use uuid::Uuid;

use super::Entry;
use crate::{Client, Error};

impl Client {
    /// Fills [`Entry::email`] and [`Entry::display_name`] of `entries` from the portal: pages
    /// of the user list when that takes fewer requests than reading each user, `concurrency`
    /// requests at a time. A user the portal no longer has (deleted, or never there) keeps
    /// `None`.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client, ids: Vec<docspace_people::Uuid>)
    /// # -> Result<(), docspace_people::Error> {
    /// use docspace_people::UserStatus;
    /// use docspace_people::bulk::Change;
    ///
    /// let mut report = client.bulk(Change::Status(UserStatus::Terminated)).run(&ids).await?;
    /// client.name_entries(&mut report.entries, 4).await?;
    /// for entry in &report.entries {
    ///     let who = entry.email.as_deref().unwrap_or("(no address)");
    ///     println!("{who}: {}", entry.outcome);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn name_entries(
        &self,
        entries: &mut [Entry],
        concurrency: usize,
    ) -> Result<(), Error> {
        let ids: Vec<Uuid> = entries
            .iter()
            .map(|e| e.id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let users = self.users_by_id(&ids, concurrency).await?;
        for entry in entries {
            if let Some(user) = users.get(&entry.id) {
                entry.email.clone_from(&user.email);
                entry.display_name.clone_from(&user.display_name);
            }
        }
        Ok(())
    }
}
