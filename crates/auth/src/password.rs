//! Passwords: Argon2id (m=19 MiB, t=2, p=1, the argon2 crate's defaults and OWASP's
//! minimum), PHC strings, and the policy a new password must meet.

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
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

/// Blocks (1 KiB each) in an allocation that glibc always serves with `mmap`: one more than
/// its largest dynamic mmap threshold (32 MiB on 64-bit).
///
/// Argon2's 19 MiB working memory, allocated and freed at every run, first comes from `mmap`,
/// but freeing it raises glibc's threshold to its size, so every later run is carved from the
/// heap instead, where fragmentation keeps it: a burst of 43 sign-ins, four at a time, left the
/// process 550 MiB larger for good. Reserving more than the threshold can ever reach means the
/// memory is mapped for each run and unmapped after it; only the part Argon2 touches (19 MiB)
/// is ever resident. Other allocators are not harmed by it.
const ALWAYS_MAPPED_BLOCKS: usize = 32 * 1024 + 1;

/// Runs Argon2 into `out` with working memory that goes back to the system afterwards.
fn argon2_into(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), String> {
    let blocks = params.block_count();
    let mut memory: Vec<Block> = Vec::new();
    memory
        .try_reserve_exact(blocks.max(ALWAYS_MAPPED_BLOCKS))
        .map_err(|e| e.to_string())?;
    memory.resize(blocks, Block::new());
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, out, &mut memory[..])
        .map_err(|e| e.to_string())
}

/// Hashes a password into a PHC string with a fresh random salt (Argon2id, version 0x13,
/// the default parameters).
pub fn hash(password: &str) -> Result<String, HashError> {
    let params = Params::default();
    let salt_bytes: [u8; 16] = rand::random();
    let salt = Salt::new(&salt_bytes).map_err(|e| HashError(e.to_string()))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password.as_bytes(),
        &salt,
        &mut out,
    )
    .map_err(HashError)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| HashError(e.to_string()))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| HashError(e.to_string()))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string (any Argon2 variant and parameters in it). A
/// malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_LEN * 4 {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::new(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if argon2_into(
        algorithm,
        version,
        params,
        password.as_bytes(),
        salt,
        &mut out,
    )
    .is_err()
    {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == *expected)
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

    /// Our hashes are standard PHC strings the argon2 crate reads, and the other way round.
    #[test]
    fn compatible_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash("correct horse battery").unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", ours.as_str())
                .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &theirs));
        assert!(!verify("correct horse batterY", &theirs));
        // Other variants and parameters, as an older hash might have.
        let params = Params::new(8192, 3, 1, Some(24)).unwrap();
        let other = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &other), "{other}");
        assert!(!verify("correct horse batterY", &other));
        assert!(!verify(
            "correct horse battery",
            &other.replace("t=3", "t=2")
        ));
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
