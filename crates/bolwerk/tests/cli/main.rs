//! The `bolwerk` binary as an operator runs it.

#![allow(clippy::unwrap_used)] // tests fail loudly on the first surprise

mod av;
mod cert;
mod check;
mod config;
mod demo;
mod dns;
mod mail;
mod mariadb;
mod privileged_ports;
mod user;

use std::path::Path;
use std::process::{Command, Output};

pub fn bolwerk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bolwerk"))
        .args(args)
        .output()
        .expect("run bolwerk")
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}
mod shield;
mod site;
