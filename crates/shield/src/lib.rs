//! The shield: Bolwerk's pure decision engine. It is fed facts about a request (client
//! address, method, path, headers, recent history) plus the current time, and returns a
//! [`Verdict`]. It does no IO and runs no async code, so every rule can be unit-tested,
//! fuzzed and benchmarked alone.
//!
//! The rules, scoring, rate limits and ban table arrive with the shield issue; this crate
//! fixes the boundary the server calls through.

#![warn(missing_docs)]

/// What the server does with a request. A blocked request is an outcome, not an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it.
    Allow,
    /// Refuse it, with the reason for the security log (never shown to the client).
    Block(String),
}

impl Verdict {
    /// Whether the request may go on to the router.
    pub fn allows(&self) -> bool {
        matches!(self, Verdict::Allow)
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict;

    #[test]
    fn only_allow_allows() {
        assert!(Verdict::Allow.allows());
        assert!(!Verdict::Block("sqli".into()).allows());
    }
}
