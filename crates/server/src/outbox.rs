//! Delivers the mail queue: takes due messages from the database, signs each with its
//! domain's DKIM keys (never sends unsigned), hands it to the relay and appends the outcome.
//! Failures are retried with backoff; permanent ones and those out of attempts become dead
//! letters that an administrator can send again.

use std::sync::Arc;
use std::time::Duration;

use mail::{Direct, KeyStore, MailConfig, Outcome, Relay};
use store::{QueuedMail, Recorder};
use tokio::sync::{Notify, watch};

use crate::metrics::Metrics;

/// How often the queue is looked at without being woken (retries become due, other nodes
/// queue messages).
const POLL: Duration = Duration::from_secs(10);

/// The delivery worker.
pub struct Outbox {
    recorder: Recorder,
    keys: KeyStore,
    sender: Option<Sender>,
    config: MailConfig,
    notify: Arc<Notify>,
    metrics: Arc<Metrics>,
    alerts: Option<Arc<crate::alerts::Alerter>>,
    /// When messages are due and retried (tests move it).
    clock: store::Clock,
}

/// How mail leaves.
enum Sender {
    /// Through the configured relay.
    Relay(Relay),
    /// Straight to each recipient domain's mail servers.
    Direct(Box<Direct>),
}

impl Sender {
    fn label(&self) -> String {
        match self {
            Sender::Relay(r) => r.label().to_string(),
            Sender::Direct(_) => "direct".into(),
        }
    }
}

/// Where a site's DKIM keys live.
pub fn key_dir(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("dkim")
}

impl Outbox {
    /// A worker for `config`'s relay (none: messages wait in the queue).
    pub fn new(
        config: &MailConfig,
        data_dir: &std::path::Path,
        recorder: Recorder,
        notify: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> Result<Outbox, mail::Error> {
        Ok(Outbox {
            recorder,
            keys: KeyStore::new(key_dir(data_dir)),
            sender: match (Relay::from_config(config)?, Direct::from_config(config)?) {
                (Some(r), _) => Some(Sender::Relay(r)),
                (None, Some(d)) => Some(Sender::Direct(Box::new(d))),
                (None, None) => None,
            },
            config: config.clone(),
            notify,
            metrics,
            alerts: None,
            clock: store::Clock::system(),
        })
    }

    /// The same, going by `clock`.
    pub fn with_clock(mut self, clock: store::Clock) -> Outbox {
        self.clock = clock;
        self
    }

    /// The same, mailing an alert when a message is given up.
    pub fn with_alerts(mut self, alerts: Arc<crate::alerts::Alerter>) -> Outbox {
        self.alerts = Some(alerts);
        self
    }

    /// Delivers until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        match &self.sender {
            Some(s) => tracing::info!(target: "mail", via = %s.label(), "delivering mail"),
            None => tracing::warn!(
                target: "mail",
                "no mail relay configured (mail.relay, or mail.direct): messages are kept in the queue until one is"
            ),
        }
        loop {
            let mut wait = POLL;
            if self.sender.is_some()
                && let Some(next) = self.pass().await
            {
                let secs = (next - self.clock.now()).max(1) as u64;
                wait = wait.min(Duration::from_secs(secs));
            }
            tokio::select! {
                _ = self.notify.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    /// Tries every due message once; returns the earliest retry it scheduled.
    pub async fn pass(&self) -> Option<i64> {
        let due = match self.recorder.due_mail(self.clock.now(), 100).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(target: "mail", "cannot read the mail queue: {e}");
                return None;
            }
        };
        let mut earliest: Option<i64> = None;
        for m in due {
            // An attempt ends well before its claim could be taken over by another node.
            let limit = Duration::from_secs((store::SENDING_LEASE_S - 60).max(60) as u64);
            match tokio::time::timeout(limit, self.attempt(&m)).await {
                Ok(Ok(Some(next))) => earliest = Some(earliest.map_or(next, |e| e.min(next))),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::warn!(target: "mail", id = m.id, "mail queue: {e}"),
                Err(_) => tracing::warn!(
                    target: "mail",
                    id = m.id,
                    "delivery attempt took longer than {} s and was stopped; it is tried again",
                    limit.as_secs()
                ),
            }
        }
        earliest
    }

