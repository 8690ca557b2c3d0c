//! DMARC reports fetched from a real IMAP server (Dovecot on loopback): imported once, the
//! rest marked seen and left alone; IMAPS with a private CA; a wrong password is a plain error.

use std::io::Write;
use std::sync::Arc;

use testkit::{ImapServer, TestServer};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../mail/tests/dmarc/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = mail_auth::flate2::write::GzEncoder::new(
        Vec::new(),
        mail_auth::flate2::Compression::default(),
    );
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A report mail as receivers send them: the report as a base64 attachment.
fn report_mail(from: &str, file: &str, content_type: &str, attachment: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(attachment);
    let lines: Vec<String> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!(
        "From: {from}\r\nTo: dmarc-reports@delinde.example\r\nSubject: Report Domain: delinde.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nAggregate report attached.\r\n--b1\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment; filename=\"{file}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

fn imap_config(imap: &ImapServer, tls: bool) -> mail::ImapConfig {
    mail::ImapConfig {
        server: if tls {
            format!("localhost:{}", imap.tls_port)
        } else {
            format!("127.0.0.1:{}", imap.port)
        },
        tls: if tls {
            mail::ImapTls::Implicit
        } else {
            mail::ImapTls::None
        },
        username: imap.user.clone(),
        password_file: imap.password_file.clone(),
        mailbox: "INBOX".into(),
        poll_s: 10,
        ca_file: tls.then(|| imap.cert.clone()),
    }
}

#[tokio::test]
async fn reports_in_the_mailbox_are_imported_once() {
    let imap = ImapServer::start();
    imap.deliver(&report_mail(
        "dmarchelp@yahooinc.com",
        "yahoo.com!delinde.example!1795737600!1795823999.xml.gz",
        "application/gzip",
        &gzip(&sample("yahoo.xml")),
    ));
    imap.deliver(&report_mail(
        "noreply-dmarc-support@google.com",
        "google.com!delinde.example!1795737600!1795823999.xml",
        "text/xml",
        &sample("google.xml"),
    ));
    imap.deliver(b"From: someone@example.org\r\nSubject: hello\r\n\r\nNot a report at all.\r\n");
    imap.deliver(&report_mail(
        "evil@example.org",
        "r.xml",
        "text/xml",
        b"<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>",
    ));
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.mail.dmarc_imap = Some(imap_config(&imap, false));
    let s = TestServer::start_in(dir, config).await;
    let store = s.open_store().await;
    assert!(
        crate::forms::testkit_eventually(|| async {
            store.editor.dmarc_reports(None, 0, 10).await.unwrap().len() == 2
        })
        .await,
        "both reports imported on the first look"
    );
    assert!(crate::forms::testkit_eventually(|| async { imap.seen() == 4 }).await);
    let kept = store.editor.dmarc_reports(None, 0, 10).await.unwrap();
    assert!(kept.iter().all(|r| r.source == "imap"));
    let orgs: Vec<&str> = kept.iter().map(|r| r.org.as_str()).collect();
    assert!(
        orgs.contains(&"Yahoo") && orgs.contains(&"google.com"),
        "{orgs:?}"
    );

    // A look over IMAPS (private CA) finds nothing new; a new report arrives and is taken.
    let tls = imap_config(&imap, true);
    let st = server::dmarc_imap::poll_once(&tls, &store.recorder, None)
        .await
        .unwrap();
    assert_eq!((st.imported, st.refused), (0, 0));
    imap.deliver(&report_mail(
        "dmarcreport@microsoft.com",
        "enterprise.protection.outlook.com!delinde.example!1795737600!1795824000.xml.gz",
        "application/gzip",
        &gzip(&sample("microsoft.xml")),
    ));
    let st = server::dmarc_imap::poll_once(&tls, &store.recorder, None)
        .await
        .unwrap();
    assert_eq!((st.imported, st.duplicates, st.refused), (1, 0, 0));
    assert_eq!(
        store.editor.dmarc_reports(None, 0, 10).await.unwrap().len(),
        3
    );

    // A wrong password, and a certificate nobody vouches for, are plain errors.
    let wrong = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(wrong.path(), "not the password\n").unwrap();
    let mut bad = imap_config(&imap, false);
    bad.password_file = wrong.path().to_path_buf();
    let e = server::dmarc_imap::poll_once(&bad, &store.recorder, None)
        .await
        .unwrap_err();
    assert!(e.contains("sign-in as dmarc-reports refused"), "{e}");
    let mut untrusted = imap_config(&imap, true);
    untrusted.ca_file = None;
    let e = server::dmarc_imap::poll_once(&untrusted, &store.recorder, None)
        .await
        .unwrap_err();
    assert!(e.contains("TLS with"), "{e}");

    // The admin sees the mailbox's last look.
    let b = crate::admin::signed_in(&s, "anneke", store::Role::Admin).await;
    let (_, html) = b.get_text("/dmarc").await;
    assert!(
        html.contains("Report mailbox dmarc-reports on 127.0.0.1"),
        "{html}"
    );
    assert!(html.contains("2 imported"), "{html}");
    assert!(html.contains("2 not a report"), "{html}");
}

/// `data` as the one member `name` of a zip written the way streaming zippers do (zip64 local
/// header, sizes in a data descriptor).
fn zip64_streamed(name: &str, data: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("in"), dir.path().join("out.zip"));
    std::fs::write(&src, data).unwrap();
    let ok = std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg("import sys, zipfile\nwith zipfile.ZipFile(sys.argv[3], 'w', zipfile.ZIP_DEFLATED) as z:\n    with z.open(sys.argv[1], 'w', force_zip64=True) as m:\n        m.write(open(sys.argv[2], 'rb').read())\n")
        .arg(name)
        .arg(&src)
        .arg(&out)
        .status()
        .unwrap()
        .success();
    assert!(ok, "python3 made no zip");
    std::fs::read(out).unwrap()
}

/// Report mails are scanned by a real clamd before they are read, and so is what their
/// archives hold; while clamd is down a report stays unread in the mailbox until it is back.
#[tokio::test(flavor = "multi_thread")]
async fn report_mails_are_scanned_and_wait_while_clamd_is_down() {
    use testkit::clamd::{ClamdLab, EICAR, STREAM_MAX};
    // An operator's clamd that does not unpack archives (ClamAV also skips some it cannot
    // read, such as zip64 members of streaming zippers): Bolwerk's own look at what a report
    // archive held still finds the virus.
    let mut lab = ClamdLab::start_with("ScanArchive no\n");
    let imap = ImapServer::start();
    let eicar = String::from_utf8(EICAR.to_vec()).unwrap();
    let infected_report = String::from_utf8(sample("yahoo.xml")).unwrap().replacen(
        "<feedback>",
        &format!("<feedback><!-- {eicar} -->"),
        1,
    );
    assert!(
        mail::dmarc::parse(infected_report.as_bytes()).is_ok(),
        "a readable report"
    );
    let zipped = zip64_streamed("report.xml", infected_report.as_bytes());
    imap.deliver(&report_mail(
        "evil@example.org",
        "example.org!delinde.example!1795737600!1795823999.zip",
        "application/zip",
        &zipped,
    ));
    imap.deliver(&report_mail(
        "evil@example.org",
        "r.xml.gz",
        "application/gzip",
        &gzip(EICAR),
    ));
    imap.deliver(&report_mail(
        "noreply-dmarc-support@google.com",
        "google.com!delinde.example!1795737600!1795823999.xml",
        "text/xml",
        &sample("google.xml"),
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(lab.socket.display().to_string());
    config.antivirus.max_stream_bytes = STREAM_MAX;
    let scanner = server::dmarc::Scanner::for_config(&config.antivirus).unwrap();
    // clamd itself does not see into the zip: only Bolwerk's second look finds it.
    assert_eq!(
        scanner.clamd.scan(&zipped).await.unwrap(),
        av::Verdict::Clean,
        "clamd with ScanArchive no"
    );
    let store = store::Store::open(&config.database, &config.data_dir)
        .await
        .unwrap();
    let cfg = imap_config(&imap, false);
    let st = server::dmarc_imap::poll_once(&cfg, &store.recorder, Some(&scanner))
        .await
        .unwrap();
    assert_eq!((st.imported, st.refused), (1, 2), "{st:?}");
    assert_eq!(
        store
            .recorder
            .count_security_events("virus", 0)
            .await
            .unwrap(),
        2
    );
    assert_eq!(imap.seen(), 3);

    // clamd down: the next report is not read, and stays unread for the next look.
    lab.stop();
    imap.deliver(&report_mail(
        "dmarcreport@microsoft.com",
        "enterprise.protection.outlook.com!delinde.example!1795737600!1795824000.xml.gz",
        "application/gzip",
        &gzip(&sample("microsoft.xml")),
    ));
    let _ = server::dmarc_imap::poll_once(&cfg, &store.recorder, Some(&scanner)).await;
    assert_eq!(imap.seen(), 3, "left unread");
    assert_eq!(
        store.editor.dmarc_reports(None, 0, 10).await.unwrap().len(),
        1
    );
    lab.restart();
    let st = server::dmarc_imap::poll_once(&cfg, &store.recorder, Some(&scanner))
        .await
        .unwrap();
    assert_eq!(st.imported, 1, "{st:?}");
    assert_eq!(imap.seen(), 4);
}
