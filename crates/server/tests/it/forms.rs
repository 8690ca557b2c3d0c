//! Contact forms end to end: the real server, a real SMTP server (aiosmtpd) on loopback, and
//! DKIM checked by dkimpy. No cookie anywhere.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use testkit::{SmtpOptions, SmtpSink, TestServer};

/// The demo site, its contact form needing one second to fill in, mail to `relay_port`.
pub async fn server_with_relay(relay_port: Option<u16>) -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    if let Some(port) = relay_port {
        config.mail.relay = Some(format!("localhost:{port}"));
        config.mail.tls = mail::TlsMode::None;
        config.mail.retry_s = 1;
    }
    TestServer::start_in(dir, config).await
}

/// The token of a freshly shown form (and that showing it set no cookie).
pub async fn shown_token(s: &TestServer) -> String {
    let res = s.get("/contact").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    // The demo's page at /contact (the address) is still shown, above the form.
    assert!(html.contains("Lindeplein 4"), "{html}");
    let at = html.find("name=\"_token\" value=\"").expect("token field") + 21;
    html[at..].split('"').next().unwrap().to_string()
}

pub async fn post(s: &TestServer, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let res = s
        .client
        .post(format!("{}/contact", s.http_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").is_none(), "no cookie, ever");
    let status = res.status();
    (status, res.text().await.unwrap())
}

pub fn valid<'a>(token: &'a str, message: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_token", token),
        ("website", ""),
        ("name", "Zoë de Vries"),
        ("email", "zoe@example.org"),
        ("message", message),
    ]
}

pub async fn filled_in(s: &TestServer) -> String {
    let token = shown_token(s).await;
    // Past the form's minimum fill time (30 s in the tests' config: long enough that a slow,
    // loaded machine never takes it between showing and posting).
    s.clock.advance(31);
    token
}

/// dkimpy's verdict on a received message, with the keys Bolwerk made for the domain.
fn dkimpy_verifies(s: &TestServer, message: &str) -> (bool, String) {
    let keys = mail::KeyStore::new(s.data_dir().join("dkim"));
    let set = keys
        .state("delinde.example")
        .unwrap()
        .active
        .expect("a key set was made at start");
    let records: serde_json::Map<String, serde_json::Value> = keys
        .records("delinde.example", &set)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.value.into()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.eml"), message).unwrap();
    std::fs::write(
        dir.path().join("k.json"),
        serde_json::to_vec(&records).unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new("/usr/bin/python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../mail/tests/dkim_verify.py"
        ))
        .arg(dir.path().join("m.eml"))
        .arg(dir.path().join("k.json"))
        .output()
        .expect("python3 with dkimpy");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    let head = message.split("\r\n\r\n").next()?;
    head.split("\r\n")
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l.as_bytes()[name.len()] == b':'
        })
        .map(|l| l[name.len() + 1..].trim())
}

#[tokio::test]
async fn a_message_is_kept_signed_and_delivered() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let s = server_with_relay(Some(sink.port)).await;
    let token = filled_in(&s).await;
    let (status, html) = post(&s, &valid(&token, "Hallo,\nik wil graag 3 broden.\n")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Your message has been sent"), "{html}");
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1, "one message delivered");
    let (msg, envelope) = &got[0];
    assert_eq!(envelope["mail_from"], "noreply@delinde.example");
    assert_eq!(envelope["rcpt_tos"][0], "info@delinde.example");
    // From is the site's domain (DMARC alignment); the visitor only answers via Reply-To.
    assert_eq!(
        header(msg, "From"),
        Some("\"Stichting De Linde\" <noreply@delinde.example>")
    );
    assert!(
        header(msg, "Reply-To")
            .unwrap()
            .contains("<zoe@example.org>"),
        "{msg}"
    );
    assert_eq!(msg.matches("DKIM-Signature:").count(), 2, "{msg}");
    assert!(msg.contains("d=delinde.example"), "{msg}");
    let (ok, out) = dkimpy_verifies(&s, msg);
    assert!(ok, "dkimpy: {out}");
    assert_eq!(out.matches(" pass").count(), 2, "{out}");
    // Kept before it was sent, and marked sent.
    let store = s.open_store().await;
    let subs = store.editor.submissions(None, 10).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].fields[2].2, "Hallo,\nik wil graag 3 broden.");
    assert_eq!(subs[0].client_ip.as_deref(), Some("127.0.0.1"));
    assert!(
        testkit_eventually(|| async {
            store.editor.submissions(None, 1).await.unwrap()[0]
                .mail_state
                .as_deref()
                == Some("sent")
        })
        .await
    );
}

