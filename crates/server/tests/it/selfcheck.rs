//! The server's self-check through the admin Check page: reports kept across runs, a subtest
//! that was met and is not any more shown and mailed. The resolver is a closed loopback port,
//! so nothing leaves the machine and every lookup fails at once.

use std::sync::Arc;

use store::Role;
use testkit::TestServer;

use crate::admin::signed_in;

#[tokio::test]
async fn a_subtest_that_stops_passing_is_shown_and_mailed() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.dns.resolver = Some("127.0.0.1:9".parse().unwrap());
    config.dns.check_interval_s = 0;
    config.dns.selfcheck_interval_s = 0;
    config.mail.alerts_to = vec!["beheer@delinde.example".into()];
    let s = TestServer::start_in(dir.clone(), config.clone()).await;
    let admin = signed_in(&s, "root", Role::Admin).await;

    let page = admin.get("/check").await.text().await.unwrap();
    assert!(page.contains("No check has run yet"), "{page}");
    assert!(page.contains("delinde.example"), "{page}");

    let csrf = admin.csrf().await;
    let page = admin
        .post("/check/run", &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Checked just now"), "{page}");
    assert!(
        page.contains("Fix:"),
        "failures come with their fix: {page}"
    );
    assert!(
        !page.contains("No longer met"),
        "nothing to compare with yet"
    );
    let file = config.data_dir.join("check/delinde.example.json");
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored["domain"], "delinde.example");

    // Pretend a subtest that fails now passed at the check before.
    let mut before = stored.clone();
    let mut flipped = String::new();
    'outer: for c in before["categories"].as_array_mut().unwrap() {
        for t in c["subtests"].as_array_mut().unwrap() {
            if t["status"] == "fail" {
                flipped = t["code"].as_str().unwrap().to_string();
                t["status"] = "pass".into();
                break 'outer;
            }
        }
    }
    assert!(
        !flipped.is_empty(),
        "with no resolver something fails: {stored}"
    );
    std::fs::write(&file, serde_json::to_vec(&before).unwrap()).unwrap();

    let csrf = admin.csrf().await;
    let page = admin
        .post("/check/run", &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("No longer met since the check before"),
        "{page}"
    );
    assert!(page.contains(&flipped), "{page}");
    let queued = s
        .open_store()
        .await
        .editor
        .mail_list(None, 50)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .any(|m| m.subject.contains("delinde.example") && m.subject.contains("no longer met")),
        "{:?}",
        queued.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let ed = signed_in(&s, "ed", Role::Editor).await;
    assert_eq!(ed.get("/check").await.status(), 403);
}

/// A DMARC policy that is weakened still passes (p=quarantine is as good as p=reject to the
/// subtest); the server compares it with the one in the stored report and says so all the same.
#[tokio::test]
async fn a_weakened_dmarc_policy_is_shown_and_mailed() {
    let mut dns = testkit::DnsServer::start();
    let dmarc = "_dmarc.delinde.example";
    let rua = "rua=mailto:dmarc@delinde.example";
    dns.publish(dmarc, &[&format!("v=DMARC1; p=reject; {rua}")]);
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.dns.resolver = Some(dns.addr);
    config.dns.check_interval_s = 0;
    config.dns.selfcheck_interval_s = 0;
    config.mail.alerts_to = vec!["beheer@delinde.example".into()];
    let s = TestServer::start_in(dir.clone(), config.clone()).await;
    let admin = signed_in(&s, "root", Role::Admin).await;
    let run = || async {
        let csrf = admin.csrf().await;
        admin
            .post("/check/run", &[("csrf", csrf.as_str())])
            .await
            .text()
            .await
            .expect("the Check page")
    };
    let weakened = "DMARC policy as strict as before";
    let alerts = || async {
        s.open_store()
            .await
            .editor
            .mail_list(None, 50)
            .await
            .expect("the mail queue")
            .into_iter()
            .map(|m| m.subject)
            .filter(|s| s.contains(weakened))
            .collect::<Vec<_>>()
    };

    let page = run().await;
    assert!(!page.contains(weakened), "nothing to compare with: {page}");
    let file = config.data_dir.join("check/delinde.example.json");
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored["dmarc"]["policy"], "reject", "{}", stored["dmarc"]);

    // Reject → quarantine: both pass, and it is shown and mailed as a regression.
    dns.publish(dmarc, &[&format!("v=DMARC1; p=quarantine; {rua}")]);
    let page = run().await;
    assert!(
        page.contains("No longer met since the check before"),
        "{page}"
    );
    assert!(page.contains(weakened), "{page}");
    assert!(
        page.contains("p=reject at the check before, p=quarantine now"),
        "{page}"
    );
    assert_eq!(
        alerts().await.len(),
        1,
        "mailed, with the domain in the subject"
    );
    assert!(alerts().await[0].contains("delinde.example"));

    // The same again is no change; a lower pct is weaker again (shown; the mail waits a day).
    let page = run().await;
    assert!(!page.contains(weakened), "{page}");
    dns.publish(dmarc, &[&format!("v=DMARC1; p=quarantine; pct=25; {rua}")]);
    let page = run().await;
    assert!(
        page.contains("p=quarantine at the check before, p=quarantine; pct=25 now"),
        "{page}"
    );
    // Stricter again is no regression.
    dns.publish(dmarc, &[&format!("v=DMARC1; p=reject; {rua}")]);
    let page = run().await;
    assert!(!page.contains(weakened), "{page}");
    assert_eq!(alerts().await.len(), 1);
}

/// A hosted domain whose records point inside (loopback here; a cloud's metadata address or
/// the office network elsewhere) does not make the server connect there.
#[tokio::test]
async fn the_servers_own_check_never_connects_to_addresses_that_are_not_public() {
    let mut dns = testkit::DnsServer::start();
    dns.publish_records("delinde.example", serde_json::json!({"A": ["127.0.0.1"]}));
    dns.publish_records(
        "www.delinde.example",
        serde_json::json!({"A": ["169.254.169.254"]}),
    );
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.dns.resolver = Some(dns.addr);
    config.dns.check_interval_s = 0;
    config.dns.selfcheck_interval_s = 0;
    let s = TestServer::start_in(dir.clone(), config).await;
    let admin = signed_in(&s, "root", Role::Admin).await;
    let csrf = admin.csrf().await;
    let page = admin
        .post("/check/run", &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("points only to addresses that are not public (127.0.0.1)"),
        "{page}"
    );
    // The demo listens on loopback: had the check connected, its HTTPS subtests would have
    // found a certificate there.
    assert!(!page.contains("Stichting De Linde"), "{page}");
}
