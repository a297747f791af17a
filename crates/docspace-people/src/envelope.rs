//! Unwrapping the server's success envelope.

use docspace_people_gen::types::ApiErrorDetail;
use docspace_people_gen::{ByteStream, ResponseValue};

use crate::Error;
use crate::error::{from_envelope, from_generated};

/// What a generated call returns.
pub(crate) type GenResult<T> = Result<ResponseValue<T>, docspace_people_gen::Error<ByteStream>>;

/// The body of a successful call, or the error decoded from a failed one.
pub(crate) async fn body<T>(result: GenResult<T>) -> Result<T, Error> {
    match result {
        Ok(response) => Ok(response.into_inner()),
        Err(e) => Err(from_generated(e).await),
    }
}

/// ONLYOFFICE's own clients treat an `error` (or `"status": 1`) inside a 2xx envelope as a
/// failure, with the status the envelope claims.
pub(crate) fn check(
    error: Option<ApiErrorDetail>,
    status: Option<i32>,
    status_code: Option<i32>,
) -> Result<(), Error> {
    if error.is_some() || status == Some(1) {
        return Err(from_envelope(status_code, error.and_then(|e| e.message)));
    }
    Ok(())
}