/// Posted fields, the status wanted, and a phrase the answer must contain.
type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);

#[tokio::test]
async fn refused_posts_say_why_and_send_nothing() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let s = server_with_relay(Some(sink.port)).await;

    // Posted at once: faster than a person.
    let token = shown_token(&s).await;
    let (status, html) = post(&s, &valid(&token, "quick")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("too quickly"), "{html}");
    // The visitor's text comes back in the form, with a new token.
    assert!(html.contains(">quick</textarea>"), "{html}");

    let token = filled_in(&s).await;
    let cases: Vec<Case> = vec![
        (
            {
                let mut v = valid(&token, "hi");
                v[1].1 = "https://spam.example";
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "must stay empty",
        ),
        (
            {
                let mut v = valid(&token, "hi");
                v[3].1 = "zoe@example.org\r\nBcc: victim@example.org";
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "address",
        ),
        (
            {
                let mut v = valid(&token, "hi");
                v[2].1 = "Zoë\r\nBcc: victim@example.org";
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "one line",
        ),
        (
            {
                let mut v = valid(&token, "hi");
                v[2].1 = "=?utf-8?b?Wm/DqyA8dmljdGltQGV4YW1wbGUub3JnPg==?=";
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "encoded-word",
        ),
        (
            {
                let mut v = valid(&token, "hi");
                v.push(("bcc", "victim@example.org"));
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field",
        ),
        (
            valid(&token, ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
        ),
        (
            {
                let mut v = valid(&token, "hi");
                v[0].1 = "1700000000.AAAAAAAAAAAAAAAAAAAAAA.forged";
                v
            },
            StatusCode::FORBIDDEN,
            "could not be checked",
        ),
        (
            {
                let mut v = valid(&token, "hi");
                v.remove(0);
                v
            },
            StatusCode::FORBIDDEN,
            "could not be checked",
        ),
    ];
    let long = "x".repeat(5001);
    let mut cases = cases;
    cases.push((
        valid(&token, &long),
        StatusCode::UNPROCESSABLE_ENTITY,
        "longer than 5000",
    ));
    for (fields, want_status, want_text) in &cases {
        let (status, html) = post(&s, fields).await;
        assert_eq!(status, *want_status, "{want_text}: {html}");
        assert!(html.contains(want_text), "{want_text}: {html}");
        assert!(html.contains("Your message was not sent yet"), "{html}");
    }
    // The token is still unused (nothing was kept), so it works once...
    let (status, html) = post(&s, &valid(&token, "the real one")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // ...and only once.
    let (status, html) = post(&s, &valid(&token, "the real one")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("already sent"), "{html}");

    let got = sink.wait_for(1, 20).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_later = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got_later.len(), 1, "refused posts sent nothing");
    assert!(got[0].0.contains("the real one"));
    let store = s.open_store().await;
    assert_eq!(store.editor.submissions(None, 100).await.unwrap().len(), 1);
    assert!(!got[0].0.to_ascii_lowercase().contains("bcc:"));
}

#[tokio::test]
async fn a_relay_that_is_down_gets_the_message_once_it_is_back() {
    let port = testkit::free_port();
    let s = server_with_relay(Some(port)).await;
    let token = filled_in(&s).await;
    let (status, html) = post(&s, &valid(&token, "while the relay is down")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the visitor is thanked at once: {html}"
    );
    let store = s.open_store().await;
    assert!(
        testkit_eventually(|| async {
            store
                .editor
                .mail_list(Some("failed"), 10)
                .await
                .unwrap()
                .len()
                == 1
        })
        .await,
        "the first attempt fails and is scheduled again"
    );
    let sink = SmtpSink::start(SmtpOptions {
        port,
        ..SmtpOptions::default()
    });
    let got = sink.wait_for(1, 30).await;
    assert_eq!(got.len(), 1, "delivered after the relay came back");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), 1, "and only once");
    let m = &store.editor.mail_list(None, 10).await.unwrap()[0];
    assert!(
        testkit_eventually(|| async {
            store
                .editor
                .mail_list(Some("sent"), 10)
                .await
                .unwrap()
                .len()
                == 1
        })
        .await
    );
    let kinds: Vec<String> = store
        .editor
        .mail_events(m.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("sending"));
    assert!(kinds.contains(&"failed".to_string()), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("sent"), "{kinds:?}");
}

#[tokio::test]
async fn starttls_and_authentication_to_the_relay() {
    let sink = SmtpSink::start(SmtpOptions {
        starttls: true,
        auth: Some(("bolwerk".into(), "s3cret pass".into())),
        ..SmtpOptions::default()
    });
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    let password = dir.path().join("smtp.password");
    std::fs::write(&password, "s3cret pass\n").unwrap();
    config.mail.relay = Some(format!("localhost:{}", sink.port));
    config.mail.tls = mail::TlsMode::Starttls;
    config.mail.ca_file = sink.cert.clone();
    config.mail.username = Some("bolwerk".into());
    config.mail.password_file = Some(password);
    config.mail.retry_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let token = filled_in(&s).await;
    let (status, _) = post(&s, &valid(&token, "over TLS")).await;
    assert_eq!(status, StatusCode::OK);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1["tls"], true, "{:?}", got[0].1);
    assert!(
        got[0].1["auth"].as_str().unwrap_or("").contains("bolwerk"),
        "{:?}",
        got[0].1
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_a_dead_letter() {
    let sink = SmtpSink::start(SmtpOptions {
        reject: true,
        ..SmtpOptions::default()
    });
    let s = server_with_relay(Some(sink.port)).await;
    let token = filled_in(&s).await;
    let (status, _) = post(&s, &valid(&token, "to nobody")).await;
    assert_eq!(status, StatusCode::OK);
    let store = s.open_store().await;
    assert!(
        testkit_eventually(|| async {
            store
                .editor
                .mail_list(Some("dead"), 10)
                .await
                .unwrap()
                .len()
                == 1
        })
        .await,
        "550 gives up at once"
    );
    let dead = &store.editor.mail_list(Some("dead"), 10).await.unwrap()[0];
    assert!(dead.detail.contains("550"), "{}", dead.detail);
    assert_eq!(dead.attempts, 1);
    assert!(sink.messages().is_empty());
    // The submission itself is kept all the same.
    assert_eq!(store.editor.submissions(None, 10).await.unwrap().len(), 1);
}

/// Like `eventually`, with room for SMTP round trips (up to 20 s).
pub async fn testkit_eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_dead_letter_is_reported_to_the_operator_once_a_day() {
    let sink = SmtpSink::start(SmtpOptions {
        reject_to: vec!["info@delinde.example".into()],
        ..SmtpOptions::default()
    });
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    config.mail.relay = Some(format!("localhost:{}", sink.port));
    config.mail.tls = mail::TlsMode::None;
    config.mail.alerts_to = vec!["ops@delinde.example".into()];
    let s = TestServer::start_in(dir, config).await;
    for text in ["first", "second"] {
        let token = filled_in(&s).await;
        assert_eq!(post(&s, &valid(&token, text)).await.0, StatusCode::OK);
    }
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1["rcpt_tos"][0], "ops@delinde.example");
    assert!(
        got[0]
            .0
            .contains("[Bolwerk] a message could not be delivered"),
        "{}",
        got[0].0
    );
    assert!(got[0].0.contains("550"), "{}", got[0].0);
    let store = s.open_store().await;
    assert!(
        testkit_eventually(|| async {
            store
                .editor
                .mail_list(Some("dead"), 10)
                .await
                .unwrap()
                .len()
                == 2
        })
        .await
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sink.messages().len(),
        1,
        "one alert a day, not one per dead letter"
    );
}

#[tokio::test]
async fn direct_delivery_follows_the_mx_records_and_never_sends_twice() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let mut dns = testkit::DnsServer::start();
    // The best MX is down (nothing listens on 127.0.0.2); the second one takes the mail.
    dns.publish_records(
        "delinde.example",
        serde_json::json!({"MX": [[10, "mx1.delinde.example"], [20, "mx2.delinde.example"]]}),
    );
    dns.publish_records(
        "mx1.delinde.example",
        serde_json::json!({"A": ["127.0.0.2"]}),
    );
    dns.publish_records(
        "mx2.delinde.example",
        serde_json::json!({"A": ["127.0.0.1"]}),
    );
    // A domain with a null MX takes no mail at all.
    dns.publish_records("nomail.example", serde_json::json!({"MX": [[0, "."]]}));
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    config.sites[0].forms[0].to =
        vec!["info@delinde.example".into(), "board@nomail.example".into()];
    config.mail.direct = true;
    config.mail.direct_port = sink.port;
    // The test's mail servers are on loopback, which direct delivery skips by default.
    config.mail.direct_allow_private = true;
    config.mail.dns = Some(dns.addr);
    config.mail.retry_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let token = filled_in(&s).await;
    assert_eq!(post(&s, &valid(&token, "direct")).await.0, StatusCode::OK);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].1["rcpt_tos"],
        serde_json::json!(["info@delinde.example"])
    );
    let (ok, out) = dkimpy_verifies(&s, &got[0].0);
    assert!(ok, "{out}");
    // The other domain refuses for good: a dead letter that says why.
    let store = s.open_store().await;
    assert!(
        testkit_eventually(|| async {
            store
                .editor
                .mail_list(Some("dead"), 10)
                .await
                .unwrap()
                .len()
                == 1
        })
        .await
    );
    let dead = &store.editor.mail_list(Some("dead"), 10).await.unwrap()[0];
    assert!(
        dead.detail.contains("nomail.example accepts no mail"),
        "{}",
        dead.detail
    );
    // Sent again: only the domain that did not get it is tried, so nobody gets it twice.
    assert!(store.editor.requeue_mail(dead.id, "test").await.unwrap());
    assert!(
        testkit_eventually(|| async {
            let kinds: Vec<String> = store
                .editor
                .mail_events(dead.id)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.kind)
                .collect();
            kinds.iter().filter(|k| *k == "dead").count() == 2
        })
        .await
    );
    assert_eq!(sink.messages().len(), 1, "info@ got it once");
}

