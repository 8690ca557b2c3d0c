//! `bolwerk allow ...` and `bolwerk blocklist update`: the shield's lists, kept by the
//! operator.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use server::blocklists::Source;
use server::config::Config;
use shield::net::Cidr;
use store::Store;

use crate::cli::{AllowCommand, BlocklistCommand};

/// Checks an allowlist entry and writes it the one way (`192.0.2.0/24`, `2001:db8::/48`,
/// `192.0.2.7`), so adding and removing match.
fn canonical(entry: &str) -> Result<String> {
    Cidr::parse(entry)
        .map(|c| c.to_string())
        .ok_or_else(|| anyhow!("{entry:?} is not an IP address or network"))
}

pub async fn run(config: Config, command: AllowCommand) -> Result<ExitCode> {
    let store = Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    let result = async {
        match command {
            AllowCommand::Add { cidr, note } => {
                let entry = canonical(&cidr)?;
                if !store.editor.allow(&entry, &note).await? {
                    bail!("{entry} is already on the allowlist");
                }
                store.recorder.audit("cli", None, "allow.add", &format!("{entry} {note}")).await?;
                println!("allowed {entry}");
            }
            AllowCommand::Remove { cidr } => {
                let entry = canonical(&cidr)?;
                if !store.editor.disallow(&entry).await? {
                    if config.shield.allowlist.iter().any(|a| canonical(a).ok().as_deref() == Some(&entry)) {
                        bail!("{entry} comes from the config file's shield.allowlist; remove it there");
                    }
                    bail!("{entry} is not on the allowlist");
                }
                store.recorder.audit("cli", None, "allow.remove", &entry).await?;
                println!("removed {entry} from the allowlist");
            }
            AllowCommand::List { json } => {
                for a in &config.shield.allowlist {
                    if json {
                        println!("{}", serde_json::json!({ "cidr": a, "note": "", "source": "config" }));
                    } else {
                        println!("{a:<40} (config file)");
                    }
                }
                for a in store.editor.allowlist().await? {
                    if json {
                        println!("{}", serde_json::json!({ "cidr": a.cidr, "note": a.note, "source": "database", "since": a.created_at }));
                    } else {
                        println!("{:<40} {}", a.cidr, a.note);
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

pub async fn blocklist(config: Config, command: BlocklistCommand) -> Result<ExitCode> {
    let BlocklistCommand::Update = command;
    if config.shield.blocklists.is_empty() {
        bail!("no blocklists configured (shield.blocklists in the config file; pass --config)");
    }
    let mut failed = 0;
    for entry in &config.shield.blocklists {
        let source = Source::parse(entry);
        let path = source.local_path(&config.data_dir);
        match &source {
            Source::Url(url) => {
                let bar = ProgressBar::new_spinner();
                bar.set_message(url.clone());
                let style = ProgressStyle::with_template(
                    "{spinner} {msg} {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}",
                )
                .map(|s| s.progress_chars("=> "));
                let result = server::blocklists::download(url, &path, |done, total| {
                    if let (Some(t), Ok(s)) = (total, &style)
                        && bar.length() != Some(t)
                    {
                        bar.set_length(t);
                        bar.set_style(s.clone());
                    }
                    bar.set_position(done);
                })
                .await;
                bar.finish_and_clear();
                match result {
                    Ok(f) => println!(
                        "{url}: {} ranges ({} bytes{}) saved to {}",
                        f.ranges,
                        f.bytes,
                        if f.skipped > 0 {
                            format!(", {} lines skipped", f.skipped)
                        } else {
                            String::new()
                        },
                        path.display()
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{url}: {e:#}; the last good copy stays in use");
                    }
                }
            }
            Source::File(_) => match server::blocklists::load(&path).await {
                Ok(list) => println!(
                    "{}: {} ranges (a file; Bolwerk does not fetch it)",
                    path.display(),
                    list.len()
                ),
                Err(e) => {
                    failed += 1;
                    eprintln!("{e:#}");
                }
            },
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn entries_are_written_one_way() {
        assert_eq!(canonical(" 192.0.2.7 ").unwrap(), "192.0.2.7");
        assert_eq!(canonical("192.0.2.7/32").unwrap(), "192.0.2.7");
        assert_eq!(canonical("2001:DB8::/48").unwrap(), "2001:db8::/48");
        assert!(canonical("192.0.2.0/40").is_err());
        assert!(canonical("example.org").is_err());
    }
}
