//! The server's DNS duties against a real Knot (`testkit::knot`): DKIM keys rotated end to end
//! with the clock moved, the zone kept by the server itself, and DNSSEC checked, shown,
//! alerted and measured.

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use server::config::Config;
use server::dns_task::{self, DnsStatus};
use store::Role;
use testkit::TestServer;
use testkit::knot::KnotLab;

use crate::admin::signed_in;

fn dns_config(config: &mut Config, lab: &KnotLab, dir: &std::path::Path) {
    let key = dir.join("good.key");
    std::fs::write(&key, &lab.key_file_text).unwrap();
    let anchor = dir.join("anchor.key");
    std::fs::write(&anchor, &lab.anchor).unwrap();
    let text = format!(
        r#"
apply = "auto"
addresses = ["192.0.2.30"]
caa = ["letsencrypt.org"]
resolver = "{addr}"
trust_anchor_file = "{anchor}"
dkim_rotate_days = 30
dkim_retire_days = 7
[[zone]]
name = "good.test"
server = "{addr}"
key_file = "{key}"
authoritative = ["{addr}"]
"#,
        addr = lab.addr,
        anchor = anchor.display(),
        key = key.display()
    );
    config.dns = toml::from_str(&text).unwrap();
    let site = &mut config.sites[0];
    site.hosts = vec![
        "localhost".into(),
        "web.good.test".into(),
        "www.nods.test".into(),
    ];
    site.mail_domain = Some("good.test".into());
    assert!(!site.forms.is_empty(), "the demo site sends mail");
}

async fn txt(lab: &KnotLab, name: &str) -> Vec<String> {
    dns::wire::records(lab.addr, name, RecordType::TXT)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.value)
        .collect()
}

