//! What operators tune the shield with while it runs: the allowlist and rule switches kept in
//! the database, blocklists from URLs, closing banned clients' connections, and the metrics
//! that show what it did.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use testkit::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::eventually;

fn client_from(from: &str) -> reqwest::Client {
    testkit::init_for_test();
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().ok())
        .no_proxy()
        .build()
        .unwrap()
}

const ATTACK: &str = "/about?q=1%27%20union%20select%20password%20from%20users--";

async fn status(c: &reqwest::Client, url: String) -> StatusCode {
    c.get(url).send().await.unwrap().status()
}

#[tokio::test]
async fn metrics_count_what_the_shield_decided() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    let s = TestServer::start_in(dir, config).await;
    let c = client_from("127.0.50.1");
    assert_eq!(
        status(&c, format!("{}/about", s.http_url)).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&c, format!("{}{ATTACK}", s.http_url)).await,
        StatusCode::FORBIDDEN
    );
    let url = s.metrics_url().expect("metrics listener");
    let res = c.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("openmetrics")
    );
    let text = res.text().await.unwrap();
    let value = |name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
    };
    assert!(value("bolwerk_shield_requests_total{outcome=\"allowed\"}") >= 1);
    assert_eq!(
        value("bolwerk_shield_requests_total{outcome=\"blocked\"}"),
        1
    );
    assert!(value("bolwerk_http_responses_total{class=\"4xx\"}") >= 1);
    assert!(
        text.contains("bolwerk_shield_rule_hits_total{rule=\"1002\",category=\"sqli\"} 1"),
        "{text}"
    );
    // The public listeners do not serve metrics.
    assert_eq!(s.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn allowlist_entries_in_the_database_take_effect_while_running() {
    let s = TestServer::start().await;
    let c = client_from("127.0.51.7");
    let attack = format!("{}{ATTACK}", s.http_url);
    assert_eq!(status(&c, attack.clone()).await, StatusCode::FORBIDDEN);
    let store = s.open_store().await;
    assert!(store.editor.allow("127.0.51.0/24", "office").await.unwrap());
    assert!(!store.editor.allow("127.0.51.0/24", "again").await.unwrap());
    assert!(
        eventually(|| async { status(&c, attack.clone()).await == StatusCode::OK }).await,
        "allowlisted network is not inspected"
    );
    assert!(store.editor.disallow("127.0.51.0/24").await.unwrap());
    assert!(
        eventually(|| async { status(&c, attack.clone()).await == StatusCode::FORBIDDEN }).await,
        "removed again"
    );
}

#[tokio::test]
async fn a_rule_switched_off_stops_firing_and_can_be_switched_on() {
    // Every blocked attack counts towards a ban, repeats too; this test repeats one while the
    // switch takes effect, and is about the switch, not the ban.
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_attack_threshold = 1000;
    let s = TestServer::start_in(dir, config).await;
    let c = client_from("127.0.52.7");
    // A false positive some site might see: a search for SQL keywords.
    let url = format!("{}{ATTACK}", s.http_url);
    assert_eq!(status(&c, url.clone()).await, StatusCode::FORBIDDEN);
    let store = s.open_store().await;
    // Events reach the database through a queue, a moment after the answer.
    assert!(
        eventually(|| async {
            !store
                .editor
                .security_events(&["waf_block"], 0, 10)
                .await
                .unwrap()
                .is_empty()
        })
        .await
    );
    let events = store
        .editor
        .security_events(&["waf_block"], 0, 10)
        .await
        .unwrap();
    let rules: Vec<u32> = events[0]
        .detail
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rules="))
        .unwrap()
        .split(',')
        .map(|r| r.parse().unwrap())
        .collect();
    assert!(!rules.is_empty());
    for r in &rules {
        store.editor.switch_rule(*r, false, "test").await.unwrap();
    }
    assert!(eventually(|| async { status(&c, url.clone()).await == StatusCode::OK }).await);
    // Other attacks are still blocked.
    assert_eq!(
        status(&c, format!("{}/about?f=../../../../etc/passwd", s.http_url)).await,
        StatusCode::FORBIDDEN
    );
    for r in &rules {
        store.editor.switch_rule(*r, true, "test").await.unwrap();
    }
    assert!(eventually(|| async { status(&c, url.clone()).await == StatusCode::FORBIDDEN }).await);
}

/// A tiny HTTP server on loopback that answers every request with the current `(status,
/// body)`; how blocklist URLs are tested without leaving the machine.
async fn list_server(answer: Arc<Mutex<(u16, String)>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (code, body) = answer.lock().unwrap().clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 {code} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/drop.txt")
}

#[tokio::test]
async fn blocklists_from_urls_are_downloaded_refreshed_and_kept_when_a_download_fails() {
    let answer = Arc::new(Mutex::new((
        200,
        "; Spamhaus DROP\n127.0.53.0/24 ; SBL1\n".to_string(),
    )));
    let url = list_server(answer.clone()).await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.blocklists = vec![url.clone()];
    config.shield.blocklist_refresh_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let listed = client_from("127.0.53.9");
    let other = client_from("127.0.54.9");
    let about = format!("{}/about", s.http_url);
    assert_eq!(status(&listed, about.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(status(&other, about.clone()).await, StatusCode::OK);
    let cached = server::blocklists::Source::parse(&url).local_path(&s.data_dir());
    assert!(cached.exists(), "downloaded copy kept in the data dir");

    // The list server breaks: an error status, then a page that is not a list.
    *answer.lock().unwrap() = (503, "down".into());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    *answer.lock().unwrap() = (200, "<html><body>maintenance</body></html>".into());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        status(&listed, about.clone()).await,
        StatusCode::FORBIDDEN,
        "last good copy kept"
    );
    assert!(
        std::fs::read_to_string(&cached)
            .unwrap()
            .contains("127.0.53.0/24")
    );

    // A new list replaces it.
    *answer.lock().unwrap() = (200, "127.0.54.0/24\n".into());
    assert!(
        eventually(|| async { status(&other, about.clone()).await == StatusCode::FORBIDDEN }).await
    );
    assert_eq!(status(&listed, about.clone()).await, StatusCode::OK);
}

#[tokio::test]
async fn with_ban_response_close_a_banned_client_gets_no_answer() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_response = server::config::BanResponse::Close;
    let s = TestServer::start_in(dir, config).await;
    let banned = client_from("127.0.55.5");
    let other = client_from("127.0.56.5");
    let about = format!("{}/about", s.http_url);
    assert_eq!(status(&banned, about.clone()).await, StatusCode::OK);
    let store = s.open_store().await;
    store
        .recorder
        .ban(
            "127.0.55.5",
            Some(store::now() + 600),
            "by hand",
            1,
            store::BY_CLI,
        )
        .await
        .unwrap();
    assert!(
        eventually(|| async { banned.get(about.clone()).send().await.is_err() }).await,
        "connection closed without a response"
    );
    assert_eq!(status(&other, about.clone()).await, StatusCode::OK);
}
