//! Passwords: Argon2id (m=19 MiB, t=2, p=1, the argon2 crate's defaults and OWASP's
//! minimum), PHC strings, and the policy a new password must meet.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::distr::{Alphanumeric, SampleString};

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask 12).
pub const MIN_LEN: usize = 12;
/// Longest password accepted; beyond it hashing becomes a denial-of-service lever.
pub const MAX_LEN: usize = 256;

/// Why a password was refused. Shown to the user who chose it.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Fewer than [`MIN_LEN`] characters.
    #[error("use at least {MIN_LEN} characters")]
    TooShort,
    /// More than [`MAX_LEN`] characters.
    #[error("use at most {MAX_LEN} characters")]
    TooLong,
    /// Contains the user name.
    #[error("the password must not contain the user name")]
    ContainsName,
    /// One character repeated, or a well-known password.
    #[error("this password is too easy to guess")]
    TooCommon,
}

/// Hashing failed (a bug or an exhausted system RNG); never the user's fault.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

const COMMON: &[&str] = &[
    "password1234",
    "123456789012",
    "qwertyuiopas",
    "welkom123456",
    "wachtwoord12",
    "administrator",
    "passwordpassword",
    "letmein12345",
    "iloveyou1234",
    "changeme1234",
];

/// Checks a new password against the policy.
pub fn check_policy(password: &str, user_name: &str) -> Result<(), PolicyError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    let lower = password.to_lowercase();
    if !user_name.is_empty() && lower.contains(&user_name.to_lowercase()) {
        return Err(PolicyError::ContainsName);
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) || COMMON.contains(&lower.as_str()) {
        return Err(PolicyError::TooCommon);
    }
    Ok(())
}

/// Hashes a password into a PHC string with a fresh random salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_LEN * 4 {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Spends the time of one verification for a user that does not exist, so the response time
/// does not tell an attacker which names are real.
pub fn verify_dummy(password: &str) {
    // A hash of a random password with the default parameters, made once.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default());
    let _ = verify(password, phc);
}

/// A random 20-character password for one-time use (the demo's first admin).
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a phc string"));
        assert_ne!(h, hash("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn policy() {
        assert_eq!(check_policy("short", "a"), Err(PolicyError::TooShort));
        assert_eq!(
            check_policy("aaaaaaaaaaaaaaa", "a"),
            Err(PolicyError::ContainsName)
        );
        assert_eq!(
            check_policy("############", "bob"),
            Err(PolicyError::TooCommon)
        );
        assert_eq!(
            check_policy("Password1234", "bob"),
            Err(PolicyError::TooCommon)
        );
        assert_eq!(
            check_policy("my-anneke-secret", "Anneke"),
            Err(PolicyError::ContainsName)
        );
        assert_eq!(
            check_policy(&"x".repeat(300), "bob"),
            Err(PolicyError::TooLong)
        );
        assert!(check_policy("linden tree 1987", "anneke").is_ok());
        assert!(check_policy(&generate(), "anneke").is_ok());
    }
}
