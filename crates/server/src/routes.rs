//! All routes in one list and the middleware order in one place.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cms::Cms;
use cms::encoding::Encoded;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::admin::AdminState;
use crate::config::{ServerConfig, normalize_host};
use crate::error::{AppError, plain_page};
use crate::guard_layer::ShieldState;
use crate::headers::{no_cookies, security_headers};
use crate::listen::ClientAddr;

/// What public handlers may use. It holds the CMS, which reads through a `store::Reader`
/// only: nothing reachable from here can write content.
#[derive(Clone)]
pub struct PublicState {
    /// Pages and sites.
    pub cms: Arc<Cms>,
    /// Where uploaded files are (`<data_dir>/media`).
    pub media_dir: Arc<std::path::PathBuf>,
    /// Each host's robots.txt override.
    pub robots: Arc<crate::site_files::Robots>,
}

/// The router with its middleware, outermost first: access log, security headers, the shield,
/// request timeout, the `mta-sts.` hosts (which serve their policy and nothing else), body
/// limits. Public routes (pages, robots.txt, the sitemap and feed, search, security.txt, and the
/// contact forms, which may only append through the recorder) additionally pass `no_cookies`;
/// the admin routes (the only ones that may set the session cookie) have their own guard.
#[allow(clippy::too_many_arguments)] // each is one part of the app, built once in `app`
pub fn router(
    state: PublicState,
    forms: crate::forms::FormsState,
    admin: AdminState,
    shield: ShieldState,
    hsts: Arc<crate::https::Hsts>,
    well_known: Arc<crate::well_known::WellKnown>,
    config: &ServerConfig,
    max_upload: usize,
) -> Router {
    // Compressed now rather than on the first visitor's request (about 10 ms at quality 11).
    LazyLock::force(&SITE_CSS);
    let public = Router::new()
        .route(crate::route_table::STYLESHEET, get(stylesheet))
        .route(crate::route_table::MEDIA, get(media))
        .route(crate::route_table::ROBOTS, get(crate::site_files::robots))
        .route(crate::route_table::SITEMAP, get(crate::site_files::sitemap))
        .route(crate::route_table::FEED, get(crate::site_files::feed))
        .route(crate::route_table::SEARCH, get(crate::search::search))
        .fallback(public_page)
        .with_state(state)
        .merge(crate::well_known::router(well_known.clone()))
        .merge(crate::forms::router(forms))
        .layer(middleware::from_fn(no_cookies))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes));
    let admin = crate::admin::router(admin).layer(RequestBodyLimitLayer::new(
        max_upload.max(config.max_body_bytes),
    ));
    let routes = admin.merge(public).layer(middleware::from_fn_with_state(
        well_known,
        crate::well_known::mta_sts_host,
    ));
    guarded(routes, shield, config).layer(middleware::from_fn_with_state(hsts, crate::https::hsts))
}

/// What every listener's routes get, outermost first: the access log, the security headers,
/// the request timeout (so it covers the shield's reading of the body too) and the shield
/// (before any routing work).
pub fn guarded(routes: Router, shield: ShieldState, config: &ServerConfig) -> Router {
    routes.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(access_log))
            .layer(middleware::from_fn(security_headers))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(config.request_timeout_s),
            ))
            .layer(middleware::from_fn_with_state(
                shield,
                crate::guard_layer::inspect,
            )),
    )
}

/// The request's host: the URI authority (HTTP/2, absolute-form) or the `Host` header,
/// lower-cased, without port.
pub fn request_host(req_uri: &axum::http::Uri, headers: &HeaderMap) -> Option<String> {
    if let Some(h) = req_uri.host() {
        return normalize_host(h);
    }
    let raw = headers.get(header::HOST)?.to_str().ok()?;
    let host = match raw.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => raw,
    };
    normalize_host(host)
}

async fn public_page(State(state): State<PublicState>, req: Request) -> Result<Response, AppError> {
    page_response(&state.cms, req).await
}

