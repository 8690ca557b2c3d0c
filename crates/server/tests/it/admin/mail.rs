//! The Inbox and Mail pages: submissions shown escaped, the queue with dead letters sent again,
//! the records to publish checked against a real DNS server, and DKIM key rotation.

use std::sync::Arc;

use store::Role;
use testkit::{DnsServer, SmtpOptions, SmtpSink, TestServer};

use super::signed_in;
use crate::forms::{filled_in, post, server_with_relay, testkit_eventually, valid};

#[tokio::test]
async fn the_inbox_shows_submissions_escaped() {
    let s = server_with_relay(None).await;
    let token = filled_in(&s).await;
    let (status, _) = post(&s, &valid(&token, "Prijs: 5 > 3 & \"vers\" brood")).await;
    assert_eq!(status, 200);
    let b = signed_in(&s, "edwin", Role::Editor).await;
    let (status, html) = b.get_text("/inbox").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Prijs: 5 &gt; 3 &amp; &quot;vers&quot; brood"),
        "{html}"
    );
    assert!(html.contains("zoe@example.org"), "{html}");
    assert!(html.contains("queued"), "no relay: the mail waits: {html}");
    // Editors read the inbox, but the Mail page is for admins.
    assert_eq!(b.get_text("/mail").await.0, 403);
}

/// A server whose record checks ask `dns`, mail through `relay`.
async fn server(dns: &DnsServer, relay: Option<u16>) -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].forms[0].min_fill_s = 30;
    config.mail.dns = Some(dns.addr);
    config.mail.dmarc_rua = Some("dmarc@delinde.example".into());
    if let Some(port) = relay {
        config.mail.relay = Some(format!("localhost:{port}"));
        config.mail.tls = mail::TlsMode::None;
        config.mail.retry_s = 1;
    }
    TestServer::start_in(dir, config).await
}

fn keys(s: &TestServer) -> mail::KeyStore {
    mail::KeyStore::new(s.data_dir().join("dkim"))
}

fn publish_set(dns: &mut DnsServer, s: &TestServer, set: &str) {
    for r in keys(s).records("delinde.example", set).unwrap() {
        dns.publish(&r.name, &[&r.value]);
    }
}

#[tokio::test]
async fn the_records_to_publish_are_checked_in_the_dns() {
    let mut dns = DnsServer::start();
    let s = server(&dns, None).await;
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let (status, html) = b.get_text("/mail").await;
    assert_eq!(status, 200);
    let set = keys(&s).state("delinde.example").unwrap().active.unwrap();
    for want in [
        format!("{set}-rsa._domainkey.delinde.example"),
        format!("{set}-ed25519._domainkey.delinde.example"),
        "_dmarc.delinde.example".to_string(),
        "v=DMARC1; p=reject; rua=mailto:dmarc@delinde.example".to_string(),
        // No relay: the mail would leave from this server, named by the site's host.
        "v=spf1 a:localhost -all".to_string(),
    ] {
        assert!(html.contains(&want), "{want}: {html}");
    }
    // Nothing published yet: every record says so, in words.
    let (_, html) = b.get_text("/mail/check").await;
    assert!(html.contains("no SPF record is published"), "{html}");
    assert!(
        html.contains("no DKIM record is published under this name yet"),
        "{html}"
    );
    assert!(html.contains("no DMARC record is published"), "{html}");
    // Published correctly: all correct.
    publish_set(&mut dns, &s, &set);
    dns.publish("delinde.example", &["v=spf1 a:localhost -all"]);
    dns.publish(
        "_dmarc.delinde.example",
        &["v=DMARC1; p=reject; rua=mailto:dmarc@delinde.example; adkim=s; aspf=s"],
    );
    let (_, html) = b.get_text("/mail/check").await;
    assert_eq!(html.matches(">correct<").count(), 4, "{html}");
    // Published wrongly: the difference in plain words.
    dns.publish("delinde.example", &["v=spf1 a:localhost ~all"]);
    dns.publish("_dmarc.delinde.example", &["v=DMARC1; p=none"]);
    let (_, html) = b.get_text("/mail/check").await;
    assert!(html.contains("soft fail"), "{html}");
    assert!(html.contains("only watches"), "{html}");
    assert!(html.contains("no rua= address"), "{html}");
    assert_eq!(html.matches(">correct<").count(), 2, "{html}");
}

