//! Second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew
//! either way), each code accepted once, plus one-time recovery codes.

use qrcodegen::{QrCode, QrCodeEcc};
use rand::RngCore;
use totp_rs::{Builder, Secret, Totp};

/// Why a secret could not be used (a corrupt stored secret; never the user's fault).
#[derive(Debug, thiserror::Error)]
#[error("TOTP: {0}")]
pub struct TotpError(String);

/// What the user needs to add the account to an authenticator app.
#[derive(Clone, Debug)]
pub struct Enrollment {
    /// Base32 secret, also shown for typing in by hand.
    pub secret: String,
    /// `otpauth://totp/...` URL, the content of the QR code.
    pub url: String,
    /// The QR code as an SVG document (no script, no external references).
    pub qr_svg: String,
}

fn totp(secret_base32: &str, account: &str, issuer: &str) -> Result<Totp, TotpError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|e| TotpError(e.to_string()))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(issuer))
        .build()
        .map_err(|e| TotpError(e.to_string()))
}

/// A fresh 160-bit secret for `account`, labelled with `issuer` in the app.
pub fn enroll(account: &str, issuer: &str) -> Result<Enrollment, TotpError> {
    let secret = Secret::generate().to_base32();
    let t = totp(&secret, account, issuer)?;
    let url = t.to_url().map_err(|e| TotpError(e.to_string()))?;
    let qr_svg = qr_svg(&url)?;
    Ok(Enrollment {
        secret,
        url,
        qr_svg,
    })
}

/// The enrolment data for an existing (pending) secret, so a reload shows the same QR code.
pub fn enroll_with(secret: &str, account: &str, issuer: &str) -> Result<Enrollment, TotpError> {
    let t = totp(secret, account, issuer)?;
    let url = t.to_url().map_err(|e| TotpError(e.to_string()))?;
    let qr_svg = qr_svg(&url)?;
    Ok(Enrollment {
        secret: secret.to_string(),
        url,
        qr_svg,
    })
}

/// Checks `code` at `now` (Unix seconds). Returns the matched time step if the code is right
/// and newer than `last_step`, the step of the last accepted code, so a code seen by a
/// shoulder-surfer or a phishing proxy cannot be used a second time.
pub fn verify(secret_base32: &str, code: &str, now: u64, last_step: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_base32, "x", "x").ok()?;
    t.check(&code, now).filter(|step| *step > last_step)
}

/// The code for `now` (for tests and for showing the user what to expect).
pub fn code_at(secret_base32: &str, now: u64) -> Option<String> {
    Some(
        totp(secret_base32, "x", "x")
            .ok()?
            .generate(now)
            .to_string(),
    )
}

/// Ten recovery codes like `k4tz-9mqe-2pwa`: 60 bits each, for when the phone is lost.
/// Store only their [`crate::token::hash`].
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..10)
        .map(|_| {
            let mut bytes = [0u8; 12];
            rand::rng().fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
        })
        .collect()
}

/// Normalises a typed recovery code (case, spaces) before hashing it.
pub fn normalize_recovery_code(input: &str) -> String {
    input.trim().to_ascii_lowercase().replace(' ', "")
}

/// Draws `text` as a QR code in SVG: one path of dark modules on a white square.
pub fn qr_svg(text: &str) -> Result<String, TotpError> {
    let qr =
        QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|e| TotpError(format!("{e:?}")))?;
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"220\" height=\"220\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\"><rect width=\"{size}\" height=\"{size}\" \
         fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enroll_and_verify_once() {
        let e = enroll("anneke", "delinde.nl").unwrap();
        assert!(
            e.url
                .starts_with("otpauth://totp/delinde.nl:anneke?secret="),
            "{}",
            e.url
        );
        assert!(e.qr_svg.starts_with("<svg") && !e.qr_svg.contains("script"));
        let now = 1_795_737_600;
        let code = code_at(&e.secret, now).unwrap();
        let step = verify(&e.secret, &code, now, 0).expect("current code");
        assert_eq!(step, now / 30);
        assert_eq!(
            verify(&e.secret, &code, now, step),
            None,
            "the same code is not accepted twice"
        );
        assert!(
            verify(&e.secret, &code, now + 30, 0).is_some(),
            "one step of skew"
        );
        assert_eq!(verify(&e.secret, &code, now + 120, 0), None, "too old");
        assert_eq!(verify(&e.secret, "12345", now, 0), None);
        assert_eq!(verify(&e.secret, "abcdef", now, 0), None);
        assert_eq!(verify("not base32!", &code, now, 0), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_readable() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 14 && c.matches('-').count() == 2)
        );
        assert_eq!(
            normalize_recovery_code(" K4TZ-9MQE-2PWA "),
            "k4tz-9mqe-2pwa"
        );
    }
}
