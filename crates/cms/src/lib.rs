//! cms
