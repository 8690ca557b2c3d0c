//! Starting the shield and its work in the background: loading bans and blocklists, writing
//! bans and security events to the database, taking in what changed there (bans, the
//! allowlist, rule switches, from the CLI or another node), keeping blocklists current and
//! expiring what the engine no longer needs.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::Context;
use shield::bans::{Ban, BanPolicy, Subject};
use shield::blocklist::Blocklist;
use shield::defense::{Defense, Limit, Mode, Policy, Rate};
use shield::net::Cidr;
use tokio::sync::mpsc;

use crate::blocklists::Source;
use crate::config::{ServerConfig, ShieldConfig, ShieldMode};
use crate::guard_layer::{ShieldInner, ShieldState};
use crate::metrics::Metrics;

/// A security event to write to the database, off the request path: `waf_block`,
/// `waf_detect`. (Bans travel apart, through [`PendingBans`], and are never dropped.)
#[derive(Debug)]
pub struct Event {
    pub(crate) kind: &'static str,
    pub(crate) ip: String,
    /// Rules, score, where, what.
    pub(crate) detail: String,
}

/// Security events that found the queue full: counted per kind and address (the first
/// one's detail kept) and stored as one line each when the writer catches up, so a flood
/// coalesces its events rather than losing them. Bounded: beyond ten thousand addresses the
/// rest are counted per kind alone.
#[derive(Default)]
pub(crate) struct Overflow {
    /// Per kind and address: how many, and the first one's detail.
    by_client: Mutex<HashMap<EventKey, (u64, String)>>,
    others: Mutex<HashMap<&'static str, u64>>,
}

/// An event's kind and client address.
type EventKey = (&'static str, String);

/// Addresses the overflow keeps apart.
const OVERFLOW_CLIENTS: usize = 10_000;

impl Overflow {
    pub(crate) fn add(&self, e: Event) {
        let mut by_client = lock(&self.by_client);
        let full = by_client.len() >= OVERFLOW_CLIENTS;
        match by_client.get_mut(&(e.kind, e.ip.clone())) {
            Some((n, _)) => *n += 1,
            None if !full => {
                by_client.insert((e.kind, e.ip), (1, e.detail));
            }
            None => *lock(&self.others).entry(e.kind).or_default() += 1,
        }
    }

    /// The coalesced lines to store, emptying the overflow.
    fn drain(&self) -> Vec<Event> {
        let by_client = std::mem::take(&mut *lock(&self.by_client));
        let others = std::mem::take(&mut *lock(&self.others));
        let mut out: Vec<Event> = by_client
            .into_iter()
            .map(|((kind, ip), (n, first))| Event {
                kind,
                ip,
                detail: format!("{n} while the event queue was full; the first: {first}"),
            })
            .collect();
        out.extend(others.into_iter().map(|(kind, n)| Event {
            kind,
            ip: String::new(),
            detail: format!("{n} from further addresses while the event queue was full"),
        }));
        out
    }
}

/// Bans made here and not yet written, one per subject (a newer ban of the same subject
/// replaces the older one), written first in, first out. A flood of attackers makes this as
/// long as the ban table and no longer; the writer takes a thousand at a time and puts back
/// what it could not write.
#[derive(Default)]
pub(crate) struct PendingBans {
    queue: Mutex<Queue>,
    /// Subjects of the batch being written now (a lift waits for them).
    writing: Mutex<HashSet<Subject>>,
    wake: tokio::sync::Notify,
    /// Woken after each batch is stored.
    stored: tokio::sync::Notify,
    /// Requests waiting for a ban to be stored now.
    waiting: std::sync::atomic::AtomicUsize,
}

#[derive(Default)]
struct Queue {
    bans: HashMap<Subject, (Ban, IpAddr)>,
    /// Subjects in the order they came (a lifted one may linger here; it is skipped).
    order: std::collections::VecDeque<Subject>,
}

/// Requests that may wait for their ban to be stored at once; the rest are answered at once.
const MAX_WAITING: usize = 1024;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PendingBans {
    pub(crate) fn add(&self, ban: Ban, ip: IpAddr) {
        let mut q = lock(&self.queue);
        let subject = ban.subject;
        if q.bans.insert(subject, (ban, ip)).is_none() {
            q.order.push_back(subject);
        }
        drop(q);
        self.wake.notify_one();
    }

    /// Forgets the subject's unwritten ban; one being written right now is waited for (a
    /// few seconds at most), so that a lift in the database after this covers it.
    pub(crate) async fn forget(&self, subject: Subject) {
        lock(&self.queue).bans.remove(&subject);
        for _ in 0..500 {
            if !lock(&self.writing).contains(&subject) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // A write that failed meanwhile put its batch back.
        lock(&self.queue).bans.remove(&subject);
    }

    /// Waits until `stored` says yes, or `limit` has passed (the database is down: the ban
    /// holds in memory meanwhile, and is written when it is back). At most [`MAX_WAITING`]
    /// requests wait at once, so a banned client's many streams cannot pile up here.
    pub(crate) async fn wait_stored(&self, limit: Duration, stored: impl Fn() -> bool) {
        use std::sync::atomic::Ordering::Relaxed;
        struct Leave<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Relaxed);
            }
        }
        let _leave = Leave(&self.waiting);
        if self.waiting.fetch_add(1, Relaxed) >= MAX_WAITING {
            return;
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let woken = self.stored.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if stored() || tokio::time::timeout_at(deadline, woken).await.is_err() {
                return;
            }
        }
    }

    /// Up to a thousand bans to write, the oldest first, marked as being written.
    fn take(&self) -> Vec<(Ban, IpAddr)> {
        let mut q = lock(&self.queue);
        let mut batch = Vec::new();
        while batch.len() < 1000 {
            let Some(subject) = q.order.pop_front() else {
                break;
            };
            if let Some(entry) = q.bans.remove(&subject) {
                batch.push(entry);
            }
        }
        lock(&self.writing).extend(batch.iter().map(|(b, _)| b.subject));
        batch
    }

    /// Puts back a batch that could not be written, first in line; a newer ban of a subject,
    /// made meanwhile, wins.
    fn put_back(&self, batch: Vec<(Ban, IpAddr)>) {
        let mut q = lock(&self.queue);
        for (b, ip) in batch.into_iter().rev() {
            let subject = b.subject;
            if let std::collections::hash_map::Entry::Vacant(slot) = q.bans.entry(subject) {
                slot.insert((b, ip));
                q.order.push_front(subject);
            }
        }
    }
}

