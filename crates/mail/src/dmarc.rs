//! DMARC aggregate reports (RFC 7489 appendix C): read from XML, gzip, zip, or the mail that
//! carries them, and summed up per sending address: who sends as the domain, how much of it
//! passes, and which sources are forgers.
//!
//! Reports come from strangers, so reading them is bounded: the file's size, the unpacked
//! size (zip and gzip bombs), and no DOCTYPE at all (entity expansion tricks); a bad report
//! gets a plain error and nothing else happens.

use std::io::Read;

use mail_auth::report::{ActionDisposition, DmarcResult, Report};
use serde::Serialize;

/// Largest report file accepted (packed).
pub const MAX_FILE: usize = 10 << 20;
/// Largest report XML accepted (unpacked).
pub const MAX_XML: usize = 20 << 20;
/// Most rows a report may have (a big provider's daily report for a small organisation has
/// a few dozen); more is refused rather than stored.
pub const MAX_ROWS: usize = 10_000;

/// Why a report was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Bigger than [`MAX_FILE`] (a mail: twice that).
    #[error("the file is larger than {} MB", MAX_FILE >> 20)]
    TooLarge,
    /// Unpacks to more than [`MAX_XML`].
    #[error("the report unpacks to more than {} MB (a zip bomb?); not read", MAX_XML >> 20)]
    Bomb,
    /// A DOCTYPE or ENTITY declaration.
    #[error("the XML declares a DOCTYPE or entities, which DMARC reports never need; not read")]
    Entities,
    /// The archive or compression is broken.
    #[error("cannot unpack: {0}")]
    Unpack(String),
    /// More than [`MAX_ROWS`] rows.
    #[error("the report has more than {MAX_ROWS} rows; not read")]
    TooManyRows,
    /// Not a DMARC aggregate report.
    #[error("not a DMARC aggregate report: {0}")]
    NotAReport(String),
}

/// One row of a report: mail from one address, as the receiver judged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Row {
    /// The sending address.
    pub source_ip: String,
    /// How many messages.
    pub count: u64,
    /// What the receiver did: `none`, `quarantine`, `reject`.
    pub disposition: String,
    /// DKIM aligned with the `From:` domain: `pass` or `fail`.
    pub dkim: String,
    /// SPF aligned with the `From:` domain: `pass` or `fail`.
    pub spf: String,
    /// The `From:` domain.
    pub header_from: String,
    /// The envelope sender's domain, if reported.
    pub envelope_from: String,
    /// `d=` domains of the DKIM signatures and their results (`example.nl:pass`).
    pub dkim_auth: String,
    /// SPF domains checked and their results.
    pub spf_auth: String,
}

impl Row {
    /// Passes DMARC: aligned DKIM or aligned SPF.
    pub fn passes(&self) -> bool {
        self.dkim == "pass" || self.spf == "pass"
    }
}

/// A read report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AggregateReport {
    /// Who sent it (`google.com`).
    pub org: String,
    /// Their contact address.
    pub email: String,
    /// Their id for it (unique per organisation).
    pub report_id: String,
    /// The domain it is about.
    pub domain: String,
    /// The policy they saw published (`none`, `quarantine`, `reject`).
    pub policy: String,
    /// Start of the period (Unix seconds).
    pub begin: i64,
    /// End of the period.
    pub end: i64,
    /// The rows.
    pub rows: Vec<Row>,
}

/// Reads a report from any of the forms it arrives in: XML, gzip, zip, or the whole mail.
pub fn parse(bytes: &[u8]) -> Result<AggregateReport, ReportError> {
    Ok(read(bytes)?.1)
}

/// The same, with the XML the report was read from as unpacked: what an archive held, for a
/// virus scan of its own (a scanner may not look inside every archive; ClamAV 1.4 skips zip64
/// members written by streaming zippers).
pub fn read(bytes: &[u8]) -> Result<(Vec<u8>, AggregateReport), ReportError> {
    // A mail carries its attachment in base64, a third larger; allow it twice the size.
    if bytes.len() > MAX_FILE * 2 {
        return Err(ReportError::TooLarge);
    }
    let packed = bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(b"PK\x03\x04");
    if packed && bytes.len() > MAX_FILE {
        return Err(ReportError::TooLarge);
    }
    if packed {
        return unpacked(bytes);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<?xml") || head.starts_with("<feedback") || head.starts_with("<!") {
        return Ok((bytes.to_vec(), parse_xml(bytes)?));
    }
    // A mail with the report attached (as receivers send it).
    if !bytes.windows(4).any(|w| w == b"\r\n\r\n") && !bytes.windows(2).any(|w| w == b"\n\n") {
        return Err(ReportError::NotAReport(
            "neither XML, gzip, zip nor a mail".into(),
        ));
    }
    from_mail(bytes)
}

