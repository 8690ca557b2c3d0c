//! Sites, pages, menus and posts as visitors see them: Markdown rendered and sanitised,
//! pages laid out by an auto-escaping theme (with canonical and Open Graph tags), the sitemap,
//! the Atom feed and robots.txt, and an in-memory page cache that empties itself when the
//! content version in the database changes and holds each page with its brotli and gzip
//! copies, made once when it is rendered.
//!
//! It reads through a [`store::Reader`] only; changing content is the admin side's business.

mod cache;
pub mod date;
pub mod demo;
pub mod encoding;
pub mod excerpt;
pub mod feed;
pub mod form;
pub mod markdown;
pub mod preview;
pub mod robots;
pub mod search;
pub mod security_txt;
mod site;
pub mod sitemap;
pub mod slug;
pub mod theme;
pub mod url;
pub mod xml;

pub use cache::Rendered;
pub use site::{Cms, Error, SiteLocale, normalize_path};
