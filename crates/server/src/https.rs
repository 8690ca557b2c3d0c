//! HTTPS everywhere: the plain-HTTP listener only sends visitors to HTTPS (and answers ACME
//! HTTP-01 challenges), and every HTTPS response carries `Strict-Transport-Security`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::config::Config;
use crate::listen::Tls;
use crate::routes::request_host;

/// The `Strict-Transport-Security` value of each host, from its site's settings.
#[derive(Debug)]
pub struct Hsts {
    by_host: HashMap<String, HeaderValue>,
    fallback: HeaderValue,
}

impl Hsts {
    /// The header values for every site's hosts.
    pub fn from_config(config: &Config) -> Hsts {
        let max_age = config.server.hsts_max_age_s;
        let value = |subdomains: bool, preload: bool| {
            let mut v = format!("max-age={max_age}");
            if subdomains {
                v.push_str("; includeSubDomains");
            }
            if preload {
                v.push_str("; preload");
            }
            HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static("max-age=31536000"))
        };
        let mut by_host = HashMap::new();
        for site in &config.sites {
            let v = value(site.hsts_include_subdomains, site.hsts_preload);
            for host in &site.hosts {
                by_host.insert(host.clone(), v.clone());
            }
        }
        let fallback = value(false, false);
        // The usual case: every site the same, so requests need not say which one they are for.
        if by_host.values().all(|v| *v == fallback) {
            by_host.clear();
        }
        Hsts { by_host, fallback }
    }

    fn for_host(&self, host: Option<&str>) -> HeaderValue {
        host.and_then(|h| self.by_host.get(h))
            .unwrap_or(&self.fallback)
            .clone()
    }
}

/// Adds `Strict-Transport-Security` to every response sent over TLS (never over plain HTTP,
/// where browsers ignore it anyway).
pub async fn hsts(State(hsts): State<Arc<Hsts>>, req: Request, next: Next) -> Response {
    let secure = req.extensions().get::<Tls>().is_some_and(|t| t.0);
    let host = (secure && !hsts.by_host.is_empty())
        .then(|| request_host(req.uri(), req.headers()))
        .flatten();
    let mut res = next.run(req).await;
    if secure {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            hsts.for_host(host.as_deref()),
        );
    }
    res
}

/// Tokens of pending ACME HTTP-01 challenges and their key authorizations.
pub type Challenges = Arc<RwLock<HashMap<String, String>>>;

/// What the plain-HTTP listener does when HTTPS is on.
#[derive(Clone)]
struct Redirect {
    /// The HTTPS port, left out of the `Location` when it is 443.
    https_port: u16,
    /// Host names of the sites served and their MTA-STS hosts; others get 421, as on HTTPS.
    hosts: Arc<std::collections::HashSet<String>>,
    challenges: Challenges,
}

/// The plain-HTTP listener's routes: ACME HTTP-01 answers, and a 301 to the same host and
/// path over HTTPS for everything else.
pub fn redirect_router(config: &Config, https_port: u16, challenges: Challenges) -> Router {
    let hosts = config.sites.iter().flat_map(|s| s.tls_names()).collect();
    Router::new()
        .route(crate::route_table::ACME_CHALLENGE, get(challenge))
        .fallback(to_https)
        .with_state(Redirect {
            https_port,
            hosts: Arc::new(hosts),
            challenges,
        })
}

async fn challenge(State(r): State<Redirect>, Path(token): Path<String>) -> Response {
    let answer = r
        .challenges
        .read()
        .ok()
        .and_then(|c| c.get(&token).cloned());
    match answer {
        Some(key_authorization) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            key_authorization,
        )
            .into_response(),
        None => crate::error::plain_page(StatusCode::NOT_FOUND, "Not found"),
    }
}

async fn to_https(State(r): State<Redirect>, req: Request) -> Response {
    let Some(host) = request_host(req.uri(), req.headers()) else {
        return crate::error::plain_page(StatusCode::BAD_REQUEST, "Bad request");
    };
    if !r.hosts.contains(&host) {
        // Never send a visitor to a host we do not serve.
        return crate::error::plain_page(StatusCode::MISDIRECTED_REQUEST, "Unknown host");
    }
    let host = if host.contains(':') {
        format!("[{host}]") // an IPv6 literal
    } else {
        host
    };
    let authority = if r.https_port == 443 {
        host
    } else {
        format!("{host}:{}", r.https_port)
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    match HeaderValue::from_str(&format!("https://{authority}{path}")) {
        Ok(location) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => crate::error::plain_page(StatusCode::BAD_REQUEST, "Bad request"),
    }
}