/// What the shield was started with, to merge the database's tuning into.
pub(crate) struct Tuning {
    pub(crate) inspect: shield::InspectConfig,
    pub(crate) allow: Vec<Cidr>,
}

/// The engine's policy from the config file.
fn policy(c: &ShieldConfig) -> Policy {
    let window = u32::try_from(c.ban_404_window_s).unwrap_or(u32::MAX);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Policy {
        mode: match c.mode {
            ShieldMode::Off => Mode::Off,
            ShieldMode::Detect => Mode::Detect,
            ShieldMode::Block => Mode::Block,
        },
        pages: Rate::per_second(c.rate_pages_per_s, c.rate_pages_burst),
        statics: Rate::per_second(c.rate_static_per_s, c.rate_static_burst),
        forms: Rate::per_minute(c.rate_forms_per_min, c.rate_forms_per_min),
        sign_in: Rate::per_minute(c.rate_login_per_min, c.rate_login_per_min),
        attacks: Limit::new(count(c.ban_attack_threshold), window),
        floods: Limit::new(c.ban_flood_threshold, window),
        failed_sign_ins: Limit::new(c.ban_login_failures, 600),
        stalls: Limit::new(c.ban_stalled_threshold, 600),
        not_found: Limit::new(count(c.ban_404_threshold), window),
        bans: BanPolicy {
            durations: c.ban_durations_s.clone(),
            ..BanPolicy::default()
        },
        max_clients: c.max_tracked_clients,
    }
}

