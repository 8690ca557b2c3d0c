//! shield
