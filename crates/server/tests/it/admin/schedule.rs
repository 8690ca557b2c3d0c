//! Scheduled publishing: a page or post published with a moment still ahead stays hidden from
//! visitors (page, news list, home page) until then, and shows from then on without a restart
//! and without anyone saving again. The clock is moved rather than waited for.

use store::Role;
use testkit::TestServer;

use super::signed_in;

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}

#[tokio::test]
async fn a_post_dated_tomorrow_goes_live_tomorrow() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let tomorrow = cms::date::iso(s.clock.now() + 86_400);
    let csrf = b.csrf().await;
    let res = b
        .post(
            "/pages/save",
            &[
                ("csrf", &csrf),
                ("site", "demo"),
                ("action", "save"),
                ("kind", "post"),
                ("slug", "/news/zomerfeest"),
                ("title", "Zomerfeest in de tuin"),
                ("summary", "Iedereen welkom"),
                ("body", "Zaterdag vanaf twee uur."),
                ("published", "on"),
                ("date", &tomorrow),
                // Seconds are dropped: schedules go by the minute.
                ("time", "10:00:59"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = super::location(&res);
    let (_, edit) = b.get_text(&location.replace("/_admin", "")).await;
    // Shown as the site's clock shows it (the test sites keep UTC), with the zone named.
    let utc = i18n::TimeZone::UTC;
    let at = i18n::format::parse_input(&utc, &tomorrow, "10:00").expect("a moment");
    let shown = format!(
        "{} (UTC)",
        i18n::format::date_time(i18n::Lang::En, &utc, at)
    );
    assert!(
        edit.contains(&format!("Scheduled: visitors see it from {shown}")),
        "{edit}"
    );
    let (_, list) = b.get_text("/pages?site=demo").await;
    assert!(list.contains(&format!("scheduled for {shown}")), "{list}");
    let store = s.open_store().await;
    let at = store
        .editor
        .pages(1)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.slug == "/news/zomerfeest")
        .and_then(|p| p.published_at)
        .unwrap();
    assert_eq!(at % 60, 0, "to the minute");

    // Not yet: the post, the news list and the home page do not show it.
    assert_eq!(s.get("/news/zomerfeest").await.status(), 404);
    for path in ["/news", "/"] {
        let html = s.get(path).await.text().await.unwrap();
        assert!(!html.contains("Zomerfeest"), "{path}: {html}");
    }

    // The day after: there, everywhere, with no restart and no new save.
    s.clock.advance(2 * 86_400);
    wait_for("the post is live", async || {
        s.get("/news/zomerfeest").await.status() == 200
    })
    .await;
    for path in ["/news", "/"] {
        let html = s.get(path).await.text().await.unwrap();
        assert!(html.contains("Zomerfeest in de tuin"), "{path}: {html}");
    }
    let (_, list) = b.get_text("/pages?site=demo").await;
    assert!(!list.contains("scheduled for"), "{list}");
}

#[tokio::test]
async fn a_page_without_a_date_goes_live_at_once_and_a_bad_date_is_refused() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let page = |date: &'static str| {
        vec![
            ("site", "demo"),
            ("action", "save"),
            ("kind", "page"),
            ("slug", "/vrijwilligers"),
            ("title", "Vrijwilligers gezocht"),
            ("body", "Meld je aan."),
            ("published", "on"),
            ("date", date),
            ("time", ""),
        ]
    };
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(page("2026-02-31"));
    let res = b.post("/pages/save", &form).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("the date is not a date"));
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(page(""));
    assert_eq!(b.post("/pages/save", &form).await.status(), 303);
    wait_for("the page is live", async || {
        s.get("/vrijwilligers").await.status() == 200
    })
    .await;
}

