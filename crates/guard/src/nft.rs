//! The firewall: one nftables table of the guard's own (`inet bolwerk` by default), kept in
//! sync with the bans, the blocklist and the allowlist, so the kernel drops a banned address
//! on every port. Nothing outside that table is ever touched.
//!
//! ```text
//! table inet bolwerk {
//!   set allow4_g3 { type ipv4_addr; flags interval; }              (and allow6_g3)
//!   set ban4_g9   { type ipv4_addr; flags interval,timeout; }      (and ban6_g9)
//!   set bl4_g5_0  { type ipv4_addr; flags interval; }  ...         (blocklist shards)
//!   chain input {
//!     type filter hook input priority mangle; policy accept;
//!     iif "lo" accept
//!     ip saddr @allow4_g3 accept;  ip6 saddr @allow6_g3 accept
//!     ip saddr @ban4_g9 drop;      ip6 saddr @ban6_g9 drop
//!     ip saddr @bl4_g5_0 drop ...  ip6 saddr @bl6_g5_0 drop ...
//!   }
//!   set tcp4 { type ipv4_addr . inet_service; ... }                (and tcp6)
//!   chain output {
//!     type filter hook output priority mangle; policy accept;
//!     tcp sport { 53 } tcp flags & (syn | rst | psh) == psh update @tcp4 { ip daddr . tcp dport }
//!     (and the same for ip6 into @tcp6)
//!   }
//! }
//! ```
//!
//! The output chain only records the TCP clients our stack sent data to from the confirm
//! ports, so that [`Firewall::tcp_seen`] can tell a logged address and port that really
//! talked TCP from one a forged UDP packet could have put in a log; see [`seen`] for why it
//! is done on output and what a question costs.
//!
//! The priority and the rules are explained at [`plan::PRIORITY`] and [`plan::chain_rules`];
//! how overlapping bans become elements at [`plan::ban_pieces`].
//!
//! **Every change is a new set, never an element added to a set in place.** nft 1.0.6
//! (Debian 12) reads and decomposes the elements of *every* interval set in the ruleset before
//! it adds or deletes a single element: with a 1,000,000-prefix blocklist loaded, adding one
//! ban took 45 s and 1.2 GB in nft, and loading the blocklist in 100,000-element batches into
//! one set took 182 s (each batch slower than the last). Creating a *new* set with its
//! elements inline skips that read. So a ban change builds fresh ban sets with every element
//! and its remaining timeout, and in the same transaction points the chain at them and
//! deletes the old ones: one atomic transaction, no gap, no element deletes that could race
//! the kernel expiring the same element, and escalation simply replaces the timeout. A
//! blocklist is loaded into fresh shard sets of [`SHARD`] elements, one transaction each,
//! while the old shards keep dropping; one last transaction swaps the rules and deletes the
//! old shards. Measured on the 2-core test box with nft 1.0.6, 993,012 prefixes in shards
//! of 250,000: JSON 6.6 s with 302 MB peak in nft, `nft -f` text 5.5 s with 195 MB (in
//! shards of 100,000: 7.9 s / 132 MB against 6.8 s / 83 MB); `bench/nft-load.sh` gives the
//! current figures. Text is a little lighter; the JSON is typed and needs no quoting, so we
//! build it with the `nftables` crate's types, and run nft ourselves to name its errors.
//!
//! Element timeouts are set from each ban's `until`, so the kernel lets a temporary ban go
//! even if the guard is dead; [`Firewall::sync_bans`] compares against what it installed and
//! calls nft only when the elements differ.
//!
//! Limits: during a reload the old and the new blocklist are both in the kernel (about
//! 140 MB each for 1,000,000 prefixes). The chain hooks `input`, so traffic this host
//! forwards (to containers behind DNAT, to VMs) is not filtered by it.

pub mod plan;
pub mod seen;
mod takeover;

use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};

use shield::bans::Subject;
use shield::net::Cidr;

use plan::{BanState, SetNames};
use seen::SeenFound;
use takeover::take_over_plan;

pub use plan::SyncStats;

/// The default table name.
pub const DEFAULT_TABLE: &str = "bolwerk";

