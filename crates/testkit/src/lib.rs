//! Test support: the real server on ephemeral loopback ports with a temporary data directory,
//! and HTTP clients that trust its self-signed certificate.
//!
//! `TestServer::start()` runs the same `prepare` and `serve` the binary runs; only the ports
//! (0) and the data directory (a temp dir) differ.

pub mod clamd;
pub mod knot;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use server::config::Config;
use server::{Listeners, Running};
use store::Store;
use tempfile::TempDir;

/// A running server and clients for it. Dropping it stops the server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub http_url: String,
    /// `https://localhost:PORT` (resolved to 127.0.0.1 by the clients)
    pub https_url: String,
    /// Where HTTP listens.
    pub http_addr: SocketAddr,
    /// Where HTTPS listens.
    pub https_addr: SocketAddr,
    /// Client for plain HTTP (no redirects followed, no cookies kept).
    pub client: reqwest::Client,
    /// Client for HTTPS that trusts the server's self-signed certificate.
    pub tls_client: reqwest::Client,
    /// The config the server runs with.
    pub config: Config,
    /// The server's clock: move it forward ([`store::Clock::advance`]) instead of sleeping.
    pub clock: store::Clock,
    running: Option<Running>,
    dir: Arc<TempDir>,
}

/// Installs a test log subscriber once (`RUST_LOG` to see server logs).
pub fn init_for_test() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The plain client builds a rustls config too; ring is our one provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

/// The demo's config for a data directory, both listeners on loopback port 0, a 50 ms
/// content poll so edits show quickly, and rate limits out of the way.
pub fn test_config(data_dir: &Path) -> Config {
    let any = "127.0.0.1:0".parse().expect("address");
    let mut config = server::app::demo_config(data_dir, any, any).expect("demo config");
    config.server.content_poll_ms = 50;
    // The tests read the English words and UTC times (Dutch has tests of its own).
    config.admin.lang = "en".into();
    config.admin.timezone = "UTC".into();
    for site in &mut config.sites {
        site.timezone = "UTC".into();
    }
    // The page, shield and ban tests talk plain HTTP to the site itself, as a TLS-terminating
    // proxy would; the default (HTTP only redirects to HTTPS) is tested in `it/https.rs` and
    // by the CLI's demo tests.
    config.server.redirect_http = false;
    // Tests fire requests far faster than people do; rate-limit tests set their own limits.
    let sh = &mut config.shield;
    (
        sh.rate_pages_per_s,
        sh.rate_pages_burst,
        sh.rate_static_per_s,
        sh.rate_static_burst,
    ) = (10_000, 10_000, 10_000, 10_000);
    (
        sh.rate_forms_per_min,
        sh.rate_login_per_min,
        sh.ban_flood_threshold,
    ) = (100_000, 100_000, 1_000_000);
    sh.ban_login_failures = 1_000_000;
    // Changes made through the database (CLI, admin) reach the shield within a second.
    sh.sync_interval_s = 1;
    // The record checks must not ask the internet; a closed loopback port fails at once.
    // Tests of the checks run their own DNS server.
    config.mail.dns = Some(SocketAddr::from(([127, 0, 0, 1], 9)));
    config
}

impl TestServer {
    /// Starts a server with the demo site and its content in a fresh temp dir.
    pub async fn start() -> TestServer {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let config = test_config(dir.path());
        Self::start_in(dir, config).await
    }

    /// Starts a server with `config` (its data dir should live in `dir`), seeding the demo
    /// content into the site called `demo` if there is one.
    pub async fn start_in(dir: Arc<TempDir>, config: Config) -> TestServer {
        init_for_test();
        let listeners = Listeners::bind(&config)
            .await
            .expect("bind loopback port 0");
        let mut prepared = server::prepare(config.clone()).await.expect("prepare");
        let clock = store::Clock::movable();
        prepared.clock = clock.clone();
        if let Some(site) = prepared
            .store
            .editor
            .site_by_name(cms::demo::SITE)
            .await
            .expect("site")
        {
            cms::demo::seed(&prepared.store.editor, site.id)
                .await
                .expect("seed demo");
        }
        let running = prepared.serve(listeners).await.expect("serve");
        let http_addr = running.http.expect("http listener");
        let https_addr = running.https.expect("https listener");
        // A site with ACME certificates starts on a stand-in kept in the data directory.
        let cert = config.sites[0].tls_cert_file.clone().unwrap_or_else(|| {
            config
                .data_dir
                .join("acme")
                .join(&config.sites[0].name)
                .join("cert.pem")
        });
        TestServer {
            http_url: format!("http://127.0.0.1:{}", http_addr.port()),
            https_url: format!("https://localhost:{}", https_addr.port()),
            http_addr,
            https_addr,
            client: plain_client(),
            tls_client: tls_client(&cert, https_addr),
            config,
            clock,
            running: Some(running),
            dir,
        }
    }

