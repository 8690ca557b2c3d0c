//! The contact-form inbox (editors) and the Mail page (admins): the delivery queue with its
//! dead letters, and for every mail domain the SPF, DKIM and DMARC records to publish, checked
//! through the DNS on request, with DKIM key rotation.

use std::sync::Arc;

use axum::extract::{Extension, Form, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::pages::{PageError, session_of};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};
use i18n::Arg;

type PageResult = Result<Response, PageError>;

/// What the Mail page needs besides the database.
#[derive(Clone)]
pub struct MailAdmin {
    /// `mail` settings.
    pub config: mail::MailConfig,
    /// `(site, mail domain, a host name of the site)` for each site that sends mail.
    pub domains: Vec<(String, String, String)>,
    /// The DKIM keys.
    pub keys: mail::KeyStore,
    /// Wakes the delivery worker.
    pub wake: Arc<tokio::sync::Notify>,
    /// The DMARC mailbox poller's last look, when one runs.
    pub imap_status: Option<crate::dmarc_imap::Status>,
}

impl MailAdmin {
    /// From the config: every site that sends mail ([`crate::config::Config::mail_sites`]).
    pub fn for_config(config: &crate::config::Config, wake: Arc<tokio::sync::Notify>) -> MailAdmin {
        let mut domains: Vec<(String, String, String)> = config
            .mail_sites()
            .into_iter()
            .map(|(s, domain)| {
                (
                    s.name.clone(),
                    domain,
                    s.hosts.first().cloned().unwrap_or_default(),
                )
            })
            .collect();
        domains.dedup_by(|a, b| a.1 == b.1);
        MailAdmin {
            config: config.mail.clone(),
            domains,
            keys: mail::KeyStore::new(crate::outbox::key_dir(&config.data_dir)),
            wake,
            imap_status: None,
        }
    }

    /// The records `domain` needs (not looked up).
    pub fn records(
        &self,
        domain: &str,
        host: &str,
    ) -> Result<mail::records::DomainRecords, String> {
        mail::records::wanted(
            domain,
            &self.keys,
            &mail::records::SendingPath {
                relay: self.config.relay.as_deref(),
                site_host: host,
                rua: &self.config.rua_for(domain),
            },
        )
        .map_err(|e| e.to_string())
    }

    /// A host name of the site that sends for `domain`.
    pub fn host_of(&self, domain: &str) -> Option<&str> {
        self.domains
            .iter()
            .find(|(_, d, _)| d == domain)
            .map(|(_, _, h)| h.as_str())
    }

    /// The records `domain` needs, each looked up in the DNS and judged.
    pub async fn check(
        &self,
        domain: &str,
        host: &str,
    ) -> Result<mail::records::DomainRecords, String> {
        let recs = self.records(domain, host)?;
        let dns = mail::dns::TxtLookup::new(self.config.dns).map_err(|e| e.to_string())?;
        Ok(mail::records::check(recs, &dns).await)
    }
}

pub(super) async fn overview(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    render(&state, &visitor, false, None, None).await
}

/// The same page with every record looked up in the DNS.
pub(super) async fn check(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    render(&state, &visitor, true, None, None).await
}

async fn render(
    state: &AdminState,
    visitor: &Visitor,
    checked: bool,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let s = session_of(visitor)?;
    let Some(m) = &state.inner.mail else {
        return Ok(state.inner.views.page(
            axum::http::StatusCode::OK,
            "mail.html",
            Some(s),
            "mail",
            context! { queue => Vec::<()>::new(), domains => Vec::<()>::new() },
        ));
    };
    let queue: Vec<_> = state
        .inner
        .editor
        .mail_list(None, 200)
        .await?
        .into_iter()
        .map(|q| {
            context! {
                id => q.id,
                created => super::views::when(q.created_at),
                kind => q.kind,
                to => q.recipients.join(", "),
                subject => q.subject,
                state_label => state_label(&q.state),
                state => q.state,
                attempts => q.attempts,
                detail => q.detail,
                next => q.next_at.map(super::views::when),
            }
        })
        .collect();
    let mut domains = Vec::new();
    for (site, domain, host) in &m.domains {
        let recs = if checked {
            m.check(domain, host).await
        } else {
            m.records(domain, host)
        };
        let keys = m.keys.state(domain).unwrap_or_default();
        domains.push(match recs {
            Ok(r) => context! {
                site, domain, records => record_rows(&r.records), problem => None::<String>,
                next => keys.next, retired => keys.retired, active => keys.active,
            },
            Err(e) => context! { site, domain, records => Vec::<()>::new(), problem => e },
        });
    }
    Ok(state.inner.views.page(
        super::security::status_for(&error),
        "mail.html",
        Some(s),
        "mail",
        context! {
            queue, domains, checked, notice, error,
            relay => m.config.relay.clone(),
            direct => m.config.direct,
            tls => format!("{:?}", m.config.tls).to_lowercase(),
        },
    ))
}

