//! The shield's state, as the rest of the server sees it: the engine, the route table,
//! the clock and the writers, and what the admin, the sign-in and the listener ask of it.

use std::net::IpAddr;
use std::sync::Arc;

use shield::bans::{Ban, Subject};
use shield::defense::{Consequence, Defense, Observation, Time};
use tokio::sync::mpsc;

use crate::config::BanResponse;
use crate::metrics::Metrics;
use crate::shield_tasks::{Event, Overflow, PendingBans, Tuning};

/// What the shield layer needs; one reference-counted block, so the per-request clone that
/// axum makes is a single atomic increment.
#[derive(Clone)]
pub struct ShieldState(pub(crate) Arc<ShieldInner>);

impl std::ops::Deref for ShieldState {
    type Target = ShieldInner;
    fn deref(&self) -> &ShieldInner {
        &self.0
    }
}

/// The shield's parts.
pub struct ShieldInner {
    pub(crate) defense: Defense,
    pub(crate) routes: crate::route_table::RouteTable,
    pub(crate) clock: store::Clock,
    pub(crate) ban_response: BanResponse,
    /// Largest public body: what the shield inspects whole (bodies are never half-judged).
    pub(crate) max_public_body: usize,
    /// How long after the request's head its body must be in (just under the request timeout).
    pub(crate) body_timeout: std::time::Duration,
    pub(crate) events: mpsc::Sender<Event>,
    /// Events that found the queue full, coalesced.
    pub(crate) overflow: Arc<Overflow>,
    pub(crate) pending: PendingBans,
    /// Checks Googlebot/Bingbot claims before a 404 ban (`None`: `verify_crawlers` is off).
    pub(crate) crawlers: Option<Arc<crate::crawlers::Verifier>>,
    pub(crate) tuning: Tuning,
    pub(crate) metrics: Arc<Metrics>,
}

impl ShieldState {
    pub(crate) fn now(&self) -> Time {
        Time::from_unix_ms(self.clock.now_ms())
    }

    /// A failed admin sign-in from `ip` (wrong password, unknown name, wrong code): enough of
    /// them within ten minutes get the address banned, whichever names it tries.
    pub fn failed_login(&self, ip: IpAddr) {
        let c = self
            .defense
            .observe(ip, Observation::FailedSignIn, self.now());
        self.act(ip, "login", c);
    }

    /// A client held a connection or a request without finishing it (closed idle, timed out
    /// before its first request completed, or a body that did not arrive in time): enough of
    /// them get it banned, so starving the server costs the attacker its access.
    pub fn stalled(&self, ip: IpAddr) {
        let c = self.defense.observe(ip, Observation::Stalled, self.now());
        self.act(ip, "stalled", c);
    }

    /// The metrics the shield counts into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Takes in bans, allowlist entries and rule switches changed in the database now, rather
    /// than at the next sync (the admin calls this after a change).
    pub async fn resync(&self, recorder: &store::Recorder) {
        crate::shield_tasks::sync(self, recorder).await;
    }

    /// Lifts a ban here at once, including one made moments ago that the database may not
    /// hold yet (it is then not written at all). A ban of the subject being written right
    /// now is waited for (a few seconds at most), so the caller's lift in the database,
    /// which comes after this, covers it and it cannot come back.
    pub async fn lift(&self, subject: Subject) {
        self.pending.forget(subject).await;
        self.defense.lift(subject, self.now());
    }

    /// The allowlist of the config file (shown, not editable, in the admin).
    pub fn config_allowlist(&self) -> Vec<String> {
        self.tuning.allow.iter().map(|c| c.to_string()).collect()
    }

    /// Rules switched off in the config file (the admin cannot switch them on).
    pub fn config_disabled_rules(&self) -> &[u32] {
        &self.tuning.inspect.disabled_rules
    }

    /// Ranges on the blocklists now.
    pub fn blocklist_ranges(&self) -> usize {
        self.defense.blocklist_len()
    }

    pub(crate) fn act(&self, ip: IpAddr, cause: &str, c: Consequence) {
        if let Consequence::Banned(ban) = c {
            self.record_ban(ip, cause, ban);
        }
    }

    /// Logs and counts a ban, and hands it to the writer (never dropped); `cause` is the
    /// metrics label.
    pub(crate) fn record_ban(&self, ip: IpAddr, cause: &str, ban: Ban) {
        self.metrics.ban(cause);
        tracing::info!(
            target: "shield",
            count = ban.count,
            client.ip = %ip,
            ban.subject = %ban.subject,
            ban.duration_s = ban.until.map(|u| u - ban.at).unwrap_or(-1),
            "banned: {}", ban.reason
        );
        self.pending.add(ban, ip);
    }
}

impl crate::listen::Doorman for ShieldState {
    fn refuses(&self, ip: IpAddr) -> bool {
        self.ban_response == BanResponse::Close && self.defense.refusal(ip, self.now()).is_some()
    }

    fn held(&self, ip: IpAddr) {
        self.stalled(ip);
    }

    fn banned(&self, ip: IpAddr) -> bool {
        self.defense.refusal(ip, self.now()).is_some()
    }
}
