//! Site search (`/search?q=`): what visitors can see and nothing else, on SQLite and
//! MariaDB; the visitor's text shown back escaped, never syntax; judged by the shield and
//! counted like a page; no cookie, never cached, never indexed.

use std::net::IpAddr;
use std::sync::Arc;

use reqwest::StatusCode;
use store::{NewPage, PageKind, Store};
use testkit::TestServer;

/// The demo site and a second site, `bakery` on `bakery.test`.
async fn two_sites(config: impl FnOnce(&mut server::config::Config)) -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut c = testkit::test_config(dir.path());
    let mut bakery = c.sites[0].clone();
    bakery.name = "bakery".into();
    bakery.title = Some("Bakkerij Jansen".into());
    bakery.hosts = vec!["bakery.test".into()];
    c.sites.push(bakery);
    config(&mut c);
    TestServer::start_in(dir, c).await
}

fn page(slug: &str, title: &str, body: &str, published: bool) -> NewPage {
    NewPage {
        kind: PageKind::Page,
        slug: slug.into(),
        title: title.into(),
        summary: String::new(),
        body_md: body.into(),
        published,
        published_at: None,
    }
}

/// Pages with the word "fietsroute": two visitors see, a draft, one in the trash, a post
/// for tomorrow (by the server's clock) and one on the other site.
async fn seed(store: &Store, tomorrow: i64) {
    let ed = &store.editor;
    let demo = ed.site_by_name("demo").await.unwrap().unwrap().id;
    let bakery = ed.site_by_name("bakery").await.unwrap().unwrap().id;
    for (site, p) in [
        (
            demo,
            page(
                "/fietsroute",
                "Fietsroute door België",
                "Een mooie tocht langs de Maas. Het was koud.",
                true,
            ),
        ),
        (
            demo,
            page(
                "/onderhoud",
                "Onderhoud",
                "Na elke fietsroute naar Belgie: kijk de **ketting** na. Zo'n klusje is snel gedaan.",
                true,
            ),
        ),
        (
            demo,
            page(
                "/geheim",
                "Geheim",
                "Een nieuwe fietsroute, nog geheim.",
                false,
            ),
        ),
        (
            demo,
            page("/oud", "Oud", "De oude fietsroute, weggegooid.", true),
        ),
        (
            bakery,
            page(
                "/brood",
                "Brood",
                "Brood voor onderweg op de fietsroute.",
                true,
            ),
        ),
    ] {
        ed.put_page(site, p, "test").await.unwrap();
    }
    ed.trash_page(demo, "/oud").await.unwrap();
    let later = NewPage {
        kind: PageKind::Post,
        published_at: Some(tomorrow),
        ..page(
            "/news/morgen",
            "Morgen",
            "Morgen rijden we de fietsroute.",
            true,
        )
    };
    ed.put_page(demo, later, "test").await.unwrap();
}

async fn search(s: &TestServer, q: &str) -> (StatusCode, String) {
    let res = s
        .client
        .get(format!("{}/search?q={}", s.http_url, encode(q)))
        .send()
        .await
        .unwrap();
    (res.status(), text(res).await)
}

/// The body, with minijinja's `&#x2f;` read back as `/` (as a browser reads it).
async fn text(res: reqwest::Response) -> String {
    res.text().await.unwrap().replace("&#x2f;", "/")
}

