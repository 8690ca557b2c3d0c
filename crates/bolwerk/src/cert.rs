//! `bolwerk cert status` and `bolwerk cert renew SITE`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use server::acme;
use server::config::Config;

use crate::cli::CertCommand;

/// Runs a `cert` command.
pub fn run(config: &Config, command: CertCommand) -> Result<ExitCode> {
    match command {
        CertCommand::Status { json } => status(config, json),
        CertCommand::Renew { site } => renew(config, &site),
    }
}

fn status(config: &Config, json: bool) -> Result<ExitCode> {
    let acme_sites = acme::sites(config);
    let now = store::now();
    let mut problems = false;
    for site in &config.sites {
        let acme_site = acme_sites.iter().find(|a| a.name == site.name);
        let (source, file) = match (acme_site, &site.tls_cert_file) {
            (Some(a), _) => ("acme", Some(a.cert_file())),
            (None, Some(f)) => ("files", Some(f.clone())),
            (None, None) => ("none", None),
        };
        let info = file.as_deref().map(acme::cert_info);
        let attempt = acme_site.map(acme::status);
        if json {
            let (issuer, names, not_after, error) = match &info {
                Some(Ok(i)) => (
                    Some(i.issuer.clone()),
                    i.names.clone(),
                    Some(i.not_after),
                    None,
                ),
                Some(Err(e)) => (None, Vec::new(), None, Some(format!("{e:#}"))),
                None => (None, Vec::new(), None, None),
            };
            let line = serde_json::json!({
                "site": site.name,
                "source": source,
                "file": file,
                "issuer": issuer,
                "names": names,
                "not_after": not_after,
                "days_left": not_after.map(|t| (t - now) / 86_400),
                "error": error,
                "acme": attempt,
            });
            println!("{line}");
            problems |= error.is_some();
            continue;
        }
        println!("{} ({source})", site.name);
        match &info {
            Some(Ok(i)) => {
                println!("  issuer:  {}", i.issuer);
                println!("  names:   {}", i.names.join(", "));
                println!(
                    "  expires: {} UTC ({} days left)",
                    cms::date::iso_minute(i.not_after),
                    (i.not_after - now) / 86_400
                );
            }
            Some(Err(e)) => {
                problems = true;
                println!("  error:   {e:#}");
            }
            None => println!("  no certificate configured"),
        }
        if let Some(a) = attempt {
            match (a.last_attempt, a.last_result) {
                (Some(at), Some(result)) => println!(
                    "  last ACME attempt: {} UTC: {result}",
                    cms::date::iso_minute(at)
                ),
                _ => println!("  last ACME attempt: none yet"),
            }
        }
    }
    Ok(if problems {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn renew(config: &Config, name: &str) -> Result<ExitCode> {
    let Some(site) = config.sites.iter().find(|s| s.name == name) else {
        bail!("no site called {name:?} in the config");
    };
    let Some(acme_site) = acme::sites(config)
        .into_iter()
        .find(|a| a.name == site.name)
    else {
        bail!(
            "site {name} takes its certificate from files ({}); renew it with the tool that writes them, and the server picks it up by itself",
            site.tls_cert_file.as_deref().map_or_else(
                || "none configured".to_string(),
                |f| f.display().to_string()
            )
        );
    };
    server::files::create_dir(&acme_site.dir)?;
    server::files::write(&acme_site.renew_request(), b"")?;
    println!(
        "renewal of {name} requested; a running server does it within a few seconds (`bolwerk cert status` shows the result)"
    );
    Ok(ExitCode::SUCCESS)
}