#[derive(Deserialize)]
pub(super) struct IdForm {
    #[serde(default)]
    id: i64,
}

/// Sends a dead letter again.
pub(super) async fn requeue(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<IdForm>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let who = s.user.name.clone();
    if !state.inner.editor.requeue_mail(f.id, &who).await? {
        return render(&state, &visitor, false, None, Some(tr("mail-only-dead"))).await;
    }
    state
        .audit(&visitor, "mail.requeue", &f.id.to_string())
        .await?;
    if let Some(m) = &state.inner.mail {
        m.wake.notify_one();
    }
    render(
        &state,
        &visitor,
        false,
        Some(tr_with("mail-requeued", &[("id", f.id.to_string().into())])),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct KeyForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    selector: String,
}

/// The mail settings, when `domain` is one Bolwerk sends for.
fn known_domain<'a>(state: &'a AdminState, domain: &str) -> Option<&'a MailAdmin> {
    state
        .inner
        .mail
        .as_ref()
        .filter(|m| m.domains.iter().any(|(_, d, _)| d == domain))
}

/// The page for a key action on a domain Bolwerk does not send for.
async fn unknown_domain(state: &AdminState, visitor: &Visitor) -> PageResult {
    render(state, visitor, false, None, Some(tr("mail-unknown-domain"))).await
}

/// Makes a new key set that waits until its records are published.
pub(super) async fn keygen(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<KeyForm>,
) -> PageResult {
    let Some(m) = known_domain(&state, &f.domain) else {
        return unknown_domain(&state, &visitor).await;
    };
    let keys = m.keys.clone();
    let domain = f.domain.clone();
    let made = tokio::task::spawn_blocking(move || keys.generate(&domain, None))
        .await
        .map_err(|e| mail::Error::Keys(e.to_string()))
        .and_then(|r| r);
    match made {
        Ok(set) => {
            state
                .audit(&visitor, "dkim.keygen", &format!("{} {set}", f.domain))
                .await?;
            render(
                &state,
                &visitor,
                false,
                Some(keys_made(&set.to_string(), &f.domain)),
                None,
            )
            .await
        }
        Err(e) => render(&state, &visitor, false, None, Some(e.to_string())).await,
    }
}

/// Lets the waiting key set sign, once the DNS shows both of its records.
pub(super) async fn activate(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<KeyForm>,
) -> PageResult {
    let Some(m) = known_domain(&state, &f.domain) else {
        return unknown_domain(&state, &visitor).await;
    };
    let host = m.host_of(&f.domain).unwrap_or_default().to_string();
    let next = m.keys.state(&f.domain).ok().and_then(|s| s.next);
    if next.as_deref() != Some(f.selector.as_str()) {
        return render(&state, &visitor, false, None, Some(tr("mail-not-waiting"))).await;
    }
    if let Some(why) = not_published(m, &f.domain, &host, &f.selector).await {
        return render(
            &state,
            &visitor,
            true,
            None,
            Some(tr_with("mail-not-switched", &[("why", why.into())])),
        )
        .await;
    }
    let result = m.keys.activate(&f.domain, &f.selector).map(|_| ());
    let args = [
        ("domain", Arg::from(&f.domain)),
        ("selector", Arg::from(&f.selector)),
    ];
    let notice = tr_with("mail-activated", &args);
    key_change(&state, &visitor, result, "dkim.activate", &f, notice).await
}

/// The notice after making a key set.
fn keys_made(set: &str, domain: &str) -> String {
    let args = [("set", Arg::from(set)), ("domain", Arg::from(domain))];
    tr_with("mail-keys-made", &args)
}

