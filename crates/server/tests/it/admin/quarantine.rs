//! Stored files scanned again when clamd's signatures change: a file a new signature matches
//! is quarantined (404 to visitors, moved aside, recorded, mailed) until an administrator
//! deletes or releases it; files stored while clamd was down are scanned once it is back.

use std::sync::Arc;
use std::time::Duration;

use store::Role;
use testkit::TestServer;
use testkit::clamd::{ClamdLab, EICAR, STREAM_MAX};

use super::media::PNG;
use super::signed_in;

/// Text no signature knows at upload time; the "new" signature of the test detects it.
const LATER: &str = "BOLWERK-SIGNATURE-ONLY-TOMORROW-41c9";

fn config_for(dir: &std::path::Path, socket: &std::path::Path) -> server::config::Config {
    let mut config = testkit::test_config(dir);
    config.antivirus.address = Some(socket.display().to_string());
    config.antivirus.max_stream_bytes = STREAM_MAX;
    config.antivirus.check_interval_s = 10;
    config.antivirus.rescan_per_minute = 60_000;
    config.admin.max_upload_bytes = usize::try_from(STREAM_MAX).unwrap();
    config.mail.alerts_to = vec!["beheer@delinde.example".into()];
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    config
}

/// Waits up to a minute (the server checks clamd every 10 s here) for `check`.
async fn within_a_minute<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within a minute: {what}");
}