    /// Stops the server and starts a new one on the same data directory (new ports).
    pub async fn restart(mut self) -> TestServer {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        let mut config = self.config.clone();
        let any = "127.0.0.1:0".parse().expect("address");
        config.server.http = Some(any);
        config.server.https = Some(any);
        Self::start_in(self.dir.clone(), config).await
    }

    /// Stops the server and starts a new one on the same data directory with the config
    /// changed by `change` (as an operator edits it between two starts).
    pub async fn restart_with(mut self, change: impl FnOnce(&mut Config)) -> TestServer {
        change(&mut self.config);
        self.restart().await
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    /// `http://…/metrics` when the config has a metrics listener.
    pub fn metrics_url(&self) -> Option<String> {
        let addr = self.running.as_ref()?.metrics?;
        Some(format!("http://{addr}/metrics"))
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    /// The page cache size of the running server.
    pub fn cached_pages(&self) -> usize {
        self.running
            .as_ref()
            .map(|r| r.cms.cached_pages())
            .unwrap_or(0)
    }

    /// Opens the database a second time, as the CLI in another process would.
    pub async fn open_store(&self) -> Store {
        Store::open(&self.config.database, &self.config.data_dir)
            .await
            .expect("open store")
    }

    /// GET over plain HTTP.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.http_url))
            .send()
            .await
            .expect("GET")
    }

    /// GET over HTTPS.
    pub async fn get_tls(&self, path: &str) -> reqwest::Response {
        self.tls_client
            .get(format!("{}{path}", self.https_url))
            .send()
            .await
            .expect("GET https")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = &self.running {
            r.signal_shutdown();
        }
    }
}

fn plain_client() -> reqwest::Client {
    init_for_test();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

/// A client that trusts exactly the server's certificate and resolves `localhost` to it.
pub fn tls_client(cert_file: &Path, addr: SocketAddr) -> reqwest::Client {
    tls_client_from(cert_file, addr, None)
}

/// The same, connecting from a chosen local address.
pub fn tls_client_from(
    cert_file: &Path,
    addr: SocketAddr,
    local: Option<std::net::IpAddr>,
) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_file).expect("read cert") {
        roots.add(cert.expect("parse cert")).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .local_address(local)
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("tls client")
}

impl TestServer {
    /// Creates an admin-interface account directly in the database.
    /// An account. An editor may edit the site when the config has one (as `bolwerk user add`
    /// does), and no site when it has several: tests give them with [`TestServer::set_sites_of`].
    pub async fn add_user(&self, name: &str, role: store::Role, password: &str, must_change: bool) {
        let store = self.open_store().await;
        let hash = auth::password::hash(password).expect("hash");
        let id = store
            .editor
            .create_user(name, role, &hash, must_change)
            .await
            .expect("create user");
        let sites = store.editor.sites().await.expect("sites");
        if role == store::Role::Editor && sites.len() == 1 {
            store
                .editor
                .set_sites_of(id, &[sites[0].id])
                .await
                .expect("grant");
        }
        store.close().await;
    }

    /// Grants editor `name` exactly the sites named.
    pub async fn set_sites_of(&self, name: &str, sites: &[&str]) {
        let store = self.open_store().await;
        let user = store
            .editor
            .user_by_name(name)
            .await
            .expect("user")
            .expect("no such user");
        let ids: Vec<i64> = store
            .editor
            .sites()
            .await
            .expect("sites")
            .iter()
            .filter(|s| sites.contains(&s.name.as_str()))
            .map(|s| s.id)
            .collect();
        store
            .editor
            .set_sites_of(user.id, &ids)
            .await
            .expect("grant");
        store.close().await;
    }

    /// A browser-like HTTPS client with its own cookie, user agent and source address.
    pub fn browser(&self) -> Browser {
        self.browser_from(
            "127.0.0.1".parse().expect("ip"),
            "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0",
        )
    }

