//! Brute-force defence for the admin entrance: a growing delay after each failure and
//! temporary lockouts, decided from failures counted in a window.
//!
//! Who can trigger a lockout matters as much as how fast guessing is:
//!
//! - A wrong password or an unknown name can be sent by anyone, so such failures never lock
//!   an account for everyone (that would let any stranger lock the owner out). They lock the
//!   *account from that address* (after [`LockoutPolicy::max_pair_failures`]) and the
//!   *address* for every name (after [`LockoutPolicy::max_ip_failures`]). The account as a
//!   whole only gets slower: every attempt on it waits a delay that grows with its failures
//!   from all addresses, up to [`LockoutPolicy::max_delay`]. A guess spread over many
//!   addresses is slowed that way (and each address is banned by the shield after its own
//!   failures), while the owner at an address of their own always gets in, at worst after
//!   `max_delay`.
//! - A wrong second-factor code can only come from someone who knew the password, so those
//!   failures do lock the whole account (after [`LockoutPolicy::max_account_code_failures`]):
//!   a leaked password must not buy unlimited guesses at the code from many addresses.
//! - Counts restart only with a *completed* sign-in (password and, if enrolled, the second
//!   factor). A right password on its own resets nothing, or re-entering it would reset the
//!   count of wrong codes.
//!
//! Every count is keyed by the name as typed, whether it exists or not, so the answers and
//! delays do not tell which names are real.

use std::time::Duration;

/// Limits, with defaults that let a person mistype a few times and stop a guessing script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Window in which failures count.
    pub window: Duration,
    /// Failures for one account from one address before that address is locked out of that
    /// account.
    pub max_pair_failures: i64,
    /// Failures from one address, for any names, before it is locked out.
    pub max_ip_failures: i64,
    /// Wrong second-factor codes for one account, from any address, before the account is
    /// locked (only someone who knew the password can make these).
    pub max_account_code_failures: i64,
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
            max_pair_failures: 5,
            max_ip_failures: 20,
            max_account_code_failures: 10,
            free_failures: 2,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// Failures counted in the window, since the last completed sign-in where that applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    /// For this name from this address, since that name's last completed sign-in from this
    /// address.
    pub pair: i64,
    /// From this address, for any name.
    pub address: i64,
    /// For this name from any address, since its last completed sign-in.
    pub account: i64,
    /// Of `account`, the wrong second-factor codes.
    pub account_codes: i64,
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
    /// Decides from the failures counted for the name and the address.
    pub fn gate(&self, f: Failures) -> Gate {
        if f.pair >= self.max_pair_failures
            || f.address >= self.max_ip_failures
            || f.account_codes >= self.max_account_code_failures
        {
            return Gate::Locked;
        }
        let n = f.pair.max(f.address).max(f.account) - self.free_failures;
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

    fn pair(n: i64) -> Failures {
        Failures {
            pair: n,
            address: n,
            account: n,
            account_codes: 0,
        }
    }

    #[test]
    fn delay_grows_then_locks_the_pair() {
        let p = LockoutPolicy::default();
        assert_eq!(p.gate(pair(0)), Gate::Open(Duration::ZERO));
        assert_eq!(p.gate(pair(2)), Gate::Open(Duration::ZERO));
        assert_eq!(p.gate(pair(3)), Gate::Open(Duration::from_millis(250)));
        assert_eq!(p.gate(pair(4)), Gate::Open(Duration::from_millis(500)));
        assert_eq!(p.gate(pair(5)), Gate::Locked);
        let address = |n| Failures {
            address: n,
            ..Default::default()
        };
        assert_eq!(
            p.gate(address(19)),
            Gate::Open(Duration::from_secs(4)),
            "capped"
        );
        assert_eq!(p.gate(address(20)), Gate::Locked);
    }

    /// Issue 12: five wrong passwords from one address locked the account for everyone, so
    /// any stranger could lock the owner out. Failures from elsewhere only slow the account.
    #[test]
    fn strangers_cannot_lock_the_owner_out() {
        let p = LockoutPolicy::default();
        for (account, delay) in [(5, 1), (50, 4), (10_000, 4)] {
            // The owner, at an address with no failures of its own.
            let owner = Failures {
                account,
                ..Default::default()
            };
            assert_eq!(
                p.gate(owner),
                Gate::Open(Duration::from_secs(delay)),
                "{account} failures elsewhere only slow the account down"
            );
        }
        // The stranger's own address is locked out of that account.
        let stranger = Failures {
            pair: 5,
            address: 5,
            account: 5,
            account_codes: 0,
        };
        assert_eq!(p.gate(stranger), Gate::Locked);
    }

    /// Issue 12: wrong second-factor codes, possible only with the password, lock the account
    /// wherever they come from.
    #[test]
    fn wrong_codes_lock_the_account() {
        let p = LockoutPolicy::default();
        let codes = |n| Failures {
            account: n,
            account_codes: n,
            ..Default::default()
        };
        assert_eq!(p.gate(codes(9)), Gate::Open(p.max_delay));
        assert_eq!(p.gate(codes(10)), Gate::Locked);
    }
}
