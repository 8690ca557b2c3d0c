//! `bolwerk user ...`: accounts of the admin interface, through the editor handle.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use server::config::Config;
use store::{Role, Store};

use crate::cli::UserCommand;

pub async fn run(config: Config, command: UserCommand) -> Result<ExitCode> {
    let store = Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    let result = run_on(&store, command).await;
    store.close().await;
    result.map(|()| ExitCode::SUCCESS)
}

async fn run_on(store: &Store, command: UserCommand) -> Result<()> {
    let find = |name: String| async move {
        store
            .editor
            .user_by_name(&name)
            .await?
            .ok_or_else(|| anyhow!("no user named {name:?}"))
    };
    match command {
        UserCommand::Add { name, role, sites } => {
            check_name(&name)?;
            let role = Role::parse(&role).ok_or_else(|| anyhow!("role must be admin or editor"))?;
            let site_ids = match (role, sites.is_empty()) {
                (Role::Admin, true) => Vec::new(),
                (Role::Admin, false) => bail!("administrators edit every site: leave out --site"),
                (Role::Editor, false) => site_ids(store, &sites).await?,
                (Role::Editor, true) => {
                    let all = store.editor.sites().await?;
                    if all.len() == 1 {
                        all.iter().map(|s| s.id).collect()
                    } else {
                        Vec::new()
                    }
                }
            };
            let password = read_new_password(&name)?;
            let hash = auth::password::hash(&password)?;
            let id = store.editor.create_user(&name, role, &hash, false).await?;
            if role == Role::Editor {
                store.editor.set_sites_of(id, &site_ids).await?;
                match site_names(store, &site_ids).await?.as_str() {
                    "" => println!(
                        "{name} may edit no site yet: bolwerk user sites {name} SITE... gives access"
                    ),
                    names => println!("{name} may edit: {names}"),
                }
            }
            store
                .recorder
                .audit(
                    "cli",
                    None,
                    "user.add",
                    &format!("{name} ({})", role.as_str()),
                )
                .await?;
            println!("created {} {name}", role.as_str());
        }
        UserCommand::Passwd { name, temporary } => {
            let user = find(name).await?;
            let password = read_new_password(&user.name)?;
            let hash = auth::password::hash(&password)?;
            store.editor.set_password(user.id, &hash, temporary).await?;
            store
                .recorder
                .audit("cli", None, "user.passwd", &user.name)
                .await?;
            println!(
                "new password set for {}; its sessions were ended",
                user.name
            );
        }
        UserCommand::Disable { name } => {
            let user = find(name).await?;
            store.editor.set_disabled(user.id, true).await?;
            store
                .recorder
                .audit("cli", None, "user.disable", &user.name)
                .await?;
            println!("disabled {}; its sessions were ended", user.name);
        }
        UserCommand::Enable { name } => {
            let user = find(name).await?;
            store.editor.set_disabled(user.id, false).await?;
            store
                .recorder
                .audit("cli", None, "user.enable", &user.name)
                .await?;
            println!("enabled {}", user.name);
        }
        UserCommand::Email { name, address } => {
            let user = find(name).await?;
            if let Some(a) = &address {
                mail::message::check_address("the address", a)?;
            }
            store
                .editor
                .set_user_email(user.id, address.as_deref())
                .await?;
            store
                .recorder
                .audit(
                    "cli",
                    None,
                    "user.email",
                    address.as_deref().unwrap_or("(removed)"),
                )
                .await?;
            match address {
                Some(a) => println!("password-reset links for {} go to {a}", user.name),
                None => println!("{} gets no password-reset links by e-mail", user.name),
            }
        }
        UserCommand::Sites { name, sites } => {
            let user = find(name).await?;
            if user.role == Role::Admin {
                bail!("{} is an administrator and edits every site", user.name);
            }
            let ids = site_ids(store, &sites).await?;
            store.editor.set_sites_of(user.id, &ids).await?;
            let names = site_names(store, &ids).await?;
            store
                .recorder
                .audit(
                    "cli",
                    None,
                    "user.sites",
                    &format!("{}: {names}", user.name),
                )
                .await?;
            if names.is_empty() {
                println!("{} may edit no site now", user.name);
            } else {
                println!("{} may edit: {names}", user.name);
            }
        }
        UserCommand::List => {
            for u in store.editor.users().await? {
                let state = if u.disabled { "disabled" } else { "active" };
                let tfa = if u.totp_secret.is_some() { "2fa" } else { "-" };
                let sites = if u.role == Role::Admin {
                    "every site".to_string()
                } else {
                    let ids = store.editor.sites_of(u.id).await?;
                    match site_names(store, &ids).await? {
                        n if n.is_empty() => "no site".into(),
                        n => n,
                    }
                };
                println!(
                    "{:<24} {:<7} {state:<8} {tfa:<4} {sites}",
                    u.name,
                    u.role.as_str()
                );
            }
        }
    }
    Ok(())
}

/// The ids of the sites named; an unknown name is an error that lists the known ones.
async fn site_ids(store: &Store, names: &[String]) -> Result<Vec<i64>> {
    let all = store.editor.sites().await?;
    names
        .iter()
        .map(|n| {
            all.iter().find(|s| &s.name == n).map(|s| s.id).ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                anyhow!(
                    "no site named {n:?} (known: {}; the server adds the config's sites when it starts)",
                    if known.is_empty() { "none yet".to_string() } else { known.join(", ") }
                )
            })
        })
        .collect()
}

/// The names of the sites with these ids, comma-separated.
async fn site_names(store: &Store, ids: &[i64]) -> Result<String> {
    Ok(store
        .editor
        .sites()
        .await?
        .into_iter()
        .filter(|s| ids.contains(&s.id))
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", "))
}

/// Login names: 1-64 letters, digits, `.`, `-`, `_`, `@`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c));
    if !ok {
        bail!("user name {name:?}: use 1-64 letters, digits, '.', '-', '_' or '@'");
    }
    Ok(())
}

/// Asks twice on a terminal; otherwise reads one line from standard input.
fn read_new_password(name: &str) -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {name}: "))?;
        let second = rpassword::prompt_password("Again: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    auth::password::check_policy(&password, name).map_err(|e| anyhow!("password refused: {e}"))?;
    Ok(password)
}
