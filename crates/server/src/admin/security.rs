//! The security dashboard (admin role): what the shield blocked and banned, the ban list and
//! allowlist to act on, the hit log with the matched part of each request, and per-rule
//! switches for false positives.

use std::collections::HashMap;

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cms::date;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use shield::bans::{Subject, parse_duration};
use shield::net::Cidr;

use super::charts;
use super::pages::{PageError, session_of};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};
use i18n::Arg;

type PageResult = Result<Response, PageError>;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Events read to count rule hits and fill the hit log.
const RECENT_EVENTS: i64 = 5000;

/// One line of the hit log, taken apart for the table.
#[derive(Serialize)]
struct Hit {
    at: String,
    ip: String,
    kind: String,
    score: String,
    rules: String,
    location: String,
    path: String,
    excerpt: String,
}

/// Reads `score=5 rules=1002,1001 at=query:q path=/x excerpt="…"` back into its parts.
fn parse_detail(detail: &str) -> HashMap<&str, String> {
    let mut out = HashMap::new();
    let mut rest = detail;
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim();
        if let Some(quoted) = after.strip_prefix('"') {
            // A Rust-debug-quoted excerpt: up to the closing unescaped quote.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in quoted.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let end = end.unwrap_or(quoted.len());
            out.insert(
                key,
                quoted[..end].replace("\\\"", "\"").replace("\\\\", "\\"),
            );
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let (value, after) = after.split_once(' ').unwrap_or((after, ""));
            out.insert(key, value.to_string());
            rest = after;
        }
    }
    out
}

/// How often each rule appears in `events`.
fn rule_hits(events: &[store::SecurityEvent]) -> HashMap<u32, u64> {
    let mut hits: HashMap<u32, u64> = HashMap::new();
    for e in events {
        if let Some(rules) = parse_detail(&e.detail).get("rules") {
            for r in rules.split(',').filter_map(|r| r.parse().ok()) {
                *hits.entry(r).or_default() += 1;
            }
        }
    }
    hits
}

