//! `bolwerk dkim ...` and `bolwerk mail records`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};
use server::admin::mail_admin::{MailAdmin, not_published};
use server::config::Config;

use crate::cli::{DkimCommand, DmarcCommand, MailCommand};

fn admin(config: &Config) -> MailAdmin {
    MailAdmin::for_config(config, Arc::new(tokio::sync::Notify::new()))
}

fn print_records(keys: &mail::KeyStore, domain: &str, set: &str) -> Result<()> {
    for r in keys.records(domain, set)? {
        println!("  TXT {}\n      \"{}\"", r.name, r.value);
    }
    Ok(())
}

/// Runs a `dkim` command.
pub async fn dkim(config: &Config, command: DkimCommand) -> Result<ExitCode> {
    let m = admin(config);
    let keys = &m.keys;
    match command {
        DkimCommand::Keygen { domain, selector } => {
            let domain = domain.to_ascii_lowercase();
            let set = keys.generate(&domain, selector.as_deref())?;
            let state = keys.state(&domain)?;
            if state.active.as_deref() == Some(set.as_str()) {
                println!("Made key set {set} for {domain}; it signs {domain}'s mail from now on.");
                println!("Publish these DNS records:");
            } else {
                println!(
                    "Made key set {set} for {domain}; it waits until its records are published."
                );
                println!("Publish these DNS records, then run:");
                println!("  bolwerk dkim activate --domain {domain} --selector {set}");
            }
            print_records(keys, &domain, &set)?;
            Ok(ExitCode::SUCCESS)
        }
        DkimCommand::Status => {
            let domains = keys.domains();
            if domains.is_empty() {
                println!("No DKIM keys yet (`bolwerk dkim keygen --domain DOMAIN`).");
            }
            for d in domains {
                let s = keys.state(&d)?;
                println!("{d}");
                for (set, role) in s
                    .active
                    .iter()
                    .map(|x| (x, "signing"))
                    .chain(s.next.iter().map(|x| (x, "next: publish, then activate")))
                    .chain(
                        s.retired
                            .iter()
                            .map(|x| (x, "retired: keep published a week, then remove")),
                    )
                {
                    println!(" {set} ({role})");
                    print_records(keys, &d, set)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DkimCommand::Activate {
            domain,
            selector,
            force,
        } => {
            let domain = domain.to_ascii_lowercase();
            if keys.state(&domain)?.next.as_deref() != Some(selector.as_str()) && !force {
                bail!(
                    "key set {selector} of {domain} is not waiting to take over (see `bolwerk dkim status`)"
                );
            }
            if !force {
                let host = m
                    .host_of(&domain)
                    .map(str::to_string)
                    .unwrap_or_else(|| domain.clone());
                if let Some(why) = not_published(&m, &domain, &host, &selector).await {
                    eprintln!("Not switched: {why}.");
                    eprintln!(
                        "Publish the records (`bolwerk dkim status`) and try again, or use --force."
                    );
                    return Ok(ExitCode::from(1));
                }
            }
            let s = keys.activate(&domain, &selector)?;
            println!("{domain} is now signed with {selector}.");
            if !s.retired.is_empty() {
                println!(
                    "Retired: {} (keep their records a week, then `bolwerk dkim remove`).",
                    s.retired.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        DkimCommand::Remove { domain, selector } => {
            keys.remove_retired(&domain.to_ascii_lowercase(), &selector)?;
            println!("Removed key set {selector} of {domain}; remove its DNS records too.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs a `mail` command.
pub async fn mail(config: &Config, command: MailCommand) -> Result<ExitCode> {
    match command {
        MailCommand::Records { check } => records(config, check).await,
        MailCommand::Test { address, site } => test(config, &address, site.as_deref()).await,
    }
}

/// Builds, signs and sends one message now, without the queue.
async fn test(config: &Config, address: &str, site: Option<&str>) -> Result<ExitCode> {
    let sites = config.mail_sites();
    let Some((site, domain)) = sites
        .iter()
        .find(|(s, _)| site.is_none_or(|name| s.name == name))
        .map(|(s, d)| (*s, d.clone()))
    else {
        bail!("no site sends mail (give a site a contact form, or set mail.alerts_to)");
    };
    let keys = mail::KeyStore::new(server::outbox::key_dir(&config.data_dir));
    let Some(signer) = keys.signer(&domain)? else {
        bail!("{domain} has no DKIM keys yet: `bolwerk dkim keygen --domain {domain}`");
    };
    let built = mail::Outgoing {
        domain: domain.clone(),
        from_local: site.mail_from.clone(),
        from_name: site.title.clone().unwrap_or_else(|| site.name.clone()),
        to: vec![address.to_string()],
        reply_to: None,
        subject: format!("Bolwerk test message for {domain}"),
        body: format!(
            "This is a test message from Bolwerk, sent for {domain} and signed with DKIM key set {}.\nIf it arrived, mail from the site works; the message's Authentication-Results header shows what your mail server thought of SPF, DKIM and DMARC.\n",
            signer.set()
        ),
    }
    .build()?;
    let signed = signer.sign(&built.bytes)?;
    let outcome = if let Some(relay) = mail::Relay::from_config(&config.mail)? {
        println!("Sending through {} ...", relay.label());
        relay
            .send(&built.envelope_from, &built.recipients, &signed)
            .await
    } else if let Some(direct) = mail::Direct::from_config(&config.mail)? {
        let to_domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        println!("Sending straight to the mail servers of {to_domain} ...");
        direct
            .send_domain(to_domain, &built.envelope_from, &built.recipients, &signed)
            .await
    } else {
        bail!("no way to send mail is set up: set mail.relay (or mail.direct = true)");
    };
    match outcome {
        mail::Outcome::Sent(answer) => {
            println!("Sent from {} to {address}: {answer}", built.envelope_from);
            Ok(ExitCode::SUCCESS)
        }
        mail::Outcome::Retry(why) => {
            println!("Not sent (a temporary problem): {why}");
            Ok(ExitCode::from(1))
        }
        mail::Outcome::Permanent(why) => {
            println!("Not sent (refused): {why}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn records(config: &Config, check: bool) -> Result<ExitCode> {
    let m = admin(config);
    if m.domains.is_empty() {
        println!("No site sends mail (no site has a contact form).");
        return Ok(ExitCode::SUCCESS);
    }
    let mut bad = false;
    for (site, domain, host) in &m.domains {
        println!("{domain} (site {site})");
        let recs = if check {
            m.check(domain, host).await
        } else {
            m.records(domain, host)
        };
        let recs = match recs {
            Ok(r) => r,
            Err(e) => {
                println!("  {e}");
                bad = true;
                continue;
            }
        };
        if !recs.records.iter().any(|r| r.wanted.kind == "DKIM") {
            println!(
                "  DKIM  no keys yet: the server makes them when it starts (or `bolwerk dkim keygen --domain {domain}`)"
            );
            bad |= check;
        }
        for r in recs.records {
            let role = if r.role.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.role)
            };
            println!("  {}{role}  TXT {}", r.wanted.kind, r.wanted.name);
            println!("      \"{}\"", r.wanted.value);
            if let Some(e) = &r.lookup_error {
                println!("      ? {e}");
                bad = true;
            } else if let Some(v) = &r.verdict {
                if v.ok {
                    println!("      ok: published and correct");
                } else {
                    bad = true;
                    for p in &v.problems {
                        println!("      ! {p}");
                    }
                }
            }
        }
    }
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs a `dmarc` command.
pub async fn dmarc(config: Config, command: DmarcCommand) -> Result<ExitCode> {
    let store = store::Store::open(&config.database, &config.data_dir).await?;
    let code = match command {
        DmarcCommand::Import { files } => {
            let mut failed = false;
            for f in files {
                let shown = f.display();
                let bytes = match read_bounded(&f) {
                    Ok(b) => b,
                    Err(e) => {
                        println!("{shown}: not imported: {e}");
                        failed = true;
                        continue;
                    }
                };
                let scanner = server::dmarc::Scanner::for_config(&config.antivirus);
                match server::dmarc::import(&store.recorder, &bytes, "cli", scanner.as_ref()).await
                {
                    Ok(server::dmarc::Imported::New(r)) => {
                        println!("{shown}: imported {}", server::dmarc::describe(&r));
                    }
                    Ok(server::dmarc::Imported::Duplicate(r)) => {
                        println!(
                            "{shown}: already imported (report {} from {})",
                            r.report_id, r.org
                        );
                    }
                    Err(e) => {
                        println!("{shown}: not imported: {e}");
                        failed = true;
                    }
                }
            }
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        DmarcCommand::Report { domain, days } => {
            let since = store::now() - days.max(1) * 86_400;
            let reports = store
                .recorder
                .dmarc_reports(domain.as_deref(), since, 100_000)
                .await?;
            if reports.is_empty() {
                println!("No DMARC reports in the last {days} days.");
            }
            let mut domains: Vec<&str> = reports.iter().map(|r| r.domain.as_str()).collect();
            domains.sort();
            domains.dedup();
            for d in domains {
                let of: Vec<store::DmarcReport> =
                    reports.iter().filter(|r| r.domain == d).cloned().collect();
                let total: i64 = of.iter().map(|r| r.messages).sum();
                let failed: i64 = of.iter().map(|r| r.failed).sum();
                println!(
                    "{d}: {} reports, {total} messages, {failed} failing DMARC",
                    of.len()
                );
                println!(
                    "  {:<40} {:>8} {:>8} {:>8} {:>8}  verdict",
                    "source", "messages", "dmarc", "dkim", "spf"
                );
                for s in server::dmarc::sources(&of) {
                    println!(
                        "  {:<40} {:>8} {:>8} {:>8} {:>8}  {} [{}]",
                        s.source_ip,
                        s.messages,
                        s.dmarc_pass,
                        s.dkim_pass,
                        s.spf_pass,
                        s.verdict,
                        s.reporters
                    );
                }
            }
            ExitCode::SUCCESS
        }
    };
    store.close().await;
    Ok(code)
}

/// A report file, refused before reading when it is larger than any report can be.
fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)?.len();
    if len > mail::dmarc::MAX_FILE as u64 {
        bail!("the file is larger than {} MB", mail::dmarc::MAX_FILE >> 20);
    }
    Ok(std::fs::read(path)?)
}
