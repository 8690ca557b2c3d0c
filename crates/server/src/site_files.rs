//! The files every site serves beside its pages, for crawlers and feed readers: robots.txt
//! (from the config), the sitemap and the Atom feed (from the published content, cached and
//! revalidated like pages). Each answers on the site's own hosts only (421 elsewhere).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::error::{AppError, plain_page};
use crate::routes::{PublicState, rendered_response, site_of};

/// Each host's robots.txt override (`[[site]] robots`), for the sites that have one.
#[derive(Default)]
pub struct Robots {
    custom: HashMap<String, Arc<str>>,
}

impl Robots {
    /// The overrides of every site in `config`, by host.
    pub fn from_config(config: &Config) -> Robots {
        let mut custom = HashMap::new();
        for site in &config.sites {
            if let Some(text) = &site.robots {
                let text: Arc<str> = Arc::from(text.as_str());
                for host in &site.hosts {
                    custom.insert(host.clone(), text.clone());
                }
            }
        }
        Robots { custom }
    }
}

/// `/robots.txt`: the site's override or the default, with this host's sitemap.
pub async fn robots(State(state): State<PublicState>, req: Request) -> Response {
    let host = match site_of(&state.cms, &req) {
        Ok((_, host)) => host,
        Err(no_site) => return no_site.into_response(),
    };
    let custom = state.robots.custom.get(&host).map(|t| &**t);
    let mut res = cms::robots::text(custom, &host).into_response();
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
        &req,
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
            &req,
        )),
        None => Ok(plain_page(StatusCode::NOT_FOUND, "Not found")),
    }
}