fn hit(e: &store::SecurityEvent) -> Hit {
    let d = parse_detail(&e.detail);
    let get = |k: &str| d.get(k).cloned().unwrap_or_default();
    Hit {
        at: super::views::when(e.at),
        ip: e.client_ip.clone().unwrap_or_default(),
        kind: if e.kind == "waf_block" {
            tr("sec-kind-blocked")
        } else {
            tr("sec-kind-detected")
        },
        score: get("score"),
        rules: get("rules").replace(',', ", "),
        location: get("at"),
        path: get("path"),
        excerpt: get("excerpt"),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct HitFilter {
    #[serde(default)]
    ip: String,
    #[serde(default)]
    rule: String,
    /// Only the bans of one source (`web`, `dovecot`, ...).
    #[serde(default)]
    source: String,
}

/// How a ban's source reads on the page.
fn source_label(source: &str) -> String {
    match source {
        store::BY_WEB => tr("sec-source-web"),
        store::BY_CLI => tr("sec-source-cli"),
        store::BY_ADMIN => tr("sec-source-admin"),
        service => tr_with("sec-source-guard", &[("service", service.into())]),
    }
}

pub(super) async fn overview(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(filter): Query<HitFilter>,
) -> PageResult {
    render(&state, &visitor, &filter, None, None).await
}

async fn render(
    state: &AdminState,
    visitor: &Visitor,
    filter: &HitFilter,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let s = session_of(visitor)?;
    let editor = &state.inner.editor;
    let now = state.now();

    // Blocked requests per hour over the last 24 hours, the current hour last.
    let first_hour = now - now % HOUR - 23 * HOUR;
    let per_hour: HashMap<i64, i64> = editor
        .events_per_bucket("waf_block", first_hour, HOUR)
        .await?
        .into_iter()
        .collect();
    let hours: Vec<(String, u64)> = (0..24)
        .map(|i| {
            let t = first_hour + i * HOUR;
            let n = per_hour.get(&t).copied().unwrap_or(0).max(0) as u64;
            (date::iso_minute(t).chars().skip(11).collect(), n)
        })
        .collect();
    let blocked_chart = charts::bars(&hours, 720, 180, 8);

    // Bans per day over the last 14 days.
    let first_day = now - now % DAY - 13 * DAY;
    let mut per_day = [0u64; 14];
    for b in editor.bans_since(first_day).await? {
        let i = ((b.created_at - first_day) / DAY).clamp(0, 13) as usize;
        per_day[i] += 1;
    }
    let days: Vec<(String, u64)> = per_day
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let t = first_day + i as i64 * DAY;
            (date::iso(t).chars().skip(5).collect(), *n)
        })
        .collect();
    let bans_chart = charts::bars(&days, 720, 180, 7);

    // Top offenders and rules over the last 7 days.
    let week = now - 7 * DAY;
    let top_ips: Vec<_> = editor
        .top_offenders("waf_block", week, 10)
        .await?
        .into_iter()
        .map(|(ip, n)| context! { ip, n })
        .collect();
    let recent = editor
        .security_events(&["waf_block", "waf_detect"], week, RECENT_EVENTS)
        .await?;
    let rule_counts = rule_hits(&recent);
    let catalogue = shield::rules::catalogue();
    let mut top_rules: Vec<(u32, u64)> = rule_counts.into_iter().collect();
    top_rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top_rules: Vec<_> = top_rules
        .into_iter()
        .take(10)
        .map(|(id, n)| {
            let info = catalogue.iter().find(|r| r.id == id);
            context! {
                id, n,
                description => info.map(super::codes::rule_description).unwrap_or_else(|| "?".into()),
                category => info.map(|r| super::codes::rule_category(r.category)).unwrap_or_else(|| "?".into()),
            }
        })
        .collect();

    // The hit log, optionally for one address or rule.
    let ip_filter = filter.ip.trim();
    let rule_filter = filter.rule.trim();
    let hits: Vec<Hit> = recent
        .iter()
        .map(hit)
        .filter(|h| ip_filter.is_empty() || h.ip == ip_filter)
        .filter(|h| rule_filter.is_empty() || h.rules.split(", ").any(|r| r == rule_filter))
        .take(100)
        .collect();

    let active = editor.active_bans(now).await?;
    // How many bans each source made: the web shield, by hand, or a service the guard reads.
    let mut by_source: Vec<(String, usize)> = Vec::new();
    for b in &active {
        match by_source.iter_mut().find(|(s, _)| *s == b.source) {
            Some((_, n)) => *n += 1,
            None => by_source.push((b.source.clone(), 1)),
        }
    }
    by_source.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let source_filter = filter.source.trim();
    let by_source: Vec<_> = by_source
        .into_iter()
        .map(|(source, n)| context! { label => source_label(&source), source, n })
        .collect();
    let bans: Vec<_> = active
        .into_iter()
        .filter(|b| source_filter.is_empty() || b.source == source_filter)
        .map(|b| {
            context! {
                // The shield and the guard give their reasons in English; an admin's are theirs.
                reason_lang => (b.source != store::BY_ADMIN).then_some("en"),
                subject => b.subject,
                reason => b.reason,
                count => b.count,
                source => source_label(&b.source),
                evidence => b.evidence,
                since => super::views::when(b.created_at),
                until => b.until.map(super::views::when).unwrap_or_else(|| tr("sec-dur-permanent")),
            }
        })
        .collect();
    let allow_db: Vec<_> = editor
        .allowlist()
        .await?
        .into_iter()
        .map(|a| context! { cidr => a.cidr, note => a.note, since => super::views::when(a.created_at) })
        .collect();
    let status = status_for(&error);
    let ctx = context! {
        blocked_chart => Value::from(Serde(&blocked_chart)),
        bans_chart => Value::from(Serde(&bans_chart)),
        top_ips, top_rules,
        hits => Value::from(Serde(&hits)),
        f => context! { ip => ip_filter, rule => rule_filter, source => source_filter },
        bans,
        by_source,
        allow_db,
        allow_config => state.inner.shield.config_allowlist(),
        blocklist_ranges => state.inner.shield.blocklist_ranges(),
        notice, error,
    };
    Ok(state
        .inner
        .views
        .page(status, "security.html", Some(s), "security", ctx))
}

