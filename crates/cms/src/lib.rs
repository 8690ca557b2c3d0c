//! Sites, pages, menus and posts as visitors see them: Markdown rendered and sanitised,
//! pages laid out by an auto-escaping theme, and an in-memory page cache that empties itself
//! when the content version in the database changes.
//!
//! It reads through a [`store::Reader`] only; changing content is the admin side's business.

mod cache;
pub mod date;
pub mod demo;
pub mod form;
pub mod markdown;
pub mod security_txt;
mod site;
pub mod theme;

pub use cache::Rendered;
pub use site::{Cms, Error, normalize_path};
