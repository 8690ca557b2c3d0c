//! The shield in front of the router: every request's facts go through `shield::Shield`
//! before any routing work; attacks are refused (or only logged, in detect mode) and
//! recorded as security events.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::Body as _;
use tokio::sync::mpsc;

use std::net::IpAddr;
use std::sync::{Mutex, RwLock};

use anyhow::Context;
use shield::bans::{Ban, BanPolicy, BanTable, NotFoundCounter, Subject, Tally};
use shield::blocklist::Blocklist;
use shield::net::Cidr;

use crate::blocklists::Source;
use crate::config::{BanResponse, ShieldConfig, ShieldMode};
use crate::listen::ClientAddr;
use crate::metrics::{Metrics, Outcome};
use crate::rate_limits::Limits;
pub(crate) use crate::request_body::is_urlencoded;
use crate::request_body::{BodyError, read_body, without_fields};

/// A security event to write to the database, off the request path: `waf_block`,
/// `waf_detect`. (Bans travel apart, through [`PendingBans`], and are never dropped.)
#[derive(Debug)]
pub struct Event {
    /// Kind.
    kind: &'static str,
    /// Client address.
    ip: String,
    /// Rules, score, where, what.
    detail: String,
}

/// Bans made here and not yet written, one per subject (a newer ban of the same subject
/// replaces the older one). A flood of attackers makes this as long as the ban table and no
/// longer; the writer drains it whole and puts back what it could not write.
#[derive(Default)]
struct PendingBans {
    bans: Mutex<std::collections::HashMap<Subject, (Ban, IpAddr)>>,
    /// Subjects of the batch being written now (a lift waits for them, see
    /// [`ShieldState::lift`]).
    writing: Mutex<std::collections::HashSet<Subject>>,
    wake: tokio::sync::Notify,
}

/// Bans, the counters that lead to them, the rate limits and the allowlist.
struct Defense {
    bans: Mutex<BanTable>,
    pending: PendingBans,
    not_found: Mutex<NotFoundCounter>,
    /// Blocked attacks per client, wherever in the request they were.
    attacks: Mutex<Tally>,
    throttled: Mutex<Tally>,
    failed_logins: Mutex<Tally>,
    /// Connections held and requests stalled without finishing (see [`ShieldState::stalled`]).
    stalled: Mutex<Tally>,
    limits: Limits,
    /// The config's allowlist and the database's, merged.
    allow: RwLock<Arc<Vec<Cidr>>>,
    blocked: RwLock<Arc<Blocklist>>,
    /// The rules, recompiled when an administrator switches one.
    shield: RwLock<Arc<shield::Shield>>,
    tuning: Tuning,
    metrics: Arc<Metrics>,
}

/// What the shield was started with, to merge the database's tuning into.
struct Tuning {
    inspect: shield::InspectConfig,
    allow: Vec<Cidr>,
}

impl Defense {
    fn allowed(&self, ip: IpAddr) -> bool {
        read(&self.allow).iter().any(|c| c.contains(ip))
    }

    /// Whether the client is refused outright: blocklisted or banned.
    fn refused(&self, ip: IpAddr) -> Option<Outcome> {
        if read(&self.blocked).contains(ip) {
            Some(Outcome::Blocklisted)
        } else if lock(&self.bans).check(ip, store::now()).is_some() {
            Some(Outcome::Banned)
        } else {
            None
        }
    }