#[tokio::test]
async fn a_node_that_does_not_deliver_only_queues_and_makes_no_keys() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    config.mail.relay = Some(format!("localhost:{}", sink.port));
    config.mail.tls = mail::TlsMode::None;
    config.mail.deliver = false;
    let s = TestServer::start_in(dir, config).await;
    let token = filled_in(&s).await;
    assert_eq!(
        post(&s, &valid(&token, "queued only")).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sink.messages().is_empty());
    let store = s.open_store().await;
    assert_eq!(
        store
            .editor
            .mail_list(Some("queued"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        !s.data_dir().join("dkim").exists(),
        "keys are made where mail is signed"
    );
}

#[tokio::test]
async fn honest_messages_may_quote_code_but_attacks_elsewhere_are_refused() {
    let s = server_with_relay(None).await;
    // Free text is stored escaped and mailed as plain text: an honest message that quotes
    // code reaches the organisation.
    let token = filled_in(&s).await;
    let honest = "My page shows <script>alert(1)</script> and SELECT * FROM members WHERE id = '1' OR '1'='1' -- what now?";
    let (status, html) = post(&s, &valid(&token, honest)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let store = s.open_store().await;
    assert_eq!(
        store.editor.submissions(None, 10).await.unwrap()[0].fields[2].2,
        honest
    );
    // The same in a one-line field, or in the query string, is judged as anywhere else.
    let token = filled_in(&s).await;
    let mut v = valid(&token, "hello");
    v[2].1 = "<script>alert(1)</script>";
    let (status, _) = post(&s, &v).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = s
        .client
        .post(format!(
            "{}/contact?id=1%27%20OR%20%271%27%3D%271",
            s.http_url
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("message=hello")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Sent as another type, the body is judged whole.
    let res = s
        .client
        .post(format!("{}/contact", s.http_url))
        .header("content-type", "text/plain")
        .body("message=<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(store.editor.submissions(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn direct_delivery_does_not_connect_to_private_addresses_by_default() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let mut dns = testkit::DnsServer::start();
    // DNS that points the server at its own loopback (or an internal network).
    dns.publish_records(
        "delinde.example",
        serde_json::json!({"MX": [[10, "mx.delinde.example"]]}),
    );
    dns.publish_records(
        "mx.delinde.example",
        serde_json::json!({"A": ["127.0.0.1"]}),
    );
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    config.mail.direct = true;
    config.mail.direct_port = sink.port;
    config.mail.dns = Some(dns.addr);
    let s = TestServer::start_in(dir, config).await;
    let token = filled_in(&s).await;
    assert_eq!(
        post(&s, &valid(&token, "to loopback?")).await.0,
        StatusCode::OK
    );
    let store = s.open_store().await;
    assert!(
        testkit_eventually(|| async {
            store
                .editor
                .mail_list(Some("failed"), 10)
                .await
                .unwrap()
                .len()
                == 1
        })
        .await
    );
    let m = &store.editor.mail_list(Some("failed"), 10).await.unwrap()[0];
    assert!(m.detail.contains("not a public address"), "{}", m.detail);
    assert!(sink.messages().is_empty());
}
