//! Contact-form submissions and the outgoing mail queue, both append-only.
//!
//! A queued message never changes: its delivery history is a list of events numbered per
//! message (`seq`), and its state is the last one. A sender claims an attempt by appending
//! `sending` with the next number; the primary key lets only one node win that number, so two
//! nodes never deliver the same attempt. Administrators send a dead letter again by appending
//! `requeued`.

use sqlx::{AnyPool, Row};

use crate::{Editor, Recorder, Result};

/// Seconds after which a `sending` claim without an outcome counts as interrupted (the node
/// died mid-delivery) and the message is tried again.
pub const SENDING_LEASE_S: i64 = 600;

/// A form post to keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubmission {
    /// Site name.
    pub site: String,
    /// Form name.
    pub form: String,
    /// The token's nonce (one submission per token).
    pub token_nonce: String,
    /// Who posted it.
    pub client_ip: Option<String>,
    /// `(name, label, value)` of each field, in form order.
    pub fields: Vec<(String, String, String)>,
}

/// A stored submission.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Submission {
    /// Row id.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Site name.
    pub site: String,
    /// Form name.
    pub form: String,
    /// Who posted it.
    pub client_ip: Option<String>,
    /// `(name, label, value)` of each field.
    pub fields: Vec<(String, String, String)>,
    /// The notification mail, when one was queued.
    pub mail_id: Option<i64>,
    /// Its delivery state (`queued`, `sent`, …).
    pub mail_state: Option<String>,
}

/// A message to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    /// The signing (and `From:`) domain.
    pub domain: String,
    /// `form`, `alert`, `reset`, `test`.
    pub kind: String,
    /// `MAIL FROM`.
    pub envelope_from: String,
    /// `RCPT TO`.
    pub recipients: Vec<String>,
    /// For lists in the admin.
    pub subject: String,
    /// `Message-ID` without brackets (unique).
    pub message_id: String,
    /// The unsigned RFC 5322 message.
    pub body: String,
}

/// A queued message with its current state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QueuedMail {
    /// Row id.
    pub id: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Signing domain.
    pub domain: String,
    /// `form`, `alert`, …
    pub kind: String,
    /// `MAIL FROM`.
    pub envelope_from: String,
    /// `RCPT TO`.
    pub recipients: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// `queued` (no event yet), `sending`, `delivered` (to one of several domains, when
    /// delivering directly), `sent`, `failed` (will retry), `dead`, `requeued`.
    pub state: String,
    /// Number of the last event (0 when none).
    pub seq: i64,
    /// When the last event happened.
    pub state_at: Option<i64>,
    /// What the last event said (the relay's answer or error).
    pub detail: String,
    /// When the next attempt is due (failed, requeued).
    pub next_at: Option<i64>,
    /// Delivery attempts so far (since it was last sent again by an administrator).
    pub attempts: i64,
}

/// One event of a message's history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MailEvent {
    /// Number within the message.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// `sending`, `sent`, `failed`, `dead`, `requeued`.
    pub kind: String,
    /// Details.
    pub detail: String,
    /// Next attempt, for `failed` and `requeued`.
    pub next_at: Option<i64>,
}

/// Whether a submission was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Stored; the submission's id and its mail's id.
    Stored {
        /// Submission id.
        submission: i64,
        /// Queued message id.
        mail: Option<i64>,
    },
    /// Its token was used before: nothing stored.
    Replay,
}

/// Messages with their last event; used as the head of the queue queries (a macro so the
/// SQL stays a `&'static str`).
macro_rules! queue_select {
    () => {
        "SELECT m.id, m.created_at, m.domain, m.kind, m.envelope_from, m.recipients, m.subject, \
         e.kind, e.seq, e.at, e.detail, e.next_at, \
         (SELECT COUNT(*) FROM mail_events a WHERE a.message_id = m.id AND a.kind = 'sending' \
      AND a.seq > COALESCE((SELECT MAX(r.seq) FROM mail_events r WHERE r.message_id = m.id AND r.kind = 'requeued'), 0)) \
         FROM mail_messages m LEFT JOIN mail_events e ON e.message_id = m.id \
         AND e.seq = (SELECT MAX(x.seq) FROM mail_events x WHERE x.message_id = m.id)"
    };
}

