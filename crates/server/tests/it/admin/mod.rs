//! The admin entrance against the real server over HTTPS.

mod antivirus;
mod busy;
mod content;
mod csrf;
mod dashboard;
mod history;
mod inbox;
mod lang;
mod login;
mod mail;
mod media;
mod quarantine;
mod recheck;
mod reset;
mod routes;
mod schedule;
mod second_factor;
mod security;
mod sessions;
mod site_access;
mod users;

use store::Role;
use testkit::{Browser, TestServer};

/// A password that meets the policy.
pub const PW: &str = "linden tree 1987";

/// Adds `name` with `role` and signs a new browser in.
pub async fn signed_in(s: &TestServer, name: &str, role: Role) -> Browser {
    s.add_user(name, role, PW, false).await;
    let b = s.browser();
    let res = b.login(name, PW).await;
    assert_eq!(res.status(), 303, "sign-in of {name}");
    b
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}
