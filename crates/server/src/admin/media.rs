//! Uploading images and PDFs: checked by content, size-limited, stored under random names.

use axum::extract::{Extension, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use store::NewMedia;

use super::content::{EditError, error_page, session, site};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};

#[derive(Deserialize)]
pub(super) struct SiteOnly {
    #[serde(default)]
    pub(super) site: Option<String>,
    /// What the last action did (see `content::done_notice`).
    #[serde(default)]
    done: Option<String>,
}

#[derive(Serialize)]
struct FileRow {
    id: i64,
    stored_name: String,
    original_name: String,
    is_image: bool,
    size_kb: i64,
    when: String,
    uploaded_by: String,
    snippet: String,
    /// The signature a rescan found: kept aside, not served.
    quarantined: Option<String>,
    metadata_removed: Option<String>,
    alt: String,
}

/// The Markdown that shows a stored file in a page: an image with its description, or a link
/// to a document named as it was uploaded. Brackets and backslashes are left out, so the text
/// cannot end the snippet early.
pub(super) fn snippet(content_type: &str, alt: &str, original: &str, stored: &str) -> String {
    if content_type.starts_with("image/") {
        format!(
            "![{}](/media/{stored})",
            alt.replace(['[', ']', '\\', '\n'], "")
        )
    } else {
        format!(
            "[{}](/media/{stored})",
            original.replace(['[', ']', '\\', '\n'], "")
        )
    }
}

pub(super) async fn render(
    state: &AdminState,
    visitor: &Visitor,
    site_name: Option<&str>,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
) -> Result<Response, EditError> {
    let s = session(visitor)?;
    let (site, _) = site(state, visitor, site_name).await?;
    let files: Vec<FileRow> = state
        .inner
        .editor
        .media(site.id)
        .await?
        .into_iter()
        .map(|m| {
            let is_image = m.content_type.starts_with("image/");
            let snippet = snippet(&m.content_type, &m.alt, &m.original_name, &m.stored_name);
            FileRow {
                id: m.id,
                is_image,
                size_kb: (m.size + 1023) / 1024,
                when: super::views::when(m.uploaded_at),
                snippet,
                stored_name: m.stored_name,
                original_name: m.original_name,
                uploaded_by: m.uploaded_by,
                quarantined: m.quarantined,
                metadata_removed: m.metadata_removed,
                alt: m.alt,
            }
        })
        .collect();
    let (quarantined, files): (Vec<FileRow>, Vec<FileRow>) =
        files.into_iter().partition(|f| f.quarantined.is_some());
    let scanner = state.inner.av.as_ref().map(|a| a.status());
    let ctx = context! {
        site => Value::from(Serde(&site)),
        files => Value::from(Serde(&files)),
        quarantined => Value::from(Serde(&quarantined)),
        scanner => Value::from(Serde(&scanner)),
        max_mb => state.inner.config.max_upload_bytes / (1 << 20),
        error,
        notice,
    };
    Ok(state
        .inner
        .views
        .page(status, "media.html", Some(s), "media", ctx))
}

pub(super) async fn list(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteOnly>,
) -> Response {
    let notice = super::content::done_notice(q.done.as_deref());
    render(
        &state,
        &visitor,
        q.site.as_deref(),
        StatusCode::OK,
        None,
        notice.as_deref(),
    )
    .await
    .unwrap_or_else(|e| error_page(&state, e))
}

