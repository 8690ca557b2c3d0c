//! DMARC aggregate reports shaped like Google's (zip), Microsoft's (gzip) and Yahoo's (gzip,
//! or attached to a mail), and hostile ones.

use std::io::Write;

use mail::dmarc::{self, ReportError};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/dmarc/{name}", env!("CARGO_MANIFEST_DIR"))).expect("sample")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = mail_auth::flate2::write::GzEncoder::new(
        Vec::new(),
        mail_auth::flate2::Compression::default(),
    );
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut w = mail_auth::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file(name, mail_auth::zip::write::SimpleFileOptions::default())
        .expect("zip");
    w.write_all(data).expect("zip");
    w.finish().expect("zip").into_inner()
}

#[test]
fn google_microsoft_and_yahoo_reports_are_read_in_every_packing() {
    let google = dmarc::parse(&zip(
        "google.com!delinde.example!1795737600!1795823999.xml",
        &sample("google.xml"),
    ))
    .expect("google zip");
    assert_eq!(google.org, "google.com");
    assert_eq!(google.domain, "delinde.example");
    assert_eq!(google.policy, "reject");
    assert_eq!(google.begin, 1_795_737_600);
    assert_eq!(google.rows.len(), 2);
    assert_eq!(google.rows[0].source_ip, "192.0.2.25");
    assert_eq!(google.rows[0].count, 14);
    assert!(google.rows[0].passes());
    assert!(google.rows[0].dkim_auth.contains("delinde.example:pass"));
    assert_eq!(google.rows[1].disposition, "reject");
    assert!(!google.rows[1].passes());

    let ms = dmarc::parse(&gzip(&sample("microsoft.xml"))).expect("microsoft gzip");
    assert_eq!(ms.org, "Enterprise Outlook");
    assert_eq!(ms.rows[1].source_ip, "2001:db8::beef");
    assert_eq!(
        (ms.rows[1].dkim.as_str(), ms.rows[1].spf.as_str()),
        ("pass", "fail")
    );
    assert_eq!(ms.rows[1].envelope_from, "lists.example.org");

    let yahoo = dmarc::parse(&sample("yahoo.xml")).expect("yahoo xml");
    assert_eq!(yahoo.report_id, "1795824000.498245");

    // As receivers send it: a mail with the gzip attached.
    let mail = format!(
        "From: dmarchelp@yahooinc.com\r\nTo: dmarc-reports@delinde.example\r\nSubject: Report Domain: delinde.example Submitter: Yahoo\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThis is an aggregate report.\r\n--b1\r\nContent-Type: application/gzip\r\nContent-Disposition: attachment; filename=\"yahoo.com!delinde.example!1795737600!1795823999.xml.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        base64_lines(&gzip(&sample("yahoo.xml")))
    );
    let from_mail = dmarc::parse(mail.as_bytes()).expect("mail with gzip");
    assert_eq!(from_mail, yahoo);
}

