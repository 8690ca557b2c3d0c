//! Start-up in two steps: [`prepare`] opens the database and brings the sites in line with
//! the config; [`Prepared::serve`] binds nothing itself (listeners are passed in, so tests can
//! use port 0) and runs until shut down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use cms::Cms;
use store::{NewPage, PageKind, Store};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::admin::AdminState;
use crate::config::Config;
use crate::guard_layer::ShieldState;
use crate::routes::{PublicState, router};
use crate::tls;

/// Bound sockets for the listeners the config asks for.
pub struct Listeners {
    /// Plain HTTP.
    pub http: Option<TcpListener>,
    /// HTTPS.
    pub https: Option<TcpListener>,
    /// Prometheus metrics.
    pub metrics: Option<TcpListener>,
}

impl Listeners {
    /// Binds the addresses in `config.server`.
    pub async fn bind(config: &Config) -> Result<Listeners> {
        async fn bind(addr: Option<SocketAddr>, what: &str) -> Result<Option<TcpListener>> {
            match addr {
                None => Ok(None),
                Some(a) => TcpListener::bind(a)
                    .await
                    .map(Some)
                    .map_err(|e| bind_error(what, a, e)),
            }
        }
        Ok(Listeners {
            http: bind(config.server.http, "HTTP").await?,
            https: bind(config.server.https, "HTTPS").await?,
            metrics: bind(config.metrics.listen, "metrics").await?,
        })
    }
}

/// Why a listener could not be bound, in words an operator can act on. The web server never
/// runs as root, so a port below 1024 refused for lack of privilege names what grants it.
fn bind_error(what: &str, addr: SocketAddr, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::PermissionDenied && addr.port() < 1024 {
        return anyhow::anyhow!(
            "cannot listen for {what} on {addr}: permission denied: ports below 1024 need \
             CAP_NET_BIND_SERVICE (see dist/bolwerk.service) or a lower \
             net.ipv4.ip_unprivileged_port_start; never run the web server as root"
        );
    }
    anyhow::Error::new(e).context(format!("cannot listen for {what} on {addr}"))
}

pub use crate::demo::demo_config;

/// An open database whose sites match the config.
pub struct Prepared {
    /// The config it was prepared from.
    pub config: Config,
    /// All three handles; only the reader goes on to the public routes.
    pub store: Store,
    /// The time the server goes by (the wall clock; tests move a [`store::Clock::movable`]).
    pub clock: store::Clock,
}

/// Makes the data directory private (see [`crate::files`]), opens the database (migrating
/// it) and creates or updates each configured site's hosts.
pub async fn prepare(config: Config) -> Result<Prepared> {
    make_data_private(&config)?;
    let store = Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    crate::site_list::apply(&config, &store).await?;
    Ok(Prepared {
        config,
        store,
        clock: store::Clock::system(),
    })
}

/// Creates the data directory (0700) if it is missing and takes group and other permissions
/// away from everything in it, and from a SQLite database kept elsewhere, with one warning per
/// path it fixed. Done before the database is opened, so SQLite's `-wal` and `-shm` files
/// inherit the narrowed mode of the database file.
fn make_data_private(config: &Config) -> Result<()> {
    let dir = &config.data_dir;
    crate::files::create_dir(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    let mut roots = vec![dir.clone()];
    if let store::DatabaseConfig::Sqlite { path: Some(db) } = &config.database
        && !db.starts_with(dir)
    {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            roots.push(name.into());
        }
    }
    for root in roots {
        let report = crate::files::make_private(&root);
        for f in report.fixed {
            tracing::warn!(
                path = %f.path.display(),
                mode.before = format!("{:o}", f.before),
                mode.after = format!("{:o}", f.after),
                "was readable by other users; now by Bolwerk's own only"
            );
        }
        for (path, e) in report.failed {
            tracing::error!(path = %path.display(), error = %e, "cannot make private; other users may read it");
        }
    }
    Ok(())
}

/// A running server.
pub struct Running {
    /// Where HTTP listens, if it does.
    pub http: Option<SocketAddr>,
    /// Where HTTPS listens, if it does.
    pub https: Option<SocketAddr>,
    /// Where metrics are served, if they are.
    pub metrics: Option<SocketAddr>,
    /// The CMS, for tests that look at the cache.
    pub cms: Arc<Cms>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    store: Store,
}