/// Blocklist ranges per set, and so per nft transaction. Each shard costs one set lookup per
/// packet; each transaction costs nft about 1.2 KB of memory per element while it runs
/// (about 300 MB for a shard of 250,000 through JSON). 1,000,000 prefixes make 4 or 5 shards.
pub const SHARD: usize = 250_000;

/// What went wrong talking to nft. All but the last two are upstream: nft or the kernel
/// refused, or is not there; retrying later is sensible. The last two are our configuration.
#[derive(Debug, thiserror::Error)]
pub enum NftError {
    /// The nft program is not installed.
    #[error(
        "`{program}` was not found: install the `nftables` package (it provides /usr/sbin/nft)"
    )]
    Missing {
        /// The program that could not be run.
        program: String,
    },
    /// nft ran without the right to change the firewall.
    #[error(
        "nft was refused (Operation not permitted): the guard needs CAP_NET_ADMIN; run it as \
         root, or give its systemd unit AmbientCapabilities=CAP_NET_ADMIN"
    )]
    PermissionDenied,
    /// nft ran and failed; its error output, clipped.
    #[error("nft could not {step}: {stderr}")]
    Failed {
        /// What we asked of it.
        step: &'static str,
        /// nft's standard error, clipped.
        stderr: String,
    },
    /// nft could not be started or talked to.
    #[error("could not run `{program}`: {source}")]
    Run {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The batch could not be written as JSON (not expected to happen).
    #[error("could not encode the nft batch: {0}")]
    Encode(#[from] serde_json::Error),
    /// The configured table name is not one nft takes plainly.
    #[error(
        "invalid nftables table name {0:?}: use 1 to 32 letters, digits or '_', starting with a letter"
    )]
    TableName(String),
    /// The configured command is empty.
    #[error("the command that runs nft is empty")]
    EmptyCommand,
}

/// How [`Firewall::install`] found the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Installed {
    /// There was none; it was made.
    Created,
    /// A table of a previous run was adopted as it was: its blocklist, bans and allowlist
    /// keep dropping until the first load, sync and allowlist replace them.
    TookOver,
    /// A table of that name that we could not read as ours was replaced, atomically.
    Recreated,
}

/// What one [`Firewall::load_blocklist`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Ranges loaded (IPv4 and IPv6).
    pub ranges: usize,
    /// Sets (shards) they went into.
    pub sets: usize,
    /// nft transactions run: one per shard and one for the swap.
    pub transactions: usize,
}

/// The guard's nftables table. Not thread-safe by design: one owner, the guard's loop.
///
/// Start with [`install`](Firewall::install) (the other calls install first if it was not
/// done); then, so that no allowlisted address is dropped by a table taken over from a
/// previous run, [`set_allowlist`](Firewall::set_allowlist), then
/// [`load_blocklist`](Firewall::load_blocklist) and [`sync_bans`](Firewall::sync_bans).
#[derive(Debug)]
pub struct Firewall {
    table: String,
    command: Vec<String>,
    installed: bool,
    next_gen: u64,
    names: SetNames,
    /// `None`: unknown (a table taken over), so the next sync rebuilds.
    bans: Option<BanState>,
    /// `None`: unknown, so the next call rebuilds.
    allow: Option<plan::Ranges>,
    /// The ports whose TCP clients are recorded (sorted, no repeats).
    confirm_ports: Vec<u16>,
}

impl Firewall {
    /// A firewall on table `inet <table>`, running nft as `command` (`["nft"]` in production,
    /// `["ip", "netns", "exec", "NS", "nft"]` to work inside a network namespace). Runs nothing.
    pub fn new(table: &str, command: Vec<String>) -> Result<Firewall, NftError> {
        check_table(table)?;
        if command.is_empty() {
            return Err(NftError::EmptyCommand);
        }
        Ok(Firewall {
            table: table.to_owned(),
            command,
            installed: false,
            next_gen: 1,
            names: SetNames::default(),
            bans: None,
            allow: None,
            confirm_ports: vec![53],
        })
    }

    /// The local TCP ports whose clients the kernel records for [`tcp_seen`](Self::tcp_seen)
    /// (default `[53]`); empty: no record at all (the output chain and the sets `tcp4` and
    /// `tcp6` are removed). Call before [`install`](Self::install); a change after it is
    /// applied by the next call, which installs again (taking the table over).
    pub fn set_confirm_ports(&mut self, ports: Vec<u16>) {
        let mut ports = ports;
        ports.sort_unstable();
        ports.dedup();
        if ports != self.confirm_ports {
            self.confirm_ports = ports;
            self.installed = false;
        }
    }

