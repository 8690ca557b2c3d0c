//! The files every site serves beside its pages, for crawlers and feed readers: robots.txt
//! (from the config), the sitemap and the Atom feed (from the published content, cached and
//! revalidated like pages). Each answers on the site's own hosts only (421 elsewhere).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cms::encoding::Encoded;

use crate::config::Config;
use crate::error::{AppError, plain_page};
use crate::routes::{PublicState, accepted_codings, encoded_response, rendered_response, site_of};

/// Each configured host's robots.txt, made (and compressed, when long enough) once at start:
/// it changes only with the config.
#[derive(Default)]
pub struct Robots {
    by_host: HashMap<String, Arc<Encoded>>,
}

impl Robots {
    /// The robots.txt of every host of every site in `config` (the site's override or the
    /// default, with that host's sitemap).
    pub fn from_config(config: &Config) -> Robots {
        let mut by_host = HashMap::new();
        for site in &config.sites {
            for host in &site.hosts {
                let text = cms::robots::text(site.robots.as_deref(), host);
                let body = Encoded::new(Bytes::from(text), cms::encoding::STATIC_BROTLI_QUALITY);
                by_host.insert(host.clone(), Arc::new(body));
            }
        }
        Robots { by_host }
    }
}

/// `/robots.txt`: the site's override or the default, with this host's sitemap.
pub async fn robots(State(state): State<PublicState>, req: Request) -> Response {
    let host = match site_of(&state.cms, &req) {
        Ok((_, host)) => host,
        Err(no_site) => return no_site.into_response(),
    };
    // Every host a site answers on is in the config, so this is found; a default made here
    // is only the fallback should that ever change.
    let body = match state.robots.by_host.get(&host) {
        Some(body) => body.clone(),
        None => Arc::new(Encoded::plain(Bytes::from(cms::robots::text(None, &host)))),
    };
    let coding = body.choose(accepted_codings(req.headers()));
    let mut res = encoded_response(StatusCode::OK, &body, coding);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // It changes only with the config; crawlers cache it for a day anyway (RFC 9309 §2.4).
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    res
}

/// `/sitemap.xml`: every published page and post of the site, on the host asked.
pub async fn sitemap(State(state): State<PublicState>, req: Request) -> Result<Response, AppError> {
    let (site, host) = match site_of(&state.cms, &req) {
        Ok(found) => found,
        Err(no_site) => return Ok(no_site.into_response()),
    };
    let xml = state.cms.sitemap(site, &host).await?;
    Ok(rendered_response(
        &xml,
        "application/xml; charset=utf-8",
        req.headers(),
    ))
}

/// `/feed.xml`: the site's newest posts as Atom.
pub async fn feed(State(state): State<PublicState>, req: Request) -> Result<Response, AppError> {
    let (site, host) = match site_of(&state.cms, &req) {
        Ok(found) => found,
        Err(no_site) => return Ok(no_site.into_response()),
    };
    match state.cms.feed(site, &host).await? {
        Some(xml) => Ok(rendered_response(
            &xml,
            "application/atom+xml; charset=utf-8",
            req.headers(),
        )),
        None => Ok(plain_page(StatusCode::NOT_FOUND, "Not found")),
    }
}