/// Takes the `file` field, checks its content, stores it, indexes it.
pub(super) async fn upload(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteOnly>,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Response {
    // The editor's drag-and-drop asks for the snippet to insert instead of the Media page.
    let wants_json = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let Upload {
            original,
            bytes,
            alt,
        } = match read_file(multipart, state.inner.config.max_upload_bytes).await {
            Ok(f) => f,
            Err(msg) => {
                return render(
                    &state,
                    &visitor,
                    Some(&site.name),
                    StatusCode::BAD_REQUEST,
                    Some(&msg),
                    None,
                )
                .await;
            }
        };
        let Some((content_type, ext)) = crate::media::sniff(&bytes) else {
            return render(
                &state,
                &visitor,
                Some(&site.name),
                StatusCode::BAD_REQUEST,
                Some(&tr("media-err-type")),
                None,
            )
            .await;
        };
        if content_type == "application/pdf" {
            let active = av::pdf::active_content(&bytes);
            if !active.is_empty() {
                let what: Vec<String> = active.iter().map(|(n, w)| format!("{w} (/{n})")).collect();
                let msg = tr_with("media-err-pdf-active", &[("what", what.join(", ").into())]);
                let _ = state
                    .audit(
                        &visitor,
                        "media.pdf_refused",
                        &format!("{}: {original:?}: {}", site.name, what.join(", ")),
                    )
                    .await;
                return render(
                    &state,
                    &visitor,
                    Some(&site.name),
                    StatusCode::BAD_REQUEST,
                    Some(&msg),
                    None,
                )
                .await;
            }
        }
        let scanned_with = match scan(&state, &visitor, &site.name, &original, &bytes).await {
            Ok(v) => v,
            Err(msg) => {
                return render(
                    &state,
                    &visitor,
                    Some(&site.name),
                    StatusCode::BAD_REQUEST,
                    Some(&msg),
                    None,
                )
                .await;
            }
        };
        // Asked after the scan: a virus is refused (and recorded) whatever else is missing.
        if content_type.starts_with("image/") && alt.is_empty() {
            return render(
                &state,
                &visitor,
                Some(&site.name),
                StatusCode::BAD_REQUEST,
                Some(&tr("media-err-no-alt")),
                None,
            )
            .await;
        }
        // Photos tell where they were taken and with which camera: that goes before the file is
        // published (the pixels stay as they are). Off the async threads: it is CPU work.
        let stripped = {
            let bytes = bytes.clone();
            tokio::task::spawn_blocking(move || imagemeta::strip(content_type, &bytes)).await
        };
        let (stored, removed) = match stripped {
            Ok(Ok(s)) => (s.bytes, s.removed),
            Ok(Err(e)) => {
                let msg = tr_with("media-err-image", &[("error", e.to_string().into())]);
                return render(
                    &state,
                    &visitor,
                    Some(&site.name),
                    StatusCode::BAD_REQUEST,
                    Some(&msg),
                    None,
                )
                .await;
            }
            Err(_) => {
                return render(
                    &state,
                    &visitor,
                    Some(&site.name),
                    StatusCode::BAD_REQUEST,
                    Some(&tr("media-err-unreadable")),
                    None,
                )
                .await;
            }
        };
        // What is stored is scanned too: cutting segments out joins the bytes around them.
        let scanned_with = if stored == bytes {
            scanned_with
        } else {
            match scan(&state, &visitor, &site.name, &original, &stored).await {
                Ok(v) => v,
                Err(msg) => {
                    return render(
                        &state,
                        &visitor,
                        Some(&site.name),
                        StatusCode::BAD_REQUEST,
                        Some(&msg),
                        None,
                    )
                    .await;
                }
            }
        };
        let bytes = stored;
        let metadata_removed = (!removed.is_empty()).then(|| {
            removed
                .iter()
                .map(|r| r.words())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let name = crate::media::random_name(ext);
        if let Err(e) = crate::media::store(&state.inner.media_dir, &name, &bytes).await {
            tracing::error!(error = %e, "storing an upload failed");
            return render(
                &state,
                &visitor,
                Some(&site.name),
                StatusCode::BAD_REQUEST,
                Some(&tr("media-err-store")),
                None,
            )
            .await;
        }
        let m = NewMedia {
            stored_name: &name,
            original_name: &original,
            content_type,
            size: bytes.len() as i64,
            uploaded_by: &s.user.name,
            scanned_with: scanned_with.as_deref(),
            metadata_removed: metadata_removed.as_deref(),
            alt: &alt,
            // Read from the header of what is stored, as a browser would show it.
            dimensions: content_type
                .starts_with("image/")
                .then(|| imagemeta::display_size(content_type, &bytes))
                .flatten(),
        };
        state.inner.editor.add_media(site.id, &m).await?;
        let stripped = metadata_removed
            .as_deref()
            .map(|w| format!("; removed {w}"))
            .unwrap_or_default();
        let detail = format!(
            "{}: {original:?} as {name} ({content_type}, {} bytes{stripped})",
            site.name,
            bytes.len()
        );
        state.audit(&visitor, "media.upload", &detail).await?;
        if content_type.starts_with("image/") {
            super::media_copies::spawn_variants(
                state.clone(),
                site.id,
                name.clone(),
                content_type,
                bytes,
            );
        }
        if wants_json {
            let snippet = snippet(content_type, &alt, &original, &name);
            let json = serde_json::json!({ "snippet": snippet }).to_string();
            let mut res = json.into_response();
            res.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            );
            return Ok(res);
        }
        Ok(Redirect::to(&format!(
            "{}/media?site={}&done=uploaded",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// Scans an upload before it is stored: `Ok(Some(signatures))` clean, `Ok(None)` stored
/// unscanned (scanning off, or clamd down with `on_unavailable = "accept"`), `Err` the refusal
/// the editor reads. A virus is recorded as a security event and mailed to the operator.
async fn scan(
    state: &AdminState,
    visitor: &Visitor,
    site: &str,
    original: &str,
    bytes: &[u8],
) -> Result<Option<String>, String> {
    let Some(a) = &state.inner.antivirus else {
        return Ok(None);
    };
    let user = visitor
        .session
        .as_ref()
        .map(|s| s.user.name.clone())
        .unwrap_or_default();
    // Asked first: signatures loaded between the scan and the question never saw the file.
    let version = a.clamd.version().await.ok().map(|v| v.key());
    let result = a.clamd.scan(bytes).await;
    if let Some(runner) = &state.inner.av {
        runner.count_scan(&result);
    }
    match result {
        Ok(av::Verdict::Clean) => Ok(version),
        Ok(av::Verdict::Infected(found)) => {
            let detail = format!("{user} uploaded {original:?} to {site}: {found}");
            tracing::warn!(target: "antivirus", ip = %visitor.ip, "virus refused: {detail}");
            let _ = state
                .inner
                .recorder
                .security_event("virus", Some(&visitor.ip_string()), &detail)
                .await;
            let _ = state.audit(visitor, "media.virus", &detail).await;
            a.alerts
                .send(
                    &format!("virus:{site}:{found}"),
                    &format!("virus in an upload to {site} refused"),
                    &format!(
                        "The virus scanner found {found} in a file {user} uploaded to {site} from {} ({original:?}). The file was refused and not stored.\n\nIf the account may be in the wrong hands, disable it on the Users page.",
                        visitor.ip
                    ),
                )
                .await;
            Err(tr_with(
                "media-err-virus",
                &[("found", found.to_string().into())],
            ))
        }
        Ok(av::Verdict::Unscannable(why)) => Err(tr_with(
            "media-err-unscannable",
            &[("why", why.to_string().into())],
        )),
        Err(e @ av::Error::TooLarge { .. }) => Err(tr_with(
            "media-err-plain",
            &[("error", e.to_string().into())],
        )),
        // Slow, confused or refusing is not "down": `accept` never lets a file through a
        // scanner that was reached (a flood of uploads must not open the door).
        Err(e @ (av::Error::Timeout { .. } | av::Error::Protocol(_) | av::Error::Clamd(_))) => {
            tracing::warn!(target: "antivirus", "{e}");
            Err(tr_with(
                "media-err-scanner",
                &[("error", e.to_string().into())],
            ))
        }
        Err(e) => {
            tracing::warn!(target: "antivirus", "{e}");
            // The dashboard learns at once that clamd is down (and when it is back).
            if let Some(runner) = &state.inner.av {
                runner.wake();
            }
            match a.on_unavailable {
                av::config::OnUnavailable::Accept => Ok(None),
                av::config::OnUnavailable::Refuse => Err(tr_with(
                    "media-err-scanner",
                    &[("error", e.to_string().into())],
                )),
            }
        }
    }
}

/// Reads the `file` field, at most `max` bytes; the name is kept for display only.
/// Longest description of an image.
pub(super) const MAX_ALT: usize = 300;

/// The posted upload: the file's name (for display only), its bytes, and what an image shows.
struct Upload {
    original: String,
    bytes: Vec<u8>,
    alt: String,
}

/// Cleans a short text from a form: control characters and the invisible ones that reorder or
/// hide text (bidi overrides, zero-width) go, so it cannot pose as something else.
pub(super) fn clean_line(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        })
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Reads the `file` field (at most `max` bytes) and the `alt` field, in any order.
async fn read_file(mut multipart: Multipart, max: usize) -> Result<Upload, String> {
    let cut = || tr("media-err-cut");
    let (mut file, mut alt) = (None, String::new());
    while let Some(mut field) = multipart.next_field().await.map_err(|_| cut())? {
        match field.name() {
            Some("file") if file.is_none() => {
                let original: String =
                    clean_line(field.file_name().unwrap_or("upload"), 100).replace(['/', '\\'], "");
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| cut())? {
                    if bytes.len() + chunk.len() > max {
                        return Err(tr_with(
                            "media-err-too-large",
                            &[("mb", (max / (1 << 20)).into())],
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((original, bytes));
            }
            Some("alt") => {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| cut())? {
                    if text.len() + chunk.len() > MAX_ALT * 4 {
                        return Err(tr("media-err-alt-too-long"));
                    }
                    text.extend_from_slice(&chunk);
                }
                alt = clean_line(&String::from_utf8_lossy(&text), MAX_ALT);
            }
            _ => {}
        }
    }
    let Some((original, bytes)) = file else {
        return Err(tr("media-err-no-file"));
    };
    if bytes.is_empty() {
        return Err(tr("media-err-empty"));
    }
    Ok(Upload {
        original: if original.is_empty() {
            "upload".into()
        } else {
            original
        },
        bytes,
        alt,
    })
}