fn queued_from_row(r: &sqlx::any::AnyRow) -> Result<QueuedMail> {
    let recipients: String = r.try_get(5)?;
    let state: Option<String> = r.try_get(7)?;
    Ok(QueuedMail {
        id: r.try_get(0)?,
        created_at: r.try_get(1)?,
        domain: r.try_get(2)?,
        kind: r.try_get(3)?,
        envelope_from: r.try_get(4)?,
        recipients: recipients
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        subject: r.try_get(6)?,
        state: state.unwrap_or_else(|| "queued".into()),
        seq: r.try_get::<Option<i64>, _>(8)?.unwrap_or(0),
        state_at: r.try_get(9)?,
        detail: r.try_get::<Option<String>, _>(10)?.unwrap_or_default(),
        next_at: r.try_get(11)?,
        attempts: r.try_get(12)?,
    })
}

async fn insert_mail<'c, E>(exec: E, mail: &NewMail, now: i64) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO mail_messages (created_at, domain, kind, envelope_from, recipients, subject, \
         message_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(now)
    .bind(&mail.domain)
    .bind(&mail.kind)
    .bind(&mail.envelope_from)
    .bind(mail.recipients.join(","))
    .bind(&mail.subject)
    .bind(&mail.message_id)
    .bind(&mail.body)
    .execute(exec)
    .await?;
    Ok(())
}