/// The refusal for text that is no address or network (quoted as typed).
fn not_an_address(typed: &str) -> String {
    let subject = format!("{:?}", typed.trim());
    tr_with("sec-not-an-address", &[("subject", subject.into())])
}

/// A refused change is a 400, so scripts and tests can tell.
pub(super) fn status_for(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

#[derive(Deserialize)]
pub(super) struct BanForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn ban(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<BanForm>,
) -> PageResult {
    let none = HitFilter::default();
    let Some(subject) = Subject::parse(&f.subject) else {
        let e = not_an_address(&f.subject);
        return render(&state, &visitor, &none, None, Some(e)).await;
    };
    if subject.contains(visitor.ip) {
        let args = [("subject", Arg::from(subject.to_string()))];
        let e = tr_with("sec-own-address", &args);
        return render(&state, &visitor, &none, None, Some(e)).await;
    }
    let duration = match parse_duration(f.duration.trim()) {
        Ok(d) => d,
        Err(e) => return render(&state, &visitor, &none, None, Some(e)).await,
    };
    let reason = match f.reason.trim() {
        "" => "banned by an administrator",
        r => r,
    };
    let until = duration.map(|d| state.now() + d);
    let recorder = &state.inner.recorder;
    recorder
        .ban(&subject.to_string(), until, reason, 1, store::BY_ADMIN)
        .await?;
    state
        .audit(
            &visitor,
            "ban.add",
            &format!("{subject} {}: {reason}", f.duration.trim()),
        )
        .await?;
    state.inner.shield.resync(recorder).await;
    let notice = tr_with("sec-banned", &[("subject", subject.to_string().into())]);
    render(&state, &visitor, &none, Some(notice), None).await
}

#[derive(Deserialize)]
pub(super) struct SubjectForm {
    #[serde(default)]
    subject: String,
}

pub(super) async fn unban(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<SubjectForm>,
) -> PageResult {
    let none = HitFilter::default();
    let Some(subject) = Subject::parse(&f.subject) else {
        let e = not_an_address(&f.subject);
        return render(&state, &visitor, &none, None, Some(e)).await;
    };
    // The shield first: a ban being written now is in the database before the lift is.
    state.inner.shield.lift(subject).await;
    let n = state.inner.editor.lift_bans(&subject.to_string()).await?;
    state
        .audit(&visitor, "ban.remove", &subject.to_string())
        .await?;
    state.inner.shield.resync(&state.inner.recorder).await;
    let subject = subject.to_string();
    let notice = if n == 0 {
        tr_with("sec-not-banned", &[("subject", (&subject).into())])
    } else {
        tr_with("sec-lifted", &[("subject", (&subject).into())])
    };
    render(&state, &visitor, &none, Some(notice), None).await
}

#[derive(Deserialize)]
pub(super) struct AllowForm {
    #[serde(default)]
    cidr: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn allow(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<AllowForm>,
) -> PageResult {
    let none = HitFilter::default();
    let Some(cidr) = Cidr::parse(&f.cidr) else {
        let e = not_an_address(&f.cidr);
        return render(&state, &visitor, &none, None, Some(e)).await;
    };
    let entry = cidr.to_string();
    let added = state.inner.editor.allow(&entry, f.note.trim()).await?;
    if !added {
        let e = tr_with("sec-already-allowed", &[("entry", (&entry).into())]);
        return render(&state, &visitor, &none, None, Some(e)).await;
    }
    state
        .audit(&visitor, "allow.add", &format!("{entry} {}", f.note.trim()))
        .await?;
    state.inner.shield.resync(&state.inner.recorder).await;
    let notice = tr_with("sec-allowed", &[("entry", (&entry).into())]);
    render(&state, &visitor, &none, Some(notice), None).await
}

pub(super) async fn disallow(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<AllowForm>,
) -> PageResult {
    let none = HitFilter::default();
    let removed = state.inner.editor.disallow(f.cidr.trim()).await?;
    if !removed {
        let entry = format!("{:?}", f.cidr.trim());
        let e = tr_with("sec-not-allowed", &[("entry", entry.into())]);
        return render(&state, &visitor, &none, None, Some(e)).await;
    }
    state.audit(&visitor, "allow.remove", f.cidr.trim()).await?;
    state.inner.shield.resync(&state.inner.recorder).await;
    let notice = tr_with("sec-disallowed", &[("entry", f.cidr.trim().into())]);
    render(&state, &visitor, &none, Some(notice), None).await
}

pub(super) async fn rules(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    render_rules(&state, &visitor, None, None).await
}

async fn render_rules(
    state: &AdminState,
    visitor: &Visitor,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let s = session_of(visitor)?;
    let editor = &state.inner.editor;
    let recent = editor
        .security_events(
            &["waf_block", "waf_detect"],
            state.now() - 7 * DAY,
            RECENT_EVENTS,
        )
        .await?;
    let hits = rule_hits(&recent);
    let switches: HashMap<i64, store::RuleSwitch> = editor
        .rule_switches()
        .await?
        .into_iter()
        .map(|r| (r.rule_id, r))
        .collect();
    let in_config = state.inner.shield.config_disabled_rules();
    let rows: Vec<_> = shield::rules::catalogue()
        .into_iter()
        .map(|r| {
            let switch = switches.get(&i64::from(r.id));
            let locked = in_config.contains(&r.id);
            context! {
                id => r.id,
                category => super::codes::rule_category(r.category),
                severity => super::codes::rule_severity(r.severity),
                description => super::codes::rule_description(&r),
                hits => hits.get(&r.id).copied().unwrap_or(0),
                enabled => !locked && switch.is_none_or(|s| s.enabled),
                locked,
                changed => switch.map(changed_by),
            }
        })
        .collect();
    let status = status_for(&error);
    Ok(state.inner.views.page(
        status,
        "rules.html",
        Some(s),
        "security",
        context! { rows, notice, error },
    ))
}

/// When a rule was last switched, and by whom.
fn changed_by(s: &store::RuleSwitch) -> String {
    let when = super::views::when(s.changed_at);
    let args = [
        ("when", Arg::from(when)),
        ("name", Arg::from(&s.changed_by)),
    ];
    tr_with("rules-changed", &args)
}

#[derive(Deserialize)]
pub(super) struct SwitchForm {
    #[serde(default)]
    rule: u32,
    #[serde(default)]
    enabled: String,
}

pub(super) async fn switch_rule(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<SwitchForm>,
) -> PageResult {
    if !shield::rules::exists(f.rule) {
        return render_rules(
            &state,
            &visitor,
            None,
            Some(tr_with("rules-no-such", &[("rule", Arg::from(f.rule))])),
        )
        .await;
    }
    let enabled = f.enabled == "on";
    let name = visitor
        .session
        .as_ref()
        .map(|s| s.user.name.clone())
        .unwrap_or_default();
    state
        .inner
        .editor
        .switch_rule(f.rule, enabled, &name)
        .await?;
    let what = if enabled { "on" } else { "off" };
    state
        .audit(&visitor, "rule.switch", &format!("{} {what}", f.rule))
        .await?;
    state.inner.shield.resync(&state.inner.recorder).await;
    let rule = f.rule.to_string();
    let notice = if enabled {
        tr_with("rules-now-on", &[("rule", (&rule).into())])
    } else {
        tr_with("rules-now-off", &[("rule", (&rule).into())])
    };
    render_rules(&state, &visitor, Some(notice), None).await
}

#[cfg(test)]
mod tests {
    use super::parse_detail;
    use crate::admin::views::{Locale, Views, with_locale};
    use axum::http::StatusCode;
    use i18n::Lang;
    use minijinja::context;
    use minijinja::value::{Serde, Value};

    /// The operator's pages rendered in `lang`, one after the other.
    fn render_all(lang: Lang) -> String {
        let views = Views::new("/_admin").expect("templates");
        let chart = super::charts::bars(&[("00:00".into(), 3)], 720, 180, 8);
        let chart = Value::from(Serde(&chart));
        let pages = [
            (
                "security.html",
                context! {
                    blocked_chart => chart.clone(), bans_chart => chart,
                    bans => vec![context! { subject => "192.0.2.1", source => "x", until => "y" }],
                    blocklist_ranges => 1, f => context! { ip => "", rule => "1" },
                },
            ),
            (
                "rules.html",
                context! { rows => vec![context! { id => 1001, enabled => true, locked => false }] },
            ),
            (
                "dns.html",
                context! {
                    auto => false, synced => "1 jan 2025 10:00",
                    zones => vec![context! { zone => "a.test", server => "ns", in_sync => vec!["r"], foreign => 2, sent => 1, drift => true }],
                },
            ),
            ("check.html", context! { reports => Vec::<()>::new() }),
            (
                "certificates.html",
                context! { rows => vec![context! { site => "s", acme => true, days_left => 1 }] },
            ),
            (
                "mail.html",
                context! {
                    queue => vec![context! { id => 7, state => "dead", state_label => "x", attempts => 1 }],
                    domains => Vec::<()>::new(),
                },
            ),
            (
                "dmarc.html",
                context! { summary => vec![context! { domain => "d", reports => 1, messages => 57, failed => 43 }] },
            ),
        ];
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let mut all = String::new();
        for (template, ctx) in pages {
            let locale = Locale {
                lang,
                tz: i18n::TimeZone::UTC,
            };
            let page = rt.block_on(with_locale(locale, async {
                views.page(StatusCode::OK, template, None, "", ctx)
            }));
            assert_eq!(page.status(), StatusCode::OK, "{template}");
            let body = rt
                .block_on(axum::body::to_bytes(page.into_body(), 1 << 20))
                .expect("body");
            all.push_str(&String::from_utf8_lossy(&body));
        }
        all
    }

    #[test]
    fn the_operator_pages_speak_dutch_and_english() {
        let nl = render_all(Lang::Nl);
        for words in [
            "aria-label=\"Geblokkeerde aanvallen per uur: 3 in totaal, hoogstens 3\"",
            "1 blokkade actief · 1 netwerk op de blokkeerlijst",
            "Geen treffers voor dit filter.",
            "Uitzetten",
            "Op orde: 1 record van Bolwerk, zoals het hoort.",
            "2 records op deze namen zijn van de beheerder",
            "laatst bekeken 1 jan 2025 10:00 UTC",
            "Er is nog geen controle gedaan.",
            "nog 1 dag",
            "Opnieuw versturen",
            "1 rapport, 57 berichten, 43 afgekeurd door DMARC.",
        ] {
            assert!(nl.contains(words), "{words}");
        }
        let en = render_all(Lang::En);
        for words in [
            "aria-label=\"Blocked attacks per hour: 3 in all, at most 3\"",
            "1 ban in force · 1 blocklisted range",
            "No hits for this filter.",
            "In sync: 1 record of Bolwerk's, as it should be.",
            "1 day left",
            "Send again",
            "1 report, 57 messages, 43 failing DMARC.",
        ] {
            assert!(en.contains(&words.replace('\'', "&#x27;")), "{words}");
        }
    }

    #[test]
    fn event_details_are_taken_apart() {
        let d = parse_detail(
            r#"score=10 rules=1002,1001 at=query:q path=/search excerpt="1' union \"select\" x""#,
        );
        assert_eq!(d["score"], "10");
        assert_eq!(d["rules"], "1002,1001");
        assert_eq!(d["at"], "query:q");
        assert_eq!(d["path"], "/search");
        assert_eq!(d["excerpt"], "1' union \"select\" x");
        assert!(parse_detail("").is_empty());
        assert!(parse_detail("no pairs here").is_empty());
    }
}
