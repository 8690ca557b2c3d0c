//! Login security decisions for the admin entrance: Argon2id password hashing and policy,
//! 256-bit session tokens stored only as hashes, binding a session to the client's network,
//! progressive delay and lockout after failures, and same-origin checks against CSRF.
//!
//! No IO: callers bring the counts and addresses, this crate answers.

#![warn(missing_docs)]

pub mod lockout;
pub mod network;
pub mod origin;
pub mod password;
pub mod token;
pub mod totp;