async fn mail_list(pool: &AnyPool, state: Option<&str>, limit: i64) -> Result<Vec<QueuedMail>> {
    let rows = sqlx::query(concat!(queue_select!(), " ORDER BY m.id DESC LIMIT ?"))
        .bind(limit.clamp(1, 10_000) * if state.is_some() { 20 } else { 1 })
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let m = queued_from_row(r)?;
        if state.is_none_or(|s| s == m.state) {
            out.push(m);
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

async fn mail_events(pool: &AnyPool, id: i64) -> Result<Vec<MailEvent>> {
    let rows = sqlx::query(
        "SELECT seq, at, kind, detail, next_at FROM mail_events WHERE message_id = ? ORDER BY seq",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MailEvent {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                kind: r.try_get(2)?,
                detail: r.try_get(3)?,
                next_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// The columns [`submission_from_row`] reads, from `form_submissions s`.
macro_rules! submission_columns {
    () => {
        "s.id, s.at, s.site, s.form, s.client_ip, s.fields, s.mail_id, \
         (SELECT e.kind FROM mail_events e WHERE e.message_id = s.mail_id ORDER BY e.seq DESC LIMIT 1)"
    };
}
pub(crate) use submission_columns;

pub(crate) fn submission_from_row(r: &sqlx::any::AnyRow) -> Result<Submission> {
    let fields: String = r.try_get(5)?;
    let mail_id: Option<i64> = r.try_get(6)?;
    let state: Option<String> = r.try_get(7)?;
    Ok(Submission {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        site: r.try_get(2)?,
        form: r.try_get(3)?,
        client_ip: r.try_get(4)?,
        // Written by us as JSON; a row that does not parse shows as empty rather than
        // hiding the others.
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        mail_id,
        mail_state: mail_id.map(|_| state.unwrap_or_else(|| "queued".into())),
    })
}

async fn submissions(pool: &AnyPool, site: Option<&str>, limit: i64) -> Result<Vec<Submission>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        submission_columns!(),
        " FROM form_submissions s WHERE (? IS NULL OR s.site = ?) ORDER BY s.id DESC LIMIT ?"
    ))
    .bind(site)
    .bind(site)
    .bind(limit.clamp(1, 10_000))
    .fetch_all(pool)
    .await?;
    rows.iter().map(submission_from_row).collect()
}

async fn append_event(
    pool: &AnyPool,
    id: i64,
    seq: i64,
    kind: &str,
    detail: &str,
    next_at: Option<i64>,
) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO mail_events (message_id, seq, at, kind, detail, next_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(seq)
    .bind(crate::now())
    .bind(kind)
    .bind(detail.chars().take(1000).collect::<String>())
    .bind(next_at)
    .execute(pool)
    .await;
    match res {
        Ok(_) => Ok(true),
        Err(e) if crate::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl Recorder {
    /// Keeps a form submission and queues its notification in one transaction, or reports a
    /// replay (the token's nonce was used before) and keeps nothing.
    pub async fn record_submission(
        &self,
        sub: &NewSubmission,
        mail: Option<&NewMail>,
    ) -> Result<Recorded> {
        let now = crate::now();
        let mut tx = crate::begin_write(self.pool()).await?;
        let seen = sqlx::query("SELECT id FROM form_submissions WHERE token_nonce = ?")
            .bind(&sub.token_nonce)
            .fetch_optional(&mut *tx)
            .await?;
        if seen.is_some() {
            return Ok(Recorded::Replay);
        }
        let mail_id = match mail {
            Some(m) => {
                insert_mail(&mut *tx, m, now).await?;
                let row = sqlx::query("SELECT id FROM mail_messages WHERE message_id = ?")
                    .bind(&m.message_id)
                    .fetch_one(&mut *tx)
                    .await?;
                Some(row.try_get::<i64, _>(0)?)
            }
            None => None,
        };
        let fields = serde_json::to_string(&sub.fields).unwrap_or_else(|_| "[]".into());
        let inserted = sqlx::query(
            "INSERT INTO form_submissions (at, site, form, token_nonce, client_ip, fields, mail_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(now)
        .bind(&sub.site)
        .bind(&sub.form)
        .bind(&sub.token_nonce)
        .bind(&sub.client_ip)
        .bind(fields)
        .bind(mail_id)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // Two posts of one token at the same moment: the second loses here.
            Err(e) if crate::is_unique_violation(&e) => {
                return Ok(Recorded::Replay);
            }
            Err(e) => return Err(e.into()),
        }
        let row = sqlx::query("SELECT id FROM form_submissions WHERE token_nonce = ?")
            .bind(&sub.token_nonce)
            .fetch_one(&mut *tx)
            .await?;
        let submission: i64 = row.try_get(0)?;
        tx.commit().await?;
        Ok(Recorded::Stored {
            submission,
            mail: mail_id,
        })
    }

    /// Queues a message (an alert, a test mail); returns its id.
    pub async fn enqueue_mail(&self, mail: &NewMail) -> Result<i64> {
        insert_mail(self.pool(), mail, crate::now()).await?;
        let row = sqlx::query("SELECT id FROM mail_messages WHERE message_id = ?")
            .bind(&mail.message_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Messages to try now: never tried, failed or requeued and due, or claimed longer than
    /// [`SENDING_LEASE_S`] ago without an outcome (`sending`, or `delivered` to some of its
    /// domains when delivering directly). Oldest first.
    pub async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<QueuedMail>> {
        let rows = sqlx::query(concat!(
            queue_select!(),
            " WHERE e.kind IS NULL \
             OR (e.kind IN ('failed', 'requeued') AND e.next_at <= ?) \
             OR (e.kind IN ('sending', 'delivered') AND e.at <= ?) ORDER BY m.id LIMIT ?"
        ))
        .bind(now)
        .bind(now - SENDING_LEASE_S)
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(queued_from_row).collect()
    }

    /// The unsigned message text.
    pub async fn mail_body(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT body FROM mail_messages WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Appends event number `seq`; `false` when that number is taken (another node claimed
    /// the attempt first).
    pub async fn mail_event(
        &self,
        id: i64,
        seq: i64,
        kind: &str,
        detail: &str,
        next_at: Option<i64>,
    ) -> Result<bool> {
        append_event(self.pool(), id, seq, kind, detail, next_at).await
    }

    /// Messages, newest first; only those in `state` when given.
    pub async fn mail_list(&self, state: Option<&str>, limit: i64) -> Result<Vec<QueuedMail>> {
        mail_list(self.pool(), state, limit).await
    }

    /// A message's delivery history.
    pub async fn mail_events(&self, id: i64) -> Result<Vec<MailEvent>> {
        mail_events(self.pool(), id).await
    }

    /// Form submissions, newest first.
    pub async fn submissions(&self, site: Option<&str>, limit: i64) -> Result<Vec<Submission>> {
        submissions(self.pool(), site, limit).await
    }
}

impl Editor {
    /// Messages, newest first; only those in `state` when given.
    pub async fn mail_list(&self, state: Option<&str>, limit: i64) -> Result<Vec<QueuedMail>> {
        mail_list(self.pool(), state, limit).await
    }

    /// A message's delivery history.
    pub async fn mail_events(&self, id: i64) -> Result<Vec<MailEvent>> {
        mail_events(self.pool(), id).await
    }

    /// Form submissions, newest first (of one site when given).
    pub async fn submissions(&self, site: Option<&str>, limit: i64) -> Result<Vec<Submission>> {
        submissions(self.pool(), site, limit).await
    }

    /// Sends a dead letter again: appends `requeued`, due now. `false` when the message is not
    /// dead (or someone else changed it at the same moment).
    pub async fn requeue_mail(&self, id: i64, by: &str) -> Result<bool> {
        let rows = sqlx::query(concat!(queue_select!(), " WHERE m.id = ?"))
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        let Some(m) = rows.first().map(queued_from_row).transpose()? else {
            return Ok(false);
        };
        if m.state != "dead" {
            return Ok(false);
        }
        append_event(
            self.pool(),
            id,
            m.seq + 1,
            "requeued",
            &format!("sent again by {by}"),
            Some(crate::now()),
        )
        .await
    }
}
