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
    /// Manage admin accounts (works while the server runs).
    User {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Ban or unban a client address by hand (works while the server runs and the guard: both take
    /// the change in within a second).
    Ban {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: BanCommand,
    },
    /// Addresses and networks the shield never blocks (works while the server runs).
    Allow {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: AllowCommand,
    },
    /// The lists of notorious attackers.
    Blocklist {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: BlocklistCommand,
    },
    /// Each site's TLS certificate: where it comes from, who issued it, when it expires.
    Cert {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: CertCommand,
    },
    /// DKIM keys: make, list, switch and remove the keys that sign each domain's mail.
    Dkim {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: DkimCommand,
    },
    /// The mail records (SPF, DKIM, DMARC) each domain needs, checked through the DNS.
    Mail {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: MailCommand,
    },
    /// The DNS records of every site (addresses, SPF, DKIM, DMARC, CAA, MTA-STS, TLS-RPT) kept
    /// in the agency's zones by TSIG-signed updates, and the DNSSEC chain of every domain checked.
    Dns {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: DnsCommand,
    },
    /// An internet.nl-grade verdict on DOMAIN, tested from here: IPv6, DNSSEC, HTTPS, TLS,
    /// certificate, CAA, security headers, security.txt, SPF, DKIM, DMARC, STARTTLS, DANE,
    /// MTA-STS and TLS-RPT, each with how to fix it. Exit status 1 if anything fails.
    Check(crate::check_cmd::CheckArgs),
    /// DMARC aggregate reports: who sends mail as your domains, and who forges them.
    Dmarc {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: DmarcCommand,
    },
    /// The virus scanner: whether clamd answers, how old its signatures are, which stored files
    /// wait for a scan or are quarantined; and rescans.
    Av {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: AvCommand,
    },
    /// Tools for the attack shield.
    Shield {
        #[command(subcommand)]
        command: ShieldCommand,
    },
    /// The guard: bans attackers of the mail and DNS servers from their logs, and makes the
    /// kernel (nftables) drop every banned address on every port. Its own process, the only
    /// one that needs CAP_NET_ADMIN.
    Guard(GuardArgs),
    /// List and edit pages (works while the server runs).
    Page {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: PageCommand,
    },
    /// Sites taken out of the config: list them, or bring one back.
    Site {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: SiteCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum SiteCommand {
    /// The retired sites (taken out of the config; not served, their content kept).
    Retired,
    /// Bring a retired site back: at the next start it is served again, from the hosts the
    /// config gives it, with its old pages, media and messages.
    Restore {
        /// Site name.
        name: String,
    },
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GuardArgs {
    /// The config file: its [guard] section and the database.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Remove the guard's nftables table (and nothing else), then stop.
    #[arg(long)]
    pub uninstall: bool,
    #[command(subcommand)]
    pub command: Option<GuardCommand>,
}

#[derive(Subcommand, Debug)]
pub enum GuardCommand {
    /// Which lines of a log a filter matches, as fail2ban-regex shows; without a log, checks
    /// the filter's own example lines.
    Test {
        /// A filter's name (dovecot, postfix, knot, bind, sshd, or one in guard.filters_dir)
        /// or a filter file (NAME.toml).
        filter: String,
        /// The log file (`-`: standard input).
        log: Option<PathBuf>,
        /// Print the matched or the missed lines too.
        #[arg(long, value_enum, default_value = "none")]
        show: GuardShow,
        /// A config file whose guard.filters_dir to use.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// The filters there are, with their patterns and thresholds.
    Filters {
        /// A config file whose guard.filters_dir to use.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

/// Which lines `guard test` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardShow {
    /// Only the summary.
    None,
    /// Each matched line, with its pattern and address.
    Matched,
    /// Each line no pattern matched.
    Missed,
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

/// Which database and role users `db` commands work on.
#[derive(Args, Debug)]
pub struct DbTarget {
    /// An account that may create databases and users, e.g. mysql://root@127.0.0.1:3306/.
    #[arg(long)]
    pub admin_url: String,
    /// Database name.
    #[arg(long, default_value = "bolwerk")]
    pub database: String,
    /// Prefix of the user names (`bolwerk` gives bolwerk_reader, _recorder, _editor).
    #[arg(long, default_value = "bolwerk")]
    pub user_prefix: String,
    /// Host part of the users ('%' = any, or the web server's address).
    #[arg(long, default_value = "%")]
    pub user_host: String,
}

impl DbTarget {
    pub fn options(&self) -> store::mysql::InitOptions {
        store::mysql::InitOptions {
            database: self.database.clone(),
            user_prefix: self.user_prefix.clone(),
            user_host: self.user_host.clone(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Create the database, its schema and the reader, recorder and editor users (new
    /// passwords each time).
    Init {
        #[command(flatten)]
        target: DbTarget,
        /// Where to write the three URL files (mode 0600).
        #[arg(long, default_value = "/etc/bolwerk")]
        secrets_dir: PathBuf,
    },
    /// After an upgrade: apply pending schema migrations and re-apply the users' GRANTs.
    Migrate {
        #[command(flatten)]
        target: DbTarget,
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
    /// Move a page to the trash (restorable in the admin interface).
    Delete {
        /// Site name.
        #[arg(long, default_value = "demo")]
        site: String,
        /// Path of the page.
        slug: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is asked on the terminal, or read from standard input
    /// when that is not a terminal; never from the command line.
    Add {
        /// Login name.
        name: String,
        /// admin (everything, every site) or editor (the content of the sites given).
        #[arg(long, value_parser = ["admin", "editor"])]
        role: String,
        /// A site an editor may edit (repeat for more). Without it, an editor gets the only
        /// site when there is one, and none when there are several.
        #[arg(long = "site")]
        sites: Vec<String>,
    },
    /// Set exactly which sites an editor may edit (none: no site at all).
    Sites {
        /// Login name.
        name: String,
        /// Site names (`[[site]] name`).
        sites: Vec<String>,
    },
    /// Set a new password (asked like `add`); ends the account's sessions.
    Passwd {
        /// Login name.
        name: String,
        /// Make the user choose a new password at the next login.
        #[arg(long)]
        temporary: bool,
    },
    /// Disable an account and end its sessions.
    Disable {
        /// Login name.
        name: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Login name.
        name: String,
    },
    /// Set where the account's password-reset links go ("Forgot your password?"); without
    /// ADDRESS, remove it (no resets by e-mail).
    Email {
        /// Login name.
        name: String,
        /// The address.
        address: Option<String>,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand, Debug)]
pub enum ShieldCommand {
    /// Read one raw HTTP request on standard input and print the verdict, the score and every
    /// matching rule, as the server would judge it (for tuning false positives).
    Test {
        /// Use the [shield] settings (threshold, disabled rules) of this config file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BanCommand {
    /// Ban an IP address or a network (an IPv6 address bans its /64).
    Add {
        /// The address or network, e.g. 203.0.113.9, 198.51.100.0/24, 2001:db8::1 or
        /// 2001:db8::/48.
        ip: String,
        /// How long: 30s, 10m, 1h, 24h, 7d, or "permanent".
        #[arg(long = "for", default_value = "24h")]
        duration: String,
        /// Why, for the ban list.
        #[arg(long, default_value = "banned by the operator")]
        reason: String,
    },
    /// Lift the bans of an address or network.
    Remove {
        /// The address or network, as banned.
        ip: String,
    },
    /// List the bans in force.
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AllowCommand {
    /// Never inspect, count or ban this address or network.
    Add {
        /// e.g. 192.0.2.7, 192.0.2.0/24 or 2001:db8::/48.
        cidr: String,
        /// Why, for the list.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Take an entry off the allowlist.
    Remove {
        /// The entry as listed.
        cidr: String,
    },
    /// List the allowlist (entries from the config file are marked).
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum CertCommand {
    /// Every site's certificate: source (acme or files), issuer, names, expiry, and the last
    /// ACME attempt and its result.
    Status {
        /// One JSON object per site instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Renew SITE's ACME certificate now, whatever its expiry; the running server does it
    /// within a few seconds (see `cert status` for the result).
    Renew {
        /// The site's name.
        site: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DkimCommand {
    /// Make a new key set (RSA-2048 and Ed25519) for DOMAIN. The first one signs at once;
    /// a later one waits until its records are published and `dkim activate` switches to it.
    Keygen {
        /// The mail domain, e.g. example.nl.
        #[arg(long)]
        domain: String,
        /// Name of the key set [default: bw<year><month>]; the DNS names are
        /// <selector>-rsa._domainkey.<domain> and <selector>-ed25519._domainkey.<domain>.
        #[arg(long)]
        selector: Option<String>,
    },
    /// Every domain's key sets (signing, next, retired) and the records to publish.
    Status,
    /// Switch DOMAIN to its waiting key set once the DNS shows both of its records; the
    /// current one is retired (keep its records for a week).
    Activate {
        /// The mail domain.
        #[arg(long)]
        domain: String,
        /// The waiting key set.
        #[arg(long)]
        selector: String,
        /// Switch without looking in the DNS (receivers will fail the signatures until the
        /// records are published).
        #[arg(long)]
        force: bool,
    },
    /// Delete a retired key set (after removing its records from the DNS).
    Remove {
        /// The mail domain.
        #[arg(long)]
        domain: String,
        /// The retired key set.
        #[arg(long)]
        selector: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DmarcCommand {
    /// Import report files (XML, .gz, .zip, or the .eml they arrived in); a report already
    /// imported is skipped. Exit status 1 if any file could not be read.
    Import {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Who sent mail as each domain in the last DAYS days, how much of it passed, and which
    /// sources forge it.
    Report {
        /// Only this domain.
        #[arg(long)]
        domain: Option<String>,
        /// How many days back.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// The SPF, DKIM and DMARC records of every site that sends mail; with --check, what the
    /// DNS has and what is wrong (exit status 1 if anything is).
    Records {
        /// Look every record up in the DNS.
        #[arg(long)]
        check: bool,
    },
    /// Send a signed test message to ADDRESS now, the way the server sends (relay or direct,
    /// DKIM), and print the receiving server's answer. Exit status 1 if it was not taken.
    Test {
        /// Where to send it.
        address: String,
        /// The site whose domain sends it [default: the first site that sends mail].
        #[arg(long)]
        site: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AvCommand {
    /// Whether clamd answers, which signatures it runs and how old they are, and how many stored
    /// files are unscanned, scanned with older signatures, or quarantined. Exit status 1 when
    /// scanning is off or clamd cannot be reached, 2 when files are quarantined or unscanned.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Scans the stored files again now with clamd's current signatures (those not yet scanned
    /// with them, or every file with --all), showing progress. A file with a virus is
    /// quarantined as the server's own rescan does: no longer served, kept for an administrator.
    /// Exit status 1 if clamd could not be asked, 2 if anything was quarantined.
    Rescan {
        /// Every stored file, not only those not yet scanned with the current signatures.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DnsCommand {
    /// What would change in each [[dns.zone]] so that it holds exactly Bolwerk's records: a
    /// diff, nothing sent. Exit status 0 in sync, 2 changes waiting, 1 a zone could not be read.
    Plan {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Shows the plan, then sends it (one signed update per zone, all or nothing per zone).
    Apply {
        /// Send without asking (needed when not run from a terminal).
        #[arg(long)]
        yes: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Walks the DNSSEC chain of trust from the root to every site host and mail domain (or to
    /// DOMAIN) and says what is broken. Exit status 1 if anything is.
    Check {
        /// Check these names instead of the config's.
        domains: Vec<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum BlocklistCommand {
    /// Download every URL in `shield.blocklists` now (with a progress bar), check that it
    /// parses, and replace the cached copy the server reads; files are checked. A running
    /// server takes the new lists in within 30 seconds.
    Update,
}
