//! The site menu, built by picking pages (or typing an address), putting items in order and
//! under one another (one level); checked and saved in one go. Without a script the order is
//! the numbers typed; with one, buttons move the rows.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;
use store::MenuItem;

use super::content::{EditError, SiteQuery, done_notice, error_page, session, site};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};

/// Empty rows offered below the menu's items, for adding.
const BLANK_ROWS: usize = 3;

/// Most items a menu may have.
const MAX_ITEMS: usize = 30;

/// One row of the menu builder as the template shows it.
#[derive(Serialize, Default, Clone)]
struct Row {
    label: String,
    /// A page's path chosen from the list, or `other` for the address field.
    target: String,
    address: String,
    child: bool,
}

/// The builder's rows for a menu: each item as a picked page when it links to one, else as
/// an address; then blank rows.
fn rows_of(items: &[MenuItem], pages: &[(String, String)]) -> Vec<Row> {
    let mut rows: Vec<Row> = items
        .iter()
        .map(|i| {
            let page = pages.iter().any(|(_, path)| *path == i.href);
            Row {
                label: i.label.clone(),
                target: if page { i.href.clone() } else { "other".into() },
                address: if page { String::new() } else { i.href.clone() },
                child: i.child,
            }
        })
        .collect();
    rows.extend(std::iter::repeat_n(Row::default(), BLANK_ROWS));
    rows
}

/// Shows the builder with `rows`.
fn show(
    state: &AdminState,
    s: &store::Session,
    site: &store::Site,
    rows: &[Row],
    pages: &[(String, String)],
    status: StatusCode,
    (error, notice): (Option<String>, Option<String>),
) -> Response {
    let ctx = context! {
        site => Value::from(Serde(site)),
        rows => Value::from(Serde(rows)),
        pages => Value::from(Serde(pages)),
        error,
        notice,
    };
    state
        .inner
        .views
        .page(status, "menu.html", Some(s), "pages", ctx)
}

