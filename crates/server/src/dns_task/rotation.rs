//! DKIM key rotation, one step per sync (see the module above for the steps).

use hickory_proto::rr::RecordType;

use crate::config::Config;

/// What one rotation pass did, and what waits, in words.
#[derive(Debug, Default)]
pub struct Rotation {
    /// Steps taken (made, switched, deleted).
    pub steps: Vec<String>,
    /// Next key sets held back, each with why (a server that does not answer them yet).
    pub waiting: Vec<String>,
}

/// One DKIM rotation step for every domain whose keys live in a configured zone.
pub async fn rotate(config: &Config, keys: &mail::KeyStore, now: i64) -> Rotation {
    let mut out = Vec::new();
    let mut waiting = Vec::new();
    let rotate_s = i64::from(config.dns.dkim_rotate_days) * 86_400;
    let retire_s = i64::from(config.dns.dkim_retire_days) * 86_400;
    let mut domains: Vec<String> = config.mail_sites().into_iter().map(|(_, d)| d).collect();
    domains.dedup();
    for domain in domains {
        let Some(zone) = config.dns.zone_of(&format!("_domainkey.{domain}")) else {
            continue;
        };
        let Ok(state) = keys.state(&domain) else {
            continue;
        };
        let Some(active) = state.active.clone() else {
            continue;
        };
        if let Some(next) = &state.next {
            let served = match zone.waits_for(config.dns.resolver().ok()).await {
                Ok(servers) => served_everywhere(keys, &domain, next, &servers).await,
                Err(e) => Err(e.to_string()),
            };
            match served {
                Ok(()) => match keys.activate(&domain, next) {
                    Ok(_) => {
                        let _ = keys.mark_since(&domain, next, now);
                        let _ = keys.mark_since(&domain, &active, now);
                        out.push(format!(
                        "{domain}: key set {next} is published on every server and signs from now on; {active} is retired"
                    ))
                    }
                    Err(e) => out.push(format!("{domain}: cannot activate {next}: {e}")),
                },
                Err(why) => {
                    tracing::info!(target: "dns", "{domain}: key set {next} waits: {why}");
                    waiting.push(format!("{domain}: key set {next} waits: {why}"));
                }
            }
        } else if keys
            .since(&domain, &active)
            .is_some_and(|t| now - t >= rotate_s)
        {
            match keys.generate(&domain, None) {
                Ok(set) => {
                    let _ = keys.mark_since(&domain, &set, now);
                    out.push(format!(
                    "{domain}: {active} has signed for {} days; made key set {set}, to be published before it takes over",
                    config.dns.dkim_rotate_days
                ))
                }
                Err(e) => out.push(format!("{domain}: cannot make the next key set: {e}")),
            }
        }
        for r in &state.retired {
            if keys.since(&domain, r).is_some_and(|t| now - t >= retire_s) {
                match keys.remove_retired(&domain, r) {
                    Ok(()) => out.push(format!(
                        "{domain}: retired key set {r} is deleted after {} days; its records are removed",
                        config.dns.dkim_retire_days
                    )),
                    Err(e) => out.push(format!("{domain}: cannot delete {r}: {e}")),
                }
            }
        }
    }
    Rotation {
        steps: out,
        waiting,
    }
}

/// Whether every server answers every record of key set `set` exactly.
async fn served_everywhere(
    keys: &mail::KeyStore,
    domain: &str,
    set: &str,
    servers: &[std::net::SocketAddr],
) -> Result<(), String> {
    let recs = keys.records(domain, set).map_err(|e| e.to_string())?;
    for server in servers {
        for r in &recs {
            let found = dns::wire::records(*server, &r.name, RecordType::TXT)
                .await
                .map_err(|e| e.to_string())?;
            if !found.iter().any(|f| f.value == r.value) {
                return Err(format!("{server} does not answer {} yet", r.name));
            }
        }
    }
    Ok(())
}