/// The page at the request's path of the request's site (or its 404 page), with `ETag`
/// revalidation.
pub(crate) async fn page_response(cms: &Cms, req: Request) -> Result<Response, AppError> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = plain_page(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(res);
    }
    let (site, host) = match site_of(cms, &req) {
        Ok(found) => found,
        Err(no_site) => return Ok(no_site.into_response()),
    };
    let page = match cms::normalize_path(req.uri().path()) {
        Some(path) => cms.page(site, &host, &path).await?,
        None => cms.not_found(site, &host).await?,
    };
    Ok(rendered_response(
        &page,
        "text/html; charset=utf-8",
        req.headers(),
    ))
}

/// The site a request is for and the host it named.
pub(crate) fn site_of(cms: &Cms, req: &Request) -> Result<(i64, String), NoSite> {
    let host = request_host(req.uri(), req.headers()).ok_or(NoSite::BadHost)?;
    match cms.site_for_host(&host) {
        Some(site) => Ok((site, host)),
        None => Err(NoSite::UnknownHost),
    }
}

/// Why a request reaches none of our sites.
pub(crate) enum NoSite {
    /// No usable host in the request: 400.
    BadHost,
    /// A host no site has: 421, never another site's content.
    UnknownHost,
}

impl IntoResponse for NoSite {
    fn into_response(self) -> Response {
        match self {
            NoSite::BadHost => plain_page(StatusCode::BAD_REQUEST, "Bad request"),
            NoSite::UnknownHost => plain_page(StatusCode::MISDIRECTED_REQUEST, "Unknown host"),
        }
    }
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`): the client holds this
/// version and gets a 304. Compared weakly, as RFC 9110 §13.1.2 asks for this header, so a
/// `W/"…"` that a proxy or CDN made of our tag still matches; every `If-None-Match` line
/// counts.
pub(crate) fn none_match_fails(req: &HeaderMap, etag: &[u8]) -> bool {
    fn opaque(t: &[u8]) -> &[u8] {
        t.strip_prefix(b"W/").unwrap_or(t)
    }
    let ours = opaque(etag);
    req.get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .any(|t| t == b"*" || opaque(t) == ours)
}

/// A rendered page (or sitemap, or feed) as `content_type`, in the coding the request takes
/// best, revalidated by that coding's `ETag`: a 304 when the client holds this version,
/// `no-cache` so it always asks.
pub(crate) fn rendered_response(
    page: &cms::Rendered,
    content_type: &'static str,
    req: &HeaderMap,
) -> Response {
    let coding = page.body.choose(accepted_codings(req));
    let etag = HeaderValue::from_str(page.etag(coding)).ok();
    let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
    if let (StatusCode::OK, Some(etag)) = (status, &etag)
        && none_match_fails(req, etag.as_bytes())
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        res.headers_mut().insert(header::ETAG, etag.clone());
        // A 304 carries the `Vary` the 200 would have (RFC 9110 §15.4.5).
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        return res;
    }
    let mut res = encoded_response(status, &page.body, coding);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let (Some(etag), StatusCode::OK) = (etag, status) {
        h.insert(header::ETAG, etag);
    }
    res
}

/// The request's `Accept-Encoding` values, every line of it.
pub(crate) fn accepted_codings(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .into_iter()
        .map(HeaderValue::as_bytes)
}

/// `body` in `coding` (chosen by [`cms::encoding::Encoded::choose`]) with its
/// `Content-Encoding`, and `Vary: Accept-Encoding` in every case: whether compressed or not,
/// the answer depended on that header, and a shared cache must not hand a brotli body to a
/// client that did not ask for one.
pub(crate) fn encoded_response(
    status: StatusCode,
    body: &cms::encoding::Encoded,
    coding: cms::encoding::Coding,
) -> Response {
    let mut res = (status, body.get(coding).clone()).into_response();
    let h = res.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(name) = coding.header() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    res
}

/// How long caches may keep an uploaded file before asking again (a 304 by its entity tag).
const MEDIA_CACHE: &str = "public, max-age=3600";

/// An uploaded file of the request's site, with the type detected at upload, while it is
/// served (not deleted, not quarantined).
async fn media(
    State(state): State<PublicState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let (site, host) = match site_of(&state.cms, &req) {
        Ok(found) => found,
        Err(no_site) => return Ok(no_site.into_response()),
    };
    let content_type = if crate::media::is_stored_name(&name) {
        state.cms.media_type(site, &name).await?
    } else {
        None
    };
    let Some(content_type) = content_type else {
        return public_not_found(&state, site, &host, req.headers()).await;
    };
    // A name is never reused, so the name is the entity tag; an hour's freshness, then a
    // cheap 304. Not a year: a file quarantined after a signature update must leave caches.
    let etag = format!("\"{name}\"");
    let cache = |h: &mut axum::http::HeaderMap| {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(MEDIA_CACHE));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
    };
    if none_match_fails(req.headers(), etag.as_bytes()) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        cache(res.headers_mut());
        return Ok(res);
    }
    // Streamed from disk: a client that reads slowly (or not at all) holds a file handle and
    // a small buffer, never a copy of the whole file.
    let file = match tokio::fs::File::open(state.media_dir.join(&name)).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, file = %name, "indexed upload missing on disk");
            return public_not_found(&state, site, &host, req.headers()).await;
        }
    };
    let len = file.metadata().await.map(|m| m.len()).ok();
    let mut res =
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = res.headers_mut();
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    cache(h);
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(res)
}

async fn public_not_found(
    state: &PublicState,
    site: i64,
    host: &str,
    req: &HeaderMap,
) -> Result<Response, AppError> {
    let page = state.cms.not_found(site, host).await?;
    Ok(rendered_response(&page, "text/html; charset=utf-8", req))
}

/// The theme's stylesheet with its copies, compressed once at the best brotli quality: it
/// never changes while the server runs.
static SITE_CSS: LazyLock<Encoded> = LazyLock::new(|| {
    Encoded::new(
        bytes::Bytes::from_static(cms::theme::STYLESHEET.as_bytes()),
        cms::encoding::STATIC_BROTLI_QUALITY,
    )
});

/// The theme's stylesheet, for the sites' hosts only (like every page: 421 otherwise).
async fn stylesheet(State(state): State<PublicState>, req: Request) -> Response {
    if request_host(req.uri(), req.headers())
        .and_then(|h| state.cms.site_for_host(&h))
        .is_none()
    {
        return plain_page(StatusCode::MISDIRECTED_REQUEST, "Unknown host");
    }
    let coding = SITE_CSS.choose(accepted_codings(req.headers()));
    let mut res = encoded_response(StatusCode::OK, &SITE_CSS, coding);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}

static REQUEST_ID: AtomicU64 = AtomicU64::new(1);

/// One line per request: method, host, path, status, duration and client IP.
async fn access_log(req: Request, next: Next) -> Response {
    // With access lines filtered out (`log.level = "warn"` or `access=off`), skip the copies.
    if !tracing::enabled!(target: "access", tracing::Level::INFO) {
        return next.run(req).await;
    }
    let start = Instant::now();
    let id = REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let host = request_host(req.uri(), req.headers()).unwrap_or_default();
    let ip = req.extensions().get::<ClientAddr>().map(|c| c.0.ip());
    let version = req.version();
    let res = next.run(req).await;
    tracing::info!(
        target: "access",
        request_id = id,
        http.method = %method,
        http.host = %host,
        http.path = %path,
        http.version = ?version,
        http.status = res.status().as_u16(),
        duration_us = start.elapsed().as_micros() as u64,
        client.ip = ip.map(|i| i.to_string()).unwrap_or_default(),
        "{method} {host}{path} {}", res.status().as_u16()
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_from_header() {
        let uri: axum::http::Uri = "/x".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("Example.NL:8443"));
        assert_eq!(request_host(&uri, &h).as_deref(), Some("example.nl"));
        h.insert(header::HOST, HeaderValue::from_static("[::1]:8080"));
        assert_eq!(request_host(&uri, &h).as_deref(), Some("::1"));
        h.insert(header::HOST, HeaderValue::from_static("evil host"));
        assert_eq!(request_host(&uri, &h), None);
        let abs: axum::http::Uri = "https://a.example:1/x".parse().unwrap();
        assert_eq!(
            request_host(&abs, &HeaderMap::new()).as_deref(),
            Some("a.example")
        );
    }
}
