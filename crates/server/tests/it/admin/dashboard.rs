//! The editor's dashboard (their sites' drafts, scheduled items, recent edits and messages) and
//! the confirmation after each action.

use std::sync::Arc;

use store::Role;
use testkit::TestServer;

use super::media::PNG;
use super::signed_in;

#[tokio::test]
async fn an_editor_sees_their_own_sites_work_and_every_action_is_confirmed() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let mut bakery = config.sites[0].clone();
    bakery.name = "bakery".into();
    bakery.title = Some("Bakkerij Jansen".into());
    bakery.hosts = vec!["bakery.test".into()];
    config.sites.push(bakery);
    let s = TestServer::start_in(dir, config).await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    s.set_sites_of("anneke", &["demo"]).await;
    let csrf = b.csrf().await;
    let tomorrow = cms::date::iso(s.clock.now() + 86_400);
    for (title, slug, published, date) in [
        ("Concept nieuwsbrief", "/concept", "", ""),
        ("Open dag", "/open-dag", "on", tomorrow.as_str()),
    ] {
        let res = b
            .post(
                "/pages/save",
                &[
                    ("csrf", &csrf),
                    ("site", "demo"),
                    ("action", "save"),
                    ("kind", "page"),
                    ("slug", slug),
                    ("title", title),
                    ("body", "tekst"),
                    ("published", published),
                    ("date", date),
                    ("time", "09:30"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{title}");
    }
    let (_, dash) = b.get_text("/").await;
    assert!(dash.contains("Stichting De Linde"), "{dash}");
    assert!(!dash.contains("Bakkerij"), "only their own site: {dash}");
    let section = |name: &str| {
        dash.split(&format!("<h3>{name}</h3>"))
            .nth(1)
            .and_then(|r| r.split("</ul>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(section("Drafts").contains("Concept nieuwsbrief"), "{dash}");
    assert!(section("Scheduled").contains("Open dag"), "{dash}");
    // In the admin's language and zone (the tests' admin: English, UTC).
    let utc = i18n::TimeZone::UTC;
    let at = i18n::format::parse_input(&utc, &tomorrow, "09:30").expect("a moment");
    let shown = i18n::format::date_time(i18n::Lang::En, &utc, at);
    assert!(section("Scheduled").contains(&shown), "{dash}");
    assert!(section("Recently edited").contains("Open dag"), "{dash}");

    // Every action says what it did.
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "logo.png",
            PNG.to_vec(),
        )
        .await;
    let to = super::location(&res);
    assert!(to.ends_with("&done=uploaded"), "{to}");
    let (_, media) = b.get_text(&to.replace("/_admin", "")).await;
    assert!(media.contains("role=\"status\">Uploaded."), "{media}");
    let res = b
        .post(
            "/menu",
            &[
                ("csrf", &csrf),
                ("site", "demo"),
                ("label_0", "Home"),
                ("target_0", "/"),
            ],
        )
        .await;
    let (_, menu) = b
        .get_text(&super::location(&res).replace("/_admin", ""))
        .await;
    assert!(menu.contains("Menu saved."), "{menu}");
    // Only the fixed sentences: a made-up key shows nothing, and nothing is echoed.
    let (_, page) = b.get_text("/menu?site=demo&done=%3Cscript%3E").await;
    assert!(!page.contains("role=\"status\""), "{page}");
    assert!(!page.contains("<script>"));
}
