//! DMARC aggregate reports into the database, however they arrive (the CLI, an admin upload,
//! the report mailbox), and the overview of who sends as each domain.

use mail::dmarc::{AggregateReport, ReportError, Row, Source};
use store::{DmarcReport, Recorder};

/// What became of one report.
#[derive(Debug)]
pub enum Imported {
    /// Kept.
    New(AggregateReport),
    /// The same reporter's report with this id was kept before; nothing changed.
    Duplicate(AggregateReport),
}

/// Why a report was not kept.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a readable report (with the reason).
    #[error("{0}")]
    Report(#[from] ReportError),
    /// The database refused it.
    #[error("{0}")]
    Store(#[from] store::Error),
    /// The virus scanner found something in it.
    #[error("the virus scanner found {0} in it")]
    Virus(String),
    /// The virus scanner could not judge it whole (too large, too deeply packed, encrypted).
    #[error("{0}")]
    Unscannable(String),
    /// The virus scanner could not be asked (try again later).
    #[error("{0}")]
    ScannerDown(String),
}

/// The virus scanner reports go through before they are read.
#[derive(Clone, Debug)]
pub struct Scanner {
    /// The clamd client.
    pub clamd: av::Clamd,
    /// What to do while clamd cannot be asked.
    pub on_unavailable: av::config::OnUnavailable,
}

impl Scanner {
    /// From the config, when scanning is on.
    pub fn for_config(config: &av::config::AvConfig) -> Option<Scanner> {
        Some(Scanner {
            clamd: config.client()?,
            on_unavailable: config.on_unavailable,
        })
    }
}

/// Scans `bytes` (a report as it arrived: XML, gzip, zip or a whole mail) before anything reads
/// it; a virus is recorded as a security event.
async fn scan(
    scanner: &Scanner,
    recorder: &Recorder,
    bytes: &[u8],
    source: &str,
) -> Result<(), ImportError> {
    match scanner.clamd.scan(bytes).await {
        Ok(av::Verdict::Clean) => Ok(()),
        Ok(av::Verdict::Infected(found)) => {
            let detail = format!("DMARC report from {source}: {found}");
            tracing::warn!(target: "antivirus", "virus refused: {detail}");
            let _ = recorder.security_event("virus", None, &detail).await;
            Err(ImportError::Virus(found))
        }
        Ok(av::Verdict::Unscannable(why)) => Err(ImportError::Unscannable(format!(
            "it could not be scanned whole ({why})"
        ))),
        Err(e @ av::Error::TooLarge { .. }) => Err(ImportError::Unscannable(e.to_string())),
        // Reached but slow or confused: never read unscanned, try again later.
        Err(e @ (av::Error::Timeout { .. } | av::Error::Protocol(_) | av::Error::Clamd(_))) => {
            Err(ImportError::ScannerDown(e.to_string()))
        }
        Err(e) => match scanner.on_unavailable {
            av::config::OnUnavailable::Refuse => Err(ImportError::ScannerDown(e.to_string())),
            av::config::OnUnavailable::Accept => {
                tracing::warn!(target: "antivirus", "DMARC report from {source} read unscanned: {e}");
                Ok(())
            }
        },
    }
}

/// Reads `bytes` (XML, gzip, zip or a mail) and keeps the report; with a `scanner`, only after
/// clamd has found nothing in it.
pub async fn import(
    recorder: &Recorder,
    bytes: &[u8],
    source: &str,
    scanner: Option<&Scanner>,
) -> Result<Imported, ImportError> {
    if let Some(s) = scanner {
        scan(s, recorder, bytes, source).await?;
    }
    let (xml, report) = mail::dmarc::read(bytes)?;
    // What the archive or mail held, scanned on its own too: clamd does not unpack every
    // archive (zip64 members, say). Nothing was kept before this.
    if let Some(s) = scanner
        && xml.as_slice() != bytes
    {
        scan(s, recorder, &xml, source).await?;
    }
    let messages: u64 = report.rows.iter().map(|r| r.count).sum();
    let failed: u64 = report
        .rows
        .iter()
        .filter(|r| !r.passes())
        .map(|r| r.count)
        .sum();
    let stored = DmarcReport {
        id: 0,
        org: report.org.clone(),
        email: report.email.clone(),
        report_id: report.report_id.clone(),
        domain: report.domain.clone(),
        policy: report.policy.clone(),
        begin: report.begin,
        end: report.end,
        imported_at: 0,
        source: source.chars().take(100).collect(),
        messages: i64::try_from(messages).unwrap_or(i64::MAX),
        failed: i64::try_from(failed).unwrap_or(i64::MAX),
        rows_json: serde_json::to_string(&report.rows).unwrap_or_else(|_| "[]".into()),
    };
    if recorder.record_dmarc(&stored).await? {
        Ok(Imported::New(report))
    } else {
        Ok(Imported::Duplicate(report))
    }
}

/// The messages a report covers, and how many of them fail DMARC.
pub fn counts(r: &AggregateReport) -> (u64, u64) {
    let messages: u64 = r.rows.iter().map(|x| x.count).sum();
    let failed: u64 = r.rows.iter().filter(|x| !x.passes()).map(|x| x.count).sum();
    (messages, failed)
}

/// One line about an import, for the log and the CLI (the admin says it in its own words).
pub fn describe(r: &AggregateReport) -> String {
    let (messages, failed) = counts(r);
    format!(
        "report {} from {} about {} ({messages} messages, {failed} failing DMARC)",
        r.report_id, r.org, r.domain
    )
}

/// Who sends as the domain according to `reports`, most messages first.
pub fn sources(reports: &[DmarcReport]) -> Vec<Source> {
    let rows: Vec<(String, Vec<Row>)> = reports
        .iter()
        .map(|r| {
            (
                r.org.clone(),
                serde_json::from_str(&r.rows_json).unwrap_or_default(),
            )
        })
        .collect();
    mail::dmarc::by_source(
        rows.iter()
            .flat_map(|(org, rows)| rows.iter().map(move |row| (org.as_str(), row))),
    )
}