impl Prepared {
    /// Gives every site without content a placeholder home page, then serves.
    pub async fn serve(self, listeners: Listeners) -> Result<Running> {
        let Prepared {
            config,
            store,
            clock,
        } = self;
        for site in store.editor.sites().await? {
            if store.editor.pages(site.id).await?.is_empty() {
                store
                    .editor
                    .put_page(site.id, placeholder(&site.title), "system")
                    .await?;
            }
        }
        let certs = match &listeners.https {
            None => None,
            Some(_) => Some(certificates(&config)?),
        };
        let tls = match &certs {
            None => None,
            Some(c) => Some(TlsAcceptor::from(tls::server_config(c.clone())?)),
        };
        let cms = Arc::new(
            Cms::new(store.reader.clone(), clock.clone())
                .await
                .context("loading sites")?,
        );
        cms.set_locales(
            config
                .sites
                .iter()
                .map(|s| {
                    let locale = cms::SiteLocale {
                        lang: s.lang(),
                        tz: s.time_zone(),
                    };
                    (s.name.clone(), locale)
                })
                .collect(),
        );
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(refresh_loop(
            cms.clone(),
            Duration::from_millis(config.server.content_poll_ms),
            rx.clone(),
        )));
        let https_port = listeners
            .https
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port());
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let challenges = crate::https::Challenges::default();
        let outbox_wake = Arc::new(tokio::sync::Notify::new());
        let alerts = Arc::new(crate::alerts::Alerter::new(
            &config,
            store.recorder.clone(),
            outbox_wake.clone(),
        ));
        let acme_sites = crate::acme::sites(&config);
        if let (Some(certs), false) = (&certs, acme_sites.is_empty()) {
            let acme = crate::acme::Acme::new(
                &config,
                acme_sites,
                challenges.clone(),
                certs.clone(),
                metrics.clone(),
            )
            .with_alerts(alerts.clone());
            tasks.push(tokio::spawn(acme.run(rx.clone())));
        }
        if let Some(certs) = certs {
            tasks.push(tokio::spawn(watch_certificates(
                certs,
                Duration::from_secs(config.server.tls_reload_s.max(1)),
                metrics.clone(),
                rx.clone(),
            )));
        }
        let routes = crate::route_table::RouteTable::new(
            &config.admin.path,
            &crate::forms::free_text_fields(&config),
        );
        let shield = ShieldState::start(
            &config.shield,
            routes,
            &config.server,
            store.recorder.clone(),
            &config.data_dir,
            metrics.clone(),
            clock.clone(),
        )
        .await
        .context("starting the shield")?;
        let mail_domains: Vec<String> = config.mail_sites().into_iter().map(|(_, d)| d).collect();
        // Keys are made where mail is signed: a node that only queues makes none, so nodes
        // never sign one domain with different keys.
        if config.mail.deliver {
            crate::outbox::ensure_keys(&config.data_dir, mail_domains).await;
        }
        let outbox = crate::outbox::Outbox::new(
            &config.mail,
            &config.data_dir,
            store.recorder.clone(),
            outbox_wake.clone(),
            metrics.clone(),
        )
        .context("setting up mail delivery")?
        .with_alerts(alerts.clone())
        .with_clock(clock.clone());
        if config.mail.deliver {
            tasks.push(tokio::spawn(outbox.run(rx.clone())));
        } else {
            tracing::info!(target: "mail", "this node only queues mail (mail.deliver = false)");
        }
        if config.antivirus.address.is_none() {
            tracing::warn!(
                target: "antivirus",
                "uploads are not scanned for viruses: set [antivirus] address to clamd's socket"
            );
        }
        let antivirus = Arc::new(crate::av_task::AvRunner::new(
            &config,
            store.editor.clone(),
            store.recorder.clone(),
            metrics.clone(),
            alerts.clone(),
        ));
        tasks.push(tokio::spawn(antivirus.clone().run(rx.clone())));
        let dns = Arc::new(crate::dns_task::DnsRunner::new(
            &config,
            metrics.clone(),
            alerts.clone(),
            clock.clone(),
        ));
        if dns.has_work() {
            tasks.push(tokio::spawn(dns.clone().run(rx.clone())));
        }
        let selfcheck = Arc::new(crate::check_task::CheckRunner::new(
            &config,
            metrics.clone(),
            alerts.clone(),
            clock.clone(),
        ));
        if selfcheck.scheduled() {
            tasks.push(tokio::spawn(selfcheck.clone().run(rx.clone())));
        }
        let imap_status = config.mail.dmarc_imap.clone().map(|imap| {
            let status = crate::dmarc_imap::Status::default();
            tasks.push(tokio::spawn(crate::dmarc_imap::run(
                imap,
                store.recorder.clone(),
                status.clone(),
                crate::dmarc::Scanner::for_config(&config.antivirus),
                rx.clone(),
            )));
            status
        });
        let forms = crate::forms::FormsState::new(
            &config,
            &store,
            cms.clone(),
            outbox_wake.clone(),
            clock.clone(),
        )
        .await
        .context("setting up the contact forms")?;
        let gate: crate::listen::Gate = Arc::new(shield.clone());
        let admin = AdminState::new(
            store.editor.clone(),
            store.recorder.clone(),
            cms.clone(),
            config.admin.clone(),
            crate::media::dir(&config.data_dir),
            https_port,
            shield.clone(),
        )
        .and_then(|a| {
            a.with_certificates(crate::admin::certificates::CertEntry::for_config(&config))
        })
        .and_then(|a| {
            let mut mail =
                crate::admin::mail_admin::MailAdmin::for_config(&config, outbox_wake.clone());
            mail.imap_status = imap_status.clone();
            a.with_mail(mail)
        })
        .and_then(|a| a.with_dns(dns.clone()))
        .and_then(|a| {
            a.with_site_zones(
                config
                    .sites
                    .iter()
                    .map(|s| (s.name.clone(), s.time_zone()))
                    .collect(),
            )
        })
        .and_then(|a| a.with_selfcheck(selfcheck.clone()))
        .and_then(|a| {
            a.with_antivirus(
                config
                    .antivirus
                    .client()
                    .map(|clamd| crate::admin::Antivirus {
                        clamd,
                        on_unavailable: config.antivirus.on_unavailable,
                        alerts: alerts.clone(),
                    }),
                antivirus.clone(),
            )
        })
        .context("loading the admin templates")?;
        // Images uploaded before sizes and copies were kept get them now, in the background.
        tasks.push(tokio::spawn(crate::admin::backfill_images(admin.clone())));
        // With HTTPS on, plain HTTP only sends visitors there (through the shield too).
        let http_app = match https_port {
            Some(port) if config.server.redirect_http => Some(crate::routes::guarded(
                crate::https::redirect_router(&config, port, challenges.clone()),
                shield.clone(),
                &config.server,
            )),
            _ => None,
        };
        let app = router(
            PublicState {
                cms: cms.clone(),
                media_dir: Arc::new(crate::media::dir(&config.data_dir)),
                robots: Arc::new(crate::site_files::Robots::from_config(&config)),
            },
            forms,
            admin,
            shield,
            Arc::new(crate::https::Hsts::from_config(&config)),
            Arc::new(crate::well_known::WellKnown::from_config(
                &config,
                clock.clone(),
            )),
            &config.server,
            config.admin.max_upload_bytes,
        );
        let mut running = Running {
            http: None,
            https: None,
            metrics: None,
            cms,
            shutdown,
            tasks: Vec::new(),
            store,
        };
        if let Some(l) = listeners.http {
            running.http = Some(l.local_addr()?);
            tasks.push(tokio::spawn(crate::listen::serve(
                l,
                None,
                http_app.unwrap_or_else(|| app.clone()),
                config.server.clone(),
                gate.clone(),
                rx.clone(),
            )));
        }
        if let Some(l) = listeners.https {
            running.https = Some(l.local_addr()?);
            tasks.push(tokio::spawn(crate::listen::serve(
                l,
                tls,
                app,
                config.server.clone(),
                gate,
                rx.clone(),
            )));
        }
        if let Some(l) = listeners.metrics {
            running.metrics = Some(l.local_addr()?);
            tasks.push(tokio::spawn(crate::metrics::serve(l, metrics, rx.clone())));
        }
        running.tasks = tasks;
        Ok(running)
    }
}

