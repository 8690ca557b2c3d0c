use store::Role;
use testkit::{Browser, TestServer};

use super::{location, signed_in};
use crate::eventually;

async fn save(b: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = b.csrf().await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("site", "demo"),
        ("action", "save"),
    ];
    form.extend_from_slice(fields);
    b.post("/pages/save", &form).await
}

fn id_from(location: &str) -> String {
    location
        .split("id=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn create_edit_and_restore_a_page_in_the_browser() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let res = save(
        &b,
        &[
            ("kind", "page"),
            ("slug", "/opening-hours"),
            ("title", "Opening hours"),
            ("body", "Mon-Fri **9-17**"),
            ("published", "on"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let id = id_from(&location(&res));
    assert!(
        eventually(|| async {
            s.get("/opening-hours")
                .await
                .text()
                .await
                .unwrap()
                .contains("<strong>9-17</strong>")
        })
        .await
    );

    let res = save(
        &b,
        &[
            ("id", &id),
            ("kind", "page"),
            ("slug", "/hours"),
            ("title", "Hours"),
            ("body", "Every day"),
            ("published", "on"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(
        eventually(|| async { s.get("/hours").await.status() == 200 }).await,
        "path changed"
    );
    assert_eq!(s.get("/opening-hours").await.status(), 404);

    let (status, html) = b
        .get_text(&format!("/pages/history?site=demo&id={id}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<td class=\"sign\">+</td><td><pre>Title: Hours</pre>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"sign\">−</td><td><pre>Title: Opening hours</pre>"));
    let first_rev = html
        .rsplit("name=\"rev\" value=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let csrf = b.csrf().await;
    let res = b
        .post(
            "/pages/history/restore",
            &[("csrf", &csrf), ("site", "demo"), ("rev", &first_rev)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        eventually(|| async {
            s.get("/opening-hours")
                .await
                .text()
                .await
                .unwrap()
                .contains("9-17")
        })
        .await,
        "restored"
    );

    let store = s.open_store().await;
    let actions: Vec<String> = store
        .recorder
        .recent_audit(10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"page.save".to_string())
            && actions.contains(&"page.revision_restore".to_string()),
        "{actions:?}"
    );
    let revs = store.editor.revisions(id.parse().unwrap()).await.unwrap();
    assert_eq!(revs.len(), 3);
    assert_eq!(revs[0].saved_by, "anneke");
}

#[tokio::test]
async fn drafts_trash_and_restore() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let res = save(
        &b,
        &[
            ("kind", "post"),
            ("slug", "/news/secret"),
            ("title", "Not yet"),
            ("body", "Draft"),
            ("date", "2026-01-02"),
        ],
    )
    .await;
    let id = id_from(&location(&res));
    assert_eq!(
        s.get("/news/secret").await.status(),
        404,
        "a draft is invisible"
    );
    save(
        &b,
        &[
            ("id", &id),
            ("kind", "post"),
            ("slug", "/news/secret"),
            ("title", "Now public"),
            ("body", "Out"),
            ("published", "on"),
            ("date", "2026-01-02"),
        ],
    )
    .await;
    assert!(eventually(|| async { s.get("/news/secret").await.status() == 200 }).await);
    let post = s.get("/news/secret").await.text().await.unwrap();
    assert!(post.contains("2 January 2026"), "the chosen date");

    let csrf = b.csrf().await;
    assert_eq!(
        b.post(
            "/pages/trash",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id)]
        )
        .await
        .status(),
        303
    );
    assert!(
        eventually(|| async { s.get("/news/secret").await.status() == 404 }).await,
        "trashed"
    );
    let (_, trash) = b.get_text("/trash?site=demo").await;
    assert!(trash.contains("Now public"));
    let res = save(
        &b,
        &[
            ("kind", "post"),
            ("slug", "/news/secret"),
            ("title", "Clash"),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("in the trash"));
    assert_eq!(
        b.post(
            "/pages/restore",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id)]
        )
        .await
        .status(),
        303
    );
    assert!(
        eventually(|| async { s.get("/news/secret").await.status() == 200 }).await,
        "restored"
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_kept_in_the_form() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    for (slug, title) in [
        ("no-slash", "T"),
        ("/a/../b", "T"),
        ("/about", "Taken"),
        ("/fine", ""),
    ] {
        let res = save(
            &b,
            &[
                ("kind", "page"),
                ("slug", slug),
                ("title", title),
                ("body", "kept text 123"),
            ],
        )
        .await;
        assert_eq!(res.status(), 400, "{slug} {title:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Not saved") && html.contains("kept text 123"),
            "the text is not lost"
        );
    }
    assert_eq!(
        b.get("/pages/edit?site=nosuchsite&id=1").await.status(),
        404
    );
}

#[tokio::test]
async fn preview_uses_the_public_sanitiser() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let evil = "# Hi\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))\n\n<svg onload=alert(4)>";
    let res = b
        .post("/pages/preview", &[("csrf", &csrf), ("body", evil)])
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap().to_lowercase();
    assert!(html.contains("<h1>hi</h1>"));
    for bad in ["<script", "onerror", "href=\"javascript", "onload", "<svg"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    // The preview endpoint needs the session's CSRF token like every POST.
    assert_eq!(
        b.post("/pages/preview", &[("body", "x")]).await.status(),
        403
    );
}

#[tokio::test]
async fn menu_editing() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let (_, html) = b.get_text("/menu?site=demo").await;
    // The demo's items as rows: a page picked from the list, in order.
    assert!(html.contains("name=\"label_1\" value=\"About\""), "{html}");
    assert!(
        html.contains("<option value=\"&#x2f;about\" selected>")
            || html.contains("<option value=\"/about\" selected>"),
        "{html}"
    );
    let csrf = b.csrf().await;
    let post = |rows: Vec<(&'static str, &'static str)>| {
        let csrf = csrf.clone();
        let b = &b;
        async move {
            let mut form = vec![("csrf", csrf.as_str()), ("site", "demo")];
            form.extend(rows);
            b.post("/menu", &form).await
        }
    };
    let res = post(vec![
        ("label_0", "Evil"),
        ("target_0", "other"),
        ("address_0", "javascript:alert(1)"),
    ])
    .await;
    assert_eq!(res.status(), 400);
    // A link to a path where the site has no page is refused, saying which, and the rows come
    // back as typed.
    let res = post(vec![
        ("label_0", "Home"),
        ("target_0", "/"),
        ("label_1", "Vacatures"),
        ("target_1", "other"),
        ("address_1", "/vacatures"),
    ])
    .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("“Vacatures” links to &#x2f;vacatures, where the site has no page"),
        "{page}"
    );
    assert!(page.contains("value=\"Vacatures\""), "kept: {page}");
    // The pages to pick from: the site's pages and the news, once.
    assert!(page.contains(">About us (&#x2f;about)</option>"), "{page}");
    let first_list = page
        .split("<select")
        .nth(1)
        .and_then(|l| l.split("</select>").next())
        .unwrap_or_default();
    assert_eq!(
        first_list.matches(">News (&#x2f;news)</option>").count(),
        1,
        "{first_list}"
    );
    // Order by the numbers, one item under another.
    let res = post(vec![
        ("label_0", "Visit us"),
        ("target_0", "/contact"),
        ("order_0", "3"),
        ("label_1", "Home"),
        ("target_1", "/"),
        ("order_1", "1"),
        ("label_2", "About"),
        ("target_2", "/about"),
        ("order_2", "2"),
        // No label: the page's title.
        ("label_3", ""),
        ("target_3", "/contact"),
        ("child_3", "on"),
        ("order_3", "4"),
    ])
    .await;
    assert_eq!(res.status(), 303);
    assert!(
        eventually(|| async {
            s.get("/")
                .await
                .text()
                .await
                .unwrap()
                .contains(">Visit us</a>")
        })
        .await
    );
    let home = s.get("/").await.text().await.unwrap();
    let at = |t: &str| home.find(t).unwrap_or_else(|| panic!("{t}: {home}"));
    assert!(at(">Home</a>") < at(">About</a>") && at(">About</a>") < at(">Visit us</a>"));
    // "Write to us" is in a submenu under "Visit us".
    let visit = &home[at(">Visit us</a>")..];
    let sub = visit.split("</li>\n").next().unwrap_or("");
    assert!(sub.contains("<ul class=\"sub\">"), "{visit}");
    assert!(sub.contains(">Contact</a>"), "{visit}");
}

/// A path left empty (or only a folder) is made from the title, Dutch-aware; revisions carry
/// seconds, the diff shows the changed lines and not the whole text, and restoring asks first.
#[tokio::test]
async fn paths_from_titles_and_a_diff_of_the_changes_only() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let (_, new) = b.get_text("/pages/new?site=demo").await;
    assert!(
        new.contains("data-auto=\"/\""),
        "the script fills the path: {new}"
    );
    let body: String = (1..=30)
        .map(|i| format!("Regel {i} van de tekst.\n"))
        .collect();
    let res = save(
        &b,
        &[
            ("kind", "page"),
            ("slug", ""),
            ("title", "Zomerfeest in België & Ĳsselmeer"),
            ("body", &body),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let id = id_from(&super::location(&res));
    assert_eq!(
        s.get("/zomerfeest-in-belgie-en-ijsselmeer").await.status(),
        404,
        "a draft"
    );
    let store = s.open_store().await;
    let page = store
        .editor
        .page_source(1, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.slug, "/zomerfeest-in-belgie-en-ijsselmeer");
    let res = save(
        &b,
        &[
            ("kind", "post"),
            ("slug", "/news/"),
            ("title", "Café 't Hoekje opent"),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let posts = store.editor.pages(1).await.unwrap();
    assert!(
        posts.iter().any(|p| p.slug == "/news/cafe-t-hoekje-opent"),
        "{posts:?}"
    );

    // One line changed in thirty: the diff shows it with a little context, not the rest.
    let changed = body.replace("Regel 15 van", "Regel 15 (nieuw) van");
    let res = save(
        &b,
        &[
            ("kind", "page"),
            ("id", &id),
            ("slug", "/zomerfeest-in-belgie-en-ijsselmeer"),
            ("title", "Zomerfeest in België & Ĳsselmeer"),
            ("body", &changed),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, history) = b
        .get_text(&format!("/pages/history?site=demo&id={id}"))
        .await;
    assert!(history.contains("Regel 15 (nieuw) van"), "{history}");
    assert!(history.contains("Regel 14 van"), "context: {history}");
    assert!(
        !history.contains("Regel 2 van"),
        "not the whole text: {history}"
    );
    let seconds = regex_like_seconds(&history);
    assert!(seconds, "revision times carry seconds: {history}");
    assert!(
        history.contains("data-confirm=\"Restore the version of"),
        "{history}"
    );
}

/// Whether `html` holds a time with seconds (`12:34:56`).
fn regex_like_seconds(html: &str) -> bool {
    html.as_bytes().windows(8).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b':',
            _ => c.is_ascii_digit(),
        })
    })
}
