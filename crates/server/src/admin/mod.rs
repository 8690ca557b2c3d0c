//! The admin entrance: sign-in with lockout, sessions bound to network and browser, CSRF
//! checks, the login history and the audit log. Everything here needs HTTPS, and every
//! route is listed once in [`ROUTES`] with the access it requires.

mod account;
pub mod certificates;
mod charts;
mod codes;
mod content;
pub mod dns;
mod guard;
mod history;
mod inbox;
pub mod mail_admin;
mod media;
mod media_copies;
mod media_edits;
mod menu;
mod pages;
mod preview;
mod reset;
mod second_factor;
mod security;
pub mod selfcheck;
mod session;
mod trash;
mod users;
mod views;

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use store::{Editor, Recorder};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::AdminConfig;

pub use guard::Access;
pub use media_copies::backfill_images;
pub use session::COOKIE;

/// What admin handlers may use: the editor and recorder handles, never shared with the public
/// side.
#[derive(Clone)]
pub struct AdminState {
    inner: Arc<Inner>,
}

struct Inner {
    editor: Editor,
    recorder: Recorder,
    config: AdminConfig,
    /// The preview links' key, read from the database once (it never changes once made).
    preview_key: tokio::sync::OnceCell<cms::preview::PreviewKey>,
    /// `config.timezone`, looked up once.
    tz: i18n::TimeZone,
    /// Each site's time zone by site name: publication times are typed and shown in it.
    site_zones: std::collections::HashMap<String, i18n::TimeZone>,
    https_port: Option<u16>,
    views: views::Views,
    lockout: auth::lockout::LockoutPolicy,
    /// The public side's cache, emptied right after an edit made here so the editor sees the
    /// change at once (other processes' edits arrive with the content poll).
    cms: std::sync::Arc<cms::Cms>,
    /// Where uploads are written.
    media_dir: std::path::PathBuf,
    /// The shield, told about failed sign-ins so guessing from one address ends in a ban.
    shield: crate::guard_layer::ShieldState,
    /// Every site's certificate, for the Certificates page.
    certificates: Vec<certificates::CertEntry>,
    /// Mail settings, keys and the delivery worker, for the Mail page.
    mail: Option<mail_admin::MailAdmin>,
    /// The zones and DNSSEC checks, for the DNS page.
    dns: Option<std::sync::Arc<crate::dns_task::DnsRunner>>,
    /// The domain self-check, for the Check page.
    selfcheck: Option<std::sync::Arc<crate::check_task::CheckRunner>>,
    /// The virus scanner every upload goes through (none: scanning is off).
    antivirus: Option<Antivirus>,
    /// clamd's state, the rescans and the quarantine.
    av: Option<std::sync::Arc<crate::av_task::AvRunner>>,
}

/// What uploads need for virus scanning.
#[derive(Clone)]
pub struct Antivirus {
    /// The clamd client.
    pub clamd: av::Clamd,
    /// What to do while clamd cannot be asked.
    pub on_unavailable: av::config::OnUnavailable,
    /// Where a found virus is reported.
    pub alerts: std::sync::Arc<crate::alerts::Alerter>,
}

impl AdminState {
    /// Builds the admin side. `https_port` is where plain-HTTP visitors are sent.
    pub fn new(
        editor: Editor,
        recorder: Recorder,
        cms: std::sync::Arc<cms::Cms>,
        config: AdminConfig,
        media_dir: std::path::PathBuf,
        https_port: Option<u16>,
        shield: crate::guard_layer::ShieldState,
    ) -> Result<Self, minijinja::Error> {
        Ok(AdminState {
            inner: Arc::new(Inner {
                editor,
                recorder,
                preview_key: tokio::sync::OnceCell::new(),
                views: views::Views::new(&config.path)?,
                tz: config.time_zone(),
                site_zones: std::collections::HashMap::new(),
                config,
                https_port,
                lockout: auth::lockout::LockoutPolicy::default(),
                cms,
                media_dir,
                shield,
                certificates: Vec::new(),
                mail: None,
                dns: None,
                selfcheck: None,
                antivirus: None,
                av: None,
            }),
        })
    }

