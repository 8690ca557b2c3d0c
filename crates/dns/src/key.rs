//! TSIG secret files, in whichever form the DNS server's own tool wrote them, so that an operator
//! can copy the key over without editing it:
//!
//! - Knot's `keymgr -t NAME hmac-sha256` (YAML with `id:`, `algorithm:`, `secret:`),
//! - BIND's `tsig-keygen NAME` (`key "NAME" { algorithm …; secret "…"; };`),
//! - or the base64 secret alone on a line.

use base64::Engine;

use crate::Error;

/// What a key file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFile {
    /// The key's name, when the file names it.
    pub name: Option<String>,
    /// Its algorithm, when the file names it.
    pub algorithm: Option<String>,
    /// The secret.
    pub secret: Vec<u8>,
}

/// Reads a key file's text. The secret never appears in an error.
pub fn parse(text: &str) -> Result<KeyFile, Error> {
    let mut name = None;
    let mut algorithm = None;
    let mut secret_b64 = None;
    let unquote = |s: &str| {
        s.trim()
            .trim_end_matches(';')
            .trim()
            .trim_matches('"')
            .to_string()
    };
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with("//") {
            continue;
        }
        let l = l.strip_prefix("- ").unwrap_or(l);
        if let Some(v) = l.strip_prefix("id:") {
            name = Some(unquote(v));
        } else if let Some(v) = l.strip_prefix("key ") {
            name = Some(unquote(v.trim_end_matches('{')));
        } else if let Some(v) = l
            .strip_prefix("algorithm:")
            .or_else(|| l.strip_prefix("algorithm "))
        {
            algorithm = Some(unquote(v));
        } else if let Some(v) = l
            .strip_prefix("secret:")
            .or_else(|| l.strip_prefix("secret "))
        {
            secret_b64 = Some(unquote(v));
        } else if l == "key:" || l == "};" || l == "}" {
        } else if secret_b64.is_none() && name.is_none() && !l.contains(' ') {
            secret_b64 = Some(l.to_string());
        } else {
            return Err(Error::Key(format!(
                "unexpected line {:?}: the file should hold Knot's `keymgr -t` output, BIND's `tsig-keygen` output, or the base64 secret alone",
                l.chars().take(40).collect::<String>()
            )));
        }
    }
    let Some(b64) = secret_b64 else {
        return Err(Error::Key("the file holds no secret".into()));
    };
    let secret = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| Error::Key(format!("the secret is not base64 ({e})")))?;
    if secret.len() < 16 {
        return Err(Error::Key(format!(
            "the secret is {} bytes; a TSIG secret should be at least 16 (keymgr -t makes 32)",
            secret.len()
        )));
    }
    Ok(KeyFile {
        name,
        algorithm,
        secret,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const S: &str = "6CE3ndfhHfnmjAblP5GcHvlGFvLCeh1vXwrjV1TxBkw=";

    #[test]
    fn knot_bind_and_bare_files() {
        let knot = format!(
            "# hmac-sha256:bolwerk-key:{S}\nkey:\n  - id: bolwerk-key\n    algorithm: hmac-sha256\n    secret: {S}\n"
        );
        let k = parse(&knot).unwrap();
        assert_eq!(k.name.as_deref(), Some("bolwerk-key"));
        assert_eq!(k.algorithm.as_deref(), Some("hmac-sha256"));
        assert_eq!(k.secret.len(), 32);
        let bind =
            format!("key \"bolwerk-key\" {{\n\talgorithm hmac-sha256;\n\tsecret \"{S}\";\n}};\n");
        assert_eq!(parse(&bind).unwrap(), k);
        let bare = parse(&format!("{S}\n")).unwrap();
        assert_eq!(bare.secret, k.secret);
        assert_eq!(bare.name, None);
    }

    #[test]
    fn bad_files_say_why_and_never_show_the_secret() {
        assert!(parse("").unwrap_err().to_string().contains("no secret"));
        let e = parse("secret: not*base64").unwrap_err().to_string();
        assert!(e.contains("not base64"), "{e}");
        let e = parse("secret: c2hvcnQ=").unwrap_err().to_string();
        assert!(e.contains("at least 16"), "{e}");
        let e = parse(&format!("{S}\nsomething else here"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unexpected line"), "{e}");
        assert!(!e.contains(S));
    }
}
