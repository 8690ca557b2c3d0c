//! The whole defence policy as one pure thing: allowlist → blocklist and bans → rate limit →
//! inspection → counting → ban. The server gathers the facts of a request, asks, and acts on
//! the answer; the log guard and a second node ask the same engine and get the same answers.
//!
//! No IO, no async and no clock: every call takes the time, so tests move it instead of
//! sleeping. The engine is shared between threads (`&self` everywhere); each part has its own
//! short lock and none is held while another is taken.
//!
//! A request is asked about twice: [`Defense::admit`] before its body is read (a banned or
//! throttled client's body is never read), and [`Defense::inspect`] with the body. What is
//! known only after the answer (a 404, a failed sign-in, a stalled connection) goes to
//! [`Defense::observe`].

use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};

use crate::bans::{Ban, BanPolicy, BanTable, Subject, is_expected_miss};
use crate::blocklist::Blocklist;
pub use crate::clients::{Budget, Limit, Offence, Rate};
use crate::clients::{Clients, Rules};
use crate::net::Cidr;
use crate::{Facts, Inspection, Profile, Shield};

/// A moment, as Unix time in milliseconds; the caller's clock, never the engine's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(i64);

impl Time {
    /// From Unix milliseconds.
    pub fn from_unix_ms(ms: i64) -> Time {
        Time(ms)
    }

    /// From Unix seconds.
    pub fn from_unix_secs(s: i64) -> Time {
        Time(s.saturating_mul(1000))
    }

    /// Unix seconds (what bans are kept in).
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    fn micros(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0).saturating_mul(1000)
    }
}

/// How strict the defence is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nothing is checked, counted or refused.
    Off,
    /// Attacks are reported, not refused (rate limits, bans and blocklists still apply).
    Detect,
    /// Attacks are refused.
    Block,
}

/// What a route is, as the router's own table says. The engine never guesses it from a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteClass {
    /// A public page, or a path no route claims (the fallback).
    Page,
    /// A stylesheet, script or uploaded file.
    Static,
    /// A visitor's form post (its free-text fields are the router's business).
    Form,
    /// A post to sign in, to ask for a reset link or to reset a password.
    SignIn,
    /// An admin page.
    Admin,
    /// An admin post by a signed-in editor: its body is typed, sanitised or hashed by its
    /// handler, not judged here; path, query and headers are.
    AdminWrite,
    /// An ACME HTTP-01 challenge token.
    Acme,
}

impl RouteClass {
    /// The budget a request of this class draws from.
    fn budget(self, method: &str) -> Budget {
        let safe = matches!(method, "GET" | "HEAD" | "OPTIONS");
        match self {
            RouteClass::SignIn => Budget::SignIn,
            RouteClass::Form => Budget::Forms,
            RouteClass::Static if safe => Budget::Statics,
            RouteClass::Page | RouteClass::Static | RouteClass::Acme if !safe => Budget::Forms,
            _ => Budget::Pages,
        }
    }

    /// How the request's body is inspected.
    fn profile(self) -> Profile {
        match self {
            RouteClass::SignIn | RouteClass::AdminWrite => Profile::EditorContent,
            _ => Profile::Public,
        }
    }
}

/// Why a client is refused before anything else is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// On a blocklist.
    Blocklisted,
    /// Banned.
    Banned,
}

/// The answer before the body is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Allowlisted (or the defence is off): serve it; nothing is inspected or counted.
    Trusted,
    /// Go on, and inspect the request with this profile.
    Inspect(Profile),
    /// Refuse it.
    Refused(Refusal),
    /// Over its rate limit: refuse it; it may come back after `retry_after_s`. Too many of
    /// these and the client is banned (`ban`).
    Throttled {
        /// Seconds until the budget has room again (at least 1).
        retry_after_s: u64,
        /// The ban this request earned, if it was one too many.
        ban: Option<Ban>,
    },
}

