use testkit::TestServer;

const CSP: &str = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

fn check(what: &str, res: &reqwest::Response) {
    let h = res.headers();
    assert_eq!(
        h.get("content-security-policy")
            .map(|v| v.to_str().unwrap()),
        Some(CSP),
        "{what}"
    );
    assert!(!CSP.contains("unsafe"), "no unsafe-* sources");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert!(
        h["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()"),
        "{what}"
    );
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert!(
        h.get("set-cookie").is_none(),
        "{what}: public responses never set a cookie"
    );
    assert!(h.get("server").is_none(), "{what}: no Server header");
    assert!(h.get("x-powered-by").is_none(), "{what}");
}

#[tokio::test]
async fn every_public_response_is_hardened_and_cookie_free() {
    let s = TestServer::start().await;
    let version = env!("CARGO_PKG_VERSION");
    for path in [
        "/",
        "/about",
        "/news",
        "/news/spring-market",
        "/nope",
        "/assets/site.css",
        "/draft-plans",
        "/robots.txt",
        "/sitemap.xml",
        "/feed.xml",
    ] {
        for res in [s.get(path).await, s.get_tls(path).await] {
            let what = format!("{path} {:?}", res.version());
            check(&what, &res);
            let body = res.text().await.unwrap();
            assert!(
                !body.to_lowercase().contains("bolwerk"),
                "{what}: no product name in pages"
            );
            assert!(!body.contains(version), "{what}: no version in pages");
            assert!(!body.contains("<script"), "{what}: no script");
            assert!(!body.contains("style="), "{what}: no inline style");
        }
    }
    // Error responses too.
    let post = s
        .client
        .post(format!("{}/", s.http_url))
        .send()
        .await
        .unwrap();
    check("POST /", &post);
    let other_host = s
        .client
        .get(format!("{}/", s.http_url))
        .header("host", "other.example")
        .send()
        .await
        .unwrap();
    check("unknown host", &other_host);
}
