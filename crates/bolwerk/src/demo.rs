//! `bolwerk demo`: a ready-to-click site on localhost.

use std::net::SocketAddr;

use anyhow::Result;
use server::config::{Config, ServerConfig, SiteConfig};
use server::{Listeners, tls};

use crate::cli::DemoArgs;

/// Where the demo keeps its data unless told otherwise.
pub const DEFAULT_DATA_DIR: &str = "bolwerk-data";
const HTTP: &str = "127.0.0.1:8080";
const HTTPS: &str = "127.0.0.1:8443";

/// The demo's config before `--config` and flags: SQLite in the data dir, both listeners on
/// loopback, one site for `localhost` and `127.0.0.1` with a self-signed certificate.
fn defaults(args: &DemoArgs) -> Result<Config> {
    let hosts = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let (cert, key) = tls::ensure_self_signed(&args.data_dir.join("tls"), &hosts)?;
    let parse = |s: &str| s.parse::<SocketAddr>();
    Ok(Config {
        data_dir: args.data_dir.clone(),
        server: ServerConfig {
            http: Some(parse(HTTP)?),
            https: Some(parse(HTTPS)?),
            ..ServerConfig::default()
        },
        sites: vec![SiteConfig {
            name: cms::demo::SITE.into(),
            title: Some("Stichting De Linde".into()),
            hosts,
            tls_cert_file: Some(cert),
            tls_key_file: Some(key),
        }],
        ..Config::default()
    })
}

/// Builds the demo config, seeds the demo content once, serves until Ctrl-C.
pub fn run(args: DemoArgs) -> Result<std::process::ExitCode> {
    let mut config = defaults(&args)?;
    if let Some(file) = &args.config {
        config = Config::load_over(Some(&config), file)?;
    }
    if let Some(a) = args.http {
        config.server.http = Some(a);
    }
    if let Some(a) = args.https {
        config.server.https = Some(a);
    }
    if let Some(f) = args.log_format {
        config.log.format = f;
    }
    config.validate(
        args.config
            .as_deref()
            .unwrap_or(std::path::Path::new("(demo defaults)")),
    )?;
    crate::logging::init(&config.log)?;
    crate::runtime(config.server.workers)?.block_on(async move {
        let listeners = Listeners::bind(&config).await?;
        let prepared = server::prepare(config).await?;
        if let Some(site) = prepared.store.editor.site_by_name(cms::demo::SITE).await?
            && cms::demo::seed(&prepared.store.editor, site.id).await?
        {
            tracing::info!("demo content created");
        }
        crate::serve_prepared(prepared, listeners).await
    })?;
    Ok(std::process::ExitCode::SUCCESS)
}