fn base64_lines(data: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(data);
    b.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn sources_are_summed_and_forgers_named() {
    let reports = [
        dmarc::parse(&sample("google.xml")).expect("google"),
        dmarc::parse(&sample("microsoft.xml")).expect("ms"),
        dmarc::parse(&sample("yahoo.xml")).expect("yahoo"),
    ];
    let sources = dmarc::by_source(
        reports
            .iter()
            .flat_map(|r| r.rows.iter().map(move |row| (r.org.as_str(), row))),
    );
    assert_eq!(sources.len(), 3);
    let forger = &sources[0];
    assert_eq!(forger.source_ip, "203.0.113.66");
    assert_eq!(
        (forger.messages, forger.dmarc_pass, forger.blocked),
        (43, 0, 43)
    );
    assert!(forger.verdict.starts_with("forges"), "{}", forger.verdict);
    assert_eq!(forger.reporters, "Yahoo, google.com");
    let ours = &sources[1];
    assert_eq!(
        (ours.source_ip.as_str(), ours.messages, ours.dmarc_pass),
        ("192.0.2.25", 19, 19)
    );
    assert!(ours.verdict.starts_with("sends for you"));
    let forwarder = &sources[2];
    assert_eq!((forwarder.dkim_pass, forwarder.spf_pass), (2, 0));
    assert!(
        forwarder.verdict.starts_with("sends for you"),
        "DKIM survives forwarding"
    );
}

#[test]
fn hostile_reports_get_a_clear_error() {
    // Billion laughs and external entities: refused before any parsing.
    let laughs = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><feedback><report_metadata><org_name>&lol2;</org_name></report_metadata></feedback>";
    assert_eq!(dmarc::parse(laughs), Err(ReportError::Entities));
    let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>";
    assert_eq!(dmarc::parse(xxe), Err(ReportError::Entities));
    assert_eq!(dmarc::parse(&gzip(xxe)), Err(ReportError::Entities));
    // A gzip bomb: 40 MB of zeros in a few kB.
    let bomb = gzip(&vec![b' '; 40 << 20]);
    assert!(bomb.len() < 100_000);
    assert_eq!(dmarc::parse(&bomb), Err(ReportError::Bomb));
    // A zip bomb.
    assert_eq!(
        dmarc::parse(&zip("r.xml", &vec![b' '; 40 << 20])),
        Err(ReportError::Bomb)
    );
    // Too big a file.
    assert_eq!(
        dmarc::parse(&vec![b'<'; 21 << 20]),
        Err(ReportError::TooLarge)
    );
    let mut big_gzip = vec![0x1f, 0x8b];
    big_gzip.resize(11 << 20, 0);
    assert_eq!(dmarc::parse(&big_gzip), Err(ReportError::TooLarge));
    // Too many rows (small when packed): refused, not stored.
    let row = "<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>delinde.example</header_from></identifiers><auth_results></auth_results></record>";
    let many = format!(
        "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>x</org_name><email>x@example.org</email><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>delinde.example</domain><p>reject</p></policy_published>{}</feedback>",
        row.repeat(dmarc::MAX_ROWS + 1)
    );
    assert_eq!(
        dmarc::parse(&gzip(many.as_bytes())),
        Err(ReportError::TooManyRows)
    );
    // Broken and unrelated input.
    assert!(matches!(
        dmarc::parse(b"\x1f\x8bnot really gzip"),
        Err(ReportError::Unpack(_))
    ));
    assert!(matches!(
        dmarc::parse(b"PK\x03\x04broken"),
        Err(ReportError::Unpack(_))
    ));
    assert!(matches!(
        dmarc::parse(&zip("notes.txt", b"hello")),
        Err(ReportError::NotAReport(_))
    ));
    assert!(matches!(
        dmarc::parse(b"<html><body>hi</body></html>"),
        Err(ReportError::NotAReport(_))
    ));
    assert!(matches!(
        dmarc::parse(b"<?xml version=\"1.0\"?><feedback><report_metadata>"),
        Err(ReportError::NotAReport(_))
    ));
    assert!(matches!(
        dmarc::parse(b"\x00\x01\x02 binary"),
        Err(ReportError::NotAReport(_))
    ));
    assert!(matches!(
        dmarc::parse(b"Subject: hi\r\n\r\nno attachment"),
        Err(ReportError::NotAReport(_))
    ));
    // Every error reads as a sentence.
    for e in [
        ReportError::Entities,
        ReportError::Bomb,
        ReportError::TooLarge,
        ReportError::TooManyRows,
    ] {
        assert!(e.to_string().len() > 20);
    }
}

#[test]
fn an_entity_trick_inside_a_mail_is_refused_too() {
    let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback><report_metadata><org_name>&x;</org_name><report_id>1</report_id></report_metadata><policy_published><domain>delinde.example</domain></policy_published></feedback>";
    let mail = format!(
        "From: x@example.org\r\nSubject: Report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: application/gzip\r\nContent-Disposition: attachment; filename=\"r.xml.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        base64_lines(&gzip(xxe))
    );
    assert_eq!(dmarc::parse(mail.as_bytes()), Err(ReportError::Entities));
}
