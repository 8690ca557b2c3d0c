//! The guard: the small privileged process beside the web server. It follows the logs of
//! the mail (IMAP/POP3, SMTP AUTH) and DNS servers on the machine, recognises attacks with
//! filters that are data, bans their sources into the same ban list as the web shield, and
//! keeps an nftables table in sync with every ban and blocklist, so the kernel drops a
//! banned address on every port.
//!
//! This crate is the logic apart from the process: filters, the offence tally, following
//! files, and the nftables scripts. The process itself (`bolwerk guard`) lives in the binary.

pub mod config;
pub mod filter;
pub mod follow;
pub mod nft;
pub mod tally;
