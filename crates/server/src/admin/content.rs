//! Editing content in the browser: pages and posts with a live preview, the trash, the
//! revision history with diffs, and the menu. Every change is audited.

use axum::extract::{Extension, Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cms::date;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use store::{NewPage, PageKind, Session, Site};

use super::views::{SCRIPT, tr, tr_with};
use super::{AdminState, Visitor};

/// A failure while editing: bad input goes back to the form, the rest is logged once.
pub(super) enum EditError {
    Store(store::Error),
    NoSite,
    NotFound,
}

impl From<store::Error> for EditError {
    fn from(e: store::Error) -> Self {
        EditError::Store(e)
    }
}

pub(super) fn error_page(state: &AdminState, e: EditError) -> Response {
    let v = &state.inner.views;
    match e {
        EditError::NoSite => v.error(
            StatusCode::NOT_FOUND,
            &tr("content-no-site-title"),
            &tr("content-no-site"),
        ),
        EditError::NotFound => v.error(
            StatusCode::NOT_FOUND,
            &tr("content-not-found-title"),
            &tr("content-not-found"),
        ),
        EditError::Store(e) => {
            tracing::error!(error = %e, "content edit failed");
            v.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &tr("error-generic-title"),
                &tr("error-generic"),
            )
        }
    }
}

/// The sites `s`'s user may edit: all for administrators, the granted ones for editors; only
/// sites in the config (one taken out keeps its pages in the database, not its editors).
pub(super) async fn open_sites(state: &AdminState, s: &Session) -> Result<Vec<Site>, store::Error> {
    let sites = state.configured_sites().await?;
    if s.user.role == store::Role::Admin {
        return Ok(sites);
    }
    let granted = state.inner.editor.sites_of(s.user.id).await?;
    Ok(sites
        .into_iter()
        .filter(|site| granted.contains(&site.id))
        .collect())
}

pub(super) fn session(visitor: &Visitor) -> Result<&Session, EditError> {
    visitor.session.as_ref().ok_or(EditError::NotFound)
}

/// The site named `name`, or the first site when none is named.
/// The site asked for (the first one open to the visitor when none is named), and every site
/// open to the visitor. Administrators may edit every site, editors the ones granted to them;
/// another site is answered exactly like one that does not exist (404), so an editor of one
/// customer cannot even learn the names of the others.
pub(super) async fn site(
    state: &AdminState,
    visitor: &Visitor,
    name: Option<&str>,
) -> Result<(Site, Vec<Site>), EditError> {
    let sites = open_sites(state, session(visitor)?).await?;
    let found = match name.filter(|n| !n.is_empty()) {
        Some(n) => sites.iter().find(|s| s.name == n).cloned(),
        None => sites.first().cloned(),
    };
    found.map(|s| (s, sites)).ok_or(EditError::NoSite)
}

#[derive(Deserialize)]
pub(super) struct SiteQuery {
    #[serde(default)]
    pub(super) site: Option<String>,
    #[serde(default)]
    pub(super) id: Option<i64>,
    #[serde(default)]
    pub(super) kind: Option<String>,
    #[serde(default)]
    pub(super) rev: Option<i64>,
    #[serde(default)]
    pub(super) saved: Option<i64>,
    /// What the last action did (a fixed key; see [`done_notice`]).
    #[serde(default)]
    pub(super) done: Option<String>,
}

/// The confirmation shown after an action, by the key its redirect carries. Only these fixed
/// sentences are ever shown: the key is never echoed.
pub(super) fn done_notice(key: Option<&str>) -> Option<String> {
    Some(match key? {
        "trashed" => tr("content-done-trashed"),
        "restored" => tr("content-done-restored"),
        "reverted" => tr("content-done-reverted"),
        "menu" => tr("content-done-menu"),
        "uploaded" => tr("content-done-uploaded"),
        "deleted" => tr("content-done-deleted"),
        "released" => tr("content-done-released"),
        "rescan" => tr("content-done-rescan"),
        "alt" => tr("content-done-alt"),
        "icon" => tr("content-done-icon"),
        _ => return None,
    })
}

#[derive(Serialize)]
struct Row {
    id: i64,
    slug: String,
    title: String,
    kind: &'static str,
    published: bool,
    updated: String,
    /// When a published page goes live, while that is still ahead.
    scheduled: Option<String>,
}