#[tokio::test]
async fn dkim_keys_rotate_only_once_the_new_ones_are_published() {
    let mut dns = DnsServer::start();
    let sink = SmtpSink::start(SmtpOptions::default());
    let s = server(&dns, Some(sink.port)).await;
    let old = keys(&s).state("delinde.example").unwrap().active.unwrap();
    publish_set(&mut dns, &s, &old);
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let csrf = b.csrf().await;
    let res = b
        .post(
            "/mail/keygen",
            &[("csrf", &csrf), ("domain", "delinde.example")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let new = keys(&s)
        .state("delinde.example")
        .unwrap()
        .next
        .expect("waiting keys");
    assert!(html.contains(&format!("New keys {new} made")), "{html}");
    assert!(html.contains("(next)"), "{html}");
    // Not published yet: the switch is refused and says why.
    let res = b
        .post(
            "/mail/activate",
            &[
                ("csrf", &csrf),
                ("domain", "delinde.example"),
                ("selector", &new),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("not switched on yet"), "{html}");
    assert_eq!(
        keys(&s).state("delinde.example").unwrap().active,
        Some(old.clone())
    );
    // Published: the switch happens, the old keys are retired.
    publish_set(&mut dns, &s, &new);
    let res = b
        .post(
            "/mail/activate",
            &[
                ("csrf", &csrf),
                ("domain", "delinde.example"),
                ("selector", &new),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let state = keys(&s).state("delinde.example").unwrap();
    assert_eq!(state.active, Some(new.clone()));
    assert_eq!(state.retired, vec![old.clone()]);
    // Mail is signed with the new keys from now on.
    let token = filled_in(&s).await;
    assert_eq!(post(&s, &valid(&token, "after the switch")).await.0, 200);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].0.contains(&format!("s={new}-rsa")), "{}", got[0].0);
    assert!(!got[0].0.contains(&format!("s={old}-")), "{}", got[0].0);
    // The retired keys are removed on request, and the audit log has all three steps.
    let res = b
        .post(
            "/mail/remove-key",
            &[
                ("csrf", &csrf),
                ("domain", "delinde.example"),
                ("selector", &old),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        keys(&s)
            .state("delinde.example")
            .unwrap()
            .retired
            .is_empty()
    );
    let (_, audit) = b.get_text("/audit").await;
    for action in ["dkim.keygen", "dkim.activate", "dkim.remove"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

#[tokio::test]
async fn a_dead_letter_is_sent_again_from_the_admin() {
    let dns = DnsServer::start();
    let port = testkit::free_port();
    let refusing = SmtpSink::start(SmtpOptions {
        port,
        reject: true,
        ..SmtpOptions::default()
    });
    let s = server(&dns, Some(port)).await;
    let token = filled_in(&s).await;
    assert_eq!(post(&s, &valid(&token, "please arrive")).await.0, 200);
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
    drop(refusing);
    let sink = SmtpSink::start(SmtpOptions {
        port,
        ..SmtpOptions::default()
    });
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let (_, html) = b.get_text("/mail").await;
    assert!(html.contains("Send again"), "{html}");
    assert!(html.contains("550"), "the relay's answer is shown: {html}");
    let id = store.editor.mail_list(Some("dead"), 10).await.unwrap()[0].id;
    let csrf = b.csrf().await;
    let res = b
        .post("/mail/requeue", &[("csrf", &csrf), ("id", &id.to_string())])
        .await;
    assert_eq!(res.status(), 200);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].0.contains("please arrive"));
    // Only dead letters can be sent again.
    let res = b
        .post("/mail/requeue", &[("csrf", &csrf), ("id", &id.to_string())])
        .await;
    assert_eq!(res.status(), 400);
}

/// A sample report (from the mail crate's tests) moved to the last day.
fn recent_report(name: &str) -> Vec<u8> {
    let xml = std::fs::read_to_string(format!(
        "{}/../mail/tests/dmarc/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let now = store::now();
    xml.replace("1795737600", &(now - 86_400).to_string())
        .replace("1795823999", &now.to_string())
        .replace("1795824000", &now.to_string())
        .into_bytes()
}

#[tokio::test]
async fn dmarc_reports_are_uploaded_and_show_who_forges_the_domain() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let csrf = b.csrf().await;
    let up = format!("/dmarc/upload?csrf={csrf}");
    let res = b
        .upload(&up, "google.xml", recent_report("google.xml"))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("google.xml: imported report"), "{html}");
    let res = b.upload(&up, "yahoo.xml", recent_report("yahoo.xml")).await;
    assert_eq!(res.status(), 200);
    // The same report again changes nothing.
    let res = b
        .upload(&up, "google-again.xml", recent_report("google.xml"))
        .await;
    assert!(res.text().await.unwrap().contains("already imported"));
    // A hostile file: a clear error, and nothing kept.
    let res = b
        .upload(
            &up,
            "evil.xml",
            b"<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>".to_vec(),
        )
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("evil.xml: not imported: the XML declares a DOCTYPE"),
        "{html}"
    );
    let (_, html) = b.get_text("/dmarc").await;
    assert!(
        html.contains("2 reports, 57 messages, 43 failing DMARC"),
        "{html}"
    );
    let forger = html.find("203.0.113.66").expect("the forger is listed");
    let ours = html.find("192.0.2.25").expect("our relay is listed");
    assert!(forger < ours, "most messages first");
    assert!(html.contains("forges your domain"), "{html}");
    assert!(html.contains("sends for you: passes"), "{html}");
    let (_, audit) = b.get_text("/audit").await;
    assert!(audit.contains("dmarc.import"), "{audit}");
}
