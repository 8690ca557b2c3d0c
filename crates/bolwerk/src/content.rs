//! `bolwerk page ...`: content from the command line, through the editor handle. A running
//! server sees the change within `server.content_poll_ms`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use server::config::Config;
use store::{NewPage, PageKind, Store};

use crate::cli::{PageCommand, SiteCommand};

pub async fn run(config: Config, command: PageCommand) -> Result<ExitCode> {
    let store = Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    let site_id = |name: String| {
        let store = &store;
        async move {
            store
                .editor
                .site_by_name(&name)
                .await?
                .map(|s| s.id)
                .ok_or_else(|| anyhow!("no site named {name:?}"))
        }
    };
    match command {
        PageCommand::List { site } => {
            let id = site_id(site).await?;
            for p in store.editor.pages(id).await? {
                let state = if p.published { "published" } else { "draft" };
                let kind = match p.kind {
                    PageKind::Page => "page",
                    PageKind::Post => "post",
                };
                println!("{:<30} {kind:<5} {state:<9} {}", p.slug, p.title);
            }
        }
        PageCommand::Put {
            site,
            slug,
            title,
            file,
            summary,
            post,
            draft,
        } => {
            let id = site_id(site).await?;
            let mut body = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin()
                    .read_to_string(&mut body)
                    .context("reading standard input")?;
            } else {
                body = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
            }
            let page = NewPage {
                kind: if post { PageKind::Post } else { PageKind::Page },
                slug: slug.clone(),
                title,
                summary,
                body_md: body,
                published: !draft,
                published_at: None,
            };
            store.editor.put_page(id, page, "cli").await?;
            store.recorder.audit("cli", None, "page.put", &slug).await?;
            println!("saved {slug}");
        }
        PageCommand::Delete { site, slug } => {
            let id = site_id(site).await?;
            if !store.editor.trash_page(id, &slug).await? {
                eprintln!("no page at {slug}");
                store.close().await;
                return Ok(ExitCode::FAILURE);
            }
            store
                .recorder
                .audit("cli", None, "page.delete", &slug)
                .await?;
            println!("moved {slug} to the trash (restore it in the admin interface)");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `bolwerk site ...`.
pub async fn run_site(config: Config, command: SiteCommand) -> Result<ExitCode> {
    let store = Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    let code = match command {
        SiteCommand::Retired => {
            for (name, at) in store.editor.retired_sites().await? {
                let when = i18n::format::date(i18n::Lang::En, &i18n::TimeZone::UTC, at);
                println!("{name:<30} retired {when}");
            }
            ExitCode::SUCCESS
        }
        SiteCommand::Restore { name } => {
            if store.editor.restore_site(&name).await? {
                store
                    .recorder
                    .audit("cli", None, "site.restore", &name)
                    .await?;
                println!(
                    "{name} restored: it is served again from the next start, if the config names it"
                );
                ExitCode::SUCCESS
            } else {
                eprintln!("no retired site named {name:?}");
                ExitCode::FAILURE
            }
        }
    };
    store.close().await;
    Ok(code)
}