impl ShieldState {
    /// Compiles the rules, loads the bans in force and the blocklists, and starts the work in
    /// the background: one writer for bans (never dropped, see [`PendingBans`]) and one for
    /// the other security events (a bounded queue; under a flood, what does not fit is
    /// coalesced, see [`Overflow`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        config: &ShieldConfig,
        routes: crate::route_table::RouteTable,
        server: &ServerConfig,
        recorder: store::Recorder,
        data_dir: &std::path::Path,
        metrics: Arc<Metrics>,
        clock: store::Clock,
    ) -> anyhow::Result<ShieldState> {
        let inspect = shield::InspectConfig {
            threshold: config.threshold,
            disabled_rules: config.disabled_rules.clone(),
            // Public bodies over `max_inspected_body` are refused before inspection; this
            // bound is for a form body re-encoded without its free text, which percent-encoding
            // can make up to three times longer. Nothing is left uninspected.
            max_body: config.max_inspected_body.saturating_mul(3),
        };
        let defense = Defense::new(policy(config), shield::Shield::new(inspect.clone())?);
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
        defense.set_blocklist(Blocklist::union(&lists));
        metrics.blocklist_ranges.set(defense.blocklist_len() as i64);
        let now = shield::defense::Time::from_unix_ms(clock.now_ms());
        for b in recorder.active_bans(now.secs()).await? {
            if let Some(subject) = Subject::parse(&b.subject) {
                defense.insert_ban(stored_to_ban(subject, b), now);
            }
        }
        let (events, rx) = mpsc::channel(4096);
        let overflow = Arc::new(Overflow::default());
        let state = ShieldState(Arc::new(ShieldInner {
            defense,
            routes,
            clock,
            ban_response: config.ban_response,
            max_public_body: config.max_inspected_body.min(server.max_body_bytes),
            // A quarter second before the request timeout, which would end the request
            // without counting the stall.
            body_timeout: Duration::from_secs(server.request_timeout_s.max(1))
                .saturating_sub(Duration::from_millis(250)),
            events,
            overflow: overflow.clone(),
            pending: PendingBans::default(),
            crawlers: config
                .verify_crawlers
                .then(|| Arc::new(crate::crawlers::Verifier::new(config.crawler_dns))),
            tuning: Tuning {
                inspect,
                allow: config
                    .allowlist
                    .iter()
                    .filter_map(|c| Cidr::parse(c))
                    .collect(),
            },
            metrics,
        }));
        tune(
            &state,
            &recorder.allowlist().await?,
            &recorder.rule_switches().await?,
        );
        let weak = Arc::downgrade(&state.0);
        tokio::spawn(record_events(rx, overflow, recorder.clone()));
        tokio::spawn(store_bans(weak.clone(), recorder.clone()));
        tokio::spawn(expire(weak.clone(), recorder, config.sync_interval_s));
        if !sources.is_empty() {
            let dir = data_dir.to_path_buf();
            let every = config.blocklist_refresh_s;
            tokio::spawn(refresh_blocklists(weak, sources, dir, lists, every));
        }
        Ok(state)
    }
}

/// Takes in the allowlist and rule switches kept in the database.
fn tune(s: &ShieldInner, allow: &[store::AllowEntry], switches: &[store::RuleSwitch]) {
    let mut merged = s.tuning.allow.clone();
    merged.extend(allow.iter().filter_map(|a| Cidr::parse(&a.cidr)));
    s.metrics.allowlist_entries.set(merged.len() as i64);
    s.defense.set_allowlist(merged);
    let mut disabled = s.tuning.inspect.disabled_rules.clone();
    disabled.extend(
        switches
            .iter()
            .filter(|r| !r.enabled)
            .filter_map(|r| u32::try_from(r.rule_id).ok()),
    );
    disabled.sort_unstable();
    disabled.dedup();
    if s.defense.rules().config().disabled_rules == disabled {
        return;
    }
    let config = shield::InspectConfig {
        disabled_rules: disabled,
        ..s.tuning.inspect.clone()
    };
    match shield::Shield::new(config) {
        Ok(fresh) => {
            tracing::info!(target: "shield", disabled = ?fresh.config().disabled_rules, "rule switches changed");
            s.defense.set_rules(fresh);
        }
        Err(e) => tracing::warn!(target: "shield", error = %e, "could not apply rule switches"),
    }
}