/// The answer with the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it.
    Pass,
    /// An attack, served because the defence only detects.
    Detected(Inspection),
    /// An attack: refuse it. Too many and the client is banned (`ban`).
    Blocked {
        /// What was found.
        found: Inspection,
        /// The ban this attack earned, if it was one too many.
        ban: Option<Ban>,
    },
}

/// Something known after the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observation<'a> {
    /// The answer was 404 for `path`. `claims_crawler`: the client says it is a search
    /// engine's crawler (not yet confirmed; a confirmed one is not reported at all).
    NotFound {
        /// The path asked for.
        path: &'a str,
        /// Whether the client claims to be a known crawler.
        claims_crawler: bool,
    },
    /// A failed admin sign-in (wrong password, unknown name, wrong code), whichever name.
    FailedSignIn,
    /// A connection or request held without finishing.
    Stalled,
}

/// What an observation leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consequence {
    /// Nothing (yet).
    None,
    /// The client is banned.
    Banned(Ban),
    /// The client would be banned for its 404s, but claims to be a crawler: confirm it (DNS),
    /// then call [`Defense::ban`] or [`Defense::forgive_misses`].
    VerifyCrawler,
}

/// The whole policy's settings.
#[derive(Clone, Debug)]
pub struct Policy {
    /// How strict.
    pub mode: Mode,
    /// Budgets: pages, statics, forms, sign-in (see [`Budget`]).
    pub pages: Rate,
    /// Stylesheets, scripts, uploads.
    pub statics: Rate,
    /// Visitors' posts.
    pub forms: Rate,
    /// Sign-in and reset posts.
    pub sign_in: Rate,
    /// Blocked attacks that earn a ban.
    pub attacks: Limit,
    /// Throttled requests that earn a ban.
    pub floods: Limit,
    /// Failed sign-ins that earn a ban.
    pub failed_sign_ins: Limit,
    /// Held connections and stalled bodies that earn a ban.
    pub stalls: Limit,
    /// Distinct unknown paths that earn a ban.
    pub not_found: Limit,
    /// Ban durations and escalation.
    pub bans: BanPolicy,
    /// Clients whose rate and offence state is kept at most (bans are never dropped).
    pub max_clients: usize,
}

/// The server's defaults (see `docs/config.md`, `[shield]`).
impl Default for Policy {
    fn default() -> Policy {
        Policy {
            mode: Mode::Block,
            pages: Rate::per_second(20, 100),
            statics: Rate::per_second(100, 400),
            forms: Rate::per_minute(10, 10),
            sign_in: Rate::per_minute(10, 10),
            attacks: Limit::new(3, 60),
            floods: Limit::new(300, 60),
            failed_sign_ins: Limit::new(10, 600),
            stalls: Limit::new(20, 600),
            not_found: Limit::new(10, 60),
            bans: BanPolicy::default(),
            max_clients: 1_000_000,
        }
    }
}

/// The defence engine.
pub struct Defense {
    mode: Mode,
    bans: Mutex<BanTable>,
    clients: Clients,
    allow: RwLock<Arc<[Cidr]>>,
    blocked: RwLock<Arc<Blocklist>>,
    rules: RwLock<Arc<Shield>>,
}

