//! The plan's paid seats (`GET portal/payment/quota`): how many activations and promotions the
//! portal takes before it answers 402.

use docspace_people_gen::{paths, types};

use crate::transport::{Request, envelope};
use crate::{Client, Error};

/// The paid seats of the portal's plan: the owner, DocSpace admins and room admins take one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaidSeats {
    /// How many there are; `None` when the plan sets no limit.
    pub limit: Option<u64>,
    /// How many are taken, when the server says (to administrators).
    pub used: Option<u64>,
}

impl PaidSeats {
    /// Seats still free, when both the limit and the use are known.
    pub fn free(&self) -> Option<u64> {
        Some(self.limit?.saturating_sub(self.used?))
    }
}

impl Client {
    /// The plan's paid seats, or `None` when the server does not say (Workspace, an older
    /// DocSpace, a plan without the feature).
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// if let Some(seats) = client.paid_seats().await? {
    ///     println!("{:?} of {:?} paid seats free", seats.free(), seats.limit);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn paid_seats(&self) -> Result<Option<PaidSeats>, Error> {
        let server = self.server_if(true).await?;
        if server.is_some_and(|s| s.is_workspace()) {
            return Ok(None);
        }
        let answer = match self
            .transport()
            .send(&Request::get(paths::GET_PORTAL_QUOTA))
            .await
        {
            Ok(answer) => answer,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let envelope: types::QuotaEnvelope = answer.json()?;
        envelope::check(None, envelope.status, envelope.status_code)?;
        let Some(manager) = envelope.response.and_then(|q| {
            q.features
                .into_iter()
                .find(|f| f.id.as_deref() == Some("manager"))
        }) else {
            return Ok(None);
        };
        let number = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_i64);
        let limit = number(manager.value.as_ref());
        Ok(Some(PaidSeats {
            limit: limit.and_then(|l| u64::try_from(l).ok()),
            used: number(manager.used.as_ref().and_then(|u| u.value.as_ref()))
                .and_then(|u| u64::try_from(u).ok()),
        }))
    }
}