/// A gzip or zip file (by its magic bytes) or plain XML, unpacked and read.
fn unpacked(contents: &[u8]) -> Result<(Vec<u8>, AggregateReport), ReportError> {
    let xml = if contents.starts_with(&[0x1f, 0x8b]) {
        gunzip(contents)?
    } else if contents.starts_with(b"PK\x03\x04") {
        unzip(contents)?
    } else {
        contents.to_vec()
    };
    let report = parse_xml(&xml)?;
    Ok((xml, report))
}

/// The report attached to a mail: each attachment that looks like one goes through the same
/// checks as a file (size, unpacking, no DOCTYPE).
fn from_mail(bytes: &[u8]) -> Result<(Vec<u8>, AggregateReport), ReportError> {
    use mail_parser::MimeHeaders;
    let message = mail_parser::MessageParser::new()
        .parse(bytes)
        .ok_or_else(|| ReportError::NotAReport("the mail cannot be read".into()))?;
    let mut error = ReportError::NotAReport("the mail has no report attached".into());
    for part in message.parts.iter() {
        let name = part.attachment_name().unwrap_or("").to_ascii_lowercase();
        let subtype = part
            .content_type()
            .and_then(|ct| ct.subtype())
            .unwrap_or("")
            .to_ascii_lowercase();
        let looks = [".xml", ".gz", ".zip"].iter().any(|e| name.ends_with(e))
            || ["xml", "gzip", "x-gzip", "zip", "x-zip-compressed"].contains(&subtype.as_str());
        if !looks {
            continue;
        }
        match unpacked(part.contents()) {
            Ok(r) => return Ok(r),
            Err(e) => error = e,
        }
    }
    Err(error)
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, ReportError> {
    capped(mail_auth::flate2::read::GzDecoder::new(bytes))
}

fn unzip(bytes: &[u8]) -> Result<Vec<u8>, ReportError> {
    let mut archive = mail_auth::zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ReportError::Unpack(e.to_string()))?;
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| ReportError::Unpack(e.to_string()))?;
        if !file.name().to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        if file.size() > MAX_XML as u64 {
            return Err(ReportError::Bomb);
        }
        return capped(file);
    }
    Err(ReportError::NotAReport(
        "the zip file has no .xml in it".into(),
    ))
}

/// Reads at most [`MAX_XML`] bytes; more is a bomb.
fn capped(reader: impl Read) -> Result<Vec<u8>, ReportError> {
    let mut out = Vec::new();
    reader
        .take(MAX_XML as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ReportError::Unpack(e.to_string()))?;
    if out.len() > MAX_XML {
        return Err(ReportError::Bomb);
    }
    Ok(out)
}

fn parse_xml(xml: &[u8]) -> Result<AggregateReport, ReportError> {
    if xml.len() > MAX_XML {
        return Err(ReportError::Bomb);
    }
    let lower = String::from_utf8_lossy(xml).to_ascii_lowercase();
    if lower.contains("<!doctype") || lower.contains("<!entity") {
        return Err(ReportError::Entities);
    }
    let report = Report::parse_xml(xml).map_err(ReportError::NotAReport)?;
    from_report(report)
}

fn from_report(r: Report) -> Result<AggregateReport, ReportError> {
    if r.records().len() > MAX_ROWS {
        return Err(ReportError::TooManyRows);
    }
    if r.report_id().is_empty() || r.domain().is_empty() {
        return Err(ReportError::NotAReport(
            "it has no report id or no domain".into(),
        ));
    }
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let word = |s: String| s.to_ascii_lowercase();
    let rows = r
        .records()
        .iter()
        .map(|rec| Row {
            source_ip: rec.source_ip().map(|ip| ip.to_string()).unwrap_or_default(),
            count: u64::from(rec.count()),
            disposition: match rec.action_disposition() {
                ActionDisposition::None | ActionDisposition::Pass => "none",
                ActionDisposition::Quarantine => "quarantine",
                ActionDisposition::Reject => "reject",
                ActionDisposition::Unspecified => "unspecified",
            }
            .into(),
            dkim: dmarc_word(rec.dmarc_dkim_result()),
            spf: dmarc_word(rec.dmarc_spf_result()),
            header_from: clip(&rec.header_from().to_ascii_lowercase(), 253),
            envelope_from: clip(&rec.envelope_from().to_ascii_lowercase(), 253),
            dkim_auth: clip(
                &rec.dkim_auth_result()
                    .iter()
                    .map(|a| word(format!("{}:{:?}", a.domain(), a.result())))
                    .collect::<Vec<_>>()
                    .join(" "),
                500,
            ),
            spf_auth: clip(
                &rec.spf_auth_result()
                    .iter()
                    .map(|a| word(format!("{}:{:?}", a.domain(), a.result())))
                    .collect::<Vec<_>>()
                    .join(" "),
                500,
            ),
        })
        .collect();
    Ok(AggregateReport {
        org: clip(r.org_name(), 200),
        email: clip(r.email(), 254),
        report_id: clip(r.report_id(), 200),
        domain: clip(&r.domain().to_ascii_lowercase(), 253),
        policy: format!("{:?}", r.p()).to_ascii_lowercase(),
        begin: i64::try_from(r.date_range_begin()).unwrap_or(0),
        end: i64::try_from(r.date_range_end()).unwrap_or(0),
        rows,
    })
}