    /// Changes the state before it is shared (the `with_*` builders).
    fn before_shared(self, change: impl FnOnce(&mut Inner)) -> Result<Self, minijinja::Error> {
        let mut inner = Arc::try_unwrap(self.inner).map_err(|_| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "the admin state is already shared",
            )
        })?;
        change(&mut inner);
        Ok(AdminState {
            inner: Arc::new(inner),
        })
    }

    /// The same, with the sites' certificates for the Certificates page (before it is
    /// shared).
    pub fn with_certificates(
        self,
        certificates: Vec<certificates::CertEntry>,
    ) -> Result<Self, minijinja::Error> {
        self.before_shared(|i| i.certificates = certificates)
    }

    /// The same, with what the Mail page needs (before it is shared).
    pub fn with_mail(self, mail: mail_admin::MailAdmin) -> Result<Self, minijinja::Error> {
        self.before_shared(|i| i.mail = Some(mail))
    }

    /// The same, with the DNS duties for the DNS page (before it is shared).
    pub fn with_dns(
        self,
        dns: std::sync::Arc<crate::dns_task::DnsRunner>,
    ) -> Result<Self, minijinja::Error> {
        self.before_shared(|i| i.dns = Some(dns))
    }

    /// The same, with the virus scanner uploads go through and the runner that keeps its
    /// state, rescans and quarantine (before it is shared).
    pub fn with_antivirus(
        self,
        antivirus: Option<Antivirus>,
        av: std::sync::Arc<crate::av_task::AvRunner>,
    ) -> Result<Self, minijinja::Error> {
        self.before_shared(|i| {
            i.antivirus = antivirus;
            i.av = Some(av);
        })
    }

    /// The same, with each site's time zone (before it is shared).
    pub fn with_site_zones(
        self,
        zones: std::collections::HashMap<String, i18n::TimeZone>,
    ) -> Result<Self, minijinja::Error> {
        self.before_shared(|i| i.site_zones = zones)
    }

    /// The sites in the config (every configured site has a zone). One taken out of the
    /// config keeps its pages in the database, but nobody edits or is granted it.
    async fn configured_sites(&self) -> Result<Vec<store::Site>, store::Error> {
        let mut sites = self.inner.editor.sites().await?;
        sites.retain(|site| self.inner.site_zones.contains_key(&site.name));
        Ok(sites)
    }

    /// The time zone of the site called `name` (the admin's for one not in the config).
    fn site_zone(&self, name: &str) -> i18n::TimeZone {
        self.inner
            .site_zones
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.inner.tz.clone())
    }

    /// The same, with the domain self-check for the Check page (before it is shared).
    pub fn with_selfcheck(
        self,
        selfcheck: std::sync::Arc<crate::check_task::CheckRunner>,
    ) -> Result<Self, minijinja::Error> {
        self.before_shared(|i| i.selfcheck = Some(selfcheck))
    }

    fn base(&self) -> &str {
        &self.inner.config.path
    }

    /// Appends to the audit log as the signed-in user, from the visitor's address.
    async fn audit(
        &self,
        visitor: &Visitor,
        action: &str,
        detail: &str,
    ) -> Result<(), store::Error> {
        let actor = visitor
            .session
            .as_ref()
            .map(|s| s.user.name.as_str())
            .unwrap_or("?");
        self.inner
            .recorder
            .audit(actor, Some(&visitor.ip_string()), action, detail)
            .await
    }

    /// The time (Unix seconds) by the server's clock, which tests move instead of sleeping.
    fn now(&self) -> i64 {
        self.inner.shield.clock.now()
    }

    /// Empties the public page cache after a content change made in the admin.
    async fn content_changed(&self) {
        if let Err(e) = self.inner.cms.refresh().await {
            tracing::warn!(error = %e, "could not refresh the page cache; the content poll will");
        }
    }
}

/// One admin route: method, path below the admin path, and who may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path below `admin.path`, e.g. `/login`.
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

/// How large a body a route's handler reads (its `Form` or `Multipart`; axum's default is
/// 2 MiB): a signed-in person's up to the upload limit, so a camera photo gets through; an
/// anonymous request's (sign-in, password reset) the default. The guard runs first, so a
/// stranger never gets the larger limit; `RequestBodyLimitLayer` bounds the whole request.
fn body_limit(state: &AdminState, access: Access) -> axum::extract::DefaultBodyLimit {
    const ANONYMOUS: usize = 2 << 20;
    match access {
        Access::Anyone => axum::extract::DefaultBodyLimit::max(ANONYMOUS),
        _ => {
            axum::extract::DefaultBodyLimit::max(state.inner.config.max_upload_bytes.max(ANONYMOUS))
        }
    }
}

