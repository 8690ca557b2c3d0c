//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use server::config::LogFormat;

/// Bolwerk: a website CMS that defends itself.
#[derive(Parser, Debug)]
#[command(name = "bolwerk", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start a demo site on localhost (HTTP :8080, HTTPS :8443, self-signed certificate).
    Demo(DemoArgs),
    /// Serve the sites of a config file (production).
    Serve {
        /// The config file, e.g. /etc/bolwerk/bolwerk.toml.
        #[arg(long, short)]
        config: PathBuf,
        /// Log format: human or json (overrides log.format).
        #[arg(long)]
        log_format: Option<LogFormat>,
    },
    /// Check a config file without serving.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Set up a MariaDB/MySQL database with one user per role.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// List and edit pages (works while the server runs).
    Page {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: PageCommand,
    },
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Data directory (database, certificates); created if absent, reused if present.
    #[arg(long, default_value = crate::demo::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// HTTP address.
    #[arg(long)]
    pub http: Option<SocketAddr>,
    /// HTTPS address.
    #[arg(long)]
    pub https: Option<SocketAddr>,
    /// A config file (same format as `serve`) whose settings override the demo's.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Log format: human or json.
    #[arg(long)]
    pub log_format: Option<LogFormat>,
}

/// Where a data command finds the database.
#[derive(Args, Debug)]
pub struct DataArgs {
    /// Data directory of an embedded (SQLite) install [default: ./bolwerk-data].
    #[arg(long, global = true, conflicts_with = "config")]
    pub data_dir: Option<PathBuf>,
    /// Config file naming the database.
    #[arg(long, short, global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate FILE and report every problem; exit status 1 if there is any.
    Check {
        /// The config file.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Create the database, its schema and the reader, recorder and editor users.
    Init {
        /// An account that may create databases and users, e.g. mysql://root@127.0.0.1:3306/.
        #[arg(long)]
        admin_url: String,
        /// Database name.
        #[arg(long, default_value = "bolwerk")]
        database: String,
        /// Prefix of the user names.
        #[arg(long, default_value = "bolwerk")]
        user_prefix: String,
        /// Host part of the users ('%' = any, or the web server's address).
        #[arg(long, default_value = "%")]
        user_host: String,
        /// Where to write the three URL files (mode 0600).
        #[arg(long, default_value = "/etc/bolwerk")]
        secrets_dir: PathBuf,
    },
    /// Apply pending schema migrations.
    Migrate {
        /// Admin URL including the database, e.g. mysql://root@127.0.0.1:3306/bolwerk.
        #[arg(long)]
        admin_url: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PageCommand {
    /// List every page and post of a site, drafts included.
    List {
        /// Site name.
        #[arg(long, default_value = "demo")]
        site: String,
    },
    /// Create or replace a page from a Markdown file.
    Put {
        /// Site name.
        #[arg(long, default_value = "demo")]
        site: String,
        /// Path of the page, e.g. /about or /news/opening.
        slug: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Markdown file with the body ('-' for standard input).
        #[arg(long)]
        file: PathBuf,
        /// One-line summary.
        #[arg(long, default_value = "")]
        summary: String,
        /// A dated post (shown in the news list) instead of a page.
        #[arg(long)]
        post: bool,
        /// Save as draft (invisible to visitors).
        #[arg(long)]
        draft: bool,
    },
    /// Delete a page.
    Delete {
        /// Site name.
        #[arg(long, default_value = "demo")]
        site: String,
        /// Path of the page.
        slug: String,
    },
}
