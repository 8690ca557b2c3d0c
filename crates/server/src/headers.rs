//! Headers every response carries, and the promise that public responses set no cookie.

use axum::extract::Request;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Strict enough for internet.nl's CSP test: everything from our own origin, no inline script
/// or style, no plugins, no framing, forms and `<base>` only to ourselves.
pub const CSP: &str = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// The same, for the one page the admin shows inside itself: a draft's preview at phone width.
/// Framed by its own origin only.
const CSP_FRAMED_BY_SELF: &str = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'";

/// Marks a response that the site's own pages may show in a frame (the editor's phone-width
/// preview). Every other response forbids framing.
#[derive(Clone, Copy, Debug)]
pub struct FramedBySelf;

const PERMISSIONS: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), \
gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()";

/// Public pages never set a cookie: visitors need none and get none. Any `Set-Cookie` a
/// public handler might produce is removed here (and logged as the bug it would be).
pub async fn no_cookies(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if res.headers_mut().remove(header::SET_COOKIE).is_some() {
        tracing::error!("a public response tried to set a cookie; removed");
    }
    res
}

/// Adds the security headers to every response and removes `Server`.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let framed = res.extensions().get::<FramedBySelf>().is_some();
    let h = res.headers_mut();
    h.remove(header::SERVER);
    h.remove(HeaderName::from_static("x-powered-by"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if framed { CSP_FRAMED_BY_SELF } else { CSP }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A handler's stricter choice stays (a preview link must not leave in a Referer).
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static(if framed { "SAMEORIGIN" } else { "DENY" }),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
}
