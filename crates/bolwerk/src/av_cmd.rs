//! `bolwerk av status | rescan`: the virus scanner as the operator sees it.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use server::av_task::{AvRunner, Progress, RescanError, Scope};
use server::config::Config;

use crate::cli::AvCommand;

/// Signatures older than this mean freshclam is not doing its job.
const STALE_S: i64 = 3 * 86_400;

/// Runs an `av` command.
pub async fn run(config: Config, command: AvCommand) -> Result<ExitCode> {
    let store = store::Store::open(&config.database, &config.data_dir).await?;
    let alerts = Arc::new(server::alerts::Alerter::new(
        &config,
        store.recorder.clone(),
        Arc::new(tokio::sync::Notify::new()),
    ));
    let runner = AvRunner::new(
        &config,
        store.editor.clone(),
        store.recorder.clone(),
        Arc::new(server::metrics::Metrics::new()),
        alerts,
    );
    match command {
        AvCommand::Status { json } => status(&config, &runner, json).await,
        AvCommand::Rescan { all } => rescan(&runner, all).await,
    }
}

fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{} minutes ago", s / 60),
        s if s < 2 * 86_400 => format!("{} hours ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

async fn status(config: &Config, runner: &AvRunner, json: bool) -> Result<ExitCode> {
    let address = config.antivirus.address.clone();
    let version = runner.check().await;
    let status = runner.status();
    let counts = runner.counts().await?;
    let now = store::now();
    let built = version.as_ref().ok().and_then(|v| v.built_at());
    let code = if version.is_err() {
        1
    } else if counts.quarantined > 0 || counts.unscanned > 0 {
        2
    } else {
        0
    };
    if json {
        let out = serde_json::json!({
            "on": status.on,
            "address": address,
            "up": status.up,
            "error": status.error,
            "signatures": status.signatures,
            "signatures_date": status.signatures_date,
            "signatures_age_s": built.map(|b| now - b),
            "files": counts,
            "on_unavailable": config.antivirus.on_unavailable,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::from(code));
    }
    match (&address, &version) {
        (None, _) => println!(
            "scanner:     off: uploads are NOT scanned; set [antivirus] address to clamd's socket (docs/antivirus.md)"
        ),
        (Some(a), Err(e)) => println!("scanner:     clamd at {a} cannot be reached: {e}"),
        (Some(a), Ok(_)) => println!("scanner:     clamd at {a} answers"),
    }
    if let Ok(v) = &version {
        let age = built.map(|b| now - b);
        println!(
            "signatures:  {}{}{}",
            v.key(),
            v.date
                .as_deref()
                .map(|d| format!(", built {d} UTC"))
                .unwrap_or_default(),
            age.map(|a| format!(" ({})", ago(a))).unwrap_or_default()
        );
        match age {
            Some(a) if a > STALE_S => println!(
                "             older than three days: is freshclam running? (systemctl status clamav-freshclam)"
            ),
            None => println!(
                "             no official signature database (daily.cvd): install and run freshclam"
            ),
            _ => {}
        }
    }
    println!(
        "files:       {} served: {} never scanned, {} scanned with older signatures; {} quarantined",
        counts.served, counts.unscanned, counts.outdated, counts.quarantined
    );
    if counts.quarantined > 0 {
        println!(
            "             quarantined files are listed on each site's Media page, to delete or release"
        );
    }
    if config.antivirus.address.is_some() {
        println!(
            "while down:  uploads are {}",
            match config.antivirus.on_unavailable {
                av::config::OnUnavailable::Refuse => "refused",
                av::config::OnUnavailable::Accept =>
                    "stored unscanned, and scanned when clamd is back",
            }
        );
    }
    Ok(ExitCode::from(code))
}

async fn rescan(runner: &AvRunner, all: bool) -> Result<ExitCode> {
    let tty = std::io::stderr().is_terminal();
    let show = |p: &Progress| {
        if tty {
            eprint!(
                "\rscanned {} of {} ({} quarantined, {} skipped)",
                p.done, p.total, p.quarantined, p.skipped
            );
            let _ = std::io::stderr().flush();
        } else if p.done.is_multiple_of(100) {
            eprintln!("scanned {} of {}", p.done, p.total);
        }
    };
    let scope = if all { Scope::All } else { Scope::Changed };
    let result = runner.rescan(scope, &show).await;
    if tty {
        eprintln!();
    }
    match result {
        Ok(s) => {
            let p = &s.progress;
            println!(
                "{} files scanned with signatures {}: {} quarantined, {} could not be scanned",
                p.done, p.signatures, p.quarantined, p.skipped
            );
            for f in &s.found {
                println!("  quarantined: {f}");
            }
            Ok(ExitCode::from(if p.quarantined > 0 { 2 } else { 0 }))
        }
        Err(e @ RescanError::Store(_)) => Err(e.into()),
        Err(e) => {
            println!("not rescanned: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