/// A queued message's state in words (the state itself stays for the CSS class).
fn state_label(state: &str) -> String {
    match state {
        "queued" => tr("mail-state-queued"),
        "sending" => tr("mail-state-sending"),
        "sent" => tr("mail-state-sent"),
        "delivered" => tr("mail-state-delivered"),
        "failed" => tr("mail-state-failed"),
        "dead" => tr("mail-state-dead"),
        "requeued" => tr("mail-state-requeued"),
        other => other.to_string(),
    }
}

/// Audits a key change that worked and says what happened, or shows why it did not.
async fn key_change(
    state: &AdminState,
    visitor: &Visitor,
    result: Result<(), mail::Error>,
    action: &str,
    f: &KeyForm,
    notice: String,
) -> PageResult {
    match result {
        Ok(()) => {
            state
                .audit(visitor, action, &format!("{} {}", f.domain, f.selector))
                .await?;
            render(state, visitor, false, Some(notice), None).await
        }
        Err(e) => render(state, visitor, false, None, Some(e.to_string())).await,
    }
}

/// The records for the page, a DKIM key's role in the reader's words.
fn record_rows(records: &[mail::records::RecordCheck]) -> Vec<minijinja::Value> {
    use minijinja::value::Serde;
    let rows = records.iter().map(|r| {
        context! {
            wanted => minijinja::Value::from(Serde(&r.wanted)),
            role => super::codes::mail_role(&r.role),
            verdict => minijinja::Value::from(Serde(&r.verdict)),
            lookup_error => &r.lookup_error,
        }
    });
    rows.collect()
}

/// Why the key set's records are not (correctly) in the DNS yet; `None` when they are.
pub async fn not_published(m: &MailAdmin, domain: &str, host: &str, set: &str) -> Option<String> {
    let recs = match m.check(domain, host).await {
        Ok(r) => r,
        Err(e) => return Some(e),
    };
    let mine: Vec<_> = recs
        .records
        .iter()
        .filter(|r| r.wanted.kind == "DKIM" && r.wanted.name.starts_with(&format!("{set}-")))
        .collect();
    if mine.is_empty() {
        return Some("no records for these keys".into());
    }
    for r in mine {
        if let Some(e) = &r.lookup_error {
            return Some(e.clone());
        }
        if let Some(v) = &r.verdict
            && !v.ok
        {
            return Some(format!("{}: {}", r.wanted.name, v.problems.join("; ")));
        }
    }
    None
}

/// Deletes retired keys (after their records left the DNS).
pub(super) async fn remove_key(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<KeyForm>,
) -> PageResult {
    let Some(m) = known_domain(&state, &f.domain) else {
        return unknown_domain(&state, &visitor).await;
    };
    let result = m.keys.remove_retired(&f.domain, &f.selector);
    let args = [
        ("selector", Arg::from(&f.selector)),
        ("domain", Arg::from(&f.domain)),
    ];
    let notice = tr_with("mail-keys-removed", &args);
    key_change(&state, &visitor, result, "dkim.remove", &f, notice).await
}

/// The DMARC page: reports of the last 30 days summed up per sending address, the reports
/// themselves, and an upload form.
pub(super) async fn dmarc(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    render_dmarc(&state, &visitor, Vec::new(), axum::http::StatusCode::OK).await
}

