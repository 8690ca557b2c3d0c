//! Short-lived signed links to a page as it is saved, published or not: an editor sees a draft
//! on the real theme, or sends the link to a colleague, without an account or a cookie. The
//! link names the page, the account that made it and when it stops working, signed with the
//! server's key; nothing else opens a draft. The server honours a link only while its maker
//! may still edit the site, so taking an editor's access away closes their links too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// How long a preview link works.
pub const LIFETIME_S: i64 = 30 * 60;

/// Signs and checks preview links with one secret.
pub struct PreviewKey {
    key: ring::hmac::Key,
}

impl std::fmt::Debug for PreviewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreviewKey(..)")
    }
}

/// What a valid link opens, and whose it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The page's site.
    pub site_id: i64,
    /// The page.
    pub page_id: i64,
    /// The account that made the link.
    pub user_id: i64,
}

fn mac_input(link: Link, expires: i64) -> Vec<u8> {
    let Link {
        site_id,
        page_id,
        user_id,
    } = link;
    format!("bolwerk-preview-v2\0{site_id}\0{page_id}\0{user_id}\0{expires}").into_bytes()
}

/// Whether `token` has a link's shape and is not expired at `now`: checked before anything
/// else (the key, the database) is asked.
pub fn may_be_valid(token: &str, now: i64) -> bool {
    let parts: Vec<&str> = token.splitn(6, '.').collect();
    token.len() <= 200
        && parts.len() == 5
        && parts[..4]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[3].parse::<i64>().is_ok_and(|expires| expires >= now)
}

impl PreviewKey {
    /// The key of a stored secret (as [`crate::form::Tokens::new_secret`] makes them);
    /// `None` when it is not one.
    pub fn from_stored(secret: &str) -> Option<PreviewKey> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(secret.trim())
            .ok()?;
        (bytes.len() >= 32).then(|| PreviewKey {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes),
        })
    }

    /// A link token for `link`, working until `now + LIFETIME_S`.
    pub fn sign(&self, link: Link, now: i64) -> String {
        let expires = now.saturating_add(LIFETIME_S);
        let tag = ring::hmac::sign(&self.key, &mac_input(link, expires));
        let Link {
            site_id,
            page_id,
            user_id,
        } = link;
        format!(
            "{site_id}.{page_id}.{user_id}.{expires}.{}",
            B64.encode(tag.as_ref())
        )
    }

    /// What a token opens at `now`; `None` when it is not ours, altered, or expired.
    pub fn check(&self, token: &str, now: i64) -> Option<Link> {
        if token.len() > 200 {
            return None;
        }
        let mut parts = token.split('.');
        let site_id: i64 = parts.next()?.parse().ok()?;
        let page_id: i64 = parts.next()?.parse().ok()?;
        let user_id: i64 = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        let mac = B64.decode(parts.next()?).ok()?;
        if parts.next().is_some() || now > expires {
            return None;
        }
        let link = Link {
            site_id,
            page_id,
            user_id,
        };
        ring::hmac::verify(&self.key, &mac_input(link, expires), &mac).ok()?;
        Some(link)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn links_open_one_page_for_half_an_hour() {
        let secret = crate::form::Tokens::new_secret().unwrap();
        let key = PreviewKey::from_stored(&secret).unwrap();
        let link = Link {
            site_id: 1,
            page_id: 42,
            user_id: 7,
        };
        let t = key.sign(link, 1_000);
        assert_eq!(key.check(&t, 1_000), Some(link));
        assert_eq!(key.check(&t, 1_000 + LIFETIME_S), Some(link));
        assert_eq!(key.check(&t, 1_001 + LIFETIME_S), None, "expired");
        // Another page, site, maker or expiry with the same signature: refused.
        let mac = t.rsplit('.').next().unwrap();
        for forged in [
            format!("1.43.7.{}.{mac}", 1_000 + LIFETIME_S),
            format!("2.42.7.{}.{mac}", 1_000 + LIFETIME_S),
            format!("1.42.8.{}.{mac}", 1_000 + LIFETIME_S),
            format!("1.42.7.{}.{mac}", 9_999_999),
            format!("{t}.x"),
            "1.42".into(),
            String::new(),
        ] {
            assert_eq!(key.check(&forged, 1_000), None, "{forged}");
        }
        assert!(may_be_valid(&t, 1_000));
        assert!(!may_be_valid(&t, 1_001 + LIFETIME_S));
        assert!(!may_be_valid("+1.42.7.99999.x", 1_000), "only plain digits");
        assert!(!may_be_valid("1.42", 1_000));
        let other = PreviewKey::from_stored(&crate::form::Tokens::new_secret().unwrap()).unwrap();
        assert_eq!(other.check(&t, 1_000), None, "another server's key");
        assert!(PreviewKey::from_stored("short").is_none());
    }
}
