//! The Inbox: contact-form messages of the sites open to the signed-in person, newest first,
//! with a reply link, read/done states and a search that ignores case and accents.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use super::pages::{PageResult, session_of};
use super::views::tr;
use super::{AdminState, Visitor};

/// At most this many messages are looked at per site.
const LIMIT: i64 = 300;

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    /// Words to look for (every one must occur, in any field).
    #[serde(default)]
    q: String,
    /// `open` (new and read, the default), `done`, or `all`.
    #[serde(default)]
    show: String,
}

/// The messages of the sites open to the signed-in person, newest first.
async fn messages(
    state: &AdminState,
    s: &store::Session,
) -> Result<Vec<store::Submission>, store::Error> {
    let editor = &state.inner.editor;
    let mut all = Vec::new();
    for site in super::content::open_sites(state, s).await? {
        all.extend(editor.submissions(Some(&site.name), LIMIT).await?);
    }
    all.sort_by_key(|m| std::cmp::Reverse((m.at, m.id)));
    Ok(all)
}

/// A `mailto:` link answering the message, when it carries a plain e-mail address.
fn reply_link(m: &store::Submission) -> Option<String> {
    let (_, _, address) = m
        .fields
        .iter()
        .find(|(name, _, _)| name == "email" || name == "e-mail")?;
    // Printable ASCII only: no header tricks (`?bcc=`, `%0A`) and no look-alike characters
    // (bidi overrides, zero-width) that make an address read as another.
    let plain = address.len() <= 254
        && address.matches('@').count() == 1
        && address
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>\"',;?&%\\".contains(&b));
    if !plain {
        return None;
    }
    let subject: String =
        form_urlencoded::byte_serialize(format!("Re: your message to {}", m.site).as_bytes())
            .collect::<String>()
            .replace('+', "%20");
    Some(format!("mailto:{address}?subject={subject}"))
}

/// A message's state (`new`, `read`, `done`) in the reader's words.
fn state_label(state: &str) -> String {
    match state {
        "new" => tr("inbox-state-new"),
        "read" => tr("inbox-state-read"),
        "done" => tr("inbox-state-done"),
        other => other.to_string(),
    }
}

/// How the notification mail of a message fared (the outbox's last event) in the reader's
/// words; an unknown state as it is.
fn mail_label(state: &str) -> String {
    match state {
        "queued" => tr("inbox-mail-queued"),
        "sending" => tr("inbox-mail-sending"),
        "sent" => tr("inbox-mail-sent"),
        "delivered" => tr("inbox-mail-delivered"),
        "failed" => tr("inbox-mail-failed"),
        "dead" => tr("inbox-mail-dead"),
        "requeued" => tr("inbox-mail-requeued"),
        other => other.to_string(),
    }
}

pub(super) async fn inbox(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<InboxQuery>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let states = state.inner.editor.submission_states().await?;
    let words: Vec<String> = cms::slug::fold(&q.q)
        .split_whitespace()
        .take(10)
        .map(str::to_string)
        .collect();
    let show = match q.show.as_str() {
        "done" | "all" => q.show.as_str(),
        _ => "open",
    };
    let (mut new, mut total) = (0usize, 0usize);
    let mut rows = Vec::new();
    for m in messages(&state, s).await? {
        let st = states.get(&m.id).map(String::as_str).unwrap_or("new");
        total += 1;
        if st == "new" {
            new += 1;
        }
        let listed = match show {
            "done" => st == "done",
            "all" => true,
            _ => st != "done",
        };
        let text = cms::slug::fold(
            &m.fields
                .iter()
                .map(|(_, _, v)| v.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        );
        if !listed || !words.iter().all(|w| text.contains(w.as_str())) {
            continue;
        }
        rows.push(context! {
            id => m.id,
            at => super::views::when(m.at),
            reply => reply_link(&m),
            state => st,
            state_label => state_label(st),
            mail_label => m.mail_state.as_deref().map(mail_label),
            site => m.site,
            form => m.form,
            ip => m.client_ip.unwrap_or_default(),
            fields => m.fields.into_iter().map(|(_, label, value)| context! { label, value }).collect::<Vec<_>>(),
            mail => m.mail_state,
        });
    }
    Ok(state.inner.views.page(
        StatusCode::OK,
        "inbox.html",
        Some(s),
        "inbox",
        context! { rows, q => q.q, show, new, total },
    ))
}

#[derive(Deserialize)]
pub(super) struct StateForm {
    #[serde(default)]
    id: i64,
    /// `new`, `read` or `done`.
    #[serde(default)]
    state: String,
}

/// Marks a message of a site open to the signed-in person as new, read or done.
pub(super) async fn set_state(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<StateForm>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let to = match f.state.as_str() {
        "new" => None,
        "read" => Some("read"),
        "done" => Some("done"),
        _ => return Ok(StatusCode::BAD_REQUEST.into_response()),
    };
    // Only a message this person can see: another site's is answered as a missing one.
    if !messages(&state, s).await?.iter().any(|m| m.id == f.id) {
        return Ok(state.inner.views.error(
            StatusCode::NOT_FOUND,
            &tr("content-not-found-title"),
            &tr("inbox-no-message"),
        ));
    }
    state
        .inner
        .editor
        .set_submission_state(f.id, to, &s.user.name)
        .await?;
    Ok(Redirect::to(&format!("{}/inbox", state.base())).into_response())
}