impl Running {
    /// Asks the listeners to stop without waiting (for `Drop` in tests).
    pub fn signal_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Stops accepting, lets requests in flight finish, closes the database.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.store.close().await;
    }
}

fn certificates(config: &Config) -> Result<Arc<tls::Certificates>> {
    let mut sources = Vec::new();
    for acme_site in crate::acme::sites(config) {
        crate::acme::ensure_placeholder(&acme_site)
            .with_context(|| format!("certificate store of site {}", acme_site.name))?;
        sources.push(tls::CertSource {
            site: acme_site.name.clone(),
            hosts: acme_site.hosts.clone(),
            cert_file: acme_site.cert_file(),
            key_file: acme_site.key_file(),
        });
    }
    for site in config.sites.iter().filter(|s| !s.tls_acme) {
        let (Some(cert), Some(key)) = (&site.tls_cert_file, &site.tls_key_file) else {
            anyhow::bail!(
                "site {} has no tls_cert_file/tls_key_file but HTTPS is on",
                site.name
            );
        };
        sources.push(tls::CertSource {
            site: site.name.clone(),
            hosts: site.tls_names(),
            cert_file: cert.clone(),
            key_file: key.clone(),
        });
    }
    Ok(Arc::new(tls::Certificates::load(sources)?))
}

