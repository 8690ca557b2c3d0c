//! The site menu: its items as `Label | /path` lines, checked and saved in one go.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;
use store::MenuItem;

use super::content::{EditError, SiteQuery, done_notice, error_page, session, site};
use super::views::{tr, tr_with};
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
        let pages = state.inner.editor.pages(site.id).await?;
        let ctx = context! {
            site => Value::from(Serde(&site)),
            items => text.join("\n"),
            pages => Value::from(Serde(&page_links(&pages))),
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
            return Err(tr_with("menu-err-format", &[("line", (n + 1).into())]));
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
            return Err(tr_with("menu-err-item", &[("line", (n + 1).into())]));
        }
        items.push(MenuItem {
            label: label.into(),
            href: href.into(),
        });
    }
    if items.len() > 30 {
        return Err(tr("menu-err-too-many"));
    }
    Ok(items)
}

/// Paths the site serves without a page of that path.
const BUILT_IN: [&str; 3] = ["/news", "/feed.xml", "/sitemap.xml"];

/// Refuses a menu item that links to a path of the site where no page is (`slugs`: the site's
/// pages, drafts included: a draft may be published before the menu is seen).
fn missing_pages(items: &[MenuItem], slugs: &[&str]) -> Result<(), String> {
    for item in items.iter().filter(|i| i.href.starts_with('/')) {
        let path = item.href.split(['#', '?']).next().unwrap_or("/");
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        if !slugs.contains(&path) && !BUILT_IN.contains(&path) {
            return Err(tr_with(
                "menu-err-no-page",
                &[("label", item.label.as_str().into()), ("path", path.into())],
            ));
        }
    }
    Ok(())
}

/// The site's pages as `(title, path)`, for picking menu items.
fn page_links(pages: &[store::PageSummary]) -> Vec<(String, String)> {
    let mut links: Vec<(String, String)> = pages
        .iter()
        .filter(|p| p.kind == store::PageKind::Page)
        .map(|p| (p.title.clone(), p.slug.clone()))
        .collect();
    if !links.iter().any(|(_, slug)| slug == "/news") {
        links.push((tr("menu-news"), "/news".into()));
    }
    links
}

pub(super) async fn save_menu(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<MenuForm>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let pages = state.inner.editor.pages(site.id).await?;
        let checked = parse_menu(&f.items).and_then(|items| {
            let slugs: Vec<&str> = pages.iter().map(|p| p.slug.as_str()).collect();
            missing_pages(&items, &slugs).map(|()| items)
        });
        let items = match checked {
            Ok(items) => items,
            Err(msg) => {
                let ctx = context! {
                    site => Value::from(Serde(&site)),
                    items => &f.items,
                    pages => Value::from(Serde(&page_links(&pages))),
                    error => tr_with("content-not-saved", &[("reason", msg.into())]),
                };
                return Ok(state.inner.views.page(
                    StatusCode::BAD_REQUEST,
                    "menu.html",
                    Some(s),
                    "pages",
                    ctx,
                ));
            }
        };
        state.inner.editor.set_menu(site.id, &items).await?;
        let detail = format!("{}: {} items", site.name, items.len());
        state.audit(&visitor, "menu.save", &detail).await?;
        state.content_changed().await;
        Ok::<_, EditError>(
            Redirect::to(&format!(
                "{}/menu?site={}&done=menu",
                state.base(),
                site.name
            ))
            .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[cfg(test)]
mod tests {
    use super::super::views::{Locale, with_locale};
    use super::{missing_pages, parse_menu};

    #[tokio::test]
    async fn menus() {
        // The messages in English, as the assertions below read them.
        let en = Locale {
            lang: i18n::Lang::En,
            tz: i18n::TimeZone::UTC,
        };
        with_locale(en, async { english_menus() }).await;
    }

    fn english_menus() {
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
        let items =
            parse_menu("Home | /\nAbout | /about/#team\nNews | /news\nShop | https://x.example/")
                .unwrap();
        assert!(missing_pages(&items, &["/", "/about"]).is_ok());
        let e = missing_pages(&items, &["/"]).unwrap_err();
        assert!(e.contains("“About” links to /about"), "{e}");
    }
}