/// A draft seen on the real theme through a signed link that works for half an hour, for
/// anyone who has it, without a cookie, while its maker may edit the site; a changed, expired
/// or trashed one shows nothing.
#[tokio::test]
async fn a_preview_link_shows_the_draft_for_half_an_hour() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let mut bakery = config.sites[0].clone();
    bakery.name = "bakery".into();
    bakery.title = Some("Bakkerij Jansen".into());
    bakery.hosts = vec!["bakery.test".into()];
    config.sites.push(bakery);
    let s = TestServer::start_in(dir, config).await;
    s.add_user("anneke", Role::Editor, super::PW, false).await;
    s.set_sites_of("anneke", &["demo"]).await;
    let b = s.browser();
    assert_eq!(b.login("anneke", super::PW).await.status(), 303);
    let csrf = b.csrf().await;
    let res = b
        .post(
            "/pages/save",
            &[
                ("csrf", &csrf),
                ("site", "demo"),
                ("action", "save"),
                ("kind", "page"),
                ("slug", "/plannen-2027"),
                ("title", "Plannen voor 2027"),
                ("body", "Een **nieuwe** moestuin."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let edit_path = super::location(&res).replace("/_admin", "");
    assert_eq!(s.get("/plannen-2027").await.status(), 404, "a draft");
    let (_, edit) = b.get_text(&edit_path).await;
    let link = edit
        .split("href=\"")
        .find(|h| {
            h.starts_with("&#x2f;_admin&#x2f;preview&#x2f;") || h.starts_with("/_admin/preview/")
        })
        .and_then(|h| h.split('"').next())
        .expect("a preview link")
        .replace("&#x2f;", "/");
    // Someone without an account or cookie opens it.
    let url = link.replace("/_admin", "");
    let stranger = s.browser();
    let res = stranger.get(&url).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-robots-tag"], "noindex, nofollow");
    // The editor shows it at phone width in a frame: framed by its own origin only, where
    // every other page may not be framed at all.
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(res.headers()["x-frame-options"], "SAMEORIGIN");
    // The link is the key: the page's own requests do not carry it off in a Referer.
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let page = s.get("/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let frame = edit
        .split("<iframe ")
        .nth(1)
        .and_then(|f| f.split('>').next())
        .expect("a phone-width frame in the editor")
        .replace("&#x2f;", "/");
    assert!(frame.contains(&format!("src=\"{link}\"")), "{frame}");
    assert!(frame.contains("width=\"390\""), "{frame}");
    // No scripts, forms or navigation of the editor from inside the frame.
    assert!(frame.contains("sandbox=\"allow-same-origin\""), "{frame}");
    let html = res.text().await.unwrap();
    assert!(html.contains("Plannen voor 2027"), "{html}");
    assert!(html.contains("<strong>nieuwe</strong>"), "rendered: {html}");
    assert!(
        html.contains("/assets/site.css"),
        "the site's own theme: {html}"
    );
    // On another host than the site's own: nothing (a customer's draft never shows on
    // another customer's domain; here a name the site does not answer to at all).
    let other_host = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve("bakery.test", s.https_addr)
        .build()
        .unwrap();
    let elsewhere = other_host
        .get(format!(
            "https://bakery.test:{}/_admin{url}",
            s.https_addr.port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    assert!(!elsewhere.text().await.unwrap().contains("Plannen"));
    // Changed by one character: nothing.
    let forged = format!("{}x", url);
    assert_eq!(stranger.get(&forged).await.status(), 404);
    let other_page = url.replacen("/preview/1.", "/preview/1.9", 1);
    assert_eq!(stranger.get(&other_page).await.status(), 404);
    // The link lives no longer than its maker's access: the grant taken away, nothing; given
    // back, the draft again.
    s.set_sites_of("anneke", &["bakery"]).await;
    assert_eq!(
        stranger.get(&url).await.status(),
        404,
        "maker lost the site"
    );
    s.set_sites_of("anneke", &["demo"]).await;
    assert_eq!(stranger.get(&url).await.status(), 200);
    let store = s.open_store().await;
    let anneke = store.editor.user_by_name("anneke").await.unwrap().unwrap();
    store.editor.set_disabled(anneke.id, true).await.unwrap();
    assert_eq!(stranger.get(&url).await.status(), 404, "maker disabled");
    store.editor.set_disabled(anneke.id, false).await.unwrap();
    assert_eq!(stranger.get(&url).await.status(), 200);
    // Half an hour later: nothing.
    s.clock.advance(31 * 60);
    let res = stranger.get(&url).await;
    assert_eq!(res.status(), 404);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("preview links work for half an hour")
    );
}

/// One site's scheduled page going live empties that site's cached pages only: another
/// customer's editor cannot empty every site's cache by scheduling pages.
#[tokio::test]
async fn a_scheduled_page_empties_only_its_own_sites_cache() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let mut bakery = config.sites[0].clone();
    bakery.name = "bakery".into();
    bakery.title = Some("Bakkerij Jansen".into());
    bakery.hosts = vec!["bakery.test".into()];
    config.sites.push(bakery);
    let s = TestServer::start_in(dir, config).await;
    let store = s.open_store().await;
    let site = store.editor.site_by_name("bakery").await.unwrap().unwrap();
    let at = s.clock.now() + 3_600;
    store
        .editor
        .put_page(
            site.id,
            store::NewPage {
                kind: store::PageKind::Page,
                slug: "/kerststol".into(),
                title: "Kerststol bestellen".into(),
                summary: String::new(),
                body_md: "Vanaf vandaag.".into(),
                published: true,
                published_at: Some(at),
            },
            "root",
        )
        .await
        .unwrap();
    // A page live at once, saved after: it shows at once (a miss renders from the database);
    // the poll of the content version (every 500 ms) then empties the cache once, before the
    // pages are warmed.
    store
        .editor
        .put_page(
            site.id,
            store::NewPage {
                kind: store::PageKind::Page,
                slug: "/open".into(),
                title: "Openingstijden".into(),
                summary: String::new(),
                body_md: "Dinsdag tot zaterdag.".into(),
                published: true,
                published_at: None,
            },
            "root",
        )
        .await
        .unwrap();
    let bakery = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve("bakery.test", s.https_addr)
        .build()
        .unwrap();
    let url = format!("https://bakery.test:{}/kerststol", s.https_addr.port());
    let open = format!("https://bakery.test:{}/open", s.https_addr.port());
    wait_for("the content change reaches the cache", async || {
        bakery.get(&open).send().await.unwrap().status() == 200
    })
    .await;
    assert_eq!(bakery.get(&url).send().await.unwrap().status(), 404);
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    for path in ["/", "/about", "/news"] {
        assert_eq!(s.get(path).await.status(), 200, "{path}");
    }
    let warm = s.cached_pages();
    assert!(warm >= 3, "{warm}");

    s.clock.advance(3_601);
    wait_for("the scheduled page is live", async || {
        bakery.get(&url).send().await.unwrap().status() == 200
    })
    .await;
    // Let the refresh loop run past the moment, then look: the demo site's pages stayed.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert!(bakery.get(&url).send().await.unwrap().status() == 200);
    assert!(
        s.cached_pages() >= warm,
        "the demo site's cache was emptied too: {} < {warm}",
        s.cached_pages()
    );
}
