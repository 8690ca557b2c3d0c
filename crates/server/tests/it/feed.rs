//! `/feed.xml`: the newest published posts as Atom, escaped, on the host asked.

use reqwest::StatusCode;
use testkit::TestServer;

use crate::eventually;
use crate::sitemap::xml_texts;

#[tokio::test]
async fn lists_the_newest_posts_with_hostile_titles_escaped() {
    let s = TestServer::start().await;
    let res = s.get_tls("/feed.xml").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    assert!(res.headers().get("set-cookie").is_none());
    let xml = res.text().await.unwrap();
    assert!(
        xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
        "{xml}"
    );
    // Feed title, then the three demo posts newest first.
    assert_eq!(
        xml_texts(&xml, "title"),
        [
            "Stichting De Linde",
            "Spring market on 12 April",
            "Our new community garden",
            "Annual report published"
        ]
    );
    assert_eq!(
        xml_texts(&xml, "id")[1],
        "https://localhost/news/spring-market"
    );
    assert!(!xml.contains("/about"), "pages are not posts");

    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let evil = "\"><script>alert('x')</script> & <b>";
    let post = store::NewPage {
        kind: store::PageKind::Post,
        slug: "/news/evil".into(),
        title: evil.into(),
        summary: String::new(),
        body_md: format!("{evil} is the first paragraph.\n\nSecond paragraph."),
        published: true,
        published_at: Some(s.clock.now()),
    };
    store.editor.put_page(site.id, post, "test").await.unwrap();
    // A draft post never shows.
    let draft = store::NewPage {
        kind: store::PageKind::Post,
        slug: "/news/secret".into(),
        title: "Secret".into(),
        summary: String::new(),
        body_md: "x".into(),
        published: false,
        published_at: Some(s.clock.now()),
    };
    store.editor.put_page(site.id, draft, "test").await.unwrap();
    store.close().await;
    let shown = eventually(|| async {
        let xml = s.get_tls("/feed.xml").await.text().await.unwrap();
        xml_texts(&xml, "title").get(1).map(String::as_str) == Some(evil)
    })
    .await;
    assert!(
        shown,
        "the new post comes first, its title read back as written"
    );
    let xml = s.get_tls("/feed.xml").await.text().await.unwrap();
    assert!(!xml.contains("<script"), "{xml}");
    assert!(!xml.contains("<b>"), "{xml}");
    assert!(!xml.contains("Secret"), "{xml}");
    assert_eq!(
        xml_texts(&xml, "summary")[0],
        "\">alert('x') & is the first paragraph.",
        "the summary is the first paragraph as text"
    );
}

#[tokio::test]
async fn every_page_links_to_the_feed() {
    let s = TestServer::start().await;
    for path in [
        "/",
        "/about",
        "/news",
        "/news/spring-market",
        "/contact",
        "/nope",
    ] {
        let html = s.get_tls(path).await.text().await.unwrap();
        let head = &html[..html.find("</head>").unwrap()];
        assert!(
            head.contains(r#"<link rel="alternate" type="application/atom+xml" title="Stichting De Linde" href="&#x2f;feed.xml">"#),
            "{path}: {head}"
        );
    }
}
