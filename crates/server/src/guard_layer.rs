//! The shield in front of the router: every request's facts go through `shield::Shield`
//! before any routing work; attacks are refused (or only logged, in detect mode) and
//! recorded as security events.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use std::net::IpAddr;
use std::sync::Mutex;

use anyhow::Context;
use shield::bans::{Ban, BanPolicy, BanTable, NotFoundCounter, Subject, Tally};
use shield::blocklist::Blocklist;
use shield::net::Cidr;

use crate::config::{ShieldConfig, ShieldMode};
use crate::listen::ClientAddr;

/// Something to write to the database, off the request path.
#[derive(Debug)]
pub enum Event {
    /// A security event: `waf_block`, `waf_detect`, `ban`.
    Security {
        /// Kind.
        kind: &'static str,
        /// Client address.
        ip: String,
        /// Rules, score, where, what.
        detail: String,
    },
    /// A new ban, to survive restarts.
    Ban(shield::bans::Ban),
}

/// Bans, the counters that lead to them, the rate limits and the allowlist.
struct Defense {
    bans: Mutex<BanTable>,
    not_found: Mutex<NotFoundCounter>,
    attacks: Mutex<NotFoundCounter>,
    throttled: Mutex<Tally>,
    failed_logins: Mutex<Tally>,
    limits: Limits,
    allow: Vec<Cidr>,
    blocked: std::sync::RwLock<Arc<Blocklist>>,
}

type Limiter = governor::DefaultKeyedRateLimiter<Subject>;

/// GCRA budgets per client (an IPv4 address or an IPv6 /64), one per kind of request.
struct Limits {
    pages: Limiter,
    statics: Limiter,
    forms: Limiter,
    login: Limiter,
}