async fn render_dmarc(
    state: &AdminState,
    visitor: &Visitor,
    results: Vec<(String, bool, String)>,
    status: axum::http::StatusCode,
) -> PageResult {
    let s = session_of(visitor)?;
    let since = state.now() - 30 * 86_400;
    let reports = state
        .inner
        .editor
        .dmarc_reports(None, since, 10_000)
        .await?;
    let mut domains: Vec<String> = reports.iter().map(|r| r.domain.clone()).collect();
    domains.sort();
    domains.dedup();
    let summary: Vec<_> = domains
        .iter()
        .map(|d| {
            let of: Vec<store::DmarcReport> =
                reports.iter().filter(|r| &r.domain == d).cloned().collect();
            let sources = crate::dmarc::sources(&of);
            context! {
                domain => d,
                reports => of.len(),
                messages => of.iter().map(|r| r.messages).sum::<i64>(),
                failed => of.iter().map(|r| r.failed).sum::<i64>(),
                sources => sources.iter().map(|s| context! {
                    source_ip => &s.source_ip, messages => s.messages, dmarc_pass => s.dmarc_pass,
                    dkim_pass => s.dkim_pass, spf_pass => s.spf_pass, blocked => s.blocked,
                    reporters => &s.reporters, verdict => super::codes::dmarc_standing(s.standing),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let list: Vec<_> = reports
        .iter()
        .take(100)
        .map(|r| {
            context! {
                org => &r.org, report_id => &r.report_id, domain => &r.domain, policy => &r.policy,
                begin => super::views::when(r.begin), end => super::views::when(r.end),
                messages => r.messages, failed => r.failed, source => &r.source,
            }
        })
        .collect();
    let results: Vec<_> = results
        .into_iter()
        .map(|(file, ok, text)| context! { file, ok, text })
        .collect();
    let mailbox = state.inner.mail.as_ref().and_then(|m| {
        let imap = m.config.dmarc_imap.as_ref()?;
        let st = m
            .imap_status
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default();
        Some(context! {
            server => &imap.server, folder => &imap.mailbox, user => &imap.username,
            at => st.at.map(super::views::when), imported => st.imported,
            duplicates => st.duplicates, refused => st.refused, error => st.error,
        })
    });
    Ok(state.inner.views.page(
        status,
        "dmarc.html",
        Some(s),
        "dmarc",
        context! { summary, list, results, mailbox },
    ))
}

/// Imports uploaded report files, each on its own: one bad file does not stop the others.
pub(super) async fn dmarc_upload(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let mut results = Vec::new();
    let mut any_bad = false;
    let mut imported = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                results.push((String::new(), false, tr("dmarc-cut-off")));
                any_bad = true;
                break;
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name: String = field
            .file_name()
            .unwrap_or("report")
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        let mut field = field;
        let mut bytes = Vec::new();
        let mut too_big = false;
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if bytes.len() + c.len() > mail::dmarc::MAX_FILE {
                        too_big = true;
                        break;
                    }
                    bytes.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(_) => {
                    too_big = true;
                    break;
                }
            }
        }
        if too_big {
            any_bad = true;
            let args = [("mb", Arg::from(mail::dmarc::MAX_FILE >> 20))];
            results.push((name, false, tr_with("dmarc-too-large", &args)));
            continue;
        }
        if bytes.is_empty() {
            continue;
        }
        let who = visitor
            .session
            .as_ref()
            .map(|s| format!("upload ({})", s.user.name))
            .unwrap_or_else(|| "upload".into());
        let scanner = state
            .inner
            .antivirus
            .as_ref()
            .map(|a| crate::dmarc::Scanner {
                clamd: a.clamd.clone(),
                on_unavailable: a.on_unavailable,
            });
        match crate::dmarc::import(&state.inner.recorder, &bytes, &who, scanner.as_ref()).await {
            Ok(crate::dmarc::Imported::New(r)) => {
                imported += 1;
                state
                    .audit(
                        &visitor,
                        "dmarc.import",
                        &format!("{name}: {}", r.report_id),
                    )
                    .await?;
                let (messages, failed) = crate::dmarc::counts(&r);
                let args = [
                    ("id", Arg::from(&r.report_id)),
                    ("org", Arg::from(&r.org)),
                    ("domain", Arg::from(&r.domain)),
                    ("messages", Arg::from(messages)),
                    ("failed", Arg::from(failed)),
                ];
                results.push((name, true, tr_with("dmarc-imported", &args)));
            }
            Ok(crate::dmarc::Imported::Duplicate(r)) => {
                let args = [("id", Arg::from(&r.report_id)), ("org", Arg::from(&r.org))];
                results.push((name, true, tr_with("dmarc-duplicate", &args)));
            }
            Err(e) => {
                any_bad = true;
                let error = e.to_string();
                results.push((
                    name,
                    false,
                    tr_with("dmarc-refused", &[("error", error.into())]),
                ));
            }
        }
    }
    if results.is_empty() {
        any_bad = true;
        results.push((String::new(), false, tr("dmarc-no-file")));
    }
    tracing::info!(target: "mail", imported, "DMARC reports uploaded");
    let status = if any_bad {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    render_dmarc(&state, &visitor, results, status).await
}
