//! Each site's TLS certificate (admin role): where it comes from, who issued it, for which
//! names, when it expires, and the last ACME attempt with its result; ACME sites can be
//! renewed from here.

use axum::extract::{Extension, Form, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::pages::{PageError, session_of};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};
use crate::acme;
use i18n::Arg;

type PageResult = Result<Response, PageError>;

/// One site's certificate, as the admin shows it.
#[derive(Clone, Debug)]
pub struct CertEntry {
    /// The site's name.
    pub site: String,
    /// The certificate chain file.
    pub cert_file: std::path::PathBuf,
    /// Set when the certificate comes from the ACME CA.
    pub acme: Option<acme::AcmeSite>,
}

impl CertEntry {
    /// Every site's entry (none without HTTPS).
    pub fn for_config(config: &crate::config::Config) -> Vec<CertEntry> {
        if config.server.https.is_none() {
            return Vec::new();
        }
        let acme_sites = acme::sites(config);
        config
            .sites
            .iter()
            .filter_map(|s| {
                let a = acme_sites.iter().find(|a| a.name == s.name).cloned();
                let file = match &a {
                    Some(a) => a.cert_file(),
                    None => s.tls_cert_file.clone()?,
                };
                Some(CertEntry {
                    site: s.name.clone(),
                    cert_file: file,
                    acme: a,
                })
            })
            .collect()
    }
}

pub(super) async fn overview(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    render(&state, &visitor, None, None)
}

fn render(
    state: &AdminState,
    visitor: &Visitor,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let s = session_of(visitor)?;
    let now = state.now();
    let rows: Vec<_> = state
        .inner
        .certificates
        .iter()
        .map(|c| {
            let info = acme::cert_info(&c.cert_file);
            let attempt = c.acme.as_ref().map(acme::status);
            let (issuer, names, expires, days_left, problem) = match &info {
                Ok(i) => (
                    i.issuer.clone(),
                    i.names.join(", "),
                    super::views::when(i.not_after),
                    (i.not_after - now) / 86_400,
                    None,
                ),
                Err(e) => (
                    String::new(),
                    String::new(),
                    String::new(),
                    0,
                    Some(format!("{e:#}")),
                ),
            };
            context! {
                site => c.site.clone(),
                source => if c.acme.is_some() { "ACME".to_string() } else { tr("cert-source-files") },
                file => c.cert_file.display().to_string(),
                issuer, names, expires, days_left, problem,
                soon => info.is_ok() && days_left < 14,
                acme => c.acme.is_some(),
                attempt => attempt.as_ref().and_then(|a| a.last_attempt).map(super::views::when),
                result => attempt.as_ref().and_then(|a| a.last_result.clone()),
                failed => attempt.as_ref().is_some_and(|a| a.failures > 0),
                requested => c.acme.as_ref().is_some_and(|a| a.renew_request().exists()),
            }
        })
        .collect();
    Ok(state.inner.views.page(
        super::security::status_for(&error),
        "certificates.html",
        Some(s),
        "certificates",
        context! { rows, notice, error },
    ))
}

#[derive(Deserialize)]
pub(super) struct RenewForm {
    #[serde(default)]
    site: String,
}

pub(super) async fn renew(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<RenewForm>,
) -> PageResult {
    let Some(site) = state
        .inner
        .certificates
        .iter()
        .find(|c| c.site == f.site)
        .and_then(|c| c.acme.clone())
    else {
        return render(&state, &visitor, None, Some(tr("cert-only-acme")));
    };
    if let Err(e) = crate::files::create_dir(&site.dir)
        .and_then(|()| crate::files::write(&site.renew_request(), b""))
    {
        let args = [("error", Arg::from(e.to_string()))];
        let error = tr_with("cert-ask-failed", &args);
        return render(&state, &visitor, None, Some(error));
    }
    state
        .audit(&visitor, "certificate_renew", &site.name)
        .await?;
    let args = [("site", Arg::from(&site.name))];
    let notice = tr_with("cert-renewal-requested", &args);
    render(&state, &visitor, Some(notice), None)
}