/// Re-reads certificate files that changed (every `every`) and all of them on SIGHUP, so
/// renewed certificates are served without a restart; refused files are logged and counted,
/// and the certificate in use stays.
async fn watch_certificates(
    certs: Arc<tls::Certificates>,
    every: Duration,
    metrics: Arc<crate::metrics::Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        let force = tokio::select! {
            _ = tick.tick() => false,
            Some(()) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            _ = shutdown.changed() => return,
        };
        let certs = certs.clone();
        let Ok((reloaded, failed)) = tokio::task::spawn_blocking(move || certs.reload(force)).await
        else {
            continue;
        };
        for site in reloaded {
            tracing::info!(site = %site, "TLS certificate reloaded");
        }
        for f in failed {
            metrics.tls_reload_failures.inc();
            tracing::error!(site = %f.site, error = format!("{:#}", f.error), "TLS certificate not reloaded; the previous one stays in use");
        }
    }
}

/// Polls the content version so edits from other processes reach the page cache.
async fn refresh_loop(cms: Arc<Cms>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        match cms.refresh().await {
            Ok(changed) => {
                if changed {
                    tracing::debug!("content changed; page cache emptied");
                }
                if failing {
                    tracing::info!("database reachable again");
                    failing = false;
                }
            }
            Err(e) if !failing => {
                tracing::warn!(error = %e, "cannot check for content changes");
                failing = true;
            }
            Err(_) => {}
        }
    }
}

fn placeholder(title: &str) -> NewPage {
    NewPage {
        kind: PageKind::Page,
        slug: "/".into(),
        title: title.into(),
        summary: String::new(),
        body_md: "This website is being built. Please come back soon.".into(),
        published: true,
        published_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_low_port_names_the_capability() {
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let low = format!(
            "{:#}",
            bind_error("HTTP", "127.0.0.1:80".parse().unwrap(), denied())
        );
        assert!(
            low.starts_with("cannot listen for HTTP on 127.0.0.1:80: permission denied: ")
                && low.contains("CAP_NET_BIND_SERVICE")
                && low.contains("net.ipv4.ip_unprivileged_port_start"),
            "{low}"
        );
        // Any other failure keeps the system's own words.
        let high = format!(
            "{:#}",
            bind_error("HTTPS", "127.0.0.1:8443".parse().unwrap(), denied())
        );
        assert!(
            high.starts_with("cannot listen for HTTPS on 127.0.0.1:8443: ")
                && !high.contains("CAP_"),
            "{high}"
        );
        let busy = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let busy = format!(
            "{:#}",
            bind_error("HTTP", "127.0.0.1:80".parse().unwrap(), busy)
        );
        assert!(!busy.contains("CAP_"), "{busy}");
    }
}
