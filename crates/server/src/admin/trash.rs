//! The trash: pages moved there instead of deleted, put back, and listed.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;

use super::content::{EditError, SiteQuery, error_page, session, site};
use super::{AdminState, Visitor};

#[derive(Deserialize)]
pub(super) struct IdForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    id: i64,
}

async fn set_trashed(
    state: &AdminState,
    visitor: &Visitor,
    f: &IdForm,
    trashed: bool,
) -> Result<Response, EditError> {
    session(visitor)?;
    let (site, _) = site(state, visitor, Some(&f.site)).await?;
    let page = state
        .inner
        .editor
        .page_source(site.id, f.id)
        .await?
        .ok_or(EditError::NotFound)?;
    state
        .inner
        .editor
        .set_trashed(site.id, f.id, trashed)
        .await?;
    let action = if trashed {
        "page.trash"
    } else {
        "page.restore"
    };
    let detail = format!("{}:{}", site.name, page.slug);
    state.audit(visitor, action, &detail).await?;
    state.content_changed().await;
    let to = if trashed {
        format!("{}/pages?site={}&done=trashed", state.base(), site.name)
    } else {
        format!(
            "{}/pages/edit?site={}&id={}&done=restored",
            state.base(),
            site.name,
            f.id
        )
    };
    Ok(Redirect::to(&to).into_response())
}

pub(super) async fn trash(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<IdForm>,
) -> Response {
    set_trashed(&state, &visitor, &f, true)
        .await
        .unwrap_or_else(|e| error_page(&state, e))
}

pub(super) async fn restore(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<IdForm>,
) -> Response {
    set_trashed(&state, &visitor, &f, false)
        .await
        .unwrap_or_else(|e| error_page(&state, e))
}

pub(super) async fn trash_list(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let pages = state.inner.editor.trashed(site.id).await?;
        let ctx =
            context! { site => Value::from(Serde(&site)), pages => Value::from(Serde(&pages)) };
        Ok::<_, EditError>(state.inner.views.page(
            StatusCode::OK,
            "trash.html",
            Some(s),
            "pages",
            ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}