fn encode(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The result links of a search page, in order.
fn found(html: &str) -> Vec<String> {
    html.split("<ol class=\"search-results\">")
        .nth(1)
        .unwrap_or("")
        .split("</ol>")
        .next()
        .unwrap_or("")
        .split("<h2><a href=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap_or("").to_string())
        .collect()
}

fn client_from(from: &str) -> reqwest::Client {
    testkit::init_for_test();
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().ok())
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test]
async fn finds_what_visitors_see_and_nothing_else() {
    let s = two_sites(|_| {}).await;
    let store = s.open_store().await;
    seed(&store, s.clock.now() + 86_400).await;
    store.close().await;

    let res = s.get("/search?q=fietsroute").await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-robots-tag"], "noindex");
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(h.contains_key("content-security-policy"));
    assert!(h.get("set-cookie").is_none(), "no cookie");
    let html = text(res).await;
    // A word in the title ranks first; drafts, the trash, tomorrow's post and the other
    // site are not found.
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(html.contains("2 results for “fietsroute”"), "{html}");
    assert!(
        html.contains("<a href=\"/fietsroute\"><mark>Fietsroute</mark> door België</a>"),
        "{html}"
    );
    // The snippet is text, marked: the Markdown's `**` is gone.
    assert!(
        html.contains("Na elke <mark>fietsroute</mark> naar Belgie: kijk de ketting na."),
        "{html}"
    );
    assert!(html.contains("role=\"search\" action=\"/search\" method=\"get\""));
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "{html}"
    );

    // Accents either way, marked either way.
    let (_, html) = search(&s, "belgie").await;
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    assert!(html.contains("<mark>België</mark>"), "{html}");
    let (_, html) = search(&s, "BELGIË").await;
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    assert!(html.contains("<mark>Belgie</mark>"), "{html}");
    let (_, html) = search(&s, "zo'n").await;
    assert_eq!(found(&html), ["/onderhoud"], "{html}");
    // Dutch writes compounds as one word: the start of one finds it, and is marked.
    let (_, html) = search(&s, "fiets").await;
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    assert!(
        html.contains("<mark>Fiets</mark>route door België"),
        "{html}"
    );

    // The other site finds its own page only.
    let res = s
        .client
        .get(format!("{}/search?q=fietsroute", s.http_url))
        .header("host", "bakery.test")
        .send()
        .await
        .unwrap();
    assert_eq!(found(&text(res).await), ["/brood"]);

    // Tomorrow's post, tomorrow, with its date.
    s.clock.advance(86_401);
    let (_, html) = search(&s, "fietsroute morgen").await;
    assert_eq!(found(&html), ["/news/morgen"], "{html}");
    assert!(html.contains("<time datetime=\""), "{html}");

    // Nothing, and no search: the form alone.
    let (status, html) = search(&s, "onvindbaar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nothing found for “onvindbaar”"), "{html}");
    for path in ["/search", "/search?q=", "/search?q=+++"] {
        let res = s.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = text(res).await;
        assert!(html.contains("id=\"search-q\""), "{html}");
        assert!(!html.contains("search-count"), "{html}");
    }

    // Every page has the small form in its header; the search page only its own.
    let home = text(s.get("/").await).await;
    assert!(
        home.contains("<form class=\"site-search\" role=\"search\" action=\"/search\""),
        "{home}"
    );
    assert!(!html.contains("site-search-q"), "{html}");

    // Over HTTP/2 too.
    let res = s.get_tls("/search?q=fietsroute").await;
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.status(), StatusCode::OK);
    let mut h2 = found(&text(res).await);
    assert_eq!(h2.first().map(String::as_str), Some("/fietsroute"));
    h2.sort();
    assert_eq!(h2, ["/fietsroute", "/news/morgen", "/onderhoud"]);
}

#[tokio::test]
async fn the_visitors_text_is_words_shown_back_escaped() {
    let s = TestServer::start().await;
    // Search syntax of either engine is only ever words: an answer, never an error.
    for q in [
        "title:x",
        "NEAR(a b)",
        "\"",
        "*",
        "-foo",
        "AND OR",
        "fiets*",
        "body_md:geheim",
        "+about -us",
        "@2",
        "\\",
        &"lang ".repeat(100),
        &"x".repeat(3000),
    ] {
        let (status, html) = search(&s, q).await;
        assert_eq!(status, StatusCode::OK, "{q:?}: {html}");
    }
    // What was typed comes back escaped, in the field and in the count.
    let (status, html) = search(&s, "Tom & Jerry \"about\" <3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("value=\"Tom &amp; Jerry &quot;about&quot; &lt;3\""),
        "{html}"
    );
    assert!(!html.contains("\"about\""), "{html}");
    assert!(!html.contains("<3"), "{html}");
}