    /// One delivery attempt; the time of the next one when it is to be retried.
    async fn attempt(&self, m: &QueuedMail) -> store::Result<Option<i64>> {
        let Some(sender) = &self.sender else {
            return Ok(None);
        };
        let mut seq = m.seq + 1;
        if m.state == "sending" || m.state == "delivered" {
            // Claimed by a node that never said how it went (it stopped mid-delivery).
            if !self
                .recorder
                .mail_event(
                    m.id,
                    seq,
                    "failed",
                    "delivery interrupted",
                    Some(self.clock.now()),
                )
                .await?
            {
                return Ok(None);
            }
            seq += 1;
        }
        if !self
            .recorder
            .mail_event(m.id, seq, "sending", &sender.label(), None)
            .await?
        {
            return Ok(None); // another node has this attempt
        }
        let attempt = m.attempts as u32 + 1;
        let outcome = match self.recorder.mail_body(m.id).await? {
            None => Outcome::Permanent("message text missing".into()),
            Some(body) => match self.sign(m, body.as_bytes()).await {
                Err(o) => o,
                Ok(signed) => match sender {
                    Sender::Relay(r) => r.send(&m.envelope_from, &m.recipients, &signed).await,
                    Sender::Direct(d) => match self.send_direct(d, m, &signed, &mut seq).await? {
                        Some(o) => o,
                        // Another node took the message over; it records the outcome.
                        None => return Ok(None),
                    },
                },
            },
        };
        let (kind, detail, next_at) = match outcome {
            Outcome::Sent(answer) => {
                self.metrics.mail_sent.inc();
                tracing::info!(target: "mail", id = m.id, to = %m.recipients.join(","), "mail sent: {answer}");
                ("sent", answer, None)
            }
            Outcome::Permanent(why) => {
                self.metrics.mail_dead.inc();
                tracing::warn!(target: "mail", id = m.id, "mail given up: {why}");
                ("dead", why, None)
            }
            Outcome::Retry(why) if attempt >= self.config.max_attempts => {
                self.metrics.mail_dead.inc();
                tracing::warn!(target: "mail", id = m.id, attempt, "mail given up after {attempt} attempts: {why}");
                (
                    "dead",
                    format!("gave up after {attempt} attempts: {why}"),
                    None,
                )
            }
            Outcome::Retry(why) => {
                self.metrics.mail_retries.inc();
                let wait = self.config.backoff_s(attempt) as i64;
                tracing::info!(target: "mail", id = m.id, attempt, "mail not delivered, trying again in {wait} s: {why}");
                ("failed", why, Some(self.clock.now() + wait))
            }
        };
        self.recorder
            .mail_event(m.id, seq + 1, kind, &detail, next_at)
            .await?;
        // An alert about an alert that cannot be delivered would only loop.
        if kind == "dead"
            && m.kind != "alert"
            && let Some(alerts) = &self.alerts
        {
            let body = format!(
                "A message could not be delivered and was given up:\n\n  To: {}\n  Subject: {}\n  Why: {detail}\n\nThe message is kept; an administrator can send it again from the admin's Mail page once the cause is fixed. Contact-form messages are also in the Inbox.",
                m.recipients.join(", "),
                m.subject
            );
            alerts
                .send("dead-letters", "a message could not be delivered", &body)
                .await;
        }
        Ok(next_at)
    }

    /// The message signed with its domain's keys; never unsigned.
    async fn sign(&self, m: &QueuedMail, body: &[u8]) -> Result<Vec<u8>, Outcome> {
        let keys = self.keys.clone();
        let domain = m.domain.clone();
        // Reading keys is file IO; signing is quick.
        let signer = tokio::task::spawn_blocking(move || keys.signer(&domain)).await;
        let signer = match signer {
            Ok(Ok(Some(s))) => s,
            Ok(Ok(None)) => {
                return Err(Outcome::Retry(format!(
                    "no DKIM key for {} (run `bolwerk dkim keygen --domain {}`); mail is never sent unsigned",
                    m.domain, m.domain
                )));
            }
            Ok(Err(e)) => return Err(Outcome::Retry(e.to_string())),
            Err(e) => return Err(Outcome::Retry(format!("key loading stopped: {e}"))),
        };
        signer.sign(body).map_err(|e| Outcome::Retry(e.to_string()))
    }

    /// Delivers to each recipient domain in turn, skipping those an earlier attempt reached
    /// (each success is appended as `delivered`, so a retry never sends twice).
    async fn send_direct(
        &self,
        direct: &Direct,
        m: &QueuedMail,
        signed: &[u8],
        seq: &mut i64,
    ) -> store::Result<Option<Outcome>> {
        let done: std::collections::HashSet<String> = self
            .recorder
            .mail_events(m.id)
            .await?
            .into_iter()
            .filter(|e| e.kind == "delivered")
            .map(|e| e.detail)
            .collect();
        let mut by_domain: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for r in &m.recipients {
            let domain = r
                .rsplit_once('@')
                .map(|(_, d)| d)
                .unwrap_or("")
                .to_ascii_lowercase();
            by_domain.entry(domain).or_default().push(r.clone());
        }
        let (mut retry, mut permanent, mut sent) = (Vec::new(), Vec::new(), Vec::new());
        for (domain, rcpts) in by_domain.into_iter().filter(|(d, _)| !done.contains(d)) {
            match direct
                .send_domain(&domain, &m.envelope_from, &rcpts, signed)
                .await
            {
                Outcome::Sent(answer) => {
                    *seq += 1;
                    if !self
                        .recorder
                        .mail_event(m.id, *seq, "delivered", &domain, None)
                        .await?
                    {
                        return Ok(None);
                    }
                    sent.push(answer);
                }
                Outcome::Retry(e) => retry.push(e),
                Outcome::Permanent(e) => permanent.push(e),
            }
        }
        Ok(Some(if !retry.is_empty() {
            Outcome::Retry(
                retry
                    .into_iter()
                    .chain(permanent)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        } else if !permanent.is_empty() {
            Outcome::Permanent(permanent.join("; "))
        } else if sent.is_empty() {
            Outcome::Sent("every recipient domain had it already".into())
        } else {
            Outcome::Sent(sent.join("; "))
        }))
    }
}

/// Makes DKIM keys for every mail domain that has none yet, and logs what to publish.
pub async fn ensure_keys(data_dir: &std::path::Path, domains: Vec<String>) {
    let keys = KeyStore::new(key_dir(data_dir));
    let made = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for d in domains {
            match keys.state(&d) {
                Ok(s) if s.active.is_some() => {}
                Ok(_) => match keys.generate(&d, None) {
                    Ok(set) => out.push((d.clone(), keys.records(&d, &set))),
                    Err(e) => {
                        tracing::warn!(target: "mail", domain = %d, "cannot make DKIM keys: {e}")
                    }
                },
                Err(e) => tracing::warn!(target: "mail", domain = %d, "DKIM keys unreadable: {e}"),
            }
        }
        out
    })
    .await
    .unwrap_or_default();
    for (domain, records) in made {
        for r in records.into_iter().flatten() {
            tracing::info!(target: "mail", %domain, "new DKIM key: publish TXT {} \"{}\"", r.name, r.value);
        }
    }
}
