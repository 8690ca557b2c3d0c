//! The config's list of sites made true in the shared database at start: each configured
//! site exists with its hosts; a site the config no longer names is retired (no longer served,
//! content kept) and its editors lose their grants; a retired name is refused until `bolwerk
//! site restore`. See DESIGN.md, "Scale", for what this means with several nodes.

use anyhow::{Context, Result};
use store::Store;

use crate::config::Config;

/// Brings the database's sites in line with `config` (see the module's comment).
pub async fn apply(config: &Config, store: &Store) -> Result<()> {
    retire_removed_sites(config, store).await?;
    for site in &config.sites {
        let title = site.title.clone().unwrap_or_else(|| site.name.clone());
        let (s, created) = store
            .editor
            .ensure_site(&site.name, &title, "")
            .await
            .with_context(|| format!("creating site {}", site.name))?;
        store
            .editor
            .set_hosts(s.id, &site.hosts)
            .await
            .with_context(|| format!("setting the hosts of site {}", site.name))?;
        if created {
            tracing::info!(site = %site.name, "created site");
            store
                .recorder
                .audit("config", None, "site.create", &site.name)
                .await?;
        }
    }
    let configured: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
    let revoked = store
        .editor
        .revoke_grants_outside(&configured)
        .await
        .context("taking grants to removed sites away")?;
    for (user, site) in revoked {
        tracing::warn!(%user, %site, "site is not in the config: its editor's grant was taken away");
        store
            .recorder
            .audit(
                "config",
                None,
                "user.sites.revoke",
                &format!("{user}: {site}"),
            )
            .await?;
    }
    Ok(())
}

/// Refuses a config that names a retired site (its old pages, media and messages would come
/// back, perhaps for another customer), then retires every site the config no longer names:
/// no longer served, content kept, audited. Done before the configured sites take their
/// hosts, so a host can move from a removed site to a new one.
async fn retire_removed_sites(config: &Config, store: &Store) -> Result<()> {
    let retired = store.editor.retired_sites().await?;
    for site in &config.sites {
        if let Some((_, at)) = retired.iter().find(|(name, _)| *name == site.name) {
            let when = i18n::format::date(i18n::Lang::En, &i18n::TimeZone::UTC, *at);
            anyhow::bail!(
                "site {name:?} was taken out of the config on {when}; its pages, media and messages \
                 are still in the database. If this is that site again, run `bolwerk site restore \
                 {name}` and start again; for another customer's site, give it another name",
                name = site.name
            );
        }
    }
    for site in store.editor.sites().await? {
        if config.sites.iter().any(|s| s.name == site.name)
            || retired.iter().any(|(name, _)| *name == site.name)
        {
            continue;
        }
        if store.editor.retire_site(site.id).await? {
            tracing::warn!(site = %site.name, "site is not in the config: retired (no longer served; its pages, media and messages are kept; `bolwerk site restore` brings it back)");
            store
                .recorder
                .audit("config", None, "site.retire", &site.name)
                .await?;
        }
    }
    Ok(())
}
