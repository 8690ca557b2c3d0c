//! What is done to a stored file after upload: removing, releasing from quarantine, scanning
//! all again, describing, and choosing the site's icon.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::content::{EditError, error_page, session, site};
use super::media::{MAX_ALT, SiteOnly, clean_line, render};
use super::views::tr;
use super::{AdminState, Visitor};

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    id: i64,
}

pub(super) async fn delete(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<DeleteForm>,
) -> Response {
    let result = async {
        session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let file = state.inner.editor.media_file(site.id, f.id).await?;
        let is_admin = visitor
            .session
            .as_ref()
            .is_some_and(|s| s.user.role == store::Role::Admin);
        let deleted = match (&file, &state.inner.av) {
            // A quarantined file is evidence: only an administrator removes it, bytes and all.
            (Some(m), _) if m.quarantined.is_some() && !is_admin => false,
            (Some(m), Some(av)) if m.quarantined.is_some() => av.delete(site.id, f.id).await?,
            (Some(_), _) => state.inner.editor.delete_media(site.id, f.id).await?,
            (None, _) => false,
        };
        if !deleted {
            return Err(EditError::NotFound);
        }
        let what = match file.and_then(|m| m.quarantined) {
            Some(sig) => format!(" (quarantined: {sig})"),
            None => String::new(),
        };
        let detail = format!("{}: media {}{what}", site.name, f.id);
        state.audit(&visitor, "media.delete", &detail).await?;
        Ok(Redirect::to(&format!(
            "{}/media?site={}&done=deleted",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// Serves a quarantined file again (administrators only): the finding was a false alarm. A
/// later rescan that finds the same signature leaves it served.
pub(super) async fn release(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<DeleteForm>,
) -> Response {
    let result = async {
        session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let Some(av) = &state.inner.av else {
            return Err(EditError::NotFound);
        };
        let signature = state
            .inner
            .editor
            .media_file(site.id, f.id)
            .await?
            .and_then(|m| m.quarantined);
        if signature.is_none() || !av.release(site.id, f.id).await? {
            return Err(EditError::NotFound);
        }
        let detail = format!(
            "{}: media {} released from quarantine ({} judged a false alarm)",
            site.name,
            f.id,
            signature.unwrap_or_default()
        );
        state.audit(&visitor, "media.release", &detail).await?;
        Ok(Redirect::to(&format!(
            "{}/media?site={}&done=released",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// Scans every stored file again soon, in the background (administrators only; pressed many
/// times, one rescan waits).
pub(super) async fn rescan(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteOnly>,
) -> Response {
    let result = async {
        session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        if let Some(av) = &state.inner.av {
            av.rescan_all_soon();
            state
                .audit(&visitor, "media.rescan", "every stored file")
                .await?;
        }
        Ok(Redirect::to(&format!(
            "{}/media?site={}&done=rescan",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
pub(super) struct AltForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    alt: String,
}

#[derive(Deserialize)]
pub(super) struct IconForm {
    #[serde(default)]
    site: String,
    /// The stored name of one of the site's images; empty: no icon.
    #[serde(default)]
    name: String,
}

/// Makes one of the site's images its icon (the favicon browsers show in tabs and
/// bookmarks), or takes the icon away.
pub(super) async fn set_icon(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<IconForm>,
) -> Response {
    let result = async {
        session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let name = f.name.trim();
        let chosen = if name.is_empty() {
            None
        } else if crate::media::is_stored_name(name) {
            Some(name)
        } else {
            return Err(EditError::NotFound);
        };
        if !state.inner.editor.set_site_icon(site.id, chosen).await? && chosen.is_some() {
            // Not an image of this site that is served.
            return Err(EditError::NotFound);
        }
        state
            .audit(
                &visitor,
                "site.icon",
                &format!("{}: {}", site.name, chosen.unwrap_or("none")),
            )
            .await?;
        state.content_changed().await;
        Ok(Redirect::to(&format!(
            "{}/media?site={}&done=icon",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// Changes what an image shows, in words (for people who cannot see it).
pub(super) async fn set_alt(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<AltForm>,
) -> Response {
    let result = async {
        session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let alt = clean_line(&f.alt, MAX_ALT);
        if alt.is_empty() {
            return render(
                &state,
                &visitor,
                Some(&site.name),
                StatusCode::BAD_REQUEST,
                Some(&tr("media-err-alt-empty")),
                None,
            )
            .await;
        }
        if !state
            .inner
            .editor
            .set_media_alt(site.id, f.id, &alt)
            .await?
        {
            return Err(EditError::NotFound);
        }
        state
            .audit(
                &visitor,
                "media.alt",
                &format!("{}: media {}: {alt:?}", site.name, f.id),
            )
            .await?;
        Ok(Redirect::to(&format!(
            "{}/media?site={}&done=alt",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}
