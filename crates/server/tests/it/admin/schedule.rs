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
                ("time", "10:00"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = super::location(&res);
    let (_, edit) = b.get_text(&location.replace("/_admin", "")).await;
    assert!(
        edit.contains(&format!(
            "Scheduled: visitors see it from {tomorrow} 10:00 UTC"
        )),
        "{edit}"
    );
    let (_, list) = b.get_text("/pages?site=demo").await;
    assert!(
        list.contains(&format!("scheduled for {tomorrow} 10:00 UTC")),
        "{list}"
    );

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