fn read<T: ?Sized>(l: &RwLock<Arc<T>>) -> Arc<T> {
    l.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T: ?Sized>(l: &RwLock<Arc<T>>, v: Arc<T>) {
    *l.write().unwrap_or_else(|p| p.into_inner()) = v;
}

impl Defense {
    /// An engine with `rules` for inspection, an empty allowlist, blocklist and ban table.
    pub fn new(policy: Policy, rules: Shield) -> Defense {
        let table = Rules {
            rates: [policy.pages, policy.statics, policy.forms, policy.sign_in],
            offences: [
                policy.attacks,
                policy.floods,
                policy.failed_sign_ins,
                policy.stalls,
            ],
            not_found: policy.not_found,
        };
        Defense {
            mode: policy.mode,
            bans: Mutex::new(BanTable::new(policy.bans)),
            clients: Clients::new(policy.max_clients, table),
            allow: RwLock::new(Arc::from(Vec::new())),
            blocked: RwLock::new(Arc::new(Blocklist::union(&[]))),
            rules: RwLock::new(Arc::new(rules)),
        }
    }

    fn ban_table(&self) -> std::sync::MutexGuard<'_, BanTable> {
        self.bans.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `client` is trusted: allowlisted, or the defence is off.
    pub fn trusts(&self, client: IpAddr) -> bool {
        self.mode == Mode::Off
            || self
                .allow
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(|c| c.contains(client))
    }

    /// Whether `client` is refused outright (blocklisted or banned, and not trusted).
    pub fn refusal(&self, client: IpAddr, now: Time) -> Option<Refusal> {
        if self.trusts(client) {
            None
        } else {
            self.refusal_untrusted(client, now)
        }
    }

    /// [`Defense::refusal`] for a client already known not to be trusted.
    fn refusal_untrusted(&self, client: IpAddr, now: Time) -> Option<Refusal> {
        if self
            .blocked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(client)
        {
            Some(Refusal::Blocklisted)
        } else if self.ban_table().check(client, now.secs()).is_some() {
            Some(Refusal::Banned)
        } else {
            None
        }
    }

    /// The answer before the body: trusted, refused, throttled, or to be inspected.
    pub fn admit(&self, client: IpAddr, route: RouteClass, method: &str, now: Time) -> Admission {
        if self.trusts(client) {
            return Admission::Trusted;
        }
        if let Some(r) = self.refusal_untrusted(client, now) {
            return Admission::Refused(r);
        }
        match self
            .clients
            .take(client, route.budget(method), now.micros())
        {
            Ok(()) => Admission::Inspect(route.profile()),
            Err(wait_us) => Admission::Throttled {
                retry_after_s: wait_us.div_ceil(1_000_000).max(1),
                ban: self.count(client, Offence::Flood, "request flood", now),
            },
        }
    }

    /// The answer with the body: inspects the request and counts a blocked attack.
    pub fn inspect(&self, client: IpAddr, facts: &Facts<'_>, now: Time) -> Verdict {
        let rules = read(&self.rules);
        let found = rules.inspect(facts);
        if !found.is_attack(rules.config().threshold) {
            return Verdict::Pass;
        }
        if self.mode != Mode::Block {
            return Verdict::Detected(found);
        }
        // Every blocked attack counts, wherever it was and whatever the path.
        let why = format!(
            "repeated attacks (rules {})",
            found
                .rule_ids()
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        let ban = self.count(client, Offence::Attack, &why, now);
        Verdict::Blocked { found, ban }
    }

    /// Takes in what is known after the answer.
    pub fn observe(&self, client: IpAddr, what: Observation<'_>, now: Time) -> Consequence {
        // The trusted are never counted; a banned client's own stalls do not escalate its ban.
        if self.trusts(client) {
            return Consequence::None;
        }
        let ban = match what {
            Observation::NotFound {
                path,
                claims_crawler,
            } => {
                if is_expected_miss(path) || !self.clients.miss(client, path, now.micros()) {
                    return Consequence::None;
                }
                if claims_crawler {
                    return Consequence::VerifyCrawler;
                }
                Some(self.ban(client, "too many unknown pages (404)", now))
            }
            Observation::FailedSignIn => self.count(
                client,
                Offence::FailedSignIn,
                "repeated failed admin sign-ins",
                now,
            ),
            Observation::Stalled if self.refusal_untrusted(client, now).is_some() => None,
            Observation::Stalled => self.count(
                client,
                Offence::Stall,
                "connections held or requests stalled without finishing",
                now,
            ),
        };
        ban.map_or(Consequence::None, Consequence::Banned)
    }

    fn count(&self, client: IpAddr, offence: Offence, why: &str, now: Time) -> Option<Ban> {
        self.clients
            .offend(client, offence, now.micros())
            .then(|| self.ban_for(client, why, Some(offence), now))
    }

    /// Bans the client for the next duration of its escalation, and forgets its offences
    /// (failed sign-ins stay counted: see [`Defense::ban_for`]).
    pub fn ban(&self, client: IpAddr, reason: &str, now: Time) -> Ban {
        self.ban_for(client, reason, None, now)
    }

    fn ban_for(&self, client: IpAddr, reason: &str, cause: Option<Offence>, now: Time) -> Ban {
        let ban = self.ban_table().ban(client, now.secs(), reason);
        self.clients.pardon(client, cause);
        ban
    }

    /// Forgets the client's unknown pages (a crawler confirmed by DNS).
    pub fn forgive_misses(&self, client: IpAddr) {
        self.clients.forget_misses(client);
    }

    /// Lifts the ban of `subject`; false if there was none.
    pub fn lift(&self, subject: Subject, now: Time) -> bool {
        self.ban_table().lift(subject, now.secs())
    }

    /// Adds a ban as it is (loaded from storage, made by an operator or another node).
    pub fn insert_ban(&self, ban: Ban, now: Time) {
        self.ban_table().insert(ban, now.secs());
    }

    /// The ban covering `client`, if any.
    pub fn ban_of(&self, client: IpAddr, now: Time) -> Option<Ban> {
        self.ban_table().check(client, now.secs()).cloned()
    }

    /// Whether the ban covering `client` was made here and is not yet stored: a refusal
    /// because of it should wait for the store, so that no client is refused by a ban a crash
    /// could still lose.
    pub fn ban_unsaved(&self, client: IpAddr, now: Time) -> bool {
        self.ban_table().unsaved_ban(client, now.secs())
    }

    /// See [`BanTable::save_mark`]: taken just before reading the stored bans.
    pub fn save_mark(&self) -> u64 {
        self.ban_table().save_mark()
    }

    /// `ban` is in storage now (see [`BanTable::saved`]); a newer ban of its subject, made
    /// while it was written, stays unsaved.
    pub fn saved(&self, ban: &Ban) {
        self.ban_table().saved(ban);
    }

    /// Brings the bans in line with storage (see [`BanTable::sync`]).
    pub fn sync_bans(&self, stored: Vec<Ban>, now: Time, grace_s: i64, mark: u64) {
        self.ban_table().sync(stored, now.secs(), grace_s, mark);
    }

    /// The bans in force.
    pub fn bans(&self, now: Time) -> Vec<Ban> {
        self.ban_table().active(now.secs())
    }

    /// Replaces the allowlist; false if it was the same.
    pub fn set_allowlist(&self, allow: Vec<Cidr>) -> bool {
        if *read(&self.allow) == *allow {
            return false;
        }
        write(&self.allow, Arc::from(allow));
        true
    }

    /// Replaces the blocklists (merged into one).
    pub fn set_blocklist(&self, list: Blocklist) {
        write(&self.blocked, Arc::new(list));
    }

    /// Ranges on the blocklists.
    pub fn blocklist_len(&self) -> usize {
        read(&self.blocked).len()
    }

    /// The inspection rules in use.
    pub fn rules(&self) -> Arc<Shield> {
        read(&self.rules)
    }

    /// Replaces the inspection rules (a rule switched on or off).
    pub fn set_rules(&self, rules: Shield) {
        write(&self.rules, Arc::new(rules));
    }

    /// Drops expired bans, forgotten ban history and clients with nothing on record; call now
    /// and then (the server does every minute).
    pub fn expire(&self, now: Time) {
        self.ban_table().expire(now.secs());
        self.clients.expire(now.micros());
    }

    /// Clients whose rate or offence state is kept now, and at most.
    pub fn tracked_clients(&self) -> (usize, usize) {
        (self.clients.len(), self.clients.capacity())
    }

    /// Clients dropped to make room since the start.
    pub fn evicted_clients(&self) -> u64 {
        self.clients.evicted()
    }
}