    /// The ports whose TCP clients are recorded.
    pub fn confirm_ports(&self) -> &[u16] {
        &self.confirm_ports
    }

    /// Whether our TCP stack sent data from one of the confirm ports to `port` at `addr` in
    /// the last [`seen::SEEN_TIMEOUT`] seconds: proof that `addr` completed a TCP handshake
    /// with us from that port, which a forged packet cannot do. An IPv4-mapped IPv6 address
    /// counts as its IPv4 address. `false` when there are no confirm ports or no table yet.
    /// Runs `nft -j list set` on that one set: a few ms, at most about 0.1 s with a full
    /// record, whatever the blocklist (see [`seen`]).
    pub fn tcp_seen(&self, addr: IpAddr, port: u16) -> Result<bool, NftError> {
        if self.confirm_ports.is_empty() {
            return Ok(false);
        }
        let (set, addr) = seen::set_for(addr);
        let step = "read the TCP clients";
        match run(
            &self.command,
            &["-j", "list", "set", "inet", &self.table, set],
            None,
            step,
        ) {
            Ok(json) => seen::listed(&json, addr, port).ok_or_else(|| NftError::Failed {
                step,
                stderr: format!("unexpected output: {}", clip(&json)),
            }),
            Err(NftError::Failed { stderr, .. }) if absent(&stderr) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The sets the chain reads now.
    pub fn set_names(&self) -> &SetNames {
        &self.names
    }

    /// Makes our table and chains, or takes over the one a previous run left. Idempotent, and
    /// it touches no other table. A take-over keeps the TCP client record when it is as we
    /// make it, and always rewrites the output chain for the confirm ports. A table it cannot read as its own (another version, a hand
    /// edit) is replaced in one transaction with an empty one.
    pub fn install(&mut self) -> Result<Installed, NftError> {
        let listed = run(
            &self.command,
            &["-j", "-t", "list", "table", "inet", &self.table],
            None,
            "list our table",
        );
        let how = match listed {
            Err(NftError::Failed { stderr, .. }) if absent(&stderr) => Installed::Created,
            Err(e) => return Err(e),
            Ok(json) => match take_over_plan(&json) {
                Some(plan) => {
                    let mut batch = plan::chain_rules(&self.table, &plan.names);
                    batch.extend(seen::batch(&self.table, &self.confirm_ports, plan.seen));
                    for set in &plan.stale {
                        batch.push(plan::delete_set(&self.table, set));
                    }
                    self.apply(batch, "take over our table")?;
                    self.names = plan.names;
                    self.next_gen = plan.next_gen;
                    self.bans = None;
                    self.allow = None;
                    self.installed = true;
                    return Ok(Installed::TookOver);
                }
                None => Installed::Recreated,
            },
        };
        let generation = self.next_gen;
        let names = SetNames::fresh(generation);
        let t = self.table.as_str();
        let mut batch = vec![
            plan::add_table(t),
            plan::delete_table(t),
            plan::add_table(t),
            plan::add_chain(t),
            plan::add_set::<u32>(t, &names.allow4, false, Vec::new()),
            plan::add_set::<u128>(t, &names.allow6, false, Vec::new()),
            plan::add_set::<u32>(t, &names.ban4, true, Vec::new()),
            plan::add_set::<u128>(t, &names.ban6, true, Vec::new()),
        ];
        batch.extend(plan::chain_rules(t, &names));
        batch.extend(seen::batch(t, &self.confirm_ports, SeenFound::default()));
        self.apply(batch, "create our table")?;
        self.next_gen = generation + 1;
        self.names = names;
        self.bans = Some(BanState::default());
        self.allow = Some((Vec::new(), Vec::new()));
        self.installed = true;
        Ok(how)
    }

    /// Makes the kernel drop exactly the subjects banned at `now` (`until` in Unix seconds,
    /// `None` = permanent), each element with the timeout its ban has left. Compares with what
    /// it installed last: when the elements are the same (also when a ban merely ran out, which
    /// the kernel handles), nft is not called at all; otherwise one transaction replaces the
    /// ban set of each changed family. A subject listed twice counts with its longest ban.
    pub fn sync_bans(
        &mut self,
        bans: &[(Subject, Option<i64>)],
        now: i64,
    ) -> Result<SyncStats, NftError> {
        self.ensure_installed()?;
        let plan::BanDiff {
            state,
            mut stats,
            redo4,
            redo6,
        } = plan::diff_bans(self.bans.as_ref(), bans, now);
        if redo4 || redo6 {
            let generation = self.next_gen;
            let mut names = self.names.clone();
            let mut batch = Vec::new();
            let mut stale = Vec::new();
            if redo4 {
                names.ban4 = plan::set_name("ban4", generation);
                batch.push(plan::add_set::<u32>(
                    &self.table,
                    &names.ban4,
                    true,
                    plan::piece_elems(&state.v4, now),
                ));
                stale.push(self.names.ban4.clone());
            }
            if redo6 {
                names.ban6 = plan::set_name("ban6", generation);
                batch.push(plan::add_set::<u128>(
                    &self.table,
                    &names.ban6,
                    true,
                    plan::piece_elems(&state.v6, now),
                ));
                stale.push(self.names.ban6.clone());
            }
            batch.extend(plan::chain_rules(&self.table, &names));
            for set in &stale {
                batch.push(plan::delete_set(&self.table, set));
            }
            self.next_gen = generation + 1;
            self.apply(batch, "replace the ban sets")?;
            self.names = names;
            stats.transactions = 1;
        }
        self.bans = Some(state);
        Ok(stats)
    }

    /// Replaces the blocklist with these ranges (IPv4 and IPv6, first and last address; best
    /// sorted and apart as `shield::blocklist::Blocklist` gives them, else they are merged
    /// here). The new ranges go into fresh sets of [`SHARD`] elements, one transaction each,
    /// while the old sets keep dropping; then one transaction points the chain at the new
    /// sets and deletes the old. On failure the old blocklist stays in force.
    pub fn load_blocklist(
        &mut self,
        v4: &[(u32, u32)],
        v6: &[(u128, u128)],
    ) -> Result<LoadStats, NftError> {
        self.ensure_installed()?;
        let (v4, v6) = (plan::normalized(v4), plan::normalized(v6));
        let generation = self.next_gen;
        self.next_gen = generation + 1;
        let mut names = self.names.clone();
        names.block4.clear();
        names.block6.clear();
        let mut stats = LoadStats {
            ranges: v4.len() + v6.len(),
            ..LoadStats::default()
        };
        let filled = self
            .fill_shards(&v4, 4, generation, &mut names.block4, &mut stats)
            .and_then(|()| self.fill_shards(&v6, 6, generation, &mut names.block6, &mut stats));
        let swapped = filled.and_then(|()| {
            let mut batch = plan::chain_rules(&self.table, &names);
            for set in self.names.block4.iter().chain(self.names.block6.iter()) {
                batch.push(plan::delete_set(&self.table, set));
            }
            self.apply(batch, "swap in the new blocklist")
        });
        if let Err(e) = swapped {
            // Best effort: the new sets are not referenced yet; a failure here leaves them for
            // the next install to clear.
            let cleanup: Vec<_> = names
                .block4
                .iter()
                .chain(names.block6.iter())
                .map(|s| plan::delete_set(&self.table, s))
                .collect();
            if !cleanup.is_empty() {
                let _ = self.apply(cleanup, "remove an unfinished blocklist");
            }
            return Err(e);
        }
        stats.transactions += 1;
        stats.sets = names.block4.len() + names.block6.len();
        self.names = names;
        Ok(stats)
    }

    fn fill_shards<A: plan::Addr>(
        &self,
        ranges: &[(A, A)],
        family: u8,
        generation: u64,
        out: &mut Vec<String>,
        stats: &mut LoadStats,
    ) -> Result<(), NftError> {
        for (i, chunk) in ranges.chunks(SHARD).enumerate() {
            let name = plan::shard_name(family, generation, i);
            let batch = vec![plan::add_set::<A>(
                &self.table,
                &name,
                false,
                plan::range_elems(chunk),
            )];
            self.apply(batch, "fill a blocklist set")?;
            out.push(name);
            stats.transactions += 1;
        }
        Ok(())
    }

    /// Makes these networks always accepted by our chain, before any ban or blocklist drop.
    /// Returns whether nft was called (not when the allowlist is unchanged).
    pub fn set_allowlist(&mut self, allow: &[Cidr]) -> Result<bool, NftError> {
        self.ensure_installed()?;
        let wanted = plan::cidr_ranges(allow);
        if self.allow.as_ref() == Some(&wanted) {
            return Ok(false);
        }
        let generation = self.next_gen;
        self.next_gen = generation + 1;
        let mut names = self.names.clone();
        names.allow4 = plan::set_name("allow4", generation);
        names.allow6 = plan::set_name("allow6", generation);
        let t = self.table.as_str();
        let mut batch = vec![
            plan::add_set::<u32>(t, &names.allow4, false, plan::range_elems(&wanted.0)),
            plan::add_set::<u128>(t, &names.allow6, false, plan::range_elems(&wanted.1)),
        ];
        batch.extend(plan::chain_rules(t, &names));
        batch.push(plan::delete_set(t, &self.names.allow4));
        batch.push(plan::delete_set(t, &self.names.allow6));
        self.apply(batch, "replace the allowlist")?;
        self.names = names;
        self.allow = Some(wanted);
        Ok(true)
    }

    /// Deletes table `inet <table>` and nothing else. Returns whether it was there; a missing
    /// table is not an error.
    pub fn uninstall(table: &str, command: &[String]) -> Result<bool, NftError> {
        check_table(table)?;
        match run(
            command,
            &["delete", "table", "inet", table],
            None,
            "delete our table",
        ) {
            Ok(_) => Ok(true),
            Err(NftError::Failed { stderr, .. }) if absent(&stderr) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn ensure_installed(&mut self) -> Result<(), NftError> {
        if !self.installed {
            self.install()?;
        }
        Ok(())
    }

    fn apply(
        &self,
        batch: Vec<nftables::schema::NfObject<'static>>,
        step: &'static str,
    ) -> Result<(), NftError> {
        let json = plan::to_json(batch)?;
        run(&self.command, &["-j", "-f", "-"], Some(&json), step).map(|_| ())
    }
}

fn check_table(table: &str) -> Result<(), NftError> {
    let ok = table.len() <= 32
        && table
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(NftError::TableName(table.to_owned()))
    }
}

/// Whether nft's error says the table is not there.
fn absent(stderr: &str) -> bool {
    stderr.contains("No such file or directory") && !stderr.contains("exec of")
}

/// Runs `command args`, feeding `input` on stdin; its stdout on success.
fn run(
    command: &[String],
    args: &[&str],
    input: Option<&[u8]>,
    step: &'static str,
) -> Result<String, NftError> {
    let (program, prefix) = command.split_first().ok_or(NftError::EmptyCommand)?;
    let mut child = Command::new(program)
        .args(prefix)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => NftError::Missing {
                program: program.clone(),
            },
            _ => NftError::Run {
                program: program.clone(),
                source,
            },
        })?;
    let stdin = child.stdin.take();
    // Feed stdin from a second thread, so nft writing much to stdout or stderr before it has
    // read all its input cannot block both of us. A write error (nft quit early) is left to
    // nft's exit status to explain.
    let output = std::thread::scope(|s| {
        if let (Some(mut stdin), Some(data)) = (stdin, input) {
            s.spawn(move || {
                let _ = stdin.write_all(data);
            });
        }
        child.wait_with_output()
    })
    .map_err(|source| NftError::Run {
        program: program.clone(),
        source,
    })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(failure(step, &stderr))
}

/// Names the failure from nft's error output.
fn failure(step: &'static str, stderr: &str) -> NftError {
    if stderr.contains("Operation not permitted") {
        NftError::PermissionDenied
    } else if stderr.contains("exec of") && stderr.contains("No such file or directory") {
        // `ip netns exec NS nft` without nft installed.
        NftError::Missing {
            program: "nft".to_owned(),
        }
    } else {
        NftError::Failed {
            step,
            stderr: clip(stderr),
        }
    }
}

/// At most 600 characters of nft's error output, on one line: a failed batch can echo a very
/// long line back.
fn clip(s: &str) -> String {
    const MAX: usize = 600;
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &one[..at]),
        None => one,
    }
}

#[cfg(test)]
mod tests;