    /// A browser that connects from `local` (any 127.x.y.z works on Linux) with `user_agent`.
    pub fn browser_from(&self, local: std::net::IpAddr, user_agent: &str) -> Browser {
        let cert = self.config.sites[0].tls_cert_file.clone().expect("cert");
        Browser {
            client: tls_client_from(&cert, self.https_addr, Some(local)),
            base: format!("{}{}", self.https_url, self.config.admin.path),
            origin: self.https_url.clone(),
            user_agent: user_agent.to_string(),
            cookie: std::sync::Mutex::new(None),
            accept_language: std::sync::Mutex::new(None),
        }
    }
}

/// Talks to the admin interface like a browser: keeps the session cookie, sends `Origin`,
/// `Sec-Fetch-Site` and its user agent, follows no redirects.
pub struct Browser {
    client: reqwest::Client,
    /// `https://localhost:PORT/_admin`
    pub base: String,
    origin: String,
    /// The `User-Agent` it sends.
    pub user_agent: String,
    cookie: std::sync::Mutex<Option<String>>,
    accept_language: std::sync::Mutex<Option<String>>,
}

impl Browser {
    /// The session cookie value it holds, if any.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    /// Replaces the cookie it holds (to replay one elsewhere).
    pub fn set_cookie(&self, value: Option<String>) {
        *self.cookie.lock().expect("lock") = value;
    }

    /// Sends `Accept-Language: value` from now on (`None`: no such header, the default).
    pub fn set_accept_language(&self, value: Option<&str>) {
        *self.accept_language.lock().expect("lock") = value.map(str::to_string);
    }

    fn remember(&self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or("");
            if let Some(rest) = v.strip_prefix(&format!("{}=", server::admin::COOKIE)) {
                let value = rest.split(';').next().unwrap_or("").to_string();
                let cleared = v.contains("Max-Age=0");
                self.set_cookie((!cleared && !value.is_empty()).then_some(value));
            }
        }
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let mut b = self
            .client
            .request(method, url)
            .header("user-agent", &self.user_agent);
        if let Some(c) = self.cookie() {
            b = b.header("cookie", format!("{}={c}", server::admin::COOKIE));
        }
        if let Some(l) = self.accept_language.lock().expect("lock").clone() {
            b = b.header("accept-language", l);
        }
        b
    }

    /// GET a path below the admin path (`/`, `/logins`), or an absolute URL.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let url = if path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let res = self
            .request(reqwest::Method::GET, &url)
            .send()
            .await
            .expect("GET");
        self.remember(&res);
        res
    }

    /// GET and return status and body.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// POST a form as a same-origin browser would.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_with(path, form, Some(&self.origin.clone())).await
    }

    /// POST a form with a chosen `Origin` (`None`: no Origin and no Sec-Fetch-Site).
    pub async fn post_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> reqwest::Response {
        let body: String = form_encode(form);
        let mut b = self
            .request(reqwest::Method::POST, &format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(o) = origin {
            let site = if o == self.origin {
                "same-origin"
            } else {
                "cross-site"
            };
            b = b.header("origin", o).header("sec-fetch-site", site);
        }
        let res = b.send().await.expect("POST");
        self.remember(&res);
        res
    }

    /// Signs in; returns the response (303 on success).
    pub async fn login(&self, user: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("user", user), ("password", password)])
            .await
    }

    /// The CSRF token on a page (from its sign-out form).
    pub async fn csrf(&self) -> String {
        let (_, html) = self.get_text("/sessions").await;
        csrf_in(&html).unwrap_or_default()
    }
}

/// The value of the first `name="csrf"` field in `html`.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

fn form_encode(form: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in form.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        for (j, part) in [k, v].iter().enumerate() {
            if j == 1 {
                s.push('=');
            }
            for b in part.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        s.push(b as char)
                    }
                    _ => s.push_str(&format!("%{b:02X}")),
                }
            }
        }
    }
    s
}

impl Browser {
    /// Uploads `bytes` as the `file` field of a multipart form, as a browser's file input does.
    /// Uploads `bytes` as `file_name` with a description ("alt") of `file_name`, as an editor
    /// fills the form in; [`Browser::upload_with`] chooses the fields.
    pub async fn upload(
        &self,
        path_and_query: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let alt = format!("picture {file_name}");
        self.upload_with(path_and_query, file_name, bytes, &[("alt", &alt)])
            .await
    }

    /// Uploads `bytes` as `file_name` with the text `fields` before it.
    pub async fn upload_with(
        &self,
        path_and_query: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.upload_accepting(path_and_query, file_name, bytes, fields, "text/html")
            .await
    }

    /// The same, asking for `accept` (the editor's drag-and-drop asks for JSON).
    pub async fn upload_accepting(
        &self,
        path_and_query: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
        accept: &str,
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let form = form.part("file", part);
        let res = self
            .request(
                reqwest::Method::POST,
                &format!("{}{path_and_query}", self.base),
            )
            .header("origin", &self.origin)
            .header("sec-fetch-site", "same-origin")
            .header("accept", accept)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        self.remember(&res);
        res
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

mod services;
pub use services::{DnsServer, ImapServer, SmtpOptions, SmtpSink};
