//! `/search?q=…` on every site: the visitor's words against what visitors can see.
//!
//! The shield judges the query like any other (a search is no way around it), and the route
//! counts as a page for its rate limits. Each answer is made for its query: nothing is kept
//! by us, by the browser or by a shared cache, and search engines are asked not to index it.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, plain_page};
use crate::routes::{PublicState, site_of};

/// Searches answered at once, across all sites: each costs database work the page cache does
/// not save, and the per-address rate limits do not stop many addresses together.
const SEARCHES_AT_ONCE: usize = 8;
static SEARCHES: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(SEARCHES_AT_ONCE));

/// How long a search waits for its turn before it is asked to come back.
const SEARCH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /search`: the form, and the results when `q` holds a word.
pub async fn search(State(state): State<PublicState>, req: Request) -> Result<Response, AppError> {
    let (site, host) = match site_of(&state.cms, &req) {
        Ok(found) => found,
        Err(no_site) => return Ok(no_site.into_response()),
    };
    let query = query_of(req.uri().query());
    let Ok(Ok(_turn)) = tokio::time::timeout(SEARCH_WAIT, SEARCHES.acquire()).await else {
        let mut res = plain_page(StatusCode::SERVICE_UNAVAILABLE, "Busy; try again shortly");
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return Ok(res);
    };
    let Some(html) = state.cms.search(site, &host, &query).await? else {
        return Ok(plain_page(StatusCode::NOT_FOUND, "Not found"));
    };
    let mut res = (StatusCode::OK, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(res)
}

/// The first `q` of the query string, decoded (bad UTF-8 replaced); empty without one. The
/// store reads only its start ([`store::search::MAX_QUERY_CHARS`]).
fn query_of(query: Option<&str>) -> String {
    let Some(query) = query else {
        return String::new();
    };
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.chars().take(store::search::MAX_QUERY_CHARS).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::query_of;

    #[test]
    fn the_first_q_decoded() {
        assert_eq!(query_of(Some("q=caf%C3%A9+zo%27n&q=x")), "café zo'n");
        assert_eq!(query_of(Some("x=1")), "");
        assert_eq!(query_of(None), "");
        assert_eq!(query_of(Some("q=%FF")), "\u{FFFD}");
        assert_eq!(
            query_of(Some(&format!("q={}", "a".repeat(5000)))).len(),
            200
        );
    }
}
