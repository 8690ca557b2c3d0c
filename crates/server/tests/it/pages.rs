use reqwest::StatusCode;
use testkit::TestServer;

#[tokio::test]
async fn home_page_renders_with_menu_and_news() {
    let s = TestServer::start().await;
    let res = s.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<h1>Welcome to Stichting De Linde</h1>"),
        "{html}"
    );
    // minijinja escapes "/" in attributes as &#x2f;, which browsers read as "/".
    assert!(
        html.contains(r#"<a href="&#x2f;about">About</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"href="&#x2f;" aria-current="page""#),
        "{html}"
    );
    assert!(
        html.contains("Spring market on 12 April"),
        "latest news on the home page"
    );
    assert!(html.contains(r#"<link rel="stylesheet" href="/assets/site.css?v="#));
}

#[tokio::test]
async fn pages_posts_and_news_list() {
    let s = TestServer::start().await;
    let about = s.get("/about").await.text().await.unwrap();
    assert!(
        about.contains("<title>About us · Stichting De Linde</title>"),
        "{about}"
    );
    assert!(about.contains("<table>"), "markdown tables render");

    let news = s.get("/news").await.text().await.unwrap();
    let spring = news.find("Spring market").expect("spring post listed");
    let report = news.find("Annual report").expect("report listed");
    assert!(spring < report, "newest first");

    let post = s.get("/news/new-garden").await;
    assert_eq!(post.status(), StatusCode::OK);
    let post = post.text().await.unwrap();
    assert!(
        post.contains("<h1>Our new community garden</h1>") && post.contains("<time datetime="),
        "{post}"
    );
    // A trailing slash finds the same page.
    assert_eq!(s.get("/about/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_get_the_sites_own_404() {
    let s = TestServer::start().await;
    for path in ["/nope", "/news/nope", "/%ff", "/about?x=1"] {
        let res = s.get(path).await;
        let status = res.status();
        let html = res.text().await.unwrap();
        if path.starts_with("/about?") {
            assert_eq!(
                status,
                StatusCode::OK,
                "query strings do not change the page"
            );
            continue;
        }
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            html.contains("Page not found") && html.contains("Stichting De Linde"),
            "{path}: {html}"
        );
    }
}

#[tokio::test]
async fn unpublished_pages_are_invisible() {
    let s = TestServer::start().await;
    let res = s.get("/draft-plans").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("plans for next year"));
}

#[tokio::test]
async fn only_get_and_head() {
    let s = TestServer::start().await;
    let head = s
        .client
        .head(format!("{}/about", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert!(head.text().await.unwrap().is_empty());
    let res = s
        .client
        .post(format!("{}/about", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    // Methods no Bolwerk route uses are refused by the shield before routing.
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::TRACE,
    ] {
        let res = s
            .client
            .request(method.clone(), format!("{}/about", s.http_url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method}");
    }
}

#[tokio::test]
async fn etag_revalidation() {
    let s = TestServer::start().await;
    let first = s.get("/about").await;
    let etag = first.headers()["etag"].clone();
    let again = s
        .client
        .get(format!("{}/about", s.http_url))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], etag);
    let tag = etag.to_str().unwrap();
    let ask = async |values: &[String]| {
        let mut req = s.client.get(format!("{}/about", s.http_url));
        for v in values {
            req = req.header("if-none-match", v.as_str());
        }
        req.send().await.unwrap().status()
    };
    // Compared weakly (RFC 9110 §13.1.2): a proxy that made it `W/"…"` still gets a 304, in a
    // list, on a second header line, or as `*`.
    for values in [
        vec![format!("W/{tag}")],
        vec![format!("\"other\", W/{tag}")],
        vec!["\"other\"".to_string(), tag.to_string()],
        vec!["*".to_string()],
    ] {
        assert_eq!(ask(&values).await, StatusCode::NOT_MODIFIED, "{values:?}");
    }
    // Another version, or the tag cut short: the page.
    for values in [
        vec!["\"other\"".to_string()],
        vec![tag[..tag.len() - 2].to_string() + "\""],
        vec![format!("W/\"{tag}\"")],
    ] {
        assert_eq!(ask(&values).await, StatusCode::OK, "{values:?}");
    }
}

#[tokio::test]
async fn stylesheet_is_served_and_cacheable() {
    let s = TestServer::start().await;
    let res = s.get("/assets/site.css").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(res.text().await.unwrap().contains(".site-header"));
}

#[tokio::test]
async fn restart_keeps_all_content() {
    let s = TestServer::start().await;
    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let page = store::NewPage {
        kind: store::PageKind::Page,
        slug: "/opening-hours".into(),
        title: "Opening hours".into(),
        summary: String::new(),
        body_md: "Monday to Friday, 9:00-17:00.".into(),
        published: true,
        published_at: None,
    };
    store.editor.put_page(site.id, page, "test").await.unwrap();
    store.close().await;
    let before = s.get("/about").await.text().await.unwrap();

    let s = s.restart().await;
    let hours = s.get("/opening-hours").await;
    assert_eq!(hours.status(), StatusCode::OK);
    assert!(hours.text().await.unwrap().contains("Monday to Friday"));
    assert_eq!(
        s.get("/about").await.text().await.unwrap(),
        before,
        "demo content not reset"
    );
    let store = s.open_store().await;
    assert_eq!(
        store.editor.pages(site.id).await.unwrap().len(),
        9,
        "8 demo pages + 1 added"
    );
}
