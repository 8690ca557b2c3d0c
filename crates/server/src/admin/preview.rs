//! Preview links: a page as it is saved, draft or scheduled, on the real theme, opened by a
//! signed link that works for half an hour ([`cms::preview`]) and only while the account that
//! made it may still edit the site, without an account or a cookie. The link is made on the editor's page; the key is shared by all nodes through the
//! database.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use cms::preview::PreviewKey;

use super::AdminState;
use super::views::tr;

/// Setting under which the preview key is kept.
const KEY_SETTING: &str = "preview_key";

/// The preview key, made on first use and kept: a stranger's well-formed link costs no
/// database read before its signature is checked.
pub(super) async fn key(state: &AdminState) -> Result<&PreviewKey, store::Error> {
    state
        .inner
        .preview_key
        .get_or_try_init(|| stored_key(state))
        .await
}

async fn stored_key(state: &AdminState) -> Result<PreviewKey, store::Error> {
    let editor = &state.inner.editor;
    if let Some(k) = editor
        .setting(KEY_SETTING)
        .await?
        .and_then(|k| PreviewKey::from_stored(&k))
    {
        return Ok(k);
    }
    if let Some(secret) = cms::form::Tokens::new_secret() {
        // Only if there is none: another node may have stored its own a moment before.
        editor.set_setting_once(KEY_SETTING, &secret).await?;
    }
    let stored = editor.setting(KEY_SETTING).await?.unwrap_or_default();
    PreviewKey::from_stored(&stored).ok_or(store::Error::Invalid {
        field: "preview_key",
        reason: "no usable preview key".into(),
    })
}

/// The page a valid link names, rendered on the site's theme; 404 for anything else (an
/// expired, altered or foreign link looks like no page at all).
pub(super) async fn show(
    State(state): State<AdminState>,
    Path(token): Path<String>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    let not_found = || {
        state.inner.views.error(
            StatusCode::NOT_FOUND,
            &tr("content-not-found-title"),
            &tr("content-preview-expired"),
        )
    };
    // Malformed or expired links are answered before the database is asked.
    if !cms::preview::may_be_valid(&token, state.now()) {
        return not_found();
    }
    let Ok(key) = key(&state).await else {
        return not_found();
    };
    let Some(cms::preview::Link {
        site_id,
        page_id,
        user_id,
    }) = key.check(&token, state.now())
    else {
        return not_found();
    };
    // A link lives no longer than its maker's access to the site.
    if !matches!(
        state.inner.editor.may_edit_site(user_id, site_id).await,
        Ok(true)
    ) {
        return not_found();
    }
    // Only on the site's own hosts: one customer's draft never shows on another's domain.
    let host = crate::routes::request_host(&uri, &headers).unwrap_or_default();
    if state.inner.cms.site_for_host(&host) != Some(site_id) {
        return not_found();
    }
    let source = match state.inner.editor.page_source(site_id, page_id).await {
        Ok(Some(p)) if p.deleted_at.is_none() => p,
        _ => return not_found(),
    };
    let page = store::Page {
        id: source.id,
        kind: source.kind,
        slug: source.slug,
        title: source.title,
        summary: source.summary,
        body_md: source.body_md,
        published_at: source.published_at,
        updated_at: source.updated_at,
        lang: source.lang,
    };
    match state.inner.cms.draft(site_id, &host, &page).await {
        Ok(Some(html)) => {
            let mut res = Html(html).into_response();
            // The editor shows it at phone width in a frame of its own origin.
            res.extensions_mut().insert(crate::headers::FramedBySelf);
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            // The link is the key: the page's own requests (stylesheet, images) do not pass it on.
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            h.insert(
                header::HeaderName::from_static("x-robots-tag"),
                HeaderValue::from_static("noindex, nofollow"),
            );
            res
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "a preview could not be rendered");
            state.inner.views.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &tr("error-generic-title"),
                &tr("error-generic"),
            )
        }
    }
}
