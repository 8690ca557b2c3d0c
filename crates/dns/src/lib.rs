//! Bolwerk's side of the DNS.
//!
//! - [`record`]: records as people read them.
//! - [`plan`]: what must change so that a zone holds exactly Bolwerk's records (pure).
//! - [`wire`]: questions, and updates signed with TSIG, to the agency's own DNS server.
//! - [`key`]: TSIG secret files as `keymgr -t`, `tsig-keygen` or a bare base64 line write them.
//! - [`chain`]: the DNSSEC chain of trust of a domain, walked from the root and explained.

pub mod chain;
pub mod config;
pub mod key;
pub mod plan;
pub mod record;
pub mod wire;

use std::net::SocketAddr;

pub use plan::{Change, Op, Plan, Share, Slot, Want};
pub use record::{Kind, Rec};
pub use wire::TsigKey;

/// What went wrong, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A name that is not a DNS name.
    #[error("{name:?} is not a DNS name: {reason}")]
    Name {
        /// As given.
        name: String,
        /// Why.
        reason: String,
    },
    /// A record value that cannot be sent.
    #[error("{record}: {reason}")]
    Value {
        /// The record.
        record: String,
        /// Why.
        reason: String,
    },
    /// A record outside the zone it would be sent to.
    #[error("{name} is not inside the zone {zone}")]
    OutOfZone {
        /// The record's name.
        name: String,
        /// The zone.
        zone: String,
    },
    /// A setting that cannot be used.
    #[error("{0}")]
    Config(String),
    /// The TSIG key file or settings.
    #[error("TSIG key: {0}")]
    Key(String),
    /// A message that could not be built.
    #[error("DNS message: {0}")]
    Encode(String),
    /// No answer in time.
    #[error("{server} did not answer within 5 seconds")]
    Timeout {
        /// The server.
        server: SocketAddr,
    },
    /// Network trouble.
    #[error("{server}: {reason}")]
    Io {
        /// The server.
        server: SocketAddr,
        /// Why.
        reason: String,
    },
    /// A question answered with an error.
    #[error("{server} answered {rcode} for {name}")]
    Answer {
        /// The server.
        server: SocketAddr,
        /// The name asked.
        name: String,
        /// The answer's code.
        rcode: String,
    },
    /// An update the server did not accept: who, the answer's code and TSIG error, and what
    /// to fix.
    #[error("{0}")]
    Refused(String),
    /// An update answered without a valid signature: it may not have come from the server.
    #[error(
        "{server} answered the update without a valid TSIG signature ({detail}); not trusting it"
    )]
    Unsigned {
        /// The server.
        server: SocketAddr,
        /// Why.
        detail: String,
    },
}
