//! HTTPS everywhere: plain HTTP only redirects (through the shield), HSTS on every HTTPS
//! response, per-site HSTS settings checked in the config.

use std::sync::Arc;

use reqwest::StatusCode;
use testkit::{TestServer, test_config};

/// The default: with HTTPS on, plain HTTP sends visitors there.
async fn redirecting() -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.server.redirect_http = true;
    config.sites[0].hsts_include_subdomains = true;
    TestServer::start_in(dir, config).await
}

#[tokio::test]
async fn plain_http_redirects_to_the_same_host_and_path_over_https() {
    let s = redirecting().await;
    let res = s
        .client
        .get(format!("{}/news/spring-market?utm=flyer", s.http_url))
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        res.headers()["location"],
        format!(
            "https://localhost:{}/news/spring-market?utm=flyer",
            s.https_addr.port()
        )
        .as_str()
    );
    assert!(res.headers().get("set-cookie").is_none());
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "HSTS only over TLS"
    );
    // The page itself is there over HTTPS, with HSTS of the site's settings.
    let page = s.get_tls("/news/spring-market?utm=flyer").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // POSTs and HEADs are redirected too; a host we do not serve is not.
    let head = s
        .client
        .head(format!("{}/about", s.http_url))
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::MOVED_PERMANENTLY);
    let other = s
        .client
        .get(format!("{}/about", s.http_url))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::MISDIRECTED_REQUEST);
    assert!(other.headers().get("location").is_none());
}

#[tokio::test]
async fn the_redirect_still_passes_the_shield() {
    let s = redirecting().await;
    let attack = s
        .client
        .get(format!(
            "{}/about?q=%27%20union%20select%20password%20from%20users--",
            s.http_url
        ))
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attack.status(),
        StatusCode::FORBIDDEN,
        "refused, not redirected"
    );
    assert!(attack.headers().get("location").is_none());
}

#[tokio::test]
async fn acme_challenges_are_answered_over_plain_http_not_redirected() {
    let s = redirecting().await;
    let res = s
        .client
        .get(format!(
            "{}/.well-known/acme-challenge/unknown-token",
            s.http_url
        ))
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no such challenge");
    assert!(res.headers().get("location").is_none());
}

#[tokio::test]
async fn every_https_response_has_hsts_even_refusals_and_missing_pages() {
    let s = TestServer::start().await;
    for path in ["/", "/no-such-page", "/about?q=<script>alert(1)</script>"] {
        let res = s.get_tls(path).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path} ({})",
            res.status()
        );
    }
    // With redirects off (behind a TLS-terminating proxy), plain HTTP serves, without HSTS.
    let res = s.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("strict-transport-security").is_none());
}

#[test]
fn preload_needs_include_subdomains_and_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.sites[0].hsts_preload = true;
    let err = config
        .validate(std::path::Path::new("bolwerk.toml"))
        .unwrap_err();
    assert!(
        err.problems
            .iter()
            .any(|(k, _)| k == "site[0].hsts_preload"),
        "{:?}",
        err.problems
    );
    config.sites[0].hsts_include_subdomains = true;
    assert!(
        config
            .validate(std::path::Path::new("bolwerk.toml"))
            .is_ok()
    );
    config.server.hsts_max_age_s = 600;
    assert!(
        config
            .validate(std::path::Path::new("bolwerk.toml"))
            .is_err()
    );
}

#[tokio::test]
async fn admins_see_every_certificate_and_acme_failures() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    // A second site whose CA cannot be reached: its attempts fail and show up.
    let mut shop = config.sites[0].clone();
    shop.name = "shop".into();
    shop.hosts = vec!["shop.example".into()];
    shop.tls_cert_file = None;
    shop.tls_key_file = None;
    shop.tls_acme = true;
    config.sites.push(shop);
    config.acme.directory = "https://127.0.0.1:9/directory".into();
    config.acme.contact = Some("ops@example.org".into());
    config.acme.retry_s = 1;
    let s = TestServer::start_in(dir.clone(), config).await;
    let status = dir.path().join("acme/shop/status.json");
    assert!(
        crate::eventually(|| async { status.exists() }).await,
        "the failed attempt is recorded"
    );
    let admin = crate::admin::signed_in(&s, "anneke", store::Role::Admin).await;
    let page = admin.get("/certificates").await.text().await.unwrap();
    assert!(page.contains("demo") && page.contains("files"), "{page}");
    assert!(page.contains("localhost, 127.0.0.1"), "{page}");
    assert!(page.contains("days left"), "{page}");
    assert!(page.contains("shop") && page.contains("ACME"), "{page}");
    // The CA's error, escaped like every text on the page.
    assert!(
        page.contains("creating an account at https:&#x2f;&#x2f;127.0.0.1:9&#x2f;directory"),
        "{page}"
    );
    // Editors do not see it; a file-based site cannot be renewed from here.
    let csrf = testkit::csrf_in(&page).unwrap();
    let res = admin
        .post("/certificates/renew", &[("csrf", &csrf), ("site", "demo")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = admin
        .post("/certificates/renew", &[("csrf", &csrf), ("site", "shop")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Renewal of shop asked for")
    );
    let editor = crate::admin::signed_in(&s, "joost", store::Role::Editor).await;
    assert_eq!(
        editor.get("/certificates").await.status(),
        StatusCode::FORBIDDEN
    );
}
