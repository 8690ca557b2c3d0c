//! Brute-force defence: a growing delay after each failure and a temporary lockout, per
//! account and per client address.

use std::time::Duration;

/// Limits, with defaults that let a person mistype a few times and stop a guessing script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Window in which failures count.
    pub window: Duration,
    /// Failures for one account within the window before it is locked.
    pub max_account_failures: i64,
    /// Failures from one address within the window before it is locked out.
    pub max_ip_failures: i64,
    /// Failures before the delay starts.
    pub free_failures: i64,
    /// Delay after the first counted failure; doubles with each further one.
    pub base_delay: Duration,
    /// Longest delay.
    pub max_delay: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            window: Duration::from_secs(15 * 60),
            max_account_failures: 5,
            max_ip_failures: 20,
            free_failures: 2,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// What to do with the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Check the password, after waiting this long.
    Open(Duration),
    /// Refuse without checking until the window has passed.
    Locked,
}

impl LockoutPolicy {
    /// Decides from the failures counted in the window for the account and the address.
    pub fn gate(&self, account_failures: i64, ip_failures: i64) -> Gate {
        if account_failures >= self.max_account_failures || ip_failures >= self.max_ip_failures {
            return Gate::Locked;
        }
        let n = account_failures.max(ip_failures) - self.free_failures;
        if n <= 0 {
            return Gate::Open(Duration::ZERO);
        }
        let factor = 1u32 << (n - 1).min(16) as u32;
        Gate::Open(self.base_delay.saturating_mul(factor).min(self.max_delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_then_locks() {
        let p = LockoutPolicy::default();
        assert_eq!(p.gate(0, 0), Gate::Open(Duration::ZERO));
        assert_eq!(p.gate(2, 0), Gate::Open(Duration::ZERO));
        assert_eq!(p.gate(3, 0), Gate::Open(Duration::from_millis(250)));
        assert_eq!(p.gate(4, 0), Gate::Open(Duration::from_millis(500)));
        assert_eq!(p.gate(5, 0), Gate::Locked);
        assert_eq!(p.gate(0, 19), Gate::Open(Duration::from_secs(4)), "capped");
        assert_eq!(p.gate(0, 20), Gate::Locked);
    }
}
