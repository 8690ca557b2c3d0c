//! The demo's configuration: one site on localhost, made to be tried at once.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Result;

use crate::config::{Config, ServerConfig, SiteConfig};
use crate::tls;

/// The demo's config: SQLite in `data_dir`, both listeners, and one site, `demo`, for
/// `localhost` and `127.0.0.1` with a self-signed certificate made on first use. The binary's
/// `demo` command and the test kit both start from it.
pub fn demo_config(data_dir: &Path, http: SocketAddr, https: SocketAddr) -> Result<Config> {
    let hosts = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let (cert, key) = tls::ensure_self_signed(&data_dir.join("tls"), &hosts)?;
    Ok(Config {
        data_dir: data_dir.to_path_buf(),
        server: ServerConfig {
            http: Some(http),
            https: Some(https),
            ..ServerConfig::default()
        },
        sites: vec![SiteConfig {
            name: cms::demo::SITE.into(),
            title: Some("Stichting De Linde".into()),
            hosts,
            // The demo's text is English.
            lang: "en".into(),
            timezone: crate::config::DEFAULT_TIMEZONE.into(),
            tls_cert_file: Some(cert),
            tls_key_file: Some(key),
            tls_acme: false,
            tls_wildcard: false,
            hsts_include_subdomains: false,
            hsts_preload: false,
            mail_domain: Some("delinde.example".into()),
            mail_from: "noreply".into(),
            forms: vec![demo_contact_form()],
            security_txt: None,
            mta_sts: None,
            robots: None,
        }],
        ..Config::default()
    })
}

/// The demo site's contact form. No relay is configured in the demo, so messages wait in
/// the queue (visible in the admin) until one is.
fn demo_contact_form() -> cms::form::FormSpec {
    let mut form =
        cms::form::FormSpec::new("contact", "/contact", vec!["info@delinde.example".into()]);
    form.intro = "Questions about the garden or the volunteer days? Write to us.".into();
    form
}
