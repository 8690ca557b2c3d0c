//! Store integration tests against real databases: a SQLite file and a MariaDB server.

#![allow(clippy::unwrap_used)] // tests fail loudly on the first surprise

mod bans;
mod mail;
mod mysql;
mod revisions;
mod search;
mod sqlite;
mod users;

use store::{NewPage, PageKind};

pub fn page(slug: &str, title: &str, published: bool) -> NewPage {
    NewPage {
        kind: PageKind::Page,
        slug: slug.into(),
        title: title.into(),
        summary: String::new(),
        body_md: format!("# {title}\n\nBody of {slug}."),
        published,
        published_at: None,
    }
}
