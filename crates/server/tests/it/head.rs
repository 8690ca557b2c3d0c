//! What every public page says about itself in its `<head>`: the canonical address on the
//! host asked and Open Graph tags from its fields, escaped however hostile the fields are.

use testkit::TestServer;

use crate::eventually;

/// The `<head>` of a page, with minijinja's `&#x2f;` read back as `/` (as a browser reads it).
async fn head(s: &TestServer, path: &str) -> String {
    let html = s.get_tls(path).await.text().await.unwrap();
    html[..html.find("</head>").expect("a head")].replace("&#x2f;", "/")
}

#[tokio::test]
async fn pages_name_their_address_and_preview() {
    let s = TestServer::start().await;
    let home = head(&s, "/").await;
    for want in [
        r#"<link rel="canonical" href="https://localhost/">"#,
        r#"<meta property="og:url" content="https://localhost/">"#,
        r#"<meta property="og:type" content="website">"#,
        r#"<meta property="og:title" content="Welcome to Stichting De Linde">"#,
        r#"<meta property="og:site_name" content="Stichting De Linde">"#,
        r#"<meta property="og:description" content="A neighbourhood foundation for culture, care and green spaces.">"#,
    ] {
        assert!(home.contains(want), "{want} missing in {home}");
    }
    let post = head(&s, "/news/spring-market").await;
    assert!(
        post.contains(r#"<meta property="og:type" content="article">"#),
        "{post}"
    );
    assert!(post.contains(r#"<link rel="canonical" href="https://localhost/news/spring-market">"#));
    // The form page is a page too; the not-found page claims no address.
    let contact = head(&s, "/contact").await;
    assert!(
        contact.contains(r#"<link rel="canonical" href="https://localhost/contact">"#),
        "{contact}"
    );
    let missing = head(&s, "/nope").await;
    assert!(
        !missing.contains("canonical") && !missing.contains("og:"),
        "{missing}"
    );
    // The host asked is the host named.
    let html = s
        .get("/about")
        .await
        .text()
        .await
        .unwrap()
        .replace("&#x2f;", "/");
    assert!(html.contains(r#"<link rel="canonical" href="https://127.0.0.1/about">"#));
}

#[tokio::test]
async fn hostile_fields_stay_text() {
    let s = TestServer::start().await;
    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let evil = "\"><script>alert('x')</script>";
    let page = store::NewPage {
        kind: store::PageKind::Page,
        slug: "/evil".into(),
        title: evil.into(),
        summary: String::new(),
        body_md: format!("![{evil}](/media/0123abcd.png)\n\n{evil} said 'hi' & left."),
        published: true,
        published_at: None,
    };
    store.editor.put_page(site.id, page, "test").await.unwrap();
    store.close().await;
    let path = "/evil";
    let ok = eventually(|| async { s.get_tls(path).await.status() == 200 }).await;
    assert!(ok, "the page is published");
    let html = s.get_tls(path).await.text().await.unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("\"><s"), "{html}");
    let head = head(&s, path).await;
    for want in [
        r#"<link rel="canonical" href="https://localhost/evil">"#,
        r#"<meta property="og:title" content="&quot;&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;">"#,
        r#"<meta property="og:description" content="&quot;&gt;alert(&#x27;x&#x27;) said &#x27;hi&#x27; &amp; left.">"#,
        r#"<meta property="og:image" content="https://localhost/media/0123abcd.png">"#,
    ] {
        assert!(head.contains(want), "{want} missing in {head}");
    }
    assert!(s.get_tls(path).await.headers().get("set-cookie").is_none());
}