fn dmarc_word(r: DmarcResult) -> String {
    match r {
        DmarcResult::Pass => "pass",
        DmarcResult::Fail => "fail",
        DmarcResult::Unspecified => "none",
    }
    .into()
}

/// What a sending address looks like from its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Every message passes DMARC: one of the domain's own senders.
    Passes,
    /// Nothing passes DMARC or DKIM: a forger, or an own sender left out of SPF and DKIM.
    Forges,
    /// Some pass: a forwarder, or an own sender not fully set up.
    Partly,
}

impl Standing {
    /// Every standing, for readers that put them in words.
    pub const ALL: [Standing; 3] = [Standing::Passes, Standing::Forges, Standing::Partly];

    /// Stable code: `passes`, `forges`, `partly`.
    pub fn code(self) -> &'static str {
        match self {
            Standing::Passes => "passes",
            Standing::Forges => "forges",
            Standing::Partly => "partly",
        }
    }

    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Standing::Passes => "sends for you: passes",
            Standing::Forges => {
                "forges your domain (or is a sender of yours missing from SPF and DKIM)"
            }
            Standing::Partly => {
                "partly failing: a forwarder, or a sender of yours not fully set up"
            }
        }
    }
}

/// What the reports say about one sending address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The address.
    pub source_ip: String,
    /// Messages reported.
    pub messages: u64,
    /// Of those, passing DMARC.
    pub dmarc_pass: u64,
    /// Passing aligned DKIM.
    pub dkim_pass: u64,
    /// Passing aligned SPF.
    pub spf_pass: u64,
    /// Refused or quarantined by the receivers.
    pub blocked: u64,
    /// Who reported it (`google.com, outlook.com`).
    pub reporters: String,
    /// What it looks like.
    pub standing: Standing,
    /// The same in words.
    pub verdict: &'static str,
}

/// `(reporter, row)` pairs summed up per address, most messages first.
pub fn by_source<'a>(rows: impl IntoIterator<Item = (&'a str, &'a Row)>) -> Vec<Source> {
    let mut map: std::collections::BTreeMap<String, (Source, std::collections::BTreeSet<String>)> =
        Default::default();
    for (org, row) in rows {
        let (s, orgs) = map.entry(row.source_ip.clone()).or_insert_with(|| {
            (
                Source {
                    source_ip: row.source_ip.clone(),
                    messages: 0,
                    dmarc_pass: 0,
                    dkim_pass: 0,
                    spf_pass: 0,
                    blocked: 0,
                    reporters: String::new(),
                    standing: Standing::Partly,
                    verdict: "",
                },
                Default::default(),
            )
        });
        s.messages += row.count;
        if row.passes() {
            s.dmarc_pass += row.count;
        }
        if row.dkim == "pass" {
            s.dkim_pass += row.count;
        }
        if row.spf == "pass" {
            s.spf_pass += row.count;
        }
        if row.disposition == "reject" || row.disposition == "quarantine" {
            s.blocked += row.count;
        }
        orgs.insert(org.to_string());
    }
    let mut out: Vec<Source> = map
        .into_values()
        .map(|(mut s, orgs)| {
            s.reporters = orgs.into_iter().collect::<Vec<_>>().join(", ");
            s.standing = if s.dmarc_pass == s.messages {
                Standing::Passes
            } else if s.dmarc_pass == 0 && s.dkim_pass == 0 {
                Standing::Forges
            } else {
                Standing::Partly
            };
            s.verdict = s.standing.words();
            s
        })
        .collect();
    out.sort_by(|a, b| {
        b.messages
            .cmp(&a.messages)
            .then(a.source_ip.cmp(&b.source_ip))
    });
    out
}
