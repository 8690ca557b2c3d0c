//! The site menu: its items as `Label | /path` lines, checked and saved in one go.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;
use store::MenuItem;

use super::content::{EditError, SiteQuery, done_notice, error_page, session, site};
use super::{AdminState, Visitor};

pub(super) async fn menu(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let items = state.inner.editor.menu(site.id).await?;
        let text: Vec<String> = items
            .iter()
            .map(|i| format!("{} | {}", i.label, i.href))
            .collect();
        let ctx = context! {
            site => Value::from(Serde(&site)),
            items => text.join("\n"),
            notice => done_notice(q.done.as_deref()),
        };
        Ok::<_, EditError>(state.inner.views.page(
            StatusCode::OK,
            "menu.html",
            Some(s),
            "pages",
            ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
pub(super) struct MenuForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    items: String,
}

/// Parses `Label | /path` lines; links go to a path on the site or an `https://` address.
pub(super) fn parse_menu(text: &str) -> Result<Vec<MenuItem>, String> {
    let mut items = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let Some((label, href)) = line.split_once('|') else {
            return Err(format!("line {}: write it as Label | /path", n + 1));
        };
        let (label, href) = (label.trim(), href.trim());
        let href_ok =
            (href.starts_with('/') && !href.starts_with("//")) || href.starts_with("https://");
        if label.is_empty()
            || label.chars().count() > 60
            || !href_ok
            || href.len() > 500
            || href.contains(char::is_whitespace)
        {
            return Err(format!(
                "line {}: a label of at most 60 characters and a link to /path or https://…",
                n + 1
            ));
        }
        items.push(MenuItem {
            label: label.into(),
            href: href.into(),
        });
    }
    if items.len() > 30 {
        return Err("at most 30 menu items".into());
    }
    Ok(items)
}

pub(super) async fn save_menu(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<MenuForm>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let items = match parse_menu(&f.items) {
            Ok(items) => items,
            Err(msg) => {
                let ctx = context! { site => Value::from(Serde(&site)), items => &f.items, error => format!("Not saved: {msg}.") };
                return Ok(state.inner.views.page(StatusCode::BAD_REQUEST, "menu.html", Some(s), "pages", ctx));
            }
        };
        state.inner.editor.set_menu(site.id, &items).await?;
        let detail = format!("{}: {} items", site.name, items.len());
        state.audit(&visitor, "menu.save", &detail).await?;
        state.content_changed().await;
        Ok::<_, EditError>(Redirect::to(&format!("{}/menu?site={}&done=menu", state.base(), site.name)).into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[cfg(test)]
mod tests {
    use super::parse_menu;

    #[test]
    fn menus() {
        let items =
            parse_menu("Home | /\n\n About us | /about \nShop | https://shop.example/").unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(
            (items[1].label.as_str(), items[1].href.as_str()),
            ("About us", "/about")
        );
        for bad in [
            "Home /",
            "Evil | javascript:alert(1)",
            "X | //evil.example",
            " | /",
            "X | http://plain.example",
        ] {
            assert!(parse_menu(bad).is_err(), "{bad}");
        }
    }
}
