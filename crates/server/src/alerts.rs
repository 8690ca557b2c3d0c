//! Security alerts by mail to `mail.alerts_to`: a certificate that could not be renewed, a
//! message that was given up. Each kind of alert about one subject goes out at most once a
//! day, so a problem that lasts does not flood the operator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use store::{NewMail, Recorder};

/// Seconds before the same alert is sent again.
const REPEAT_S: i64 = 86_400;

/// Queues alerts as DKIM-signed mail from a site's domain.
pub struct Alerter {
    recorder: Recorder,
    to: Vec<String>,
    /// Domain, local part and display name of `From:`.
    from: Option<(String, String, String)>,
    wake: Arc<tokio::sync::Notify>,
    sent: Mutex<HashMap<String, i64>>,
}

impl Alerter {
    /// Alerts go to `mail.alerts_to`, from the first site that sends mail (its domain has
    /// DKIM keys, see [`crate::config::Config::mail_sites`]); without either, alerts are only
    /// logged.
    pub fn new(
        config: &crate::config::Config,
        recorder: Recorder,
        wake: Arc<tokio::sync::Notify>,
    ) -> Alerter {
        let from = config.mail_sites().first().map(|(s, domain)| {
            (
                domain.clone(),
                s.mail_from.clone(),
                s.title.clone().unwrap_or_else(|| s.name.clone()),
            )
        });
        Alerter {
            recorder,
            to: config.mail.alerts_to.clone(),
            from,
            wake,
            sent: Mutex::new(HashMap::new()),
        }
    }

    /// Queues an alert, unless the same `key` was alerted within a day. Returns whether a
    /// mail was queued.
    pub async fn send(&self, key: &str, subject: &str, body: &str) -> bool {
        let (Some((domain, local, name)), false) = (&self.from, self.to.is_empty()) else {
            return false;
        };
        let now = store::now();
        {
            let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
            if sent.get(key).is_some_and(|at| now - at < REPEAT_S) {
                return false;
            }
            sent.insert(key.to_string(), now);
        }
        let outgoing = mail::Outgoing {
            domain: domain.clone(),
            from_local: local.clone(),
            from_name: format!("Bolwerk ({name})"),
            to: self.to.clone(),
            reply_to: None,
            subject: format!("[Bolwerk] {subject}"),
            body: format!(
                "{body}\n\n--\nBolwerk sends this alert at most once a day per problem (mail.alerts_to).\n"
            ),
        };
        let built = match outgoing.build() {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(target: "mail", "alert not sent: {e}");
                return false;
            }
        };
        let Ok(text) = String::from_utf8(built.bytes) else {
            return false;
        };
        let queued = self
            .recorder
            .enqueue_mail(&NewMail {
                domain: domain.clone(),
                kind: "alert".into(),
                envelope_from: built.envelope_from,
                recipients: built.recipients,
                subject: outgoing.subject.clone(),
                message_id: built.message_id,
                body: text,
            })
            .await;
        match queued {
            Ok(_) => {
                self.wake.notify_one();
                true
            }
            Err(e) => {
                tracing::warn!(target: "mail", "alert not queued: {e}");
                false
            }
        }
    }
}