#[tokio::test]
async fn the_shield_judges_searches_like_any_request() {
    let s = TestServer::start().await;
    // Honest searches in Dutch and English, words that are also SQL included.
    for q in [
        "café",
        "zo'n",
        "België",
        "één",
        "'s-Hertogenbosch",
        "select a course",
        "drop off point",
        "union of volunteers",
        "delete my account",
    ] {
        let (status, _) = search(&s, q).await;
        assert_eq!(status, StatusCode::OK, "{q:?}");
    }
    // Attacks are refused before any search runs; each from its own address, so no ban
    // stands in for the shield's judgement.
    for (i, q) in [
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "1' UNION SELECT password FROM users--",
        "\"><img src=x onerror=alert(1)>",
    ]
    .iter()
    .enumerate()
    {
        let res = client_from(&format!("127.0.30.{}", i + 1))
            .get(format!("{}/search?q={}", s.http_url, encode(q)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{q:?}");
    }
}

#[tokio::test]
async fn a_search_counts_against_the_page_rate() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.rate_pages_per_s = 1;
    config.shield.rate_pages_burst = 3;
    let s = TestServer::start_in(dir, config).await;
    let c = client_from("127.0.31.1");
    let mut statuses = Vec::new();
    for i in 0..6 {
        let res = c
            .get(format!("{}/search?q=about{i}", s.http_url))
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_dutch_site_searches_in_dutch() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].lang = "nl".into();
    let s = TestServer::start_in(dir, config).await;
    let store = s.open_store().await;
    let demo = store.editor.site_by_name("demo").await.unwrap().unwrap().id;
    store
        .editor
        .put_page(
            demo,
            page(
                "/een",
                "Eén keer per jaar",
                "Het zomerfeest, één keer.",
                true,
            ),
            "test",
        )
        .await
        .unwrap();
    store.close().await;

    let home = text(s.get("/").await).await;
    assert!(home.contains(">Zoek op deze site</label>"), "{home}");
    assert!(home.contains(">Zoeken</button>"), "{home}");
    let (_, html) = search(&s, "een keer").await;
    assert_eq!(found(&html), ["/een"], "{html}");
    assert!(html.contains("1 resultaat voor ‘een keer’"), "{html}");
    assert!(html.contains("<h1>Zoeken</h1>"), "{html}");
    assert!(
        html.contains("<mark>Eén</mark> <mark>keer</mark>"),
        "{html}"
    );
    let (_, html) = search(&s, "onvindbaar").await;
    assert!(html.contains("Niets gevonden voor ‘onvindbaar’"), "{html}");
}

#[tokio::test]
async fn mariadb_finds_the_same() {
    use store::DatabaseConfig;
    use store::mysql::{InitOptions, drop_all, init};
    let admin_url = std::env::var("BOLWERK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into());
    let n = std::process::id();
    let opts = InitOptions {
        database: format!("bwsrch_{n}"),
        user_prefix: format!("bwq{n}"),
        user_host: "%".into(),
    };
    let creds = init(&admin_url, &opts)
        .await
        .unwrap_or_else(|e| panic!("MariaDB must answer at {admin_url}: {e}"));
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let write = |name: &str, url: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, url).unwrap();
        p
    };
    let database = DatabaseConfig::MySql {
        reader_url_file: write("reader.url", &creds.reader_url),
        recorder_url_file: write("recorder.url", &creds.recorder_url),
        editor_url_file: write("editor.url", &creds.editor_url),
        admin_url_file: None,
    };
    let dir2 = dir.clone();
    let s = {
        let mut c = testkit::test_config(dir2.path());
        let mut bakery = c.sites[0].clone();
        bakery.name = "bakery".into();
        bakery.title = Some("Bakkerij Jansen".into());
        bakery.hosts = vec!["bakery.test".into()];
        c.sites.push(bakery);
        c.database = database;
        TestServer::start_in(dir2, c).await
    };
    let store = s.open_store().await;
    seed(&store, s.clock.now() + 86_400).await;
    store.close().await;

    let (status, html) = search(&s, "fietsroute").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    let (_, html) = search(&s, "BELGIË").await;
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    let (_, html) = search(&s, "fiets").await;
    assert_eq!(found(&html), ["/fietsroute", "/onderhoud"], "{html}");
    // InnoDB's English stopwords are off: "was" is a Dutch word too.
    let (_, html) = search(&s, "was").await;
    assert_eq!(found(&html), ["/fietsroute"], "{html}");
    for q in ["title:x", "NEAR(", "\"", "*", "-foo", "AND OR", "ab"] {
        let (status, _) = search(&s, q).await;
        assert_eq!(status, StatusCode::OK, "{q:?}");
    }
    s.clock.advance(86_401);
    let (_, html) = search(&s, "fietsroute morgen").await;
    assert_eq!(found(&html), ["/news/morgen"], "{html}");
    s.stop().await;
    drop_all(&admin_url, &opts).await.unwrap();
}

/// The search page keeps its site and menu in memory between edits; an edit to the menu shows
/// on the next search page all the same.
#[tokio::test]
async fn a_search_page_shows_the_menu_as_edited() {
    let s = two_sites(|_| {}).await;
    let (_, before) = search(&s, "fiets").await;
    assert!(!before.contains("Fietsverhuur"), "{before}");
    let store = s.open_store().await;
    let demo = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let mut menu = store.reader.menu(demo.id).await.unwrap();
    menu.push(store::MenuItem {
        label: "Fietsverhuur".into(),
        href: "https://example.org/fietsen".into(),
        child: false,
    });
    store.editor.set_menu(demo.id, &menu).await.unwrap();
    store.close().await;
    let mut shown = false;
    for _ in 0..100 {
        if search(&s, "fiets").await.1.contains(">Fietsverhuur<") {
            shown = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(shown, "the edited menu never showed on the search page");
}