/// The one place a stored ban becomes the engine's.
fn stored_to_ban(subject: Subject, b: store::StoredBan) -> Ban {
    Ban {
        subject,
        until: b.until,
        reason: b.reason,
        count: u32::try_from(b.count.max(1)).unwrap_or(u32::MAX),
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
    shield: Weak<ShieldInner>,
    sources: Vec<Source>,
    data_dir: std::path::PathBuf,
    mut good: Vec<Blocklist>,
    every_s: u64,
) {
    let every_s = every_s.max(1);
    let check = Duration::from_secs(every_s.min(30));
    let mut seen: Vec<Option<std::time::SystemTime>> = Vec::new();
    for s in &sources {
        seen.push(modified(&s.local_path(&data_dir)).await);
    }
    let mut last_download = std::time::Instant::now();
    loop {
        tokio::time::sleep(check).await;
        let Some(s) = shield.upgrade() else { return };
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
                s.metrics.blocklist_failures.inc();
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
                    if let Some(m) = seen.get_mut(i) {
                        *m = now_modified;
                    }
                }
                Err(e) => {
                    s.metrics.blocklist_failures.inc();
                    tracing::warn!(target: "shield", error = format!("{e:#}"), "blocklist {} not refreshed; keeping the last good copy", source.label())
                }
            }
        }
        if changed {
            s.defense.set_blocklist(Blocklist::union(&good));
            s.metrics
                .blocklist_ranges
                .set(s.defense.blocklist_len() as i64);
        }
    }
}

async fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    tokio::fs::metadata(path).await.ok()?.modified().ok()
}

/// Every `sync_s` seconds, and within half a second of a ban being added or lifted anywhere
/// (the CLI, the admin on another node, the guard): takes in bans, the allowlist and rule
/// switches changed elsewhere; once a minute: drops expired bans and clients with nothing on
/// record, so memory goes back after a burst.
async fn expire(shield: Weak<ShieldInner>, recorder: store::Recorder, sync_s: u64) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut last_cleanup = std::time::Instant::now();
    let mut last_sync: Option<std::time::Instant> = None;
    let mut seen = None;
    loop {
        tick.tick().await;
        let Some(s) = shield.upgrade() else { return };
        let changes = recorder.ban_changes().await.ok();
        let due = last_sync.is_none_or(|t| t.elapsed().as_secs() >= sync_s.max(1));
        if !due && (changes.is_none() || changes == seen) {
            continue;
        }
        seen = changes;
        last_sync = Some(std::time::Instant::now());
        sync(&s, &recorder).await;
        if last_cleanup.elapsed().as_secs() < 60 {
            continue;
        }
        last_cleanup = std::time::Instant::now();
        s.defense
            .expire(shield::defense::Time::from_unix_ms(s.clock.now_ms()));
        let (tracked, _) = s.defense.tracked_clients();
        s.metrics.tracked_clients.set(tracked as i64);
        s.metrics
            .evicted_clients
            .set(s.defense.evicted_clients() as i64);
    }
}

/// Takes in the bans, allowlist and rule switches stored in the database.
pub(crate) async fn sync(s: &ShieldInner, recorder: &store::Recorder) {
    let now = shield::defense::Time::from_unix_ms(s.clock.now_ms());
    let mark = s.defense.save_mark();
    match recorder.active_bans(now.secs()).await {
        Ok(stored) => {
            let bans: Vec<Ban> = stored
                .into_iter()
                .filter_map(|b| Subject::parse(&b.subject).map(|subject| stored_to_ban(subject, b)))
                .collect();
            s.metrics.bans_active.set(bans.len() as i64);
            s.defense.sync_bans(bans, now, 5, mark);
        }
        Err(e) => tracing::warn!(target: "shield", error = %e, "could not read the ban list"),
    }
    match (recorder.allowlist().await, recorder.rule_switches().await) {
        (Ok(a), Ok(r)) => tune(s, &a, &r),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(target: "shield", error = %e, "could not read the shield's tuning")
        }
    }
}

