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
}

/// Reads `bytes` (XML, gzip, zip or a mail) and keeps the report.
pub async fn import(
    recorder: &Recorder,
    bytes: &[u8],
    source: &str,
) -> Result<Imported, ImportError> {
    let report = mail::dmarc::parse(bytes)?;
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

/// One line about an import, for people.
pub fn describe(r: &AggregateReport) -> String {
    let messages: u64 = r.rows.iter().map(|x| x.count).sum();
    let failed: u64 = r.rows.iter().filter(|x| !x.passes()).map(|x| x.count).sum();
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
