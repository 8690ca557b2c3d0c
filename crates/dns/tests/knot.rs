//! Against a real Knot serving a signed test hierarchy (`testkit::knot`): TSIG-signed updates
//! change only Bolwerk's records, wrong keys are refused in words, and the DNSSEC chain walk
//! names each broken link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use dns::chain::{Severity, Status, Walker};
use dns::plan::{self, Op, Share, Slot, Want};
use dns::record::{Kind, Rec};
use dns::wire::{self, TsigKey};
use hickory_proto::rr::RecordType;
use testkit::knot::KnotLab;

fn key(text: &str, name: &str) -> TsigKey {
    let k = dns::key::parse(text).unwrap();
    TsigKey {
        name: name.into(),
        algorithm: wire::algorithm("hmac-sha256").unwrap(),
        secret: k.secret,
    }
}

fn want(name: &str, kind: Kind, value: &str) -> Want {
    Want {
        rec: Rec::new(name, kind, 300, value),
        why: "test".into(),
    }
}

async fn current(lab: &KnotLab, slots: &[Slot]) -> Vec<Rec> {
    let mut out = Vec::new();
    for s in slots {
        out.extend(
            wire::records(lab.addr, &s.name, s.kind.record_type())
                .await
                .unwrap(),
        );
    }
    out
}