fn quota(per_second: Option<u32>, per_minute: Option<u32>, burst: u32) -> governor::Quota {
    let nz = |n: u32| std::num::NonZeroU32::new(n.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    let q = match (per_second, per_minute) {
        (Some(n), _) => governor::Quota::per_second(nz(n)),
        (None, Some(n)) => governor::Quota::per_minute(nz(n)),
        (None, None) => governor::Quota::per_second(nz(1)),
    };
    q.allow_burst(nz(burst))
}

impl Limits {
    fn new(c: &ShieldConfig) -> Limits {
        Limits {
            pages: governor::RateLimiter::dashmap(quota(
                Some(c.rate_pages_per_s),
                None,
                c.rate_pages_burst,
            )),
            statics: governor::RateLimiter::dashmap(quota(
                Some(c.rate_static_per_s),
                None,
                c.rate_static_burst,
            )),
            forms: governor::RateLimiter::dashmap(quota(
                None,
                Some(c.rate_forms_per_min),
                c.rate_forms_per_min,
            )),
            login: governor::RateLimiter::dashmap(quota(
                None,
                Some(c.rate_login_per_min),
                c.rate_login_per_min,
            )),
        }
    }

    /// The budget a request draws from.
    fn for_request(&self, method: &axum::http::Method, path: &str, admin_path: &str) -> &Limiter {
        let post = method == axum::http::Method::POST;
        let in_admin = path.starts_with(admin_path);
        if post && in_admin && path.ends_with("/login") {
            &self.login
        } else if post && !in_admin {
            &self.forms
        } else if path.starts_with("/assets/")
            || path.starts_with("/media/")
            || (in_admin && path.contains("/assets/"))
        {
            &self.statics
        } else {
            &self.pages
        }
    }

    /// Evicts clients whose buckets are full again, and gives the memory back.
    fn evict(&self) {
        for l in [&self.pages, &self.statics, &self.forms, &self.login] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the shield layer needs.
#[derive(Clone)]
pub struct ShieldState {
    shield: Arc<shield::Shield>,
    mode: ShieldMode,
    admin_path: Arc<str>,
    max_buffered_body: usize,
    events: mpsc::Sender<Event>,
    defense: Arc<Defense>,
}

impl ShieldState {
    /// Compiles the rules, loads the bans in force from the database and starts the writer
    /// that records events (bounded: under a flood, events beyond the queue are logged as
    /// dropped, not written).
    pub async fn start(
        config: &ShieldConfig,
        admin_path: &str,
        max_buffered_body: usize,
        recorder: store::Recorder,
    ) -> anyhow::Result<ShieldState> {
        let shield = shield::Shield::new(shield::InspectConfig {
            threshold: config.threshold,
            disabled_rules: config.disabled_rules.clone(),
            max_body: config.max_inspected_body,
        })?;
        let mut lists = Vec::new();
        for file in &config.blocklists {
            let text = tokio::fs::read_to_string(file)
                .await
                .with_context(|| format!("reading blocklist {}", file.display()))?;
            let list =
                Blocklist::parse(&text).with_context(|| format!("blocklist {}", file.display()))?;
            tracing::info!(target: "shield", ranges = list.len(), skipped = list.skipped(), "loaded blocklist {}", file.display());
            lists.push(list);
        }
        let now = store::now();
        let mut bans = BanTable::new(BanPolicy {
            durations: config.ban_durations_s.clone(),
            ..BanPolicy::default()
        });
        for b in recorder.active_bans(now).await? {
            if let Some(subject) = parse_subject(&b.subject) {
                bans.insert(stored_to_ban(subject, b), now);
            }
        }
        let defense = Arc::new(Defense {
            bans: Mutex::new(bans),
            not_found: Mutex::new(NotFoundCounter::new(
                config.ban_404_window_s,
                config.ban_404_threshold,
            )),
            attacks: Mutex::new(NotFoundCounter::new(
                config.ban_404_window_s,
                config.ban_attack_threshold,
            )),
            throttled: Mutex::new(Tally::new(
                config.ban_404_window_s,
                config.ban_flood_threshold,
            )),
            failed_logins: Mutex::new(Tally::new(600, config.ban_login_failures)),
            limits: Limits::new(config),
            blocked: std::sync::RwLock::new(Arc::new(Blocklist::union(&lists))),
            allow: config
                .allowlist
                .iter()
                .filter_map(|c| Cidr::parse(c))
                .collect(),
        });
        let (events, rx) = mpsc::channel(4096);
        tokio::spawn(record_events(rx, recorder.clone()));
        tokio::spawn(expire(Arc::downgrade(&defense), recorder));
        if !config.blocklists.is_empty() {
            tokio::spawn(refresh_blocklists(
                Arc::downgrade(&defense),
                config.blocklists.clone(),
                lists,
                config.blocklist_refresh_s,
            ));
        }
        Ok(ShieldState {
            shield: Arc::new(shield),
            mode: config.mode,
            admin_path: admin_path.into(),
            max_buffered_body,
            events,
            defense,
        })
    }

    /// A failed admin sign-in from `ip` (wrong password, unknown name, wrong code): enough of
    /// them within ten minutes get the address banned, whichever names it tries.
    pub fn failed_login(&self, ip: IpAddr) {
        if self.defense.allow.iter().any(|c| c.contains(ip)) {
            return;
        }
        if lock(&self.defense.failed_logins).record(ip, store::now()) {
            lock(&self.defense.failed_logins).forget(ip);
            self.ban(ip, "repeated failed admin sign-ins");
        }
    }

    fn send(&self, event: Event) {
        if self.events.try_send(event).is_err() {
            tracing::warn!(target: "shield", "security event queue full; event not recorded");
        }
    }

    /// Bans the client and records it.
    fn ban(&self, ip: IpAddr, reason: &str) {
        let ban = lock(&self.defense.bans).ban(ip, store::now(), reason);
        lock(&self.defense.not_found).forget(ip);
        lock(&self.defense.attacks).forget(ip);
        lock(&self.defense.throttled).forget(ip);
        tracing::info!(
            target: "shield",
            count = ban.count,
            client.ip = %ip,
            ban.subject = %ban.subject,
            ban.duration_s = ban.until.map(|u| u - store::now()).unwrap_or(-1),
            "banned: {reason}"
        );
        self.send(Event::Security {
            kind: "ban",
            ip: ip.to_string(),
            detail: format!("{} {reason}", ban.subject),
        });
        self.send(Event::Ban(ban));
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

/// Re-reads the blocklist files on a schedule. A file that cannot be read or parsed keeps its
/// last good copy, with a warning: a broken download never empties the list.
async fn refresh_blocklists(
    defense: std::sync::Weak<Defense>,
    files: Vec<std::path::PathBuf>,
    mut good: Vec<Blocklist>,
    every_s: u64,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(every_s.max(1)));
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(d) = defense.upgrade() else { return };
        for (i, file) in files.iter().enumerate() {
            let fresh = tokio::fs::read_to_string(file)
                .await
                .map_err(|e| e.to_string())
                .and_then(|t| Blocklist::parse(&t).map_err(|e| e.to_string()));
            match fresh {
                Ok(list) => {
                    if let Some(slot) = good.get_mut(i) {
                        *slot = list;
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "shield", error = %e, "blocklist {} not refreshed; keeping the last good copy", file.display())
                }
            }
        }
        let merged = Arc::new(Blocklist::union(&good));
        *d.blocked.write().unwrap_or_else(|p| p.into_inner()) = merged;
    }
}

/// `192.0.2.7` or `2001:db8:1:2::/64` back into a ban subject.
fn parse_subject(s: &str) -> Option<Subject> {
    match s.split_once('/') {
        Some((a, p)) => Some(Subject {
            addr: a.parse().ok()?,
            prefix: p.parse().ok()?,
        }),
        None => Some(Subject {
            addr: s.parse().ok()?,
            prefix: 32,
        }),
    }
}

/// Every ten seconds: takes in bans made or lifted elsewhere (the CLI, another node); once a
/// minute: drops expired bans and idle counters, so memory stays bounded.
async fn expire(defense: std::sync::Weak<Defense>, recorder: store::Recorder) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
    let mut round = 0u64;
    loop {
        tick.tick().await;
        round += 1;
        let Some(d) = defense.upgrade() else { return };
        let now = store::now();
        match recorder.active_bans(now).await {
            Ok(stored) => {
                let bans: Vec<Ban> = stored
                    .into_iter()
                    .filter_map(|b| parse_subject(&b.subject).map(|s| stored_to_ban(s, b)))
                    .collect();
                lock(&d.bans).sync(bans, now, 30);
            }
            Err(e) => tracing::warn!(target: "shield", error = %e, "could not read the ban list"),
        }
        if !round.is_multiple_of(6) {
            continue;
        }
        lock(&d.bans).expire(now);
        lock(&d.not_found).expire(now);
        lock(&d.attacks).expire(now);
        lock(&d.throttled).expire(now);
        d.limits.evict();
    }
}

async fn record_events(mut rx: mpsc::Receiver<Event>, recorder: store::Recorder) {
    while let Some(e) = rx.recv().await {
        let result = match e {
            Event::Security { kind, ip, detail } => {
                recorder.security_event(kind, Some(&ip), &detail).await
            }
            Event::Ban(b) => {
                recorder
                    .ban(
                        &b.subject.to_string(),
                        b.until,
                        &b.reason,
                        i64::from(b.count),
                    )
                    .await
            }
        };
        if let Err(err) = result {
            tracing::warn!(target: "shield", error = %err, "could not record a security event");
        }
    }
}

/// Inspects the request; refuses attacks with 403 before routing.
pub async fn inspect(State(state): State<ShieldState>, req: Request, next: Next) -> Response {
    let Some(client) = req.extensions().get::<ClientAddr>().map(|c| c.0.ip()) else {
        return next.run(req).await;
    };
    // The allowlist always wins: no inspection, no counting, no ban.
    if state.mode == ShieldMode::Off || state.defense.allow.iter().any(|c| c.contains(client)) {
        return next.run(req).await;
    }
    let listed = state
        .defense
        .blocked
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .contains(client);
    if listed
        || lock(&state.defense.bans)
            .check(client, store::now())
            .is_some()
    {
        return refuse(StatusCode::FORBIDDEN, "Access denied");
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
            state.ban(client, "request flood");
        }
        let mut res = refuse(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    let ip = client.to_string();
    let (parts, body) = req.into_parts();
    // Bodies are read here (bounded) so the shield sees them, then handed on unchanged.
    // Large uploads are left to their handler, which checks them itself.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let has_body =
        declared.is_some_and(|n| n > 0) || parts.headers.contains_key(header::TRANSFER_ENCODING);
    let (body, bytes) = if has_body && declared.is_none_or(|n| n <= state.max_buffered_body) {
        match axum::body::to_bytes(body, state.max_buffered_body).await {
            Ok(b) => (Body::from(b.clone()), Some(b)),
            Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request too large"),
        }
    } else {
        (body, None)
    };
    let path = parts.uri.path().to_string();
    let found = {
        let headers: Vec<(&str, &[u8])> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let profile =
            if parts.method == axum::http::Method::POST && path.starts_with(&*state.admin_path) {
                // Admin forms are CSRF-checked and session-bound; their bodies (page text,
                // passwords) are sanitised or hashed by their handlers, not judged here.
                shield::Profile::EditorContent
            } else {
                shield::Profile::Public
            };
        let facts = shield::Facts {
            method: parts.method.as_str(),
            path: &path,
            query: parts.uri.query(),
            headers: &headers,
            body: bytes.as_deref(),
            profile,
            host_in_authority: parts.version >= Version::HTTP_2,
        };
        state.shield.inspect(&facts)
    };
    let threshold = state.shield.config().threshold;
    if found.is_attack(threshold) {
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
        state.send(Event::Security { kind, ip, detail });
        if block {
            let key = format!("{}?{}", path, parts.uri.query().unwrap_or(""));
            if lock(&state.defense.attacks).record(client, &key, 1, store::now()) {
                state.ban(client, &format!("repeated attacks (rules {rules})"));
            }
            return refuse(StatusCode::FORBIDDEN, "Request blocked");
        }
    }
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() == StatusCode::NOT_FOUND
        && lock(&state.defense.not_found).record(client, &path, 1, store::now())
    {
        state.ban(client, "too many unknown pages (404)");
    }
    res
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{message}</title></head><body><h1>{message}</h1></body></html>"
    );
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
