//! The HTTP(S) server: listeners with limits and timeouts, TLS with SNI, security headers on
//! every response, and the public routes, which can only read.
//!
//! The binary and the test kit both start it through [`app::prepare`] and
//! [`app::Prepared::serve`], so tests run exactly what production runs.

pub mod acme;
pub mod admin;
pub mod alerts;
pub mod app;
pub mod av_task;
pub mod blocklists;
pub mod check_task;
pub mod config;
pub mod crawlers;
mod demo;
pub mod dmarc;
pub mod dmarc_imap;
pub mod dns_sync;
pub mod dns_task;
mod error;
pub mod files;
pub mod forms;
pub mod guard_layer;
pub mod headers;
pub mod https;
pub mod listen;
pub mod media;
pub mod metrics;
pub mod outbox;
mod request_body;
pub mod route_table;
pub mod routes;
pub mod search;
mod shield_state;
pub mod shield_tasks;
pub mod site_files;
mod site_list;
pub mod tls;
pub mod well_known;

pub use app::{Listeners, Prepared, Running, prepare};
pub use config::Config;