pub(super) async fn menu(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let items = state.inner.editor.menu(site.id).await?;
        let pages = page_links(&state.inner.editor.pages(site.id).await?);
        Ok::<_, EditError>(show(
            &state,
            s,
            &site,
            &rows_of(&items, &pages),
            &pages,
            StatusCode::OK,
            (None, done_notice(q.done.as_deref())),
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// The builder's rows from the posted fields `label_N`, `target_N`, `address_N`, `child_N`,
/// `order_N` and `remove_N`, in the order asked for (then as sent). Rows numbered from
/// `2 × MAX_ITEMS` on are not read; the menu itself may have [`MAX_ITEMS`].
fn posted_rows(fields: &[(String, String)]) -> Vec<Row> {
    let mut rows: std::collections::BTreeMap<usize, (Row, i64, bool)> = Default::default();
    for (key, value) in fields.iter().take(2000) {
        let Some((name, n)) = key.rsplit_once('_') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        // Twice the most a menu may have: enough to say "too many", never a page of
        // hundreds of rows sent back.
        if n >= 2 * MAX_ITEMS {
            continue;
        }
        let (row, order, removed) = rows.entry(n).or_insert_with(|| (Row::default(), 0, false));
        match name {
            "label" => row.label = value.trim().to_string(),
            "target" => row.target = value.trim().to_string(),
            "address" => row.address = value.trim().to_string(),
            "child" => row.child = value == "on",
            "order" => *order = value.trim().parse().unwrap_or(0),
            "remove" => *removed = value == "on",
            _ => {}
        }
    }
    let mut kept: Vec<(i64, usize, Row)> = rows
        .into_iter()
        .filter(|(_, (row, _, removed))| {
            let picked = !row.target.is_empty() && row.target != "other";
            let blank = row.label.is_empty() && row.address.is_empty() && !picked;
            !(*removed || blank)
        })
        .map(|(n, (row, order, _))| (order, n, row))
        .collect();
    kept.sort_by_key(|(order, n, _)| (*order, *n));
    kept.into_iter().map(|(_, _, row)| row).collect()
}

/// The menu the rows make, checked: a label of at most 60 characters, and a link to a path on
/// the site or an `https://` address, for every row.
fn items_of(rows: &[Row]) -> Result<Vec<MenuItem>, String> {
    if rows.len() > MAX_ITEMS {
        return Err(tr("menu-err-too-many"));
    }
    let mut items = Vec::with_capacity(rows.len());
    for (n, row) in rows.iter().enumerate() {
        let href = if row.target.is_empty() || row.target == "other" {
            row.address.as_str()
        } else {
            row.target.as_str()
        };
        let href_ok =
            (href.starts_with('/') && !href.starts_with("//")) || href.starts_with("https://");
        if row.label.is_empty()
            || row.label.chars().count() > 60
            || row.label.chars().any(char::is_control)
            || !href_ok
            || href.len() > 500
            || href.contains(char::is_whitespace)
        {
            return Err(tr_with("menu-err-item", &[("line", (n + 1).into())]));
        }
        items.push(MenuItem {
            label: row.label.clone(),
            href: href.to_string(),
            child: row.child && n > 0,
        });
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
        // A draft is marked: its title is not public yet.
        .map(|p| {
            let title = if p.published {
                p.title.clone()
            } else {
                tr_with("menu-draft", &[("title", p.title.as_str().into())])
            };
            (title, p.slug.clone())
        })
        .collect();
    if !links.iter().any(|(_, slug)| slug == "/news") {
        links.push((tr("menu-news"), "/news".into()));
    }
    links
}

pub(super) async fn save_menu(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let site_name = fields
            .iter()
            .find(|(k, _)| k == "site")
            .map(|(_, v)| v.as_str());
        let (site, _) = site(&state, &visitor, site_name).await?;
        let summaries = state.inner.editor.pages(site.id).await?;
        let pages = page_links(&summaries);
        let mut rows = posted_rows(&fields);
        // A published page picked without a label is named by its title (a draft's title is
        // not for the public menu before the draft is).
        for row in rows.iter_mut().filter(|r| r.label.is_empty()) {
            if let Some(p) = summaries
                .iter()
                .find(|p| p.published && p.slug == row.target)
            {
                row.label = p.title.chars().take(60).collect();
            }
        }
        let checked = items_of(&rows).and_then(|items| {
            let slugs: Vec<&str> = summaries.iter().map(|p| p.slug.as_str()).collect();
            missing_pages(&items, &slugs).map(|()| items)
        });
        let items = match checked {
            Ok(items) => items,
            Err(msg) => {
                // The rows come back as sent, so nothing typed is lost.
                let mut shown = rows;
                shown.extend(std::iter::repeat_n(Row::default(), BLANK_ROWS));
                return Ok(show(
                    &state,
                    s,
                    &site,
                    &shown,
                    &pages,
                    StatusCode::BAD_REQUEST,
                    (
                        Some(tr_with("content-not-saved", &[("reason", msg.into())])),
                        None,
                    ),
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
    use super::{Row, items_of, missing_pages, posted_rows};

    #[tokio::test]
    async fn menus() {
        // The messages in English, as the assertions below read them.
        let en = Locale {
            lang: i18n::Lang::En,
            tz: i18n::TimeZone::UTC,
        };
        with_locale(en, async { english_menus() }).await;
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn row(label: &str, href: &str) -> Row {
        Row {
            label: label.into(),
            target: "other".into(),
            address: href.into(),
            child: false,
        }
    }

    fn english_menus() {
        // Rows in the order asked for; removed and blank rows dropped; a page picked wins
        // over the address field.
        let rows = posted_rows(&fields(&[
            ("site", "demo"),
            ("label_0", "Home"),
            ("target_0", "/"),
            ("order_0", "2"),
            ("label_1", " About us "),
            ("target_1", "other"),
            ("address_1", "/about"),
            ("order_1", "1"),
            ("label_2", "Board"),
            ("target_2", "/board"),
            ("child_2", "on"),
            ("order_2", "3"),
            ("label_3", "Old"),
            ("target_3", "/old"),
            ("remove_3", "on"),
            ("label_4", ""),
            ("order_4", "0"),
            ("label_99999999999999999999", "x"),
        ]));
        let items = items_of(&rows).unwrap();
        let got: Vec<(&str, &str, bool)> = items
            .iter()
            .map(|i| (i.label.as_str(), i.href.as_str(), i.child))
            .collect();
        assert_eq!(
            got,
            [
                ("About us", "/about", false),
                ("Home", "/", false),
                ("Board", "/board", true)
            ]
        );
        // The first item cannot be under anything.
        let mut first = row("Home", "/");
        first.child = true;
        assert!(!items_of(&[first]).unwrap()[0].child);
        for bad in [
            row("Evil", "javascript:alert(1)"),
            row("X", "//evil.example"),
            row("", "/"),
            row("X", "http://plain.example"),
            row("X", "/a b"),
            row(&"x".repeat(61), "/"),
            row("a\u{0}b", "/"),
        ] {
            assert!(
                items_of(std::slice::from_ref(&bad)).is_err(),
                "{}",
                bad.address
            );
        }
        assert!(items_of(&vec![row("x", "/"); 31]).is_err(), "at most 30");
        let items = items_of(&[
            row("Home", "/"),
            row("About", "/about/#team"),
            row("News", "/news"),
            row("Shop", "https://x.example/"),
        ])
        .unwrap();
        assert!(missing_pages(&items, &["/", "/about"]).is_ok());
        let e = missing_pages(&items, &["/"]).unwrap_err();
        assert!(e.contains("“About” links to /about"), "{e}");
    }
}
