//! Delivers the mail queue: takes due messages from the database, signs each with its
//! domain's DKIM keys (never sends unsigned), hands it to the relay and appends the outcome.
//! Failures are retried with backoff; permanent ones and those out of attempts become dead
//! letters that an administrator can send again.

use std::sync::Arc;
use std::time::Duration;

use mail::{KeyStore, MailConfig, Outcome, Relay};
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
    relay: Option<Relay>,
    config: MailConfig,
    notify: Arc<Notify>,
    metrics: Arc<Metrics>,
    alerts: Option<Arc<crate::alerts::Alerter>>,
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
            relay: Relay::from_config(config)?,
            config: config.clone(),
            notify,
            metrics,
            alerts: None,
        })
    }

    /// The same, mailing an alert when a message is given up.
    pub fn with_alerts(mut self, alerts: Arc<crate::alerts::Alerter>) -> Outbox {
        self.alerts = Some(alerts);
        self
    }

    /// Delivers until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        match &self.relay {
            Some(r) => tracing::info!(target: "mail", relay = r.label(), "delivering mail"),
            None => tracing::warn!(
                target: "mail",
                "no mail relay configured (mail.relay): messages are kept in the queue until one is"
            ),
        }
        loop {
            let mut wait = POLL;
            if self.relay.is_some()
                && let Some(next) = self.pass().await
            {
                let secs = (next - store::now()).max(1) as u64;
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
        let due = match self.recorder.due_mail(store::now(), 100).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(target: "mail", "cannot read the mail queue: {e}");
                return None;
            }
        };
        let mut earliest: Option<i64> = None;
        for m in due {
            match self.attempt(&m).await {
                Ok(Some(next)) => earliest = Some(earliest.map_or(next, |e| e.min(next))),
                Ok(None) => {}
                Err(e) => tracing::warn!(target: "mail", id = m.id, "mail queue: {e}"),
            }
        }
        earliest
    }

    /// One delivery attempt; the time of the next one when it is to be retried.
    async fn attempt(&self, m: &QueuedMail) -> store::Result<Option<i64>> {
        let Some(relay) = &self.relay else {
            return Ok(None);
        };
        let mut seq = m.seq + 1;
        if m.state == "sending" {
            // Claimed by a node that never said how it went (it stopped mid-delivery).
            if !self
                .recorder
                .mail_event(
                    m.id,
                    seq,
                    "failed",
                    "delivery interrupted",
                    Some(store::now()),
                )
                .await?
            {
                return Ok(None);
            }
            seq += 1;
        }
        if !self
            .recorder
            .mail_event(m.id, seq, "sending", relay.label(), None)
            .await?
        {
            return Ok(None); // another node has this attempt
        }
        let attempt = m.attempts as u32 + 1;
        let outcome = match self.recorder.mail_body(m.id).await? {
            None => Outcome::Permanent("message text missing".into()),
            Some(body) => self.sign_and_send(relay, m, body.as_bytes()).await,
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
                ("failed", why, Some(store::now() + wait))
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

    async fn sign_and_send(&self, relay: &Relay, m: &QueuedMail, body: &[u8]) -> Outcome {
        let keys = self.keys.clone();
        let domain = m.domain.clone();
        // Reading keys is file IO; signing is quick.
        let signer = tokio::task::spawn_blocking(move || keys.signer(&domain)).await;
        let signer = match signer {
            Ok(Ok(Some(s))) => s,
            Ok(Ok(None)) => {
                return Outcome::Retry(format!(
                    "no DKIM key for {} (run `bolwerk dkim keygen --domain {}`); mail is never sent unsigned",
                    m.domain, m.domain
                ));
            }
            Ok(Err(e)) => return Outcome::Retry(e.to_string()),
            Err(e) => return Outcome::Retry(format!("key loading stopped: {e}")),
        };
        let signed = match signer.sign(body) {
            Ok(s) => s,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        relay.send(&m.envelope_from, &m.recipients, &signed).await
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
