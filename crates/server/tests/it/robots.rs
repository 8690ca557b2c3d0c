//! `/robots.txt`: everything allowed with the host's sitemap by default, the site's own text
//! from the config otherwise; never the admin path.

use std::sync::Arc;

use reqwest::StatusCode;
use testkit::{TestServer, test_config};

#[tokio::test]
async fn the_default_allows_everything_and_names_the_sitemap() {
    let s = TestServer::start().await;
    let res = s.get_tls("/robots.txt").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(res.headers().get("set-cookie").is_none());
    let text = res.text().await.unwrap();
    assert_eq!(
        text,
        "User-agent: *\nAllow: /\nSitemap: https://localhost/sitemap.xml\n"
    );
    assert!(
        !text.contains(&s.config.admin.path),
        "the admin path is not published"
    );
    let plain = s.get("/robots.txt").await.text().await.unwrap();
    assert!(
        plain.ends_with("Sitemap: https://127.0.0.1/sitemap.xml\n"),
        "{plain}"
    );
    let other = s
        .client
        .get(format!("{}/robots.txt", s.http_url))
        .header("host", "other.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn a_site_serves_its_own_text_with_the_sitemap_added() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.sites[0].robots =
        Some("User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n".into());
    let s = TestServer::start_in(dir, config).await;
    let text = s.get_tls("/robots.txt").await.text().await.unwrap();
    assert_eq!(
        text,
        "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\nSitemap: https://localhost/sitemap.xml\n"
    );
    let s = {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let mut config = test_config(dir.path());
        config.sites[0].robots =
            Some("User-agent: *\nDisallow: /x\nSitemap: https://cdn.example/map.xml".into());
        TestServer::start_in(dir, config).await
    };
    let text = s.get_tls("/robots.txt").await.text().await.unwrap();
    assert_eq!(
        text, "User-agent: *\nDisallow: /x\nSitemap: https://cdn.example/map.xml\n",
        "a text with its own Sitemap line is served as written"
    );
}