/// Writes the queued security events, up to a few hundred per transaction, and every second
/// the coalesced overflow. A batch that cannot be written is logged and dropped (the
/// database is down; the log lines and metrics still have the attacks).
async fn record_events(
    mut rx: mpsc::Receiver<Event>,
    overflow: Arc<Overflow>,
    recorder: store::Recorder,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut batch = Vec::new();
    loop {
        tokio::select! {
            n = rx.recv_many(&mut batch, 500) => if n == 0 {
                return;
            },
            _ = tick.tick() => batch.extend(overflow.drain()),
        }
        if batch.is_empty() {
            continue;
        }
        let rows: Vec<(&str, Option<&str>, &str)> = batch
            .iter()
            .map(|e| {
                (
                    e.kind,
                    (!e.ip.is_empty()).then_some(e.ip.as_str()),
                    e.detail.as_str(),
                )
            })
            .collect();
        if let Err(err) = recorder.security_events(&rows).await {
            tracing::warn!(target: "shield", error = %err, events = rows.len(), "could not record security events");
        }
        batch.clear();
    }
}

/// Writes the bans made here, with their security events, until the shield is gone: each
/// round takes up to a thousand waiting bans and stores them in one transaction (so a
/// backlog never holds the write lock long). A batch that cannot be written (the database is
/// down) is put back and tried again a second later; until a ban is written, the engine keeps
/// it through every sync.
async fn store_bans(shield: Weak<ShieldInner>, recorder: store::Recorder) {
    loop {
        let Some(s) = shield.upgrade() else { return };
        let batch = s.pending.take();
        if batch.is_empty() {
            // Wake on a new ban, and look now and then whether the shield is still there.
            let _ = tokio::time::timeout(Duration::from_secs(1), s.pending.wake.notified()).await;
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
                source: store::BY_WEB.to_string(),
                evidence: None,
            })
            .collect();
        match recorder.ban_all(&rows).await {
            Ok(()) => {
                for (b, _) in &batch {
                    s.defense.saved(b);
                }
                lock(&s.pending.writing).clear();
                s.pending.stored.notify_waiters();
            }
            Err(e) => {
                tracing::warn!(target: "shield", error = %e, bans = batch.len(), "could not store bans; trying again");
                s.pending.put_back(batch);
                lock(&s.pending.writing).clear();
                drop(s);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(e: &Event) -> u64 {
        e.detail
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn a_full_queue_coalesces_events_and_loses_none() {
        let o = Overflow::default();
        // 15,000 addresses, the first thousand twice: 16,000 events.
        for round in 0..2 {
            for i in 0..15_000u32 {
                if round == 1 && i >= 1000 {
                    break;
                }
                o.add(Event {
                    kind: "waf_block",
                    ip: std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string(),
                    detail: format!("rules=942100 n={i}"),
                });
            }
        }
        let lines = o.drain();
        assert_eq!(
            lines.len(),
            OVERFLOW_CLIENTS + 1,
            "bounded: one line per address, then one"
        );
        assert_eq!(
            lines.iter().map(count).sum::<u64>(),
            16_000,
            "every event counted"
        );
        let twice = lines.iter().find(|e| e.ip == "10.0.0.7").unwrap();
        assert_eq!(count(twice), 2);
        assert!(
            twice.detail.contains("n=7"),
            "the first one's detail: {}",
            twice.detail
        );
        assert!(o.drain().is_empty(), "drained");
    }

    /// A banned client's many streams cannot pile up waiting for its ban to be stored: at
    /// most `MAX_WAITING` wait; the rest are answered at once.
    #[tokio::test]
    async fn at_most_so_many_requests_wait_for_a_ban_to_be_stored() {
        let pending = Arc::new(PendingBans::default());
        let started = tokio::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..MAX_WAITING + 100 {
            let p = pending.clone();
            tasks.push(tokio::spawn(async move {
                p.wait_stored(Duration::from_secs(5), || false).await;
                started.elapsed()
            }));
        }
        let mut at_once = 0;
        for t in tasks {
            if t.await.unwrap_or_default() < Duration::from_secs(5) {
                at_once += 1;
            }
        }
        assert_eq!(at_once, 100, "beyond the cap, answered at once");
        assert_eq!(
            pending.waiting.load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }
}