async fn status_of(s: &TestServer, name: &str) -> u16 {
    s.get(&format!("/media/{name}")).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_signature_quarantines_stored_files_until_an_admin_decides() {
    let lab = ClamdLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let s = TestServer::start_in(dir.clone(), config_for(dir.path(), &lab.socket)).await;
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let csrf = b.csrf().await;
    let url = format!("/media/upload?csrf={csrf}&site=demo");
    for (name, bytes) in [
        ("logo.png", PNG.to_vec()),
        ("flyer.pdf", format!("%PDF-1.7\n% {LATER}\n").into_bytes()),
        (
            "poster.pdf",
            format!("%PDF-1.4\n% {LATER} too\n").into_bytes(),
        ),
    ] {
        assert_eq!(b.upload(&url, name, bytes).await.status(), 303, "{name}");
    }
    let store = s.open_store().await;
    let files = store.editor.media(1).await.unwrap();
    let name_of = |original: &str| {
        files
            .iter()
            .find(|m| m.original_name == original)
            .unwrap()
            .stored_name
            .clone()
    };
    let (logo, flyer, poster) = (
        name_of("logo.png"),
        name_of("flyer.pdf"),
        name_of("poster.pdf"),
    );
    for n in [&logo, &flyer, &poster] {
        assert_eq!(status_of(&s, n).await, 200, "served at first");
    }
    let before = store.editor.scan_counts(None).await.unwrap();
    assert_eq!((before.served, before.unscanned), (3, 0));

    // freshclam brings a daily database with a signature for the text; clamd reloads.
    lab.publish_daily(101, &[("Bolwerk.Test.Later", LATER)]);
    let clamd = av::Clamd {
        address: av::Address::Unix(lab.socket.clone()),
        timeout: Duration::from_secs(10),
        max_stream: STREAM_MAX,
    };
    clamd.reload().await.unwrap();
    within_a_minute("clamd runs daily 101", || async {
        clamd
            .version()
            .await
            .is_ok_and(|v| v.signatures == Some(101))
    })
    .await;

    // The server notices the new version on its own and scans everything again.
    within_a_minute("both PDFs quarantined", || async {
        status_of(&s, &flyer).await == 404 && status_of(&s, &poster).await == 404
    })
    .await;
    assert_eq!(status_of(&s, &logo).await, 200, "the clean image stays");
    // A cache that asks again by entity tag gets a 404 too, not a 304.
    let revalidated = s
        .client
        .get(format!("{}/media/{flyer}", s.http_url))
        .header("if-none-match", format!("\"{flyer}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 404);
    within_a_minute("every served file scanned with 101", || async {
        let key = clamd.version().await.unwrap().key();
        let signatures = store::Signatures {
            key: &key,
            daily: Some(101),
        };
        let c = store.editor.scan_counts(Some(signatures)).await.unwrap();
        c.outdated == 0 && c.unscanned == 0 && c.quarantined == 2
    })
    .await;
    // Moved out of the media directory, kept aside.
    let media = dir.path().join("media");
    let aside = dir.path().join("quarantine");
    assert!(!media.join(&flyer).exists() && aside.join(&flyer).is_file());
    // Recorded, audited, mailed, measured.
    assert_eq!(
        store
            .recorder
            .count_security_events("virus", 0)
            .await
            .unwrap(),
        2
    );
    let audit = store.recorder.recent_audit(20).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "media.quarantine" && a.detail.contains("Bolwerk.Test.Later"))
            .count(),
        2
    );
    let subjects: Vec<String> = store
        .editor
        .mail_list(None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("quarantined: Bolwerk.Test.Later")),
        "{subjects:?}"
    );
    let metrics = reqwest::get(s.metrics_url().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("bolwerk_av_up 1"), "{metrics}");
    assert!(
        metrics.contains("bolwerk_av_files{state=\"quarantined\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bolwerk_av_scans_total{result=\"infected\"} 2"),
        "{metrics}"
    );

    // The admin sees them apart, with what was found, and the dashboard says so.
    let (_, page) = b.get_text("/media?site=demo").await;
    assert!(page.contains("Quarantined"), "{page}");
    assert!(page.contains("Bolwerk.Test.Later"), "{page}");
    assert!(page.contains("Release: a false alarm"), "{page}");
    let (_, dash) = b.get_text("/").await;
    assert!(dash.contains("2 stored files are quarantined"), "{dash}");
    // An editor sees them too, but cannot release.
    let ed = signed_in(&s, "piet", Role::Editor).await;
    let (_, ed_page) = ed.get_text("/media?site=demo").await;
    assert!(ed_page.contains("Bolwerk.Test.Later") && !ed_page.contains("Release: a false alarm"));
    let id_of = |n: &str| {
        files
            .iter()
            .find(|m| m.stored_name == n)
            .unwrap()
            .id
            .to_string()
    };
    let ed_csrf = ed.csrf().await;
    let res = ed
        .post(
            "/media/release",
            &[("csrf", &ed_csrf), ("site", "demo"), ("id", &id_of(&flyer))],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Nor delete the evidence.
    let res = ed
        .post(
            "/media/delete",
            &[
                ("csrf", &ed_csrf),
                ("site", "demo"),
                ("id", &id_of(&poster)),
            ],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert!(aside.join(&poster).is_file());

    // Released: served again, and a rescan with the same signature leaves it so.
    let csrf = b.csrf().await;
    let res = b
        .post(
            "/media/release",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id_of(&flyer))],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&s, &flyer).await, 200);
    assert!(media.join(&flyer).is_file() && !aside.join(&flyer).exists());
    let res = b
        .post(&format!("/media/rescan?csrf={csrf}&site=demo"), &[])
        .await;
    assert_eq!(res.status(), 303);
    // The asked-for rescan finds the signature in the released flyer again (a third
    // "infected" scan), and leaves it served.
    let metrics_url = s.metrics_url().unwrap();
    within_a_minute("the asked-for rescan ran", || async {
        reqwest::get(&metrics_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("bolwerk_av_scans_total{result=\"infected\"} 3")
    })
    .await;
    assert_eq!(
        status_of(&s, &flyer).await,
        200,
        "a released file stays served"
    );
    assert_eq!(
        store.editor.scan_counts(None).await.unwrap().quarantined,
        1,
        "only the poster"
    );

    // Deleted for good: gone from the quarantine too.
    let res = b
        .post(
            "/media/delete",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id_of(&poster))],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(!aside.join(&poster).exists() && !media.join(&poster).exists());
    assert_eq!(status_of(&s, &poster).await, 404);
    let audit = store.recorder.recent_audit(3).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "media.delete" && a.detail.contains("quarantined")),
        "{audit:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_stored_while_clamd_was_down_are_scanned_when_it_is_back() {
    let mut lab = ClamdLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = config_for(dir.path(), &lab.socket);
    config.antivirus.on_unavailable = av::config::OnUnavailable::Accept;
    let s = TestServer::start_in(dir.clone(), config).await;
    lab.stop();
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let csrf = b.csrf().await;
    let url = format!("/media/upload?csrf={csrf}&site=demo");
    assert_eq!(b.upload(&url, "logo.png", PNG.to_vec()).await.status(), 303);
    let pdf = [b"%PDF-1.7\n% ".as_slice(), EICAR, b"\n"].concat();
    assert_eq!(b.upload(&url, "virus.pdf", pdf).await.status(), 303);
    let store = s.open_store().await;
    assert_eq!(store.editor.unscanned_media().await.unwrap().len(), 2);
    let virus = store.editor.media(1).await.unwrap()[0].stored_name.clone();
    assert_eq!(status_of(&s, &virus).await, 200, "accepted unscanned");
    // The dashboard says the scanner is down.
    within_a_minute("the dashboard says clamd is down", || async {
        b.get_text("/")
            .await
            .1
            .contains("The virus scanner cannot be reached")
    })
    .await;

    lab.restart();
    within_a_minute("the unscanned files were scanned", || async {
        store.editor.unscanned_media().await.unwrap().is_empty()
    })
    .await;
    assert_eq!(status_of(&s, &virus).await, 404, "EICAR quarantined");
    assert_eq!(store.editor.scan_counts(None).await.unwrap().quarantined, 1);
    assert!(!b.get_text("/").await.1.contains("cannot be reached"));
}