async fn plan_for(lab: &KnotLab, wanted: &[Want], before: &[Slot]) -> dns::Plan {
    let mut slots: Vec<Slot> = plan::slots_of(wanted).into_iter().collect();
    slots.extend(before.iter().cloned());
    plan::plan("good.test", wanted, before, &current(lab, &slots).await)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_change_only_bolwerks_records_and_wrong_keys_are_refused() {
    let lab = KnotLab::start();
    let good = key(&lab.key_file_text, &lab.key_name);
    let dkim = format!("v=DKIM1; k=rsa; p={}", "M".repeat(392));
    let wanted = vec![
        want("www.good.test", Kind::A, "192.0.2.20"),
        want("www.good.test", Kind::Aaaa, "2001:db8::20"),
        want("good.test", Kind::Txt, "v=spf1 a:www.good.test -all"),
        want("_dmarc.good.test", Kind::Txt, "v=DMARC1; p=reject"),
        want("2026-12-rsa._domainkey.good.test", Kind::Txt, &dkim),
        want("good.test", Kind::Caa, "0 issue \"letsencrypt.org\""),
    ];
    let p = plan_for(&lab, &wanted, &[]).await;
    let shown: Vec<String> = p.changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown
            .iter()
            .filter(|s| s.starts_with('-'))
            .collect::<Vec<_>>(),
        vec!["- www.good.test 60 A 192.0.2.10"],
        "only the old address of the site host goes: {shown:#?}"
    );
    assert_eq!(p.changes.len(), 7, "{shown:#?}");

    // A wrong secret under the right name, an unknown key, a zone without an update ACL:
    // each refused with words that say what to fix, and nothing changes.
    let wrong = key(&lab.wrong_key_file_text, &lab.key_name);
    let e = wire::update(lab.addr, "good.test", &p.changes, &wrong)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("BADSIG") && e.contains("secret differs"), "{e}");
    let e = wire::update(
        lab.addr,
        "good.test",
        &p.changes,
        &key(&lab.key_file_text, "other-key"),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("BADKEY") && e.contains("does not know key other-key"),
        "{e}"
    );
    let nods = vec![dns::Change {
        op: Op::Add,
        rec: Rec::new("x.nods.test", Kind::A, 60, "192.0.2.9"),
        why: String::new(),
    }];
    let e = wire::update(lab.addr, "nods.test", &nods, &good)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("refused the update of nods.test"), "{e}");
    let e = wire::update(lab.addr, "good.test", &nods, &good)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("not inside the zone good.test"), "{e}");
    assert_eq!(
        plan_for(&lab, &wanted, &[]).await.changes.len(),
        7,
        "nothing was changed"
    );

    // The right key: everything lands, the plan is empty afterwards.
    wire::update(lab.addr, "good.test", &p.changes, &good)
        .await
        .unwrap();
    let again = plan_for(&lab, &wanted, &[]).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
    assert_eq!(again.unchanged.len(), 6);
    let found = wire::records(
        lab.addr,
        "2026-12-rsa._domainkey.good.test",
        RecordType::TXT,
    )
    .await
    .unwrap();
    assert_eq!(
        found[0].value, dkim,
        "a key longer than 255 bytes arrives whole"
    );

    // The operator's records were never touched.
    assert!(
        lab.dig(&["+short", "operator.good.test", "TXT"])
            .contains("added by the operator by hand")
    );
    assert!(
        lab.dig(&["+short", "good.test", "A"])
            .contains("192.0.2.10")
    );

    // The operator adds a TXT record at the apex: it stays. A second SPF record is removed.
    let op_key = good.clone();
    wire::update(
        lab.addr,
        "good.test",
        &[
            dns::Change {
                op: Op::Add,
                rec: Rec::new("good.test", Kind::Txt, 300, "site-verification=abc"),
                why: String::new(),
            },
            dns::Change {
                op: Op::Add,
                // Cut into two strings where Bolwerk would not cut it: the delete must still
                // name these exact bytes.
                rec: Rec {
                    raw: dns::record::Raw(Some(hickory_proto::rr::RData::TXT(
                        hickory_proto::rr::rdata::TXT::new(vec![
                            "v=spf1 include:someone.else ".into(),
                            "-all".into(),
                        ]),
                    ))),
                    ..Rec::new(
                        "good.test",
                        Kind::Txt,
                        300,
                        "v=spf1 include:someone.else -all",
                    )
                },
                why: String::new(),
            },
        ],
        &op_key,
    )
    .await
    .unwrap();
    let p = plan_for(&lab, &wanted, &[]).await;
    assert_eq!(p.changes.len(), 1, "{:#?}", p.changes);
    assert_eq!(p.changes[0].op, Op::Delete);
    assert!(p.changes[0].rec.value.contains("someone.else"));
    assert!(p.foreign.iter().any(|r| r.value == "site-verification=abc"));
    wire::update(lab.addr, "good.test", &p.changes, &good)
        .await
        .unwrap();
    let spf = lab.dig(&["+short", "good.test", "TXT"]);
    assert_eq!(
        spf.matches("v=spf1").count(),
        1,
        "exactly one SPF record left: {spf}"
    );

    // A DKIM key Bolwerk no longer wants is removed; the rest stays.
    let before = vec![Slot {
        name: "2026-12-rsa._domainkey.good.test".into(),
        kind: Kind::Txt,
        share: Share::All,
    }];
    let fewer: Vec<Want> = wanted
        .iter()
        .filter(|w| !w.rec.name.contains("_domainkey"))
        .cloned()
        .collect();
    let p = plan_for(&lab, &fewer, &before).await;
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].op, Op::Delete);
    wire::update(lab.addr, "good.test", &p.changes, &good)
        .await
        .unwrap();
    assert!(
        wire::records(
            lab.addr,
            "2026-12-rsa._domainkey.good.test",
            RecordType::TXT
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(
        lab.dig(&["+short", "good.test", "TXT"])
            .contains("site-verification=abc")
    );

    // Without `authoritative`, Bolwerk waits for every name server of the zone: the primary and
    // ns.test (its address from the primary, port 53).
    let zone = dns::config::ZoneConfig {
        name: "good.test".into(),
        server: lab.addr,
        key_file: "/nonexistent".into(),
        key_name: None,
        algorithm: None,
        authoritative: vec![],
    };
    assert_eq!(
        zone.waits_for(None).await.unwrap(),
        vec![lab.addr, "127.0.0.1:53".parse().unwrap()]
    );
    let pinned = dns::config::ZoneConfig {
        authoritative: vec![lab.addr],
        ..zone.clone()
    };
    assert_eq!(pinned.waits_for(None).await.unwrap(), vec![lab.addr]);

    // What Bolwerk published is signed by Knot at once: the chain to it holds.
    let walker = Walker {
        upstream: lab.addr,
        anchors: Arc::new(dns::chain::anchors(Some(&lab.anchor)).unwrap()),
        now: now(),
        warn_within_s: 3600,
    };
    let r = walker
        .walk(
            "good.test",
            &[
                ("www.good.test".into(), RecordType::A),
                ("_dmarc.good.test".into(), RecordType::TXT),
            ],
        )
        .await;
    assert_eq!(r.status, Status::Secure, "{:#?}", r.findings);
    assert!(
        r.checked.contains(&"www.good.test A".to_string()),
        "{:?}",
        r.checked
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_walk_names_each_broken_link() {
    let lab = KnotLab::start();
    let anchors = Arc::new(dns::chain::anchors(Some(&lab.anchor)).unwrap());
    let walker = Walker {
        upstream: lab.addr,
        anchors: anchors.clone(),
        now: now(),
        warn_within_s: 86_400,
    };
    let www = |d: &str| vec![(format!("www.{d}"), RecordType::A)];

    let r = walker.walk("good.test", &www("good.test")).await;
    assert_eq!(r.status, Status::Secure, "{r:#?}");
    assert_eq!(
        r.chain.iter().map(|z| z.zone.as_str()).collect::<Vec<_>>(),
        vec![".", "test", "good.test"]
    );
    assert!(
        r.at_least(Severity::Warning).next().is_none(),
        "{:#?}",
        r.findings
    );
    assert!(r.earliest_expiry.unwrap() > now() + 86_400);

    // Signatures that last 600 s: secure now, with a warning that they run out.
    let r = walker.walk("short.test", &www("short.test")).await;
    assert_eq!(r.status, Status::Secure, "{r:#?}");
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "expiring")
        .expect("expiring");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.text.contains("runs out at"), "{}", f.text);

    // The same signatures judged an hour later: expired, said so.
    let later = Walker {
        now: now() + 3600,
        ..walker.clone()
    };
    let r = later.walk("short.test", &www("short.test")).await;
    assert_eq!(r.status, Status::Bogus, "{r:#?}");
    let f = &r.findings[0];
    assert_eq!(f.code, "expired", "{:#?}", r.findings);
    assert!(
        f.text.contains("expired at") && f.text.contains("short.test"),
        "{}",
        f.text
    );

    // Signed, but no DS at the parent (proved by test.'s NSEC3 opt-out).
    let r = walker.walk("nods.test", &www("nods.test")).await;
    assert_eq!(r.status, Status::Insecure, "{r:#?}");
    assert_eq!(r.findings[0].code, "no-ds");
    assert!(
        r.findings[0].text.contains("publish the DS of KSK"),
        "{}",
        r.findings[0].text
    );

    // Not signed at all.
    let r = walker.walk("unsigned.test", &[]).await;
    assert_eq!(r.status, Status::Insecure, "{r:#?}");
    assert_eq!(r.findings[0].code, "unsigned");
    assert!(r.findings[0].text.contains("is not signed"));

    // A DS for a key the zone does not have.
    let r = walker.walk("wrongds.test", &www("wrongds.test")).await;
    assert_eq!(r.status, Status::Bogus, "{r:#?}");
    assert_eq!(r.findings[0].code, "ds-mismatch");
    assert!(
        r.findings[0]
            .text
            .contains("matches no key of wrongds.test"),
        "{}",
        r.findings[0].text
    );

    // A trust anchor that is not this root's.
    let foreign = Walker {
        anchors: Arc::new(dns::chain::anchors(None).unwrap()),
        ..walker.clone()
    };
    let r = foreign.walk("good.test", &[]).await;
    assert_eq!(r.status, Status::Bogus);
    assert_eq!(r.findings[0].code, "no-anchor");

    // A name that does not exist.
    let r = walker.walk("nothere.test", &[]).await;
    assert_eq!(r.status, Status::Unknown);
    assert!(
        r.findings[0].text.contains("does not exist"),
        "{:#?}",
        r.findings
    );
}

/// The walk and a validating resolver (hickory) agree on every zone of the lab.
#[tokio::test(flavor = "multi_thread")]
async fn the_walk_agrees_with_a_validating_resolver() {
    let lab = KnotLab::start();
    let anchors = Arc::new(dns::chain::anchors(Some(&lab.anchor)).unwrap());
    let walker = Walker {
        upstream: lab.addr,
        anchors: anchors.clone(),
        now: now(),
        warn_within_s: 0,
    };
    for (zone, expected) in [
        ("good.test", Status::Secure),
        ("short.test", Status::Secure),
        ("nods.test", Status::Insecure),
        ("unsigned.test", Status::Insecure),
        ("wrongds.test", Status::Bogus),
    ] {
        let www = format!("www.{zone}");
        let walked = walker.walk(zone, &[(www.clone(), RecordType::A)]).await;
        let resolved =
            dns::chain::resolver_verdict(lab.addr, anchors.clone(), &www, RecordType::A).await;
        assert_eq!(
            walked.status, expected,
            "walk of {zone}: {:#?}",
            walked.findings
        );
        assert_eq!(resolved, expected, "hickory on {www}");
    }
}

/// The Knot config in `dist/knot/knot.conf` (what docs/dns.md tells operators to use) runs as
/// written, with only its paths, port and zone changed: it signs the zone, takes Bolwerk's
/// updates, and refuses from Bolwerk's key the types Bolwerk never publishes.
#[tokio::test(flavor = "multi_thread")]
async fn the_documented_knot_config_signs_and_takes_bolwerks_updates_only() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["run", "db"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let key_text = Command::new("/usr/sbin/keymgr")
        .args(["-t", "bolwerk", "hmac-sha256"])
        .output()
        .unwrap()
        .stdout;
    std::fs::write(d.join("bolwerk.key"), &key_text).unwrap();
    let port = testkit::free_port();
    let conf = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../dist/knot/knot.conf"
    ))
    .unwrap()
    .replace("    user: knot:knot\n", "")
    .replace("/run/knot", &d.join("run").display().to_string())
    .replace("/var/lib/knot", &d.join("db").display().to_string())
    .replace("[ 0.0.0.0@53, ::@53 ]", &format!("127.0.0.1@{port}"))
    .replace(
        "/etc/knot/bolwerk.key",
        &d.join("bolwerk.key").display().to_string(),
    )
    .replace("9.9.9.9@53", "127.0.0.1@9")
    .replace(
        "target: syslog",
        &format!("target: {}", d.join("knotd.log").display()),
    )
    .replace("domain: bakkerijjansen.nl", "domain: shop.example");
    assert!(
        conf.contains(&format!("127.0.0.1@{port}")),
        "the listen line moved: {conf}"
    );
    std::fs::write(d.join("knot.conf"), &conf).unwrap();
    std::fs::write(
        d.join("db/shop.example.zone"),
        "$TTL 60\n@ SOA ns hostmaster 1 60 60 3600 60\n@ NS ns\nns A 192.0.2.53\n@ MX 10 mail.provider.example.\n",
    )
    .unwrap();
    let mut knotd = Command::new("/usr/sbin/knotd")
        .arg("-c")
        .arg(d.join("knot.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Stop<'a>(&'a mut std::process::Child);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _stop = Stop(&mut knotd);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let name = hickory_proto::rr::Name::from_ascii("shop.example.").unwrap();
    let start = std::time::Instant::now();
    loop {
        let signed = wire::query(addr, &name, RecordType::DNSKEY, true)
            .await
            .map(|m| {
                m.answers
                    .iter()
                    .any(|r| r.record_type() == RecordType::RRSIG)
            })
            .unwrap_or(false);
        if signed {
            break;
        }
        assert!(
            start.elapsed().as_secs() < 20,
            "the zone was not signed: {}",
            std::fs::read_to_string(d.join("knotd.log")).unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let m = wire::query(addr, &name, RecordType::NSEC3PARAM, true)
        .await
        .unwrap();
    assert!(
        m.answers
            .iter()
            .any(|r| r.record_type() == RecordType::NSEC3PARAM),
        "NSEC3 as documented"
    );

    let k = key(&String::from_utf8(key_text).unwrap(), "bolwerk");
    let changes: Vec<dns::Change> = [
        Rec::new("www.shop.example", Kind::A, 300, "192.0.2.10"),
        Rec::new("www.shop.example", Kind::Aaaa, 300, "2001:db8::10"),
        Rec::new(
            "shop.example",
            Kind::Txt,
            300,
            "v=spf1 a:www.shop.example -all",
        ),
        Rec::new(
            "shop.example",
            Kind::Caa,
            300,
            "0 issue \"letsencrypt.org\"",
        ),
    ]
    .into_iter()
    .map(|rec| dns::Change {
        op: Op::Add,
        rec,
        why: String::new(),
    })
    .collect();
    wire::update(addr, "shop.example", &changes, &k)
        .await
        .unwrap();
    assert_eq!(
        wire::records(addr, "www.shop.example", RecordType::A)
            .await
            .unwrap()[0]
            .value,
        "192.0.2.10"
    );

    // The same key may not touch the operator's MX (the ACL's update-type): knsupdate sends it.
    let kf = dns::key::parse(&std::fs::read_to_string(d.join("bolwerk.key")).unwrap()).unwrap();
    let secret = base64_of(&kf.secret);
    let out = Command::new("knsupdate")
        .arg("-y")
        .arg(format!("hmac-sha256:bolwerk:{secret}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(
                format!("server 127.0.0.1 {port}\nzone shop.example.\nupdate delete shop.example. MX\nsend\n").as_bytes(),
            )?;
            c.wait_with_output()
        })
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Knot answers a change its ACL does not allow as it answers an unknown key: BADKEY.
    assert!(said.contains("status: BADKEY"), "{said}");
    let mx = wire::query(addr, &name, RecordType::MX, false)
        .await
        .unwrap();
    assert!(
        mx.answers.iter().any(|r| r.record_type() == RecordType::MX),
        "the MX stays"
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
