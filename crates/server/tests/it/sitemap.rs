//! `/sitemap.xml`: exactly the published pages and posts of the site asked, on its host; it
//! follows edits and post dates without a restart.

use std::collections::BTreeSet;
use std::sync::Arc;

use reqwest::StatusCode;
use testkit::{TestServer, test_config};

use crate::eventually;

/// Checks the document is well-formed XML (quick-xml: matching tags, valid escapes) and
/// returns the text of every element called `name`.
pub fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut out, mut inside, mut depth) = (Vec::new(), false, 0usize);
    loop {
        match reader.read_event() {
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
            Ok(Event::Eof) => break,
            Ok(Event::Start(t)) => {
                depth += 1;
                inside = t.name().as_ref() == name;
                if inside {
                    out.push(String::new());
                }
            }
            Ok(Event::End(_)) => {
                depth = depth.checked_sub(1).expect("balanced");
                inside = false;
            }
            Ok(Event::Text(t)) if inside => {
                let text = t.xml10_content();
                out.last_mut().unwrap().push_str(&text);
            }
            Ok(Event::GeneralRef(r)) if inside => {
                let text = match &*r.xml10_content() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("undeclared entity &{other};"),
                };
                out.last_mut().unwrap().push_str(text);
            }
            Ok(_) => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    out
}

fn locs(xml: &str) -> BTreeSet<String> {
    xml_texts(xml, "loc").into_iter().collect()
}

fn on(host: &str, paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| format!("https://{host}{p}")).collect()
}

const PUBLISHED: &[&str] = &[
    "/",
    "/about",
    "/contact",
    "/news",
    "/news/annual-report",
    "/news/new-garden",
    "/news/spring-market",
];

#[tokio::test]
async fn lists_exactly_the_published_pages_and_follows_edits() {
    let s = TestServer::start().await;
    let res = s.get_tls("/sitemap.xml").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    assert!(res.headers().get("set-cookie").is_none());
    let xml = res.text().await.unwrap();
    assert!(xml.contains("xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""));
    assert_eq!(
        locs(&xml),
        on("localhost", PUBLISHED),
        "the draft is not listed"
    );
    for lastmod in xml_texts(&xml, "lastmod") {
        // W3C datetime, to the second, UTC: 2026-11-27T14:05:09Z
        let b = lastmod.as_bytes();
        assert_eq!(b.len(), 20, "{lastmod}");
        assert!(b[4] == b'-' && b[10] == b'T' && b[19] == b'Z', "{lastmod}");
    }
    // Each host of the site gets its own addresses.
    let plain = s.get("/sitemap.xml").await.text().await.unwrap();
    assert_eq!(locs(&plain), on("127.0.0.1", PUBLISHED));

    // Trash a page, publish the draft, and add a page with a title that needs escaping: the
    // sitemap follows without a restart.
    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    assert!(store.editor.trash_page(site.id, "/about").await.unwrap());
    assert!(
        store
            .editor
            .set_published(site.id, "/draft-plans", true)
            .await
            .unwrap()
    );
    let odd = store::NewPage {
        kind: store::PageKind::Page,
        slug: "/a&b\"<c>".into(),
        title: "\"><script>alert(1)</script>".into(),
        summary: String::new(),
        body_md: "x".into(),
        published: true,
        published_at: None,
    };
    store.editor.put_page(site.id, odd, "test").await.unwrap();
    let mut want = on("localhost", PUBLISHED);
    want.remove("https://localhost/about");
    want.insert("https://localhost/draft-plans".into());
    want.insert("https://localhost/a&b%22%3Cc%3E".into());
    let follows = eventually(|| async {
        let xml = s.get_tls("/sitemap.xml").await.text().await.unwrap();
        locs(&xml) == want
    })
    .await;
    assert!(follows, "trashed page gone, newly published pages listed");
    let xml = s.get_tls("/sitemap.xml").await.text().await.unwrap();
    assert!(
        xml.contains("<loc>https://localhost/a&amp;b%22%3Cc%3E</loc>"),
        "{xml}"
    );
    store.close().await;
}

#[tokio::test]
async fn a_post_dated_later_appears_when_its_time_comes() {
    let s = TestServer::start().await;
    // Cached before the post exists, to show the cache does not hide it later.
    assert_eq!(
        locs(&s.get_tls("/sitemap.xml").await.text().await.unwrap()).len(),
        PUBLISHED.len()
    );
    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let later = store::NewPage {
        kind: store::PageKind::Post,
        slug: "/news/summer-fair".into(),
        title: "Summer fair".into(),
        summary: String::new(),
        body_md: "Soon.".into(),
        published: true,
        published_at: Some(s.clock.now() + 3600),
    };
    store.editor.put_page(site.id, later, "test").await.unwrap();
    // A page saved after it tells when the server has taken in both edits.
    let marker = store::NewPage {
        kind: store::PageKind::Page,
        slug: "/marker".into(),
        title: "Marker".into(),
        summary: String::new(),
        body_md: "x".into(),
        published: true,
        published_at: None,
    };
    store
        .editor
        .put_page(site.id, marker, "test")
        .await
        .unwrap();
    store.close().await;
    let fair = "https://localhost/news/summer-fair".to_string();
    let polled = eventually(|| async {
        let xml = s.get_tls("/sitemap.xml").await.text().await.unwrap();
        locs(&xml).contains("https://localhost/marker")
    })
    .await;
    assert!(polled);
    let xml = s.get_tls("/sitemap.xml").await.text().await.unwrap();
    assert!(
        !locs(&xml).contains(&fair),
        "not listed before its date: {xml}"
    );
    let feed = s.get_tls("/feed.xml").await.text().await.unwrap();
    assert!(!feed.contains("summer-fair"), "{feed}");
    s.clock.advance(3601);
    let xml = s.get_tls("/sitemap.xml").await.text().await.unwrap();
    assert!(
        locs(&xml).contains(&fair),
        "listed once due, without an edit: {xml}"
    );
    assert!(
        s.get_tls("/feed.xml")
            .await
            .text()
            .await
            .unwrap()
            .contains("summer-fair")
    );
}

#[tokio::test]
async fn revalidates_by_etag_and_stays_on_known_hosts() {
    let s = TestServer::start().await;
    let first = s.get_tls("/sitemap.xml").await;
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = s
        .tls_client
        .get(format!("{}/sitemap.xml", s.https_url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let other = s
        .client
        .get(format!("{}/sitemap.xml", s.http_url))
        .header("host", "other.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::MISDIRECTED_REQUEST);
    let post = s
        .client
        .post(format!("{}/sitemap.xml", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(post.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn plain_http_sends_crawlers_to_https() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.server.redirect_http = true;
    let s = TestServer::start_in(dir, config).await;
    for path in ["/sitemap.xml", "/robots.txt", "/feed.xml"] {
        let res = s
            .client
            .get(format!("{}{path}", s.http_url))
            .header("host", "localhost")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY, "{path}");
        assert_eq!(
            res.headers()["location"],
            format!("https://localhost:{}{path}", s.https_addr.port()).as_str()
        );
        assert!(res.headers().get("set-cookie").is_none());
    }
}