macro_rules! admin_routes {
    ($( $method:ident $path:literal $access:ident => $handler:path ;)*) => {
        /// Every admin route. The router is built from this list, so a route cannot exist
        /// without its access rule, and the route-table test compares against it.
        pub const ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, access: Access::$access }, )*
        ];

        /// The admin router with every route behind its guard, and all of it (assets and
        /// wrong methods included) only for the sites' hosts.
        pub fn router(state: AdminState) -> Router {
            let base = state.base().to_string();
            let mut router = Router::new();
            $(
                router = router.route(
                    &format!("{base}{}", $path),
                    $method($handler)
                        .route_layer(body_limit(&state, Access::$access))
                        .route_layer(middleware::from_fn_with_state(
                            (state.clone(), Access::$access),
                            guard::guard,
                        )),
                );
            )*
            router
                .layer(middleware::from_fn_with_state(state.clone(), guard::known_host))
                .with_state(state)
        }
    };
}

admin_routes! {
    get "" Anyone => pages::to_dashboard;
    get "/assets/admin.css" Anyone => pages::stylesheet;
    get "/assets/admin.js" Anyone => content::script;
    get "/login" Anyone => session::login_form;
    post "/login" Anyone => session::login;
    post "/logout" Pending => session::logout;
    get "/forgot" Anyone => reset::forgot_form;
    post "/forgot" Anyone => reset::forgot;
    get "/reset" Anyone => reset::reset_form;
    post "/reset" Anyone => reset::reset;
    post "/email" SignedIn => reset::set_email;
    get "/login/2fa" Pending => second_factor::code_form;
    post "/login/2fa" Pending => second_factor::check_code;
    get "/2fa" SignedIn => second_factor::setup;
    post "/2fa/enable" SignedIn => second_factor::enable;
    post "/2fa/disable" SignedIn => second_factor::disable;
    get "/settings" Admin => second_factor::settings;
    post "/settings" Admin => second_factor::save_settings;
    get "/password" SignedIn => account::password_form;
    post "/password" SignedIn => account::change_password;
    post "/language" SignedIn => account::set_language;
    get "/" Editor => pages::dashboard;
    get "/pages" Editor => content::list;
    get "/pages/new" Editor => content::new_page;
    get "/pages/edit" Editor => content::edit;
    post "/pages/save" Editor => content::save;
    post "/pages/preview" Editor => content::preview;
    get "/preview/{token}" Anyone => preview::show;
    post "/pages/trash" Editor => trash::trash;
    post "/pages/restore" Editor => trash::restore;
    get "/pages/history" Editor => history::history;
    post "/pages/history/restore" Editor => history::restore_revision;
    get "/trash" Editor => trash::trash_list;
    get "/media" Editor => media::list;
    post "/media/upload" Editor => media::upload;
    post "/media/delete" Editor => media_edits::delete;
    post "/media/alt" Editor => media_edits::set_alt;
    post "/media/icon" Editor => media_edits::set_icon;
    post "/media/release" Admin => media_edits::release;
    post "/media/rescan" Admin => media_edits::rescan;
    get "/menu" Editor => menu::menu;
    post "/menu" Editor => menu::save_menu;
    get "/sessions" Editor => pages::sessions;
    post "/sessions/revoke" Editor => pages::revoke_session;
    post "/sessions/revoke-others" Editor => pages::revoke_other_sessions;
    get "/logins" Admin => pages::logins;
    get "/logins.csv" Admin => pages::logins_csv;
    get "/audit" Admin => pages::audit;
    get "/users" Admin => users::users;
    post "/users/add" Admin => users::add_user;
    post "/users/disable" Admin => users::disable_user;
    post "/users/enable" Admin => users::enable_user;
    post "/users/reset" Admin => users::reset_user;
    post "/users/role" Admin => users::set_role;
    post "/users/sites" Admin => users::set_sites;
    get "/security" Admin => security::overview;
    post "/security/ban" Admin => security::ban;
    post "/security/unban" Admin => security::unban;
    post "/security/allow" Admin => security::allow;
    post "/security/disallow" Admin => security::disallow;
    get "/security/rules" Admin => security::rules;
    post "/security/rules" Admin => security::switch_rule;
    get "/certificates" Admin => certificates::overview;
    post "/certificates/renew" Admin => certificates::renew;
    get "/dns" Admin => dns::overview;
    post "/dns/sync" Admin => dns::sync;
    post "/dns/check" Admin => dns::check;
    get "/check" Admin => selfcheck::overview;
    post "/check/run" Admin => selfcheck::run;
    get "/inbox" Editor => inbox::inbox;
    post "/inbox/state" Editor => inbox::set_state;
    get "/mail" Admin => mail_admin::overview;
    get "/mail/check" Admin => mail_admin::check;
    post "/mail/requeue" Admin => mail_admin::requeue;
    post "/mail/keygen" Admin => mail_admin::keygen;
    post "/mail/activate" Admin => mail_admin::activate;
    post "/mail/remove-key" Admin => mail_admin::remove_key;
    get "/dmarc" Admin => mail_admin::dmarc;
    post "/dmarc/upload" Admin => mail_admin::dmarc_upload;
}

