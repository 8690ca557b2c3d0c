//! A page's revision history: every save, the diff of each against the one before (the
//! changed lines with a little context), and restoring an older version as a new revision.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};

use super::content::{EditError, SiteQuery, error_page, session, site};
use super::views::tr;
use super::{AdminState, Visitor};

#[derive(Serialize)]
struct RevRow {
    id: i64,
    when: String,
    by: String,
    title: String,
    slug: String,
    published: bool,
}

#[derive(Serialize)]
struct DiffLine {
    tag: &'static str,
    sign: &'static str,
    text: String,
}

/// A line diff of two versions (title, path and text), for people.
fn diff(old: &store::Revision, new: &store::Revision) -> Vec<DiffLine> {
    let (title, path, summary) = (
        tr("content-title"),
        tr("content-path"),
        tr("content-summary"),
    );
    let render = |r: &store::Revision| {
        format!(
            "{title}: {}\n{path}: {}\n{summary}: {}\n\n{}\n",
            r.title, r.slug, r.summary, r.body_md
        )
    };
    let (a, b) = (render(old), render(new));
    let d = similar::TextDiff::from_lines(&a, &b);
    // The changed lines with two lines around each change, not the whole document; "…"
    // between the pieces.
    let mut out = Vec::new();
    for (i, group) in d.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            out.push(DiffLine {
                tag: "gap",
                sign: "",
                text: "…".into(),
            });
        }
        for op in group {
            for c in d.iter_changes(op) {
                let (tag, sign) = match c.tag() {
                    similar::ChangeTag::Delete => ("del", "−"),
                    similar::ChangeTag::Insert => ("ins", "+"),
                    similar::ChangeTag::Equal => ("eq", ""),
                };
                out.push(DiffLine {
                    tag,
                    sign,
                    text: c.value().trim_end_matches('\n').to_string(),
                });
            }
        }
    }
    out
}

pub(super) async fn history(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let id = q.id.ok_or(EditError::NotFound)?;
        let page = state
            .inner
            .editor
            .page_source(site.id, id)
            .await?
            .ok_or(EditError::NotFound)?;
        let revs = state.inner.editor.revisions(id).await?;
        let shown_id = q.rev.or(revs.first().map(|r| r.id)).unwrap_or(0);
        let (mut lines, mut shown) = (Vec::new(), None);
        if let Some(pos) = revs.iter().position(|r| r.id == shown_id) {
            let this = &revs[pos];
            shown = Some(
                context! { when => super::views::when_exact(this.saved_at), by => &this.saved_by },
            );
            let empty = store::Revision {
                title: String::new(),
                slug: String::new(),
                summary: String::new(),
                body_md: String::new(),
                ..this.clone()
            };
            let before = revs.get(pos + 1).unwrap_or(&empty);
            lines = diff(before, this);
        }
        let rows: Vec<RevRow> = revs
            .iter()
            .map(|r| RevRow {
                id: r.id,
                when: super::views::when_exact(r.saved_at),
                by: r.saved_by.clone(),
                title: r.title.clone(),
                slug: r.slug.clone(),
                published: r.published,
            })
            .collect();
        let ctx = context! {
            site => Value::from(Serde(&site)),
            page => Value::from(Serde(&page)),
            revisions => Value::from(Serde(&rows)),
            diff => Value::from(Serde(&lines)),
            shown,
            shown_id,
        };
        Ok::<_, EditError>(state.inner.views.page(
            StatusCode::OK,
            "history.html",
            Some(s),
            "pages",
            ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
pub(super) struct RevForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    rev: i64,
}

pub(super) async fn restore_revision(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<RevForm>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let id = match state
            .inner
            .editor
            .restore_revision(site.id, f.rev, &s.user.name)
            .await
        {
            Ok(id) => id,
            Err(store::Error::Invalid { .. }) => return Err(EditError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let detail = format!("{}: page {id} to revision {}", site.name, f.rev);
        state
            .audit(&visitor, "page.revision_restore", &detail)
            .await?;
        state.content_changed().await;
        Ok(Redirect::to(&format!(
            "{}/pages/edit?site={}&id={id}&done=reverted",
            state.base(),
            site.name
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}
