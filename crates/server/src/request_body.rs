//! Reading and re-encoding request bodies for the shield: whole, bounded, by a deadline.

use axum::body::Body;
use axum::http::header;
use http_body::Body as _;

/// Whether the request says its body is `application/x-www-form-urlencoded`.
pub(crate) fn is_urlencoded(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A form body without the named fields (re-encoded), for judging the rest of it.
pub(crate) fn without_fields(body: &[u8], fields: &[String]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(body).filter(|(k, _)| !fields.iter().any(|f| f == k)))
        .finish()
        .into_bytes()
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// Not all there before the deadline.
    Stalled,
    /// The connection broke or the framing was wrong.
    Broken,
}

/// Reads a body of at most `limit` bytes by `deadline`.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    deadline: std::time::Instant,
) -> Result<bytes::Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let deadline = tokio::time::Instant::from_std(deadline);
    match tokio::time::timeout_at(deadline, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(BodyError::Stalled),
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => {
            use std::error::Error;
            let mut source: Option<&(dyn Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if err.is::<http_body_util::LengthLimitError>() {
                    return Err(BodyError::TooLarge);
                }
                source = err.source();
            }
            Err(BodyError::Broken)
        }
    }
}