    /// Takes in the allowlist and rule switches kept in the database.
    fn tune(&self, allow: &[store::AllowEntry], switches: &[store::RuleSwitch]) {
        let mut merged = self.tuning.allow.clone();
        merged.extend(allow.iter().filter_map(|a| Cidr::parse(&a.cidr)));
        self.metrics.allowlist_entries.set(merged.len() as i64);
        if **read(&self.allow) != merged {
            *write(&self.allow) = Arc::new(merged);
        }
        let mut disabled = self.tuning.inspect.disabled_rules.clone();
        disabled.extend(
            switches
                .iter()
                .filter(|s| !s.enabled)
                .filter_map(|s| u32::try_from(s.rule_id).ok()),
        );
        disabled.sort_unstable();
        disabled.dedup();
        if read(&self.shield).config().disabled_rules == disabled {
            return;
        }
        let config = shield::InspectConfig {
            disabled_rules: disabled,
            ..self.tuning.inspect.clone()
        };
        match shield::Shield::new(config) {
            Ok(fresh) => {
                tracing::info!(target: "shield", disabled = ?fresh.config().disabled_rules, "rule switches changed");
                *write(&self.shield) = Arc::new(fresh);
            }
            Err(e) => tracing::warn!(target: "shield", error = %e, "could not apply rule switches"),
        }
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the shield layer needs; one reference-counted block, so the per-request clone that
/// axum makes is a single atomic increment.
#[derive(Clone)]
pub struct ShieldState(Arc<ShieldInner>);

impl std::ops::Deref for ShieldState {
    type Target = ShieldInner;
    fn deref(&self) -> &ShieldInner {
        &self.0
    }
}

/// The shield's parts.
pub struct ShieldInner {
    mode: ShieldMode,
    ban_response: BanResponse,
    admin_path: Arc<str>,
    /// Largest public body: what the shield inspects whole (bodies are never half-judged).
    max_public_body: usize,
    /// How long after the request's head its body must be in (just under the request timeout).
    body_timeout: std::time::Duration,
    events: mpsc::Sender<Event>,
    defense: Arc<Defense>,
    /// Checks Googlebot/Bingbot claims before a 404 ban (`None`: `verify_crawlers` is off).
    crawlers: Option<Arc<crate::crawlers::Verifier>>,
    /// Contact-form paths and their free-text fields (`textarea`), which the shield does not
    /// judge: what a visitor writes there is stored escaped and mailed as plain text, never
    /// executed, and honest messages quote code too. Every other part of such a post is
    /// inspected as usual.
    free_text: std::collections::HashMap<String, Vec<String>>,
}

impl ShieldState {
    /// Compiles the rules, loads the bans in force from the database and starts the writers:
    /// one for bans (never dropped, see [`PendingBans`]) and one for the other security events
    /// (bounded: under a flood, events beyond the queue are counted as dropped, not written).
    pub async fn start(
        config: &ShieldConfig,
        admin_path: &str,
        server: &crate::config::ServerConfig,
        recorder: store::Recorder,
        data_dir: &std::path::Path,
        metrics: Arc<Metrics>,
        free_text: std::collections::HashMap<String, Vec<String>>,
    ) -> anyhow::Result<ShieldState> {
        let inspect = shield::InspectConfig {
            threshold: config.threshold,
            disabled_rules: config.disabled_rules.clone(),
            // Public bodies over `max_inspected_body` are refused before inspection; this
            // bound is for a form body re-encoded without its free text, which percent-encoding
            // can make up to three times longer. Nothing is left uninspected.
            max_body: config.max_inspected_body.saturating_mul(3),
        };
        let shield = shield::Shield::new(inspect.clone())?;
        let sources: Vec<Source> = config.blocklists.iter().map(|e| Source::parse(e)).collect();
        let mut lists = Vec::new();
        for source in &sources {
            let path = source.local_path(data_dir);
            let list = match source {
                Source::File(_) => crate::blocklists::load(&path)
                    .await
                    .with_context(|| format!("blocklist {}", source.label()))?,
                Source::Url(url) => load_or_fetch(url, &path, &metrics).await,
            };
            tracing::info!(target: "shield", ranges = list.len(), skipped = list.skipped(), "loaded blocklist {}", source.label());
            lists.push(list);
        }
        let now = store::now();
        let mut bans = BanTable::new(BanPolicy {
            durations: config.ban_durations_s.clone(),
            ..BanPolicy::default()
        });
        for b in recorder.active_bans(now).await? {
            if let Some(subject) = Subject::parse(&b.subject) {
                bans.insert(stored_to_ban(subject, b), now);
            }
        }
        let defense = Arc::new(Defense {
            bans: Mutex::new(bans),
            pending: PendingBans::default(),
            not_found: Mutex::new(NotFoundCounter::new(
                config.ban_404_window_s,
                config.ban_404_threshold,
            )),
            attacks: Mutex::new(Tally::new(
                config.ban_404_window_s,
                u32::try_from(config.ban_attack_threshold).unwrap_or(u32::MAX),
            )),
            throttled: Mutex::new(Tally::new(
                config.ban_404_window_s,
                config.ban_flood_threshold,
            )),
            failed_logins: Mutex::new(Tally::new(600, config.ban_login_failures)),
            stalled: Mutex::new(Tally::new(600, config.ban_stalled_threshold)),
            limits: Limits::new(config),
            blocked: RwLock::new(Arc::new(Blocklist::union(&lists))),
            allow: RwLock::new(Arc::new(Vec::new())),
            shield: RwLock::new(Arc::new(shield)),
            tuning: Tuning {
                inspect,
                allow: config
                    .allowlist
                    .iter()
                    .filter_map(|c| Cidr::parse(c))
                    .collect(),
            },
            metrics,
        });
        defense
            .metrics
            .blocklist_ranges
            .set(read(&defense.blocked).len() as i64);
        defense.tune(
            &recorder.allowlist().await?,
            &recorder.rule_switches().await?,
        );
        let (events, rx) = mpsc::channel(4096);
        tokio::spawn(record_events(rx, recorder.clone()));
        tokio::spawn(store_bans(Arc::downgrade(&defense), recorder.clone()));
        tokio::spawn(expire(
            Arc::downgrade(&defense),
            recorder,
            config.sync_interval_s,
        ));
        if !sources.is_empty() {
            tokio::spawn(refresh_blocklists(
                Arc::downgrade(&defense),
                sources,
                data_dir.to_path_buf(),
                lists,
                config.blocklist_refresh_s,
            ));
        }
        let crawlers = if config.verify_crawlers {
            Some(Arc::new(crate::crawlers::Verifier::new(config.crawler_dns)))
        } else {
            None
        };
        Ok(ShieldState(Arc::new(ShieldInner {
            crawlers,
            mode: config.mode,
            ban_response: config.ban_response,
            admin_path: admin_path.into(),
            max_public_body: config.max_inspected_body.min(server.max_body_bytes),
            // A quarter second before the request timeout, which would end the request
            // without counting the stall.
            body_timeout: std::time::Duration::from_secs(server.request_timeout_s.max(1))
                .saturating_sub(std::time::Duration::from_millis(250)),
            events,
            defense,
            free_text,
        })))
    }

    /// A failed admin sign-in from `ip` (wrong password, unknown name, wrong code): enough of
    /// them within ten minutes get the address banned, whichever names it tries.
    pub fn failed_login(&self, ip: IpAddr) {
        if self.defense.allowed(ip) {
            return;
        }
        if lock(&self.defense.failed_logins).record(ip, store::now()) {
            lock(&self.defense.failed_logins).forget(ip);
            self.ban(ip, "login", "repeated failed admin sign-ins");
        }
    }

    /// Whether `path` is the admin's (the admin path itself or below it; `/_adminx` is not).
    fn is_admin(&self, path: &str) -> bool {
        path.strip_prefix(&*self.admin_path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// Whether the client is banned or blocklisted (and not allowlisted), in any ban mode.
    fn banned(&self, ip: IpAddr) -> bool {
        self.mode != ShieldMode::Off
            && !self.defense.allowed(ip)
            && self.defense.refused(ip).is_some()
    }

    /// Whether connections from `ip` are closed at accept (`ban_response = "close"` and the
    /// client is blocklisted or banned, and not allowlisted).
    pub fn closes(&self, ip: IpAddr) -> bool {
        self.ban_response == BanResponse::Close
            && self.mode != ShieldMode::Off
            && !self.defense.allowed(ip)
            && self.defense.refused(ip).is_some()
    }

    /// The metrics the shield counts into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.defense.metrics
    }

    /// Takes in bans, allowlist entries and rule switches changed in the database now, rather
    /// than at the next sync (the admin calls this after a change).
    pub async fn resync(&self, recorder: &store::Recorder) {
        sync(&self.defense, recorder).await;
    }

    /// Lifts a ban here at once, including one made moments ago that the database may not
    /// hold yet (it is then not written at all). A ban of the subject being written right
    /// now is waited for (a few seconds at most), so the caller's lift in the database,
    /// which comes after this, covers it and it cannot come back.
    pub async fn lift(&self, subject: Subject) {
        lock(&self.defense.pending.bans).remove(&subject);
        for _ in 0..500 {
            if !lock(&self.defense.pending.writing).contains(&subject) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // A write that failed meanwhile put its batch back.
        lock(&self.defense.pending.bans).remove(&subject);
        lock(&self.defense.bans).lift(subject);
    }

    /// A client held a connection or a request without finishing it: a connection closed
    /// idle or timed out before its first request completed, or a body that did not arrive
    /// in time. Enough of them within ten minutes (`ban_stalled_threshold`) get it banned,
    /// so starving the server costs the attacker its access.
    pub fn stalled(&self, ip: IpAddr) {
        // A banned client's own held connections do not escalate its ban.
        if self.mode == ShieldMode::Off
            || self.defense.allowed(ip)
            || self.defense.refused(ip).is_some()
        {
            return;
        }
        if lock(&self.defense.stalled).record(ip, store::now()) {
            self.ban(
                ip,
                "stalled",
                "connections held or requests stalled without finishing",
            );
        }
    }

    /// The allowlist of the config file (shown, not editable, in the admin).
    pub fn config_allowlist(&self) -> Vec<String> {
        self.defense
            .tuning
            .allow
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    /// Rules switched off in the config file (the admin cannot switch them on).
    pub fn config_disabled_rules(&self) -> &[u32] {
        &self.defense.tuning.inspect.disabled_rules
    }

    /// Ranges on the blocklists now.
    pub fn blocklist_ranges(&self) -> usize {
        read(&self.defense.blocked).len()
    }

    fn send(&self, kind: &'static str, ip: String, detail: String) {
        if self.events.try_send(Event { kind, ip, detail }).is_err() {
            self.defense.metrics.events_dropped.inc();
            tracing::warn!(target: "shield", "security event queue full; event not recorded");
        }
    }

    /// Bans the client and records it; `cause` is the metrics label.
    fn ban(&self, ip: IpAddr, cause: &str, reason: &str) {
        self.defense.metrics.ban(cause);
        let ban = lock(&self.defense.bans).ban(ip, store::now(), reason);
        lock(&self.defense.not_found).forget(ip);
        lock(&self.defense.attacks).forget(ip);
        lock(&self.defense.throttled).forget(ip);
        lock(&self.defense.stalled).forget(ip);
        tracing::info!(
            target: "shield",
            count = ban.count,
            client.ip = %ip,
            ban.subject = %ban.subject,
            ban.duration_s = ban.until.map(|u| u - store::now()).unwrap_or(-1),
            "banned: {reason}"
        );
        lock(&self.defense.pending.bans).insert(ban.subject, (ban, ip));
        self.defense.pending.wake.notify_one();
    }
}

impl crate::listen::Doorman for ShieldState {
    fn refuses(&self, ip: IpAddr) -> bool {
        self.closes(ip)
    }

    fn held(&self, ip: IpAddr) {
        self.stalled(ip);
    }

    fn banned(&self, ip: IpAddr) -> bool {
        ShieldState::banned(self, ip)
    }
}

fn stored_to_ban(subject: Subject, b: store::StoredBan) -> Ban {
    Ban {
        subject,
        until: b.until,
        reason: b.reason,
        count: b.count.max(1) as u32,
        at: b.created_at,
    }
}

/// A URL list at start: its cached copy, or a first download; an empty list (with a warning)
/// when neither works, so a network outage does not keep the server from starting.
async fn load_or_fetch(url: &str, path: &std::path::Path, metrics: &Metrics) -> Blocklist {
    if let Ok(list) = crate::blocklists::load(path).await {
        return list;
    }
    match crate::blocklists::download(url, path, |_, _| {}).await {
        Ok(_) => crate::blocklists::load(path)
            .await
            .unwrap_or_else(|_| Blocklist::union(&[])),
        Err(e) => {
            metrics.blocklist_failures.inc();
            tracing::warn!(target: "shield", error = format!("{e:#}"), "blocklist {url} not available yet; retrying on schedule");
            Blocklist::union(&[])
        }
    }
}

/// Keeps the blocklists current: URLs are downloaded every `every_s` seconds, and any list
/// file (kept by the operator, or a cached download, e.g. from `bolwerk blocklist update`) is
/// re-read when it changes. A list that cannot be read or parsed keeps its last good copy,
/// with a warning: a broken download never empties the list.
async fn refresh_blocklists(
    defense: std::sync::Weak<Defense>,
    sources: Vec<Source>,
    data_dir: std::path::PathBuf,
    mut good: Vec<Blocklist>,
    every_s: u64,
) {
    let every_s = every_s.max(1);
    let check = std::time::Duration::from_secs(every_s.min(30));
    let mut seen: Vec<Option<std::time::SystemTime>> = Vec::new();
    for s in &sources {
        seen.push(modified(&s.local_path(&data_dir)).await);
    }
    let mut last_download = std::time::Instant::now();
    loop {
        tokio::time::sleep(check).await;
        let Some(d) = defense.upgrade() else { return };
        let download = last_download.elapsed().as_secs() >= every_s;
        if download {
            last_download = std::time::Instant::now();
        }
        let mut changed = false;
        for (i, source) in sources.iter().enumerate() {
            let path = source.local_path(&data_dir);
            if let (Source::Url(url), true) = (source, download)
                && let Err(e) = crate::blocklists::download(url, &path, |_, _| {}).await
            {
                d.metrics.blocklist_failures.inc();
                tracing::warn!(target: "shield", error = format!("{e:#}"), "blocklist {url} not refreshed; keeping the last good copy");
            }
            let now_modified = modified(&path).await;
            if now_modified.is_none() || seen.get(i) == Some(&now_modified) {
                continue;
            }
            match crate::blocklists::load(&path).await {
                Ok(list) => {
                    if let Some(slot) = good.get_mut(i) {
                        *slot = list;
                        changed = true;
                    }
                    if let Some(s) = seen.get_mut(i) {
                        *s = now_modified;
                    }
                }
                Err(e) => {
                    d.metrics.blocklist_failures.inc();
                    tracing::warn!(target: "shield", error = format!("{e:#}"), "blocklist {} not refreshed; keeping the last good copy", source.label())
                }
            }
        }
        if changed {
            let merged = Arc::new(Blocklist::union(&good));
            d.metrics.blocklist_ranges.set(merged.len() as i64);
            *write(&d.blocked) = merged;
        }
    }
}

async fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    tokio::fs::metadata(path).await.ok()?.modified().ok()
}

/// Every `sync_s` seconds: takes in bans, the allowlist and rule switches changed elsewhere
/// (the CLI, another node); once a minute: drops expired bans and idle counters, so memory
/// stays bounded.
async fn expire(defense: std::sync::Weak<Defense>, recorder: store::Recorder, sync_s: u64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(sync_s.max(1)));
    let mut last_cleanup = std::time::Instant::now();
    loop {
        tick.tick().await;
        let Some(d) = defense.upgrade() else { return };
        let now = store::now();
        sync(&d, &recorder).await;
        if last_cleanup.elapsed().as_secs() < 60 {
            continue;
        }
        last_cleanup = std::time::Instant::now();
        lock(&d.bans).expire(now);
        lock(&d.not_found).expire(now);
        lock(&d.attacks).expire(now);
        lock(&d.throttled).expire(now);
        lock(&d.failed_logins).expire(now);
        lock(&d.stalled).expire(now);
        d.limits.evict();
    }
}

/// Takes in the bans, allowlist and rule switches stored in the database.
async fn sync(d: &Defense, recorder: &store::Recorder) {
    let now = store::now();
    let mark = lock(&d.bans).save_mark();
    match recorder.active_bans(now).await {
        Ok(stored) => {
            let bans: Vec<Ban> = stored
                .into_iter()
                .filter_map(|b| Subject::parse(&b.subject).map(|s| stored_to_ban(s, b)))
                .collect();
            d.metrics.bans_active.set(bans.len() as i64);
            lock(&d.bans).sync(bans, now, 5, mark);
        }
        Err(e) => tracing::warn!(target: "shield", error = %e, "could not read the ban list"),
    }
    match (recorder.allowlist().await, recorder.rule_switches().await) {
        (Ok(a), Ok(r)) => d.tune(&a, &r),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(target: "shield", error = %e, "could not read the shield's tuning")
        }
    }
}

async fn record_events(mut rx: mpsc::Receiver<Event>, recorder: store::Recorder) {
    while let Some(Event { kind, ip, detail }) = rx.recv().await {
        if let Err(err) = recorder.security_event(kind, Some(&ip), &detail).await {
            tracing::warn!(target: "shield", error = %err, "could not record a security event");
        }
    }
}

/// Writes the bans made here, with their security events, until the shield is gone: each
/// round takes up to a thousand waiting bans and stores them in one transaction. A batch that cannot be
/// written (the database is down) is put back and tried again a second later; until a ban is
/// written, the ban table keeps it through every sync.
async fn store_bans(defense: std::sync::Weak<Defense>, recorder: store::Recorder) {
    loop {
        let Some(d) = defense.upgrade() else { return };
        // At most a thousand a transaction, so a backlog never holds the write lock long.
        let batch: Vec<(Ban, IpAddr)> = {
            let mut pending = lock(&d.pending.bans);
            let take: Vec<Subject> = pending.keys().take(1000).copied().collect();
            lock(&d.pending.writing).extend(take.iter().copied());
            take.iter().filter_map(|s| pending.remove(s)).collect()
        };
        if batch.is_empty() {
            // Wake on a new ban, and look now and then whether the shield is still there.
            let wait = std::time::Duration::from_secs(1);
            let _ = tokio::time::timeout(wait, d.pending.wake.notified()).await;
            continue;
        }
        let rows: Vec<store::NewBan> = batch
            .iter()
            .map(|(b, ip)| store::NewBan {
                subject: b.subject.to_string(),
                until: b.until,
                reason: b.reason.clone(),
                count: i64::from(b.count),
                client_ip: ip.to_string(),
            })
            .collect();
        match recorder.ban_all(&rows).await {
            Ok(()) => {
                let mut table = lock(&d.bans);
                for (b, _) in &batch {
                    table.saved(b.subject);
                }
                lock(&d.pending.writing).clear();
            }
            Err(e) => {
                tracing::warn!(target: "shield", error = %e, bans = batch.len(), "could not store bans; trying again");
                {
                    // A newer ban of the same subject, made meanwhile, wins.
                    let mut pending = lock(&d.pending.bans);
                    for (b, ip) in batch {
                        pending.entry(b.subject).or_insert((b, ip));
                    }
                }
                lock(&d.pending.writing).clear();
                drop(d);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// Inspects the request; refuses attacks with 403 before routing.
pub async fn inspect(State(state): State<ShieldState>, req: Request, next: Next) -> Response {
    let Some(client) = req.extensions().get::<ClientAddr>().map(|c| c.0.ip()) else {
        return next.run(req).await;
    };
    let metrics = &state.defense.metrics;
    // The allowlist always wins: no inspection, no counting, no ban.
    if state.mode == ShieldMode::Off || state.defense.allowed(client) {
        metrics.outcome(Outcome::Allowlisted);
        return counted(metrics, next.run(req).await);
    }
    if let Some(outcome) = state.defense.refused(client) {
        metrics.outcome(outcome);
        let mut res = refuse(StatusCode::FORBIDDEN, "Access denied");
        if state.ban_response == BanResponse::Close {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        return counted(metrics, res);
    }
    let limiter =
        state
            .defense
            .limits
            .for_request(req.method(), req.uri().path(), &state.admin_path);
    if let Err(not_until) = limiter.check_key(&Subject::of(client)) {
        use governor::clock::Clock;
        let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
        if lock(&state.defense.throttled).record(client, store::now()) {
            state.ban(client, "flood", "request flood");
        }
        metrics.outcome(Outcome::RateLimited);
        let mut res = refuse(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return counted(metrics, res);
    }
    // The body must be in a little before the request timeout (which counts from the same
    // moment) ends the request, so that a stalled body is counted here.
    let body_deadline = req
        .extensions()
        .get::<crate::listen::Arrived>()
        .map(|a| a.0.into_std())
        .unwrap_or_else(std::time::Instant::now)
        + state.body_timeout;
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    // Admin forms are CSRF-checked and session-bound; their bodies (page text, passwords,
    // uploads) are sanitised, hashed or typed by their handlers, not judged here.
    let profile = if parts.method == axum::http::Method::POST && state.is_admin(&path) {
        shield::Profile::EditorContent
    } else {
        shield::Profile::Public
    };
    // Every other body is read whole, whatever the headers say (HTTP/2 sends neither
    // Content-Length nor Transfer-Encoding), within the request timeout, and judged whole:
    // one larger than the shield inspects is refused rather than half-judged.
    let (body, bytes) = if profile == shield::Profile::Public && !body.is_end_stream() {
        match read_body(body, state.max_public_body, body_deadline).await {
            Ok(b) => (Body::from(b.clone()), Some(b)),
            Err(BodyError::TooLarge) => {
                metrics.outcome(Outcome::TooLarge);
                return counted(
                    metrics,
                    refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request too large"),
                );
            }
            Err(BodyError::Stalled) => {
                metrics.outcome(Outcome::Stalled);
                let ip = client;
                tracing::info!(target: "shield", timeout_s = state.body_timeout.as_secs(), client.ip = %ip, "request body too slow; closed");
                state.stalled(client);
                let mut res = refuse(StatusCode::REQUEST_TIMEOUT, "Request timeout");
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return counted(metrics, res);
            }
            Err(BodyError::Broken) => {
                return counted(metrics, refuse(StatusCode::BAD_REQUEST, "Bad request"));
            }
        }
    } else {
        (body, None)
    };
    // Only a real form post to a form path leaves its free text unjudged; any other body is
    // judged whole. (The content type is looked at only on form paths: off the hot path.)
    let judged_body = match (&bytes, state.free_text.get(&path)) {
        (Some(b), Some(fields))
            if parts.method == axum::http::Method::POST && is_urlencoded(&parts.headers) =>
        {
            Some(without_fields(b, fields))
        }
        _ => None,
    };
    let found = {
        let headers: Vec<(&str, &[u8])> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let facts = shield::Facts {
            method: parts.method.as_str(),
            path: &path,
            query: parts.uri.query(),
            headers: &headers,
            body: judged_body.as_deref().or(bytes.as_deref()),
            profile,
            host_in_authority: parts.version >= Version::HTTP_2,
        };
        let shield = read(&state.defense.shield);
        (shield.inspect(&facts), shield.config().threshold)
    };
    let (found, threshold) = found;
    if found.is_attack(threshold) {
        let ip = client.to_string();
        let first = &found.matches[0];
        let rules = found
            .rule_ids()
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let detail = format!(
            "score={} rules={rules} at={} path={} excerpt={:?}",
            found.score,
            first.location,
            path.chars().take(200).collect::<String>(),
            first.excerpt
        );
        let block = state.mode == ShieldMode::Block;
        tracing::info!(
            target: "shield",
            score = found.score,
            client.ip = %ip,
            rule.ids = %rules,
            rule.category = first.category.as_str(),
            blocked = block,
            "attack {}", if block { "blocked" } else { "detected" }
        );
        let kind = if block { "waf_block" } else { "waf_detect" };
        state.send(kind, ip, detail);
        for m in &found.matches {
            metrics.rule_hit(m.rule, m.category.as_str());
        }
        if block {
            metrics.outcome(Outcome::Blocked);
            // Every blocked attack counts, wherever it was (path, query, a header, a cookie,
            // the body) and whatever the path (also under /.well-known/).
            if lock(&state.defense.attacks).record(client, store::now()) {
                state.ban(
                    client,
                    "attack",
                    &format!("repeated attacks (rules {rules})"),
                );
            }
            return counted(metrics, refuse(StatusCode::FORBIDDEN, "Request blocked"));
        }
        metrics.outcome(Outcome::Detected);
    } else {
        metrics.outcome(Outcome::Allowed);
    }
    // Kept (a reference-counted copy) in case the answer is a 404 and it claims to be a crawler.
    let agent = state
        .crawlers
        .as_ref()
        .and_then(|_| parts.headers.get(header::USER_AGENT).cloned());
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() == StatusCode::NOT_FOUND {
        let claim = agent
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(shield::crawlers::claimed);
        count_not_found(&state, client, &path, claim);
    }
    counted(metrics, res)
}

/// Counts an unknown page; past the threshold the client is banned, unless it claims to be a
/// search engine's crawler and DNS confirms it (checked once, off the request path).
fn count_not_found(
    state: &ShieldState,
    client: IpAddr,
    path: &str,
    claim: Option<shield::crawlers::Crawler>,
) {
    let now = store::now();
    let verifier = state.crawlers.as_ref().filter(|_| claim.is_some());
    if verifier.is_some_and(|v| v.known(client, now) == Some(true)) {
        return;
    }
    if !lock(&state.defense.not_found).record(client, path, 1, now) {
        return;
    }
    match (verifier, claim) {
        (Some(v), Some(crawler)) => {
            let (state, v) = (state.clone(), v.clone());
            tokio::spawn(async move {
                if v.verify(client, crawler, now).await {
                    lock(&state.defense.not_found).forget(client);
                    tracing::info!(target: "shield", crawler = crawler.as_str(), client.ip = %client, "verified crawler; not banned for unknown pages");
                } else {
                    let why = format!(
                        "too many unknown pages (404); claims to be {} but DNS does not confirm it",
                        crawler.as_str()
                    );
                    state.ban(client, "not_found", &why);
                }
            });
        }
        _ => state.ban(client, "not_found", "too many unknown pages (404)"),
    }
}

fn counted(metrics: &Metrics, res: Response) -> Response {
    metrics.response(res.status().as_u16());
    res
}

/// The short page a refused request gets (the same as the server's other error pages).
fn refuse(status: StatusCode, message: &'static str) -> Response {
    crate::error::plain_page(status, message)
}