/// Setting name: `on` when every account must use two-factor authentication.
pub const REQUIRE_2FA: &str = "require_2fa";

/// Whether `method` is one that changes state (and so needs the CSRF checks).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Who is asking: address, browser and, if signed in, the session.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// Client address.
    pub ip: IpAddr,
    /// `User-Agent`, cut to 256 characters.
    pub user_agent: String,
    /// The session, if a valid one came with the request.
    pub session: Option<store::Session>,
}

impl Visitor {
    fn ip_string(&self) -> String {
        self.ip.to_string()
    }
}

/// Argon2id runs admitted a few at a time.
///
/// One run takes 19 MiB and tens of milliseconds of a core, on purpose. Unbounded, a burst of
/// sign-ins queued them all on the blocking pool at once (60 from six addresses took the
/// process from 150 MiB to 1.2 GiB). So every run (a sign-in, the stand-in check for an
/// unknown name, a password re-check, a new password, a reset) needs one of `2 × cores` slots,
/// process-wide because memory and cores are the process's; a request that finds none free
/// within [`ARGON2_WAIT`] is answered at once with 503 and `Retry-After` instead of queueing.
/// The slot is held until the run ends, even if the client has gone.
static ARGON2_SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Arc::new(Semaphore::new(2 * cores))
});

/// How long a request waits for an Argon2 slot before it is told to come back.
const ARGON2_WAIT: Duration = Duration::from_secs(1);

/// Seconds in the `Retry-After` of a busy answer.
const RETRY_AFTER_S: u64 = 5;

/// Permission to run Argon2 once: the only way to hash or check a password here.
pub(super) struct Argon2Slot {
    _permit: OwnedSemaphorePermit,
}

/// Every Argon2 slot stayed taken for the whole wait.
#[derive(Debug)]
pub(super) struct Busy;

/// Waits up to [`ARGON2_WAIT`] for an Argon2 slot.
pub(super) async fn argon2_slot() -> Result<Argon2Slot, Busy> {
    match tokio::time::timeout(ARGON2_WAIT, ARGON2_SLOTS.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(Argon2Slot { _permit: permit }),
        // Timed out (the semaphore is never closed).
        _ => Err(Busy),
    }
}

impl Argon2Slot {
    /// Runs `f` off the async workers, holding the slot until it returns.
    async fn run<T: Send + 'static>(self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        tokio::task::spawn_blocking(move || {
            let _slot = self;
            f()
        })
        .await
        .ok()
    }
}

/// Adds `Retry-After` to a busy answer.
pub(super) fn retry_later(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
    res
}

impl AdminState {
    /// 503 with `Retry-After`: every Argon2 slot is taken.
    pub(super) fn busy(&self) -> Response {
        retry_later(self.inner.views.error(
            StatusCode::SERVICE_UNAVAILABLE,
            &views::tr("busy-title"),
            &views::tr("busy"),
        ))
    }
}

/// Hashes a password in an Argon2 slot.
async fn hash_password(slot: Argon2Slot, password: &str) -> Result<String, store::Error> {
    let pw = password.to_string();
    let bad = |reason: String| store::Error::Invalid {
        field: "password",
        reason,
    };
    slot.run(move || auth::password::hash(&pw))
        .await
        .ok_or_else(|| bad("the hashing task failed".into()))?
        .map_err(|e| bad(e.to_string()))
}

/// Checks a password in an Argon2 slot.
async fn verify_password(slot: Argon2Slot, password: &str, phc: &str) -> bool {
    let (pw, phc) = (password.to_string(), phc.to_string());
    slot.run(move || auth::password::verify(&pw, &phc))
        .await
        .unwrap_or(false)
}

/// Spends the time of one check in an Argon2 slot, for a name that does not exist.
async fn verify_dummy(slot: Argon2Slot, password: &str) {
    let pw = password.to_string();
    slot.run(move || auth::password::verify_dummy(&pw)).await;
}
