//! `bolwerk ban ...`: the ban list by hand, through the database the server reads.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use server::config::Config;
use shield::bans::Subject;
use store::Store;

use crate::cli::BanCommand;

use shield::bans::parse_duration;

fn subject(ip: &str) -> Result<Subject> {
    Subject::parse(ip).ok_or_else(|| anyhow!("{ip:?} is not an IP address or network"))
}

pub async fn run(config: Config, command: BanCommand) -> Result<ExitCode> {
    let store = Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    let now = store::now();
    let result = async {
        match command {
            BanCommand::Add { ip, duration, reason } => {
                let who = subject(&ip)?;
                let until = parse_duration(&duration).map_err(|e| anyhow!(e))?.map(|d| now + d);
                store.recorder.ban(&who.to_string(), until, &reason, 1, store::BY_CLI).await?;
                store.recorder.audit("cli", None, "ban.add", &format!("{who} for {duration}: {reason}")).await?;
                println!("banned {who} ({duration})");
            }
            BanCommand::Remove { ip } => {
                let who = subject(&ip)?;
                let n = store.editor.lift_bans(&who.to_string()).await?;
                if n == 0 {
                    bail!("{who} is not banned");
                }
                store.recorder.audit("cli", None, "ban.remove", &who.to_string()).await?;
                println!("lifted the ban on {who}");
            }
            BanCommand::List { json } => {
                for b in store.recorder.active_bans(now).await? {
                    let until = b.until.map(cms::date::iso_minute).unwrap_or_else(|| "permanent".into());
                    if json {
                        let line = serde_json::json!({
                            "subject": b.subject, "until": b.until, "reason": b.reason, "count": b.count, "since": b.created_at,
                            "source": b.source, "evidence": b.evidence,
                        });
                        println!("{line}");
                    } else {
                        println!("{:<28} until {:<17} #{:<3} {:<8} {}", b.subject, until, b.count, b.source, b.reason);
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result.map(|()| ExitCode::SUCCESS)
}
