//! `bolwerk dns plan | apply | check`: Bolwerk's records in the agency's zones, shown as a diff
//! before anything is sent, and the DNSSEC chain of every hosted domain explained.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use dns::chain::{Severity, Status, Walker};
use hickory_proto::rr::RecordType;
use server::config::Config;
use server::dns_sync::{self, ZonePlan};

use crate::cli::DnsCommand;

/// Runs a `dns` command.
pub async fn dns(config: &Config, command: DnsCommand) -> Result<ExitCode> {
    match command {
        DnsCommand::Plan { json } => plan(config, json).await,
        DnsCommand::Apply { yes, json } => apply(config, yes, json).await,
        DnsCommand::Check { domains, json } => check(config, domains, json).await,
    }
}

fn keys(config: &Config) -> mail::KeyStore {
    mail::KeyStore::new(server::outbox::key_dir(&config.data_dir))
}

fn print_plans(plans: &[ZonePlan], unmanaged: &[dns::Want]) {
    for zp in plans {
        println!("zone {} (primary {})", zp.zone, zp.server);
        if let Some(e) = &zp.error {
            println!("  ? {e}");
            continue;
        }
        let Some(p) = &zp.plan else { continue };
        if p.is_empty() {
            println!(
                "  in sync: {} records of Bolwerk's, all right",
                p.unchanged.len()
            );
        }
        for c in &p.changes {
            println!("  {c}");
            println!("      {}", c.why);
        }
        if !p.changes.is_empty() && !p.unchanged.is_empty() {
            println!("  = {} records already right", p.unchanged.len());
        }
        if !p.foreign.is_empty() {
            println!(
                "  (left alone: {} record(s) at these names that are not Bolwerk's)",
                p.foreign.len()
            );
        }
    }
    if !unmanaged.is_empty() {
        println!("not in any [[dns.zone]]: publish by hand, or add the zone");
        for w in unmanaged {
            println!("  {}", w.rec);
            println!("      {}", w.why);
        }
    }
}

async fn plan(config: &Config, json: bool) -> Result<ExitCode> {
    if config.dns.zones.is_empty() && !json {
        println!("No [[dns.zone]] in the config: these are the records to publish by hand.");
    }
    let (plans, unmanaged) = dns_sync::plan(config, &keys(config))
        .await
        .map_err(anyhow::Error::msg)?;
    let failed = plans.iter().any(|p| p.error.is_some());
    let pending = plans
        .iter()
        .any(|p| p.plan.as_ref().is_some_and(|p| !p.is_empty()));
    if json {
        let un: Vec<&dns::Rec> = unmanaged.iter().map(|w| &w.rec).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "zones": plans, "unmanaged": un }))?
        );
    } else {
        print_plans(&plans, &unmanaged);
        if pending {
            println!("Send these changes with: bolwerk dns apply");
        }
    }
    // 0: in sync, 2: changes waiting (for monitoring), 1: a zone could not be read.
    Ok(ExitCode::from(if failed {
        1
    } else if pending {
        2
    } else {
        0
    }))
}

async fn apply(config: &Config, yes: bool, json: bool) -> Result<ExitCode> {
    if config.dns.zones.is_empty() {
        bail!("no [[dns.zone]] in the config: nothing Bolwerk may update (docs/dns.md)");
    }
    let (plans, unmanaged) = dns_sync::plan(config, &keys(config))
        .await
        .map_err(anyhow::Error::msg)?;
    let count: usize = plans
        .iter()
        .filter_map(|p| p.plan.as_ref())
        .map(|p| p.changes.len())
        .sum();
    if !json {
        print_plans(&plans, &unmanaged);
    }
    if count > 0 && !yes {
        if !std::io::stdin().is_terminal() {
            bail!("{count} change(s) to send: add --yes to send them without asking");
        }
        print!("Send these {count} change(s)? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing sent.");
            return Ok(ExitCode::from(1));
        }
    }
    let done = dns_sync::apply(config, &plans, true)
        .await
        .map_err(anyhow::Error::msg)?;
    let failed = done.iter().any(|a| a.error.is_some());
    if json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        for a in &done {
            match &a.error {
                None if a.changes == 0 => println!("{}: in sync", a.zone),
                None => println!("{}: {} change(s) sent and accepted", a.zone, a.changes),
                Some(e) => println!("{}: NOT changed: {e}", a.zone),
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn check(config: &Config, domains: Vec<String>, json: bool) -> Result<ExitCode> {
    let upstream = config.dns.resolver()?;
    let anchors = Arc::new(config.dns.anchors()?);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let walker = Walker {
        upstream,
        anchors,
        now,
        warn_within_s: u64::from(config.dns.rrsig_warn_days) * 86_400,
    };
    let names = if domains.is_empty() {
        server::dns_task::hosted_names(config)
    } else {
        domains
            .into_iter()
            .map(|d| {
                let n = dns::record::normal_name(&d);
                (
                    n.clone(),
                    vec![(n.clone(), RecordType::A), (n, RecordType::AAAA)],
                )
            })
            .collect()
    };
    if names.is_empty() {
        bail!("no site has a host name to check: name one, as in `bolwerk dns check example.nl`");
    }
    let mut reports = Vec::new();
    for (name, extra) in &names {
        reports.push(walker.walk(name, extra).await);
    }
    let bad = reports
        .iter()
        .any(|r| r.at_least(Severity::Error).next().is_some());
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        println!("DNSSEC, asked through {upstream}:");
        for r in &reports {
            let verdict = match r.status {
                Status::Secure => "secure".to_string(),
                Status::Insecure => "NOT SIGNED (insecure)".to_string(),
                Status::Bogus => "BROKEN (bogus: validating resolvers refuse it)".to_string(),
                Status::Unknown => "UNKNOWN (the DNS did not answer)".to_string(),
            };
            let chain: Vec<&str> = r.chain.iter().map(|z| z.zone.as_str()).collect();
            println!("{}: {verdict}  [{}]", r.domain, chain.join(" → "));
            if r.status == Status::Secure
                && let Some(e) = r.earliest_expiry
            {
                println!(
                    "    signatures of {} valid until {}",
                    r.zone,
                    dns::chain::utc(e)
                );
            }
            for f in &r.findings {
                let mark = match f.severity {
                    Severity::Error => "✗",
                    Severity::Warning => "!",
                    Severity::Note => "·",
                };
                println!("    {mark} {}: {}", f.code, f.text);
            }
        }
    }
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
