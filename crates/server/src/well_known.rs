//! Files under `/.well-known/` that are not pages: each site's security.txt (RFC 9116) on
//! every host of the site, and the MTA-STS policy (RFC 8461) on `mta-sts.<mail domain>`, a
//! host that serves that one file and nothing else.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cms::security_txt::{self, SecurityTxtConfig};

use crate::config::Config;
use crate::error::plain_page;
use crate::routes::request_host;

/// What the well-known files say, by host.
pub struct WellKnown {
    /// The security.txt of each site host that has one.
    security_txt: HashMap<String, Arc<SecurityTxtConfig>>,
    /// Every site host, to tell "no file here" (404) from "not our host" (421).
    site_hosts: HashSet<String>,
    /// The policy text of each `mta-sts.` host.
    mta_sts: HashMap<String, Arc<str>>,
    /// For `Expires`; tests move it.
    clock: store::Clock,
}

impl WellKnown {
    /// The files of every site in `config`.
    pub fn from_config(config: &Config, clock: store::Clock) -> WellKnown {
        let mut wk = WellKnown {
            security_txt: HashMap::new(),
            site_hosts: HashSet::new(),
            mta_sts: HashMap::new(),
            clock,
        };
        for site in &config.sites {
            let txt =
                SecurityTxtConfig::resolve(site.security_txt.as_ref(), &config.mail.alerts_to)
                    .map(Arc::new);
            for host in &site.hosts {
                wk.site_hosts.insert(host.clone());
                if let Some(t) = &txt {
                    wk.security_txt.insert(host.clone(), t.clone());
                }
            }
            if let (Some(policy), Some(host)) = (&site.mta_sts, site.mta_sts_host()) {
                wk.mta_sts.insert(host, Arc::from(policy.policy_text()));
            }
        }
        wk
    }
}

/// The security.txt routes, for the public router.
pub fn router(wk: Arc<WellKnown>) -> Router {
    Router::new()
        .route(security_txt::PATH, get(security_txt))
        .route(security_txt::LEGACY_PATH, get(legacy_security_txt))
        .with_state(wk)
}

/// A `text/plain` answer that caches for `max_age_s`.
fn text(content_type: &'static str, max_age_s: &'static str, body: String) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(max_age_s));
    res
}

/// The site's security.txt with `Expires` counted from now and `Canonical` on the host asked;
/// 404 for a site with nobody to contact, 421 for a host no site has.
async fn security_txt(State(wk): State<Arc<WellKnown>>, req: Request) -> Response {
    let Some(host) = request_host(req.uri(), req.headers()) else {
        return plain_page(StatusCode::BAD_REQUEST, "Bad request");
    };
    match wk.security_txt.get(&host) {
        // An hour of caching keeps `Expires` months away, however old the copy.
        Some(txt) => text(
            "text/plain; charset=utf-8",
            "max-age=3600",
            txt.text(&host, wk.clock.now()),
        ),
        None if wk.site_hosts.contains(&host) => plain_page(StatusCode::NOT_FOUND, "Not found"),
        None => plain_page(StatusCode::MISDIRECTED_REQUEST, "Unknown host"),
    }
}

/// `/security.txt`: the legacy location, sent on to the one RFC 9116 names (§3).
async fn legacy_security_txt(State(wk): State<Arc<WellKnown>>, req: Request) -> Response {
    let Some(host) = request_host(req.uri(), req.headers()) else {
        return plain_page(StatusCode::BAD_REQUEST, "Bad request");
    };
    if wk.security_txt.contains_key(&host) {
        (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, security_txt::PATH)],
        )
            .into_response()
    } else if wk.site_hosts.contains(&host) {
        plain_page(StatusCode::NOT_FOUND, "Not found")
    } else {
        plain_page(StatusCode::MISDIRECTED_REQUEST, "Unknown host")
    }
}

/// Answers every request for an `mta-sts.` host: the policy at its path, 404 anywhere else, so
/// that host shows no page, form or admin of the site. Other hosts pass on.
pub async fn mta_sts_host(State(wk): State<Arc<WellKnown>>, req: Request, next: Next) -> Response {
    if wk.mta_sts.is_empty() {
        return next.run(req).await;
    }
    let Some(policy) = request_host(req.uri(), req.headers())
        .and_then(|h| wk.mta_sts.get(&h))
        .cloned()
    else {
        return next.run(req).await;
    };
    if req.uri().path() != mail::mta_sts::POLICY_PATH {
        return plain_page(StatusCode::NOT_FOUND, "Not found");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = plain_page(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    // RFC 8461 §3.2: the media type is `text/plain`; senders cache by the DNS id, not HTTP.
    text("text/plain", "max-age=300", policy.to_string())
}
