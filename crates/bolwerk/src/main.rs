//! The `bolwerk` command: `demo`, `serve`, `config check`, `db`, `page`.

mod allow;
mod av_cmd;
mod ban;
mod cert;
mod check_cmd;
mod cli;
mod content;
mod demo;
mod dns_cmd;
mod guard_cmd;
mod logging;
mod mail_cmd;
mod shield_cmd;
mod user;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use server::config::{Config, LogFormat};
use server::{Listeners, Running};

use crate::cli::{Cli, Command, ConfigCommand, DataArgs, DbCommand};

fn main() -> ExitCode {
    private_files();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Serve { config, log_format } => {
            let mut config = Config::load(&config)?;
            if let Some(f) = log_format {
                config.log.format = f;
            }
            logging::init(&config.log)?;
            if rustix::process::geteuid().is_root() {
                tracing::warn!(
                    "running as root: the web server needs no privilege but CAP_NET_BIND_SERVICE for ports below 1024; run it as its own user (see dist/bolwerk.service and docs/running.md)"
                );
            }
            runtime(config.server.workers)?.block_on(serve_until_signal(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => {
            Config::load(&file)?;
            println!("{}: OK", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { command } => {
            quiet_logging();
            runtime(1)?.block_on(db(command))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(user::run(config, command))
        }
        Command::Ban { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(ban::run(config, command))
        }
        Command::Allow { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(allow::run(config, command))
        }
        Command::Blocklist { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(allow::blocklist(config, command))
        }
        Command::Cert { data, command } => {
            quiet_logging();
            let config = match &data.config {
                Some(_) => data_config(&data)?,
                // The demo's data directory: its site and self-signed certificate.
                None => {
                    let any = "127.0.0.1:0".parse()?;
                    server::app::demo_config(&data_config(&data)?.data_dir, any, any)?
                }
            };
            cert::run(&config, command)
        }
        Command::Dkim { data, command } => {
            quiet_logging();
            let config = config_or_demo(&data)?;
            runtime(1)?.block_on(mail_cmd::dkim(&config, command))
        }
        Command::Check(args) => {
            quiet_logging();
            check_cmd::run(args)
        }
        Command::Dmarc { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(mail_cmd::dmarc(config, command))
        }
        Command::Av { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(av_cmd::run(config, command))
        }
        Command::Dns { data, command } => {
            quiet_logging();
            let config = config_or_demo(&data)?;
            runtime(1)?.block_on(dns_cmd::dns(&config, command))
        }
        Command::Mail { data, command } => {
            quiet_logging();
            let config = config_or_demo(&data)?;
            runtime(1)?.block_on(mail_cmd::mail(&config, command))
        }
        Command::Shield {
            command: cli::ShieldCommand::Test { config },
        } => shield_cmd::test(config.as_deref()),
        Command::Guard(args) => guard_cmd::main(args),
        Command::Page { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(content::run(config, command))
        }
        Command::Site { data, command } => {
            quiet_logging();
            let config = data_config(&data)?;
            runtime(1)?.block_on(content::run_site(config, command))
        }
    }
}

/// Sets the umask to 077, before any thread or file exists: whatever Bolwerk or SQLite creates
/// (the database and its `-wal`/`-shm`, keys, certificates, uploads, downloaded lists) is
/// readable by its owner only, files 0600 and directories 0700. `server::prepare` also narrows
/// what an earlier run left wider.
fn private_files() {
    use rustix::fs::Mode;
    rustix::process::umask(Mode::RWXG | Mode::RWXO);
}

fn quiet_logging() {
    let _ = logging::init(&server::config::LogConfig {
        format: LogFormat::Human,
        level: "warn".into(),
    });
}

/// The config file's settings, or (without `--config`) the demo's in the data directory.
fn config_or_demo(data: &DataArgs) -> Result<Config> {
    match &data.config {
        Some(_) => data_config(data),
        None => {
            let any = "127.0.0.1:0".parse()?;
            server::app::demo_config(&data_config(data)?.data_dir, any, any)
        }
    }
}

/// A multi-threaded runtime with `workers` threads (0: one per core).
fn runtime(workers: usize) -> Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if workers > 0 {
        b.worker_threads(workers);
    }
    b.enable_all().build().context("starting the async runtime")
}

/// The config a data command works on: `--config FILE`, or the SQLite database in
/// `--data-dir DIR` (default `./bolwerk-data`, the demo's).
pub fn data_config(data: &DataArgs) -> Result<Config> {
    match (&data.config, &data.data_dir) {
        (Some(file), _) => Ok(Config::load(file)?),
        (None, dir) => Ok(Config {
            data_dir: dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(demo::DEFAULT_DATA_DIR)),
            ..Config::default()
        }),
    }
}

/// Binds, prepares, serves, and waits for Ctrl-C or SIGTERM.
async fn serve_until_signal(config: Config) -> Result<()> {
    let listeners = Listeners::bind(&config).await?;
    let prepared = server::prepare(config).await?;
    serve_prepared(prepared, listeners, None).await
}

/// Serves an already prepared database, prints where, and waits for Ctrl-C or SIGTERM.
/// `first_admin`: a one-time password to show once (the demo's new admin account).
pub async fn serve_prepared(
    prepared: server::Prepared,
    listeners: Listeners,
    first_admin: Option<(String, String)>,
) -> Result<()> {
    let data_dir = prepared.config.data_dir.clone();
    let hosts: Vec<String> = prepared
        .config
        .sites
        .iter()
        .flat_map(|s| s.hosts.clone())
        .collect();
    let admin_path = prepared.config.admin.path.clone();
    let signals = ShutdownSignals::install()?;
    let running = prepared.serve(listeners).await?;
    print_urls(&running, &hosts, &data_dir, &admin_path, first_admin);
    signals.wait().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

fn print_urls(
    running: &Running,
    hosts: &[String],
    data_dir: &Path,
    admin_path: &str,
    first_admin: Option<(String, String)>,
) {
    let host = hosts.first().map(String::as_str).unwrap_or("localhost");
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    println!("Bolwerk is running.");
    if let Some(a) = running.http {
        println!("  http://{host}:{}/", a.port());
    }
    if let Some(a) = running.https {
        println!("  https://{host}:{}/", a.port());
    }
    if let Some(a) = running.https {
        println!("  admin: https://{host}:{}{admin_path}/", a.port());
    }
    if let Some((user, password)) = first_admin {
        println!(
            "  admin user: {user}   one-time password: {password}   (shown once; change it at first sign-in)"
        );
    }
    println!("  data: {}", data_dir.display());
    println!("Stop with Ctrl-C.");
}

/// SIGINT (Ctrl-C) and SIGTERM, registered before the URLs are printed, so a signal sent
/// the moment they appear is handled and not fatal.
struct ShutdownSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn install() -> Result<ShutdownSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ShutdownSignals {
            interrupt: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
            terminate: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

async fn db(command: DbCommand) -> Result<()> {
    match command {
        DbCommand::Init {
            target,
            secrets_dir,
        } => {
            let opts = target.options();
            let creds = store::mysql::init(&target.admin_url, &opts).await?;
            std::fs::create_dir_all(&secrets_dir)
                .with_context(|| format!("creating {}", secrets_dir.display()))?;
            let mut paths = Vec::new();
            for (role, url) in [
                ("reader", &creds.reader_url),
                ("recorder", &creds.recorder_url),
                ("editor", &creds.editor_url),
            ] {
                let path = secrets_dir.join(format!("db-{role}.url"));
                server::tls::write_private(&path, url.as_bytes())?;
                paths.push(std::path::absolute(&path).unwrap_or(path));
            }
            println!(
                "Created database {} with users {}_reader, {}_recorder, {}_editor.",
                opts.database, opts.user_prefix, opts.user_prefix, opts.user_prefix
            );
            println!(
                "Their URLs are in {} (mode 0600). Put this in your config file:\n",
                secrets_dir.display()
            );
            println!("[database]\nkind = \"mysql\"");
            println!("reader_url_file = {:?}", paths[0]);
            println!("recorder_url_file = {:?}", paths[1]);
            println!("editor_url_file = {:?}", paths[2]);
            Ok(())
        }
        DbCommand::Migrate { target } => {
            store::mysql::migrate(&target.admin_url, &target.options()).await?;
            println!("Schema is current.");
            Ok(())
        }
    }
}