/// Publishes key sets `sets` of good.test on `server`, and only those: what a secondary that
/// has transferred the zone up to that point answers.
fn serve_sets(server: &mut testkit::DnsServer, keys: &mail::KeyStore, sets: &[&str]) {
    for set in sets {
        for r in keys
            .records("good.test", set)
            .expect("the key set's records")
        {
            server.publish(&r.name, &[r.value.as_str()]);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dkim_keys_rotate_end_to_end_with_the_clock_moved() {
    let lab = KnotLab::start();
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(dir.path());
    dns_config(&mut config, &lab, dir.path());
    // A second authoritative server of the zone that lags behind Knot: it answers the key sets
    // the test gives it, nothing Bolwerk publishes.
    let mut second = testkit::DnsServer::start();
    config.dns.zones[0].authoritative.push(second.addr);
    let keys = mail::KeyStore::new(server::outbox::key_dir(&config.data_dir));
    let first = keys.generate("good.test", Some("k0")).unwrap();
    serve_sets(&mut second, &keys, &[&first]);
    let metrics = server::metrics::Metrics::new();
    let status = DnsStatus::default();
    let now = store::now();
    let day = 86_400;
    let sync = |t: i64| {
        let (config, keys, status, metrics) = (&config, &keys, &status, &metrics);
        async move { dns_task::sync_once(config, keys, t, true, status, metrics, None).await }
    };
    let k0_published = || async {
        !txt(&lab, "k0-rsa._domainkey.good.test").await.is_empty()
            && !txt(&lab, "k0-ed25519._domainkey.good.test")
                .await
                .is_empty()
    };

    // Day 0: the signing key is published; nothing to rotate.
    sync(now).await;
    assert!(txt(&lab, "k0-rsa._domainkey.good.test").await[0].starts_with("v=DKIM1; k=rsa"));
    assert_eq!(keys.state("good.test").unwrap().next, None);
    let st = status.get();
    assert!(st.zones[0].error.is_none(), "{:?}", st.zones[0].error);

    // Day 31: a next key set is made and published in the same sync; k0 still signs.
    sync(now + 31 * day).await;
    let s = keys.state("good.test").unwrap();
    let next = s.next.clone().expect("a next key set");
    assert_eq!(s.active.as_deref(), Some(first.as_str()));
    let next_rsa = format!("{next}-rsa._domainkey.good.test");
    assert!(
        txt(&lab, &next_rsa).await[0].starts_with("v=DKIM1"),
        "published before use"
    );
    assert!(
        status
            .get()
            .rotation
            .iter()
            .any(|(_, w)| w.contains("made key set"))
    );

    // Knot answers the next key set, the second server does not yet: it does not sign, however
    // often the server looks, for a receiver asking the second server could not check it.
    for t in [60, 120, day] {
        sync(now + 31 * day + t).await;
        let s = keys.state("good.test").unwrap();
        assert_eq!(s.active.as_deref(), Some(first.as_str()), "held at +{t} s");
        assert_eq!(s.next.as_deref(), Some(next.as_str()));
        assert!(s.retired.is_empty(), "{s:?}");
        assert_eq!(keys.signer("good.test").unwrap().unwrap().set(), first);
    }
    assert!(
        !txt(&lab, &next_rsa).await.is_empty(),
        "Knot answers the next key set"
    );
    // Why it waits is kept for the DNS page, naming the server that does not answer yet.
    let waiting = status.get().rotation_waiting;
    assert!(
        waiting.len() == 1
            && waiting[0].contains(&format!("key set {next} waits"))
            && waiting[0].contains(&second.addr.to_string()),
        "{waiting:?}"
    );

    // The second server catches up: the next sync sees the key set on every authoritative
    // server; it signs, k0 is retired but stays published for mail in transit.
    serve_sets(&mut second, &keys, &[&first, &next]);
    let switch = now + 32 * day + 60;
    sync(switch).await;
    let s = keys.state("good.test").unwrap();
    assert_eq!(s.active.as_deref(), Some(next.as_str()));
    assert_eq!(s.retired, vec![first.clone()]);
    assert!(k0_published().await);
    let signer = keys.signer("good.test").unwrap().unwrap();
    assert_eq!(signer.set(), next);

    // Every day of the week after the switch, up to its last second, the retired key set
    // stays in the zone: mail signed with it just before the switch can still be checked.
    for t in (1..7)
        .map(|d| switch + d * day)
        .chain([switch + 7 * day - 1])
    {
        sync(t).await;
        let s = keys.state("good.test").unwrap();
        assert_eq!(
            s.retired,
            vec![first.clone()],
            "kept at {} s after the switch",
            t - switch
        );
        assert!(
            k0_published().await,
            "published at {} s after the switch",
            t - switch
        );
    }

    // A week after the switch the retired key set is deleted, and its records leave the zone.
    sync(switch + 7 * day).await;
    let s = keys.state("good.test").unwrap();
    assert!(s.retired.is_empty(), "{s:?}");
    assert!(txt(&lab, "k0-rsa._domainkey.good.test").await.is_empty());
    assert!(
        txt(&lab, "k0-ed25519._domainkey.good.test")
            .await
            .is_empty()
    );
    assert!(!txt(&lab, &next_rsa).await.is_empty());
    assert!(txt(&lab, "operator.good.test").await[0].contains("by hand"));
    let steps: Vec<String> = status.get().rotation.into_iter().map(|(_, w)| w).collect();
    assert_eq!(steps.len(), 3, "{steps:#?}");
    assert!(steps[1].contains("signs from now on"), "{steps:#?}");
    assert!(steps[2].contains("deleted"), "{steps:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_keeps_the_zone_checks_dnssec_and_shows_both() {
    let lab = KnotLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    dns_config(&mut config, &lab, dir.path());
    config.dns.sync_interval_s = 10;
    config.sites[0].hosts.push("www.good.test".into());
    config.mail.alerts_to = vec!["beheer@good.test".into()];
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    let s = TestServer::start_in(dir.clone(), config.clone()).await;
    let admin = signed_in(&s, "root", Role::Admin).await;

    // www.good.test already has an address nobody told Bolwerk about: the server's own sync
    // does not take it over; it shows why and waits for an operator who read the plan.
    let start = std::time::Instant::now();
    loop {
        let page = admin.get("/dns").await.text().await.unwrap();
        if page.contains("replaces records Bolwerk did not publish") {
            assert!(page.contains("www.good.test 60 A 192.0.2.10"), "{page}");
            break;
        }
        assert!(start.elapsed().as_secs() < 20, "no first sync: {page}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        lab.dig(&["+short", "www.good.test", "A"])
            .contains("192.0.2.10"),
        "untouched"
    );
    // What `bolwerk dns apply` does once the operator has read the plan.
    let keys = mail::KeyStore::new(server::outbox::key_dir(&config.data_dir));
    let (plans, _) = server::dns_sync::plan(&config, &keys).await.unwrap();
    let done = server::dns_sync::apply(&config, &plans, true)
        .await
        .unwrap();
    assert!(done[0].error.is_none(), "{:?}", done[0].error);
    assert!(
        lab.dig(&["+short", "www.good.test", "A"])
            .contains("192.0.2.30")
    );
    assert!(
        lab.dig(&["+short", "good.test", "CAA"])
            .contains("letsencrypt.org")
    );

    // From then on the server keeps the zone itself.
    let csrf = admin.csrf().await;
    admin.post("/dns/sync", &[("csrf", csrf.as_str())]).await;
    let page = admin.get("/dns").await.text().await.unwrap();
    assert!(page.contains("good.test"), "{page}");
    assert!(page.contains("In sync"), "{page}");
    assert!(
        page.contains("www.nods.test 3600 A 192.0.2.30"),
        "unmanaged: {page}"
    );

    // DNSSEC, checked now: good.test is secure, nods.test is signed without a DS.
    let csrf = admin.csrf().await;
    let page = admin
        .post("/dns/check", &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("DNSSEC checked just now"), "{page}");
    assert!(page.contains("web.good.test"), "{page}");
    assert!(page.contains("not signed"), "{page}");
    assert!(page.contains("no-ds"), "{page}");
    assert!(page.contains("publish the DS of KSK"), "{page}");
    assert!(
        !page.contains("second-opinion"),
        "hickory's validating resolver agrees with the walk on every name: {page}"
    );

    // Measured, and the operator was alerted by mail.
    let metrics = reqwest::get(s.metrics_url().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("bolwerk_dnssec_secure{domain=\"web.good.test\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bolwerk_dnssec_secure{domain=\"www.nods.test\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bolwerk_dns_pending_changes{zone=\"good.test\"} 0"),
        "{metrics}"
    );
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
            .any(|m| m.subject.contains("DNSSEC of www.nods.test: no-ds")),
        "{:?}",
        queued.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // Someone changes one of Bolwerk's records by hand: the next sync puts it back, says so
    // on the page, and mails the operator.
    let k = dns::key::parse(&lab.key_file_text).unwrap();
    let key = dns::TsigKey {
        name: lab.key_name.clone(),
        algorithm: dns::wire::algorithm("hmac-sha256").unwrap(),
        secret: k.secret,
    };
    let change = |op, value: &str| dns::Change {
        op,
        rec: dns::Rec::new("web.good.test", dns::Kind::A, 3600, value),
        why: String::new(),
    };
    dns::wire::update(
        lab.addr,
        "good.test",
        &[
            change(dns::Op::Delete, "192.0.2.30"),
            change(dns::Op::Add, "203.0.113.9"),
        ],
        &key,
    )
    .await
    .unwrap();
    let csrf = admin.csrf().await;
    let page = admin
        .post("/dns/sync", &[("csrf", csrf.as_str())])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("changed by someone else"), "{page}");
    let now = lab.dig(&["+short", "web.good.test", "A"]);
    assert!(
        now.contains("192.0.2.30") && !now.contains("203.0.113.9"),
        "{now}"
    );
    let queued = s
        .open_store()
        .await
        .editor
        .mail_list(None, 50)
        .await
        .unwrap();
    assert!(
        queued.iter().any(|m| m
            .subject
            .contains("records in good.test changed by someone else")),
        "{:?}",
        queued.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // An editor may not see or use it.
    let ed = signed_in(&s, "ed", Role::Editor).await;
    assert_eq!(ed.get("/dns").await.status(), 403);
}
