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

/// Messages shown per page.
const PAGE: usize = 50;
/// Messages looked at per request while searching or filtering: a search over years of
/// messages goes back a stretch at a time, with a link to look further.
const SCAN: usize = 2_000;
/// Messages read from the database at a time.
const BATCH: i64 = 200;

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    /// Words to look for (every one must occur, in any field).
    #[serde(default)]
    q: String,
    /// `open` (new and read, the default), `done`, or `all`.
    #[serde(default)]
    show: String,
    /// Show messages older than this one (the "older messages" link).
    #[serde(default)]
    before: Option<i64>,
}

/// One page of what the Inbox lists, and where the next page starts.
struct Listing {
    shown: Vec<store::InboxMessage>,
    /// The id to continue from ("older messages"), when there may be more.
    older: Option<i64>,
    /// Whether the page stopped at [`SCAN`] rather than at [`PAGE`] matches.
    scan_ended: bool,
}

/// Walks back from `before` through the messages of `sites`, keeping those `keep` accepts,
/// until a page is full, [`SCAN`] messages were looked at, or there are no more.
async fn listing(
    state: &AdminState,
    sites: &[String],
    before: Option<i64>,
    keep: impl Fn(&store::InboxMessage) -> bool,
) -> Result<Listing, store::Error> {
    let mut shown = Vec::new();
    let mut cursor = before;
    let mut scanned = 0usize;
    loop {
        let batch = state.inner.editor.inbox_page(sites, cursor, BATCH).await?;
        let exhausted = (batch.len() as i64) < BATCH;
        for m in batch {
            scanned += 1;
            cursor = Some(m.message.id);
            if keep(&m) {
                shown.push(m);
                if shown.len() == PAGE {
                    return Ok(Listing {
                        shown,
                        older: cursor,
                        scan_ended: false,
                    });
                }
            }
        }
        if exhausted {
            return Ok(Listing {
                shown,
                older: None,
                scan_ended: false,
            });
        }
        if scanned >= SCAN {
            return Ok(Listing {
                shown,
                older: cursor,
                scan_ended: true,
            });
        }
    }
}

/// A `mailto:` link answering the message, when it carries a plain e-mail address. The
/// subject is in the site's language (the visitor wrote in it) and names the site's title.
fn reply_link(m: &store::Submission, subject: &str) -> Option<String> {
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
    let subject: String = form_urlencoded::byte_serialize(subject.as_bytes())
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
    let sites = super::content::open_sites(&state, s).await?;
    let words: Vec<String> = cms::slug::fold(&q.q)
        .split_whitespace()
        .take(10)
        .map(str::to_string)
        .collect();
    let show = match q.show.as_str() {
        "done" | "all" => q.show.as_str(),
        _ => "open",
    };
    let (mut new, mut total) = (0i64, 0i64);
    for site in &sites {
        let c = state.inner.editor.message_counts(&site.name, 0).await?;
        new += c.new;
        total += c.total;
    }
    let names: Vec<String> = sites.iter().map(|site| site.name.clone()).collect();
    let keep = |m: &store::InboxMessage| {
        let listed = match show {
            "done" => m.state == "done",
            "all" => true,
            _ => m.state != "done",
        };
        listed && {
            let text = cms::slug::fold(
                &m.message
                    .fields
                    .iter()
                    .map(|(_, _, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            words.iter().all(|w| text.contains(w.as_str()))
        }
    };
    let page = listing(&state, &names, q.before, keep).await?;
    let mut rows = Vec::new();
    for store::InboxMessage {
        message: m,
        state: st,
    } in page.shown
    {
        let site = sites.iter().find(|site| site.name == m.site);
        let lang = state.inner.cms.locale(&m.site).lang;
        let title = site.map_or(m.site.as_str(), |site| site.title.as_str());
        let subject = i18n::text_with(lang, "inbox-reply-subject", &[("site", title.into())]);
        rows.push(context! {
            id => m.id,
            at => super::views::when(m.at),
            reply => reply_link(&m, &subject),
            state_label => state_label(&st),
            state => st,
            mail_label => m.mail_state.as_deref().map(mail_label),
            site => m.site,
            form => m.form,
            ip => m.client_ip.unwrap_or_default(),
            fields => m.fields.into_iter().map(|(_, label, value)| context! { label, value }).collect::<Vec<_>>(),
            mail => m.mail_state,
        });
    }
    let link = |before: Option<i64>| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", &q.q).append_pair("show", show);
        if let Some(id) = before {
            query.append_pair("before", &id.to_string());
        }
        format!("{}/inbox?{}", state.base(), query.finish())
    };
    let older = page.older.map(|id| link(Some(id)));
    let newest = q.before.map(|_| link(None));
    Ok(state.inner.views.page(
        StatusCode::OK,
        "inbox.html",
        Some(s),
        "inbox",
        context! { rows, q => q.q, show, new, total, older, newest, before => q.before, scan_ended => page.scan_ended, scanned => SCAN },
    ))
}

#[derive(Deserialize)]
pub(super) struct StateForm {
    #[serde(default)]
    id: i64,
    /// `new`, `read` or `done`.
    #[serde(default)]
    state: String,
    /// Where the reader was (search, filter, page), to return there.
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    before: Option<i64>,
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
    let site = state.inner.editor.message_site(f.id).await?;
    let open = super::content::open_sites(&state, s).await?;
    if !site.is_some_and(|name| open.iter().any(|o| o.name == name)) {
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
    // Back where the reader was: the same search, filter and page.
    let mut back = form_urlencoded::Serializer::new(String::new());
    back.append_pair("q", &f.q).append_pair("show", &f.show);
    if let Some(id) = f.before {
        back.append_pair("before", &id.to_string());
    }
    Ok(Redirect::to(&format!("{}/inbox?{}", state.base(), back.finish())).into_response())
}