pub(super) async fn list(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, sites) = site(&state, &visitor, q.site.as_deref()).await?;
        let now = state.now();
        let pages: Vec<Row> = state
            .inner
            .editor
            .pages(site.id)
            .await?
            .into_iter()
            .map(|p| Row {
                id: p.id,
                kind: p.kind.as_str(),
                published: p.published,
                scheduled: p
                    .published_at
                    .filter(|at| p.published && *at > now)
                    .map(|at| on_site_clock(&state, &site.name, at)),
                updated: super::views::when(p.updated_at),
                slug: p.slug,
                title: p.title,
            })
            .collect();
        let trash_count = state.inner.editor.trashed(site.id).await?.len();
        let ctx = context! {
            site => Value::from(Serde(&site)),
            sites => Value::from(Serde(&sites)),
            pages => Value::from(Serde(&pages)),
            trash_count,
            notice => done_notice(q.done.as_deref()),
        };
        Ok::<_, EditError>(state.inner.views.page(
            StatusCode::OK,
            "pages.html",
            Some(s),
            "pages",
            ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// What the edit form shows.
#[derive(Serialize, Default)]
struct Draft {
    id: Option<i64>,
    kind: &'static str,
    slug: String,
    title: String,
    summary: String,
    body_md: String,
    published: bool,
    date: String,
    /// `HH:MM` of the publication on the site's clock, with `date`.
    time: String,
    /// A link that shows the saved page on the site for half an hour, draft or not.
    preview_link: Option<String>,
    /// The page's language when it is not the site's (`nl`, `en`); empty: the site's.
    lang: String,
    /// The site's images, for the picker.
    #[serde(skip)]
    images: Vec<Pickable>,
}

/// A moment as the site's clock shows it, with the zone named: "7 Dec 2026 10:00
/// (Europe/Amsterdam)". Publication times are typed in the site's zone, so they are shown in it.
fn on_site_clock(state: &AdminState, site: &str, at: i64) -> String {
    let zone = state.site_zone(site);
    let name = zone.iana_name().unwrap_or("UTC").to_string();
    format!(
        "{} ({name})",
        i18n::format::date_time(super::views::locale().lang, &zone, at)
    )
}

/// An image the editor can put in the page with one click.
#[derive(Serialize, Default)]
struct Pickable {
    name: String,
    alt: String,
    snippet: String,
}

/// The site's images for the editor's picker, newest first (quarantined ones left out).
async fn pickable_images(state: &AdminState, site: &Site) -> Result<Vec<Pickable>, EditError> {
    Ok(state
        .inner
        .editor
        .media(site.id)
        .await?
        .into_iter()
        .filter(|m| m.quarantined.is_none() && m.content_type.starts_with("image/"))
        .take(60)
        .map(|m| Pickable {
            snippet: super::media::snippet(
                &m.content_type,
                &m.alt,
                &m.original_name,
                &m.stored_name,
            ),
            name: m.stored_name,
            alt: m.alt,
        })
        .collect())
}

fn render_editor(
    state: &AdminState,
    s: &Session,
    site: &Site,
    draft: &Draft,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
) -> Response {
    // Publication times are typed on the site's clock: the form names its zone.
    let site_tz = state
        .site_zone(&site.name)
        .iana_name()
        .unwrap_or("UTC")
        .to_string();
    let ctx = context! {
        site => Value::from(Serde(site)),
        site_tz,
        page => Value::from(Serde(draft)),
        images => Value::from(Serde(&draft.images)),
        preview => Value::from_safe_string(cms::markdown::to_safe_html(&draft.body_md)),
        error,
        notice,
    };
    state
        .inner
        .views
        .page(status, "edit.html", Some(s), "pages", ctx)
}

pub(super) async fn new_page(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let mut images = pickable_images(&state, &site).await?;
        let post = q.kind.as_deref() == Some("post");
        let now_local = i18n::format::input_date_time(&state.site_zone(&site.name), state.now());
        let draft = Draft {
            images: std::mem::take(&mut images),
            kind: if post { "post" } else { "page" },
            // Empty: made from the title (the editor's script shows it as it is typed).
            slug: if post { "/news/".into() } else { String::new() },
            // A post is dated now; a page goes live when it is published, unless a date is set.
            date: if post {
                now_local.0.clone()
            } else {
                String::new()
            },
            time: if post { now_local.1 } else { String::new() },
            ..Draft::default()
        };
        Ok::<_, EditError>(render_editor(
            &state,
            s,
            &site,
            &draft,
            StatusCode::OK,
            None,
            None,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

pub(super) async fn edit(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<SiteQuery>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, q.site.as_deref()).await?;
        let mut images = pickable_images(&state, &site).await?;
        let id = q.id.ok_or(EditError::NotFound)?;
        let p = state
            .inner
            .editor
            .page_source(site.id, id)
            .await?
            .ok_or(EditError::NotFound)?;
        if p.deleted_at.is_some() {
            return Ok(
                Redirect::to(&format!("{}/trash?site={}", state.base(), site.name)).into_response(),
            );
        }
        let token = super::preview::key(&state).await?.sign(
            cms::preview::Link {
                site_id: site.id,
                page_id: p.id,
                user_id: s.user.id,
            },
            state.now(),
        );
        let zone = state.site_zone(&site.name);
        let local = p
            .published_at
            .map(|at| i18n::format::input_date_time(&zone, at))
            .unwrap_or_default();
        let draft = Draft {
            images: std::mem::take(&mut images),
            id: Some(p.id),
            preview_link: Some(format!("{}/preview/{token}", state.base())),
            kind: p.kind.as_str(),
            date: local.0,
            time: local.1,
            slug: p.slug,
            title: p.title,
            summary: p.summary,
            body_md: p.body_md,
            published: p.published,
            lang: p.lang.unwrap_or_default(),
        };
        let scheduled = p
            .published_at
            .filter(|at| p.published && *at > state.now())
            .map(|at| {
                tr_with(
                    "content-saved-scheduled",
                    &[("when", on_site_clock(&state, &site.name, at).into())],
                )
            });
        let notice = q
            .saved
            .map(|_| scheduled.unwrap_or_else(|| tr("content-saved")))
            .or(done_notice(q.done.as_deref()));
        Ok(render_editor(
            &state,
            s,
            &site,
            &draft,
            StatusCode::OK,
            None,
            notice.as_deref(),
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
pub(super) struct SaveForm {
    #[serde(default)]
    site: String,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    action: String,
    /// `nl`, `en`, or empty for the site's language.
    #[serde(default)]
    lang: String,
}

pub(super) async fn save(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<SaveForm>,
) -> Response {
    let result = async {
        let s = session(&visitor)?;
        let (site, _) = site(&state, &visitor, Some(&f.site)).await?;
        let mut images = pickable_images(&state, &site).await?;
        let kind = PageKind::parse(&f.kind);
        // Textareas send CRLF; store LF so revisions diff cleanly.
        let body = f.body.replace("\r\n", "\n");
        let draft = Draft {
            images: std::mem::take(&mut images),
            id: f.id,
            kind: kind.as_str(),
            slug: slug_for(f.slug.trim(), f.title.trim()),
            title: f.title.trim().to_string(),
            summary: f.summary.trim().to_string(),
            body_md: body,
            published: f.published.as_deref() == Some("on"),
            date: f.date.clone(),
            time: f.time.clone(),
            preview_link: None,
            lang: f.lang.trim().to_string(),
        };
        // A page in another language than its site's: only the languages spoken here.
        let lang = match draft.lang.as_str() {
            "" => None,
            other => match i18n::Lang::parse(other) {
                Some(l) if l.code() == other => Some(l.code()),
                _ => {
                    return Ok(render_editor(
                        &state,
                        s,
                        &site,
                        &draft,
                        StatusCode::BAD_REQUEST,
                        Some(&tr("content-bad-lang")),
                        None,
                    ));
                }
            },
        };
        if f.action == "preview" {
            return Ok(render_editor(
                &state,
                s,
                &site,
                &draft,
                StatusCode::OK,
                None,
                Some(&tr("content-preview-only")),
            ));
        }
        // The date and time it goes live, on the site's clock; empty: when it is first published. A time in
        // the future schedules it: the public site shows it from then on, without a restart.
        let zone = state.site_zone(&site.name);
        let time = if date::parse_time(&f.time).is_some() {
            f.time.as_str()
        } else {
            ""
        };
        let published_at = match (
            f.date.trim(),
            i18n::format::parse_input(&zone, &f.date, time),
        ) {
            ("", _) => None,
            // To the minute: a schedule of a page every second would empty every site's
            // page cache every second (the next moment is one for all sites).
            (_, Some(at)) => Some(at - at.rem_euclid(60)),
            (_, None) => {
                return Ok(render_editor(
                    &state,
                    s,
                    &site,
                    &draft,
                    StatusCode::BAD_REQUEST,
                    Some(&tr("content-bad-date")),
                    None,
                ));
            }
        };
        let page = NewPage {
            kind,
            slug: draft.slug.clone(),
            title: draft.title.clone(),
            summary: draft.summary.clone(),
            body_md: draft.body_md.clone(),
            published: draft.published,
            published_at,
        };
        match state
            .inner
            .editor
            .save_page(site.id, f.id, page, &s.user.name)
            .await
        {
            Ok(id) => {
                state.inner.editor.set_page_lang(site.id, id, lang).await?;
                let detail = format!("{}:{} {:?}", site.name, draft.slug, draft.title);
                state.audit(&visitor, "page.save", &detail).await?;
                state.content_changed().await;
                Ok(Redirect::to(&format!(
                    "{}/pages/edit?site={}&id={id}&saved=1",
                    state.base(),
                    site.name
                ))
                .into_response())
            }
            Err(store::Error::Invalid { reason, .. }) => Ok(render_editor(
                &state,
                s,
                &site,
                &draft,
                StatusCode::BAD_REQUEST,
                Some(&tr_with("content-not-saved", &[("reason", reason.into())])),
                None,
            )),
            Err(e) => Err(e.into()),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
pub(super) struct PreviewForm {
    #[serde(default)]
    body: String,
}

/// The live preview: Markdown rendered and sanitised exactly as on the public site.
pub(super) async fn preview(Form(f): Form<PreviewForm>) -> Response {
    let mut res = cms::markdown::to_safe_html(&f.body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// The path a page is saved under: as typed, or made from the title when left empty or when
/// only a folder is given (`/news/` → `/news/zomerfeest-in-de-tuin`).
fn slug_for(typed: &str, title: &str) -> String {
    match typed {
        "" => format!("/{}", cms::slug::from_title(title)),
        t if t.len() > 1 && t.ends_with('/') => format!("{t}{}", cms::slug::from_title(title)),
        t => t.to_string(),
    }
}

pub(super) async fn script() -> Response {
    let mut res = SCRIPT.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::super::views::{Locale, Views, with_locale};
    use axum::http::StatusCode;
    use minijinja::context;

    async fn render(
        views: &Views,
        lang: i18n::Lang,
        template: &str,
        ctx: minijinja::Value,
    ) -> String {
        let locale = Locale {
            lang,
            tz: i18n::TimeZone::UTC,
        };
        let res = with_locale(locale, async {
            views.page(StatusCode::OK, template, None, "pages", ctx)
        })
        .await;
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .expect("body");
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The editor's pages in Dutch, with the keys made from a page's kind found.
    #[tokio::test]
    async fn the_editor_speaks_dutch() {
        let views = Views::new("/_admin").expect("templates");
        let site = context! { name => "demo", title => "Demo" };
        for (kind, words) in [
            ("page", "Pagina bewerken"),
            ("post", "Nieuwsbericht bewerken"),
        ] {
            let page = context! { id => 7, kind, title => "Open dag", slug => "/open-dag", published => true };
            let ctx = context! { site => site.clone(), site_tz => "Europe/Amsterdam", page, preview => "" };
            let html = render(&views, i18n::Lang::Nl, "edit.html", ctx).await;
            assert!(html.contains(words), "{html}");
            assert!(
                html.contains("Publiceren op <small>(Europe&#x2f;Amsterdam;"),
                "{html}"
            );
            assert!(!html.contains("content-"), "a key shown as it is: {html}");
        }
        let row = context! { id => 1, slug => "/", title => "Home", kind => "post", published => false, updated => "1 jan." };
        let ctx = context! { site => site.clone(), sites => vec![site.clone()], pages => vec![row], trash_count => 2 };
        let html = render(&views, i18n::Lang::Nl, "pages.html", ctx).await;
        for words in [
            "Prullenbak (2)",
            "<td>nieuwsbericht</td>",
            "concept",
            "Bijgewerkt (UTC)",
        ] {
            assert!(html.contains(words), "{words}: {html}");
        }
        let ctx = context! { site => site.clone(), pages => Vec::<i32>::new() };
        let html = render(&views, i18n::Lang::En, "trash.html", ctx).await;
        assert!(html.contains("The trash is empty."), "{html}");
    }

    /// Every page of the content area in Dutch, with no key left showing as it is.
    #[tokio::test]
    async fn no_key_of_the_content_area_shows_as_it_is() {
        let views = Views::new("/_admin").expect("templates");
        let site = context! { name => "demo", title => "Demo" };
        let me = context! { name => "anneke", role => "admin" };
        let card = context! { id => 1, title => "Open dag", slug => "/open-dag", when => "1 jan. 2027 09:30" };
        let attempt = context! { when => "1 jan. 2027 09:30", user_name => "x", ip => "127.0.0.1", user_agent => "Firefox", result => "wrong_password", result_label => "verkeerd wachtwoord" };
        let file = context! { id => 3, stored_name => "a.png", original_name => "tuin.png", is_image => true, size_kb => 12, when => "gisteren", uploaded_by => "anneke", snippet => "![Tuin](/media/a.png)", metadata_removed => "de gps-positie", alt => "Tuin" };
        let bad = context! { id => 4, original_name => "x.pdf", size_kb => 1, when => "gisteren", uploaded_by => "anneke", quarantined => "Eicar" };
        let scanner = context! { on => true, up => true, signatures => "1.4.6/27480", signatures_date => "Mon Jan 4", rescan => context! { done => 3, total => 9, quarantined => 1 } };
        let message = context! { id => 5, at => "gisteren", ip => "127.0.0.1", site => "demo", form => "contact", fields => vec![context! { label => "Naam", value => "Zoë" }], reply => "mailto:z@example.org", state => "read", state_label => "gelezen", mail => "sent", mail_label => "verstuurd" };
        let rev = context! { id => 9, when => "gisteren", by => "anneke", title => "Open dag", slug => "/open-dag", published => true };
        let old = context! { id => 8, when => "eergisteren", by => "anneke", title => "Open dag", slug => "/open-dag", published => false };
        let pages = [
            (
                "dashboard.html",
                context! { me => me.clone(), av_down_since => "gisteren", antivirus => context! { on => true, up => false, error => "refused" }, quarantined => 2, overview => vec![context! { name => "demo", title => "Demo", recent => vec![card.clone()], drafts => vec![card.clone()], scheduled => vec![card.clone()], messages_week => 1 }], mine => vec![attempt.clone()], failed => vec![attempt.clone()], new_ips => vec![attempt], failed_24h => 1, sessions => 2 },
            ),
            (
                "media.html",
                context! { me => me.clone(), site => site.clone(), files => vec![file], quarantined => vec![bad], scanner, max_mb => 8 },
            ),
            (
                "inbox.html",
                context! { me => me.clone(), rows => vec![message], q => "", show => "open", new => 2, total => 3 },
            ),
            (
                "history.html",
                context! { me => me.clone(), site => site.clone(), page => context! { id => 7, title => "Open dag" }, revisions => vec![rev, old], diff => vec![context! { tag => "ins", sign => "+", text => "Titel: Open dag" }], shown => context! { when => "gisteren", by => "anneke" }, shown_id => 9 },
            ),
            (
                "menu.html",
                context! { me => me.clone(), site => site.clone(), items => "Home | /", pages => vec![("Home", "/")] },
            ),
            (
                "trash.html",
                context! { me, site, pages => vec![context! { id => 1, slug => "/oud", title => "Oud" }] },
            ),
        ];
        for (template, ctx) in pages {
            let html = render(&views, i18n::Lang::Nl, template, ctx).await;
            for prefix in ["content-", "dash-", "media-", "menu-", "inbox-", "hist-"] {
                assert!(!html.contains(prefix), "{template}: {prefix}: {html}");
            }
        }
    }
}
