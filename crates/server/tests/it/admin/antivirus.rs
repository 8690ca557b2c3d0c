//! Every upload goes through a real clamd (`testkit::clamd`) before it is stored.

use std::sync::Arc;

use store::Role;
use testkit::TestServer;
use testkit::clamd::{ClamdLab, EICAR, MARKER, STREAM_MAX};

use super::media::PNG;
use super::signed_in;

#[tokio::test(flavor = "multi_thread")]
async fn uploads_are_scanned_before_they_are_stored() {
    let mut lab = ClamdLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(lab.socket.display().to_string());
    config.antivirus.max_stream_bytes = STREAM_MAX;
    config.admin.max_upload_bytes = usize::try_from(STREAM_MAX).unwrap();
    config.mail.alerts_to = vec!["beheer@delinde.example".into()];
    let s = TestServer::start_in(dir.clone(), config).await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let url = format!("/media/upload?csrf={csrf}&site=demo");
    let store = s.open_store().await;

    // A clean image is stored.
    assert_eq!(b.upload(&url, "logo.png", PNG.to_vec()).await.status(), 303);
    assert_eq!(store.editor.media(1).await.unwrap().len(), 1);
    assert!(
        store.editor.unscanned_media().await.unwrap().is_empty(),
        "scanned"
    );

    // An image carrying the EICAR test virus, and a PDF with our own test signature: refused
    // with the signature's name, not stored, recorded, and mailed to the operator.
    for (name, bytes) in [
        ("holiday.png", [PNG, EICAR].concat()),
        ("flyer.pdf", format!("%PDF-1.7\n% {MARKER}\n").into_bytes()),
    ] {
        let res = b.upload(&url, name, bytes).await;
        assert_eq!(res.status(), 400, "{name}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("the virus scanner found Bolwerk.Test."),
            "{page}"
        );
    }
    assert_eq!(
        store.editor.media(1).await.unwrap().len(),
        1,
        "nothing more stored"
    );
    assert_eq!(
        store
            .recorder
            .count_security_events("virus", 0)
            .await
            .unwrap(),
        2
    );
    let queued = store.editor.mail_list(None, 50).await.unwrap();
    assert!(
        queued
            .iter()
            .any(|m| m.subject.contains("virus in an upload to demo refused")),
        "{:?}",
        queued.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // clamd down: refused, saying so; nothing stored unscanned.
    lab.stop();
    let res = b.upload(&url, "logo2.png", PNG.to_vec()).await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("virus scanner") && page.contains("cannot be reached"),
        "{page}"
    );
    assert_eq!(store.editor.media(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn with_accept_an_upload_waits_for_no_scanner_but_is_marked_unscanned() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(dir.path().join("no-clamd.sock").display().to_string());
    config.antivirus.on_unavailable = av::config::OnUnavailable::Accept;
    let s = TestServer::start_in(dir.clone(), config).await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "logo.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let store = s.open_store().await;
    assert_eq!(store.editor.media(1).await.unwrap().len(), 1);
    assert_eq!(store.editor.unscanned_media().await.unwrap().len(), 1);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut c = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(data).unwrap();
    c.wait_with_output().unwrap().stdout
}

/// DMARC reports arrive as archives from strangers: each is scanned before it is unpacked or
/// read, however it arrives (upload here; the CLI and the mailbox share `dmarc::import`).
#[tokio::test(flavor = "multi_thread")]
async fn dmarc_reports_are_scanned_before_they_are_read() {
    let mut lab = ClamdLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(lab.socket.display().to_string());
    config.antivirus.max_stream_bytes = STREAM_MAX;
    config.admin.max_upload_bytes = usize::try_from(STREAM_MAX).unwrap();
    let s = TestServer::start_in(dir.clone(), config.clone()).await;
    let b = signed_in(&s, "root", Role::Admin).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/dmarc/upload?csrf={csrf}"),
            "report.xml.gz",
            gzip(EICAR),
        )
        .await;
    let page = res.text().await.unwrap();
    assert!(
        page.contains("report.xml.gz: not imported: the virus scanner found Bolwerk.Test.EICAR"),
        "{page}"
    );
    let store = s.open_store().await;
    assert_eq!(
        store
            .recorder
            .count_security_events("virus", 0)
            .await
            .unwrap(),
        1
    );

    // With clamd down a report is not read: refused, so the mailbox leaves it unread for later.
    let scanner = server::dmarc::Scanner::for_config(&config.antivirus).unwrap();
    lab.stop();
    let e = server::dmarc::import(&store.recorder, b"<feedback/>", "imap", Some(&scanner))
        .await
        .unwrap_err();
    assert!(
        matches!(e, server::dmarc::ImportError::ScannerDown(_)),
        "{e}"
    );
    assert!(e.to_string().contains("cannot be reached"), "{e}");
}

/// With `on_unavailable = "accept"`, only a clamd that cannot be reached lets a file in
/// unscanned: one that is reached but does not answer in time refuses it (a flood of uploads
/// that slows clamd down must not open the door).
#[tokio::test]
async fn a_slow_scanner_refuses_even_in_accept_mode() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let socket = dir.path().join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c); // accepted, never answered
        }
    });
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(socket.display().to_string());
    config.antivirus.timeout_s = 1;
    config.antivirus.on_unavailable = av::config::OnUnavailable::Accept;
    let s = TestServer::start_in(dir.clone(), config).await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "logo.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("did not answer within 1 s"), "{page}");
    let store = s.open_store().await;
    assert!(store.editor.media(1).await.unwrap().is_empty());
}

/// Removing metadata joins the bytes around what was removed: the file as stored is scanned
/// too, not only the upload.
#[tokio::test(flavor = "multi_thread")]
async fn the_file_as_stored_is_scanned_too() {
    const PHOTO: &[u8] = include_bytes!("../../../../imagemeta/tests/fixtures/photo.jpg");
    let stored = imagemeta::strip("image/jpeg", PHOTO).unwrap().bytes;
    assert_ne!(stored, PHOTO);
    // 16 bytes of the stored file that appear nowhere in the upload: where two pieces meet.
    let seam = (0..stored.len() - 16)
        .map(|i| &stored[i..i + 16])
        .find(|w| !PHOTO.windows(16).any(|p| p == *w))
        .expect("a seam");
    let lab = ClamdLab::start();
    lab.add_signature_bytes("Bolwerk.Test.Seam", seam);
    let clamd = av::Clamd {
        address: av::Address::Unix(lab.socket.clone()),
        timeout: std::time::Duration::from_secs(10),
        max_stream: STREAM_MAX,
    };
    clamd.reload().await.unwrap();
    for _ in 0..100 {
        if matches!(clamd.scan(&stored).await, Ok(av::Verdict::Infected(_))) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        clamd.scan(PHOTO).await.unwrap(),
        av::Verdict::Clean,
        "the upload passes"
    );

    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(lab.socket.display().to_string());
    config.antivirus.max_stream_bytes = STREAM_MAX;
    config.admin.max_upload_bytes = usize::try_from(STREAM_MAX).unwrap();
    let s = TestServer::start_in(dir.clone(), config).await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "IMG_0042.jpg",
            PHOTO.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("Bolwerk.Test.Seam"), "{page}");
    let store = s.open_store().await;
    assert!(store.editor.media(1).await.unwrap().is_empty());
}
