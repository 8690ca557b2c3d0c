//! Messages Bolwerk sends, built so that nothing a visitor typed can become a header.
//!
//! Every text that ends up in a header (names, addresses, the subject) is checked before the
//! message is built: no control characters (so no CR/LF header injection) and no `=?`
//! (so no encoded word that a reader would decode into something else). `From:` is always an
//! address of the sending domain, which is also the DKIM `d=` (DMARC alignment); the
//! visitor's address may only go into `Reply-To:`.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};

use crate::Error;

/// Longest header text accepted (a subject, a display name).
pub const MAX_HEADER_TEXT: usize = 200;

/// A message to send, before it is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Domain the message is sent for: `From:` must be of it, and it signs with DKIM.
    pub domain: String,
    /// Local part of `From:` (`noreply` → `noreply@domain`).
    pub from_local: String,
    /// Display name of `From:` (the site's title).
    pub from_name: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Where answers go (the visitor who filled in a form): `(name, address)`.
    pub reply_to: Option<(String, String)>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// A built message: what goes over SMTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    /// Envelope sender (`MAIL FROM`), the `From:` address (SPF alignment).
    pub envelope_from: String,
    /// Envelope recipients (`RCPT TO`).
    pub recipients: Vec<String>,
    /// `Message-ID:` without angle brackets.
    pub message_id: String,
    /// The RFC 5322 message, unsigned, CRLF line ends.
    pub bytes: Vec<u8>,
}

/// Refuses text that could change the header it goes into, with a plain reason.
pub fn check_header_text(what: &str, text: &str) -> Result<(), Error> {
    if text.chars().any(|c| c.is_control()) {
        return Err(Error::Refused(format!(
            "{what} contains a line break or control character"
        )));
    }
    if text.contains("=?") {
        return Err(Error::Refused(format!(
            "{what} contains \"=?\" (an encoded-word)"
        )));
    }
    if text.chars().count() > MAX_HEADER_TEXT {
        return Err(Error::Refused(format!(
            "{what} is longer than {MAX_HEADER_TEXT} characters"
        )));
    }
    Ok(())
}

/// Checks an e-mail address strictly: one `@`, a dot-atom local part, a domain of letters,
/// digits, `-` and dots. Quoted local parts, comments, IP literals and anything that a header
/// parser could read two ways are refused.
pub fn check_address(what: &str, address: &str) -> Result<(), Error> {
    let bad = |why: &str| Err(Error::Refused(format!("{what} {why}")));
    if address.len() > 254 {
        return bad("is too long");
    }
    let Some((local, domain)) = address.split_once('@') else {
        return bad("is not an e-mail address (no @)");
    };
    if local.is_empty() || local.len() > 64 {
        return bad("has an empty or too long part before the @");
    }
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=^_`{|}~".contains(c);
    if local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.chars().all(|c| atom(c) || c == '.')
    {
        return bad("has characters that are not allowed before the @");
    }
    if local.contains("=?") {
        return bad("contains \"=?\" (an encoded-word)");
    }
    if !valid_domain(domain) {
        return bad("has an invalid domain after the @");
    }
    Ok(())
}

/// A DNS host name of at least two labels: letters, digits, `-`, no empty label.
pub fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

impl Outgoing {
    /// The `From:` address.
    pub fn from_address(&self) -> String {
        format!("{}@{}", self.from_local, self.domain)
    }

    /// Checks every header text and address, then builds the message.
    pub fn build(&self) -> Result<Built, Error> {
        let from = self.from_address();
        check_address("the sender address", &from)?;
        check_header_text("the sender name", &self.from_name)?;
        check_header_text("the subject", &self.subject)?;
        if self.to.is_empty() {
            return Err(Error::Refused("the message has no recipient".into()));
        }
        for to in &self.to {
            check_address("a recipient address", to)?;
        }
        let mailbox = |name: &str, addr: &str| -> Result<Mailbox, Error> {
            let address = addr
                .parse()
                .map_err(|e| Error::Refused(format!("address {addr:?}: {e}")))?;
            let name = (!name.is_empty()).then(|| name.to_string());
            Ok(Mailbox::new(name, address))
        };
        let message_id = format!("{}@{}", random_hex(16), self.domain);
        let mut builder = Message::builder()
            .from(mailbox(&self.from_name, &from)?)
            .subject(self.subject.clone())
            .message_id(Some(format!("<{message_id}>")))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(mailbox("", to)?);
        }
        if let Some((name, addr)) = &self.reply_to {
            check_header_text("the reply name", name)?;
            check_address("the reply address", addr)?;
            builder = builder.reply_to(mailbox(name, addr)?);
        }
        let body = self.body.replace("\r\n", "\n");
        let message = builder
            .body(body)
            .map_err(|e| Error::Refused(format!("message cannot be built: {e}")))?;
        Ok(Built {
            envelope_from: from,
            recipients: self.to.clone(),
            message_id,
            bytes: message.formatted(),
        })
    }
}

/// `n` random bytes as lower-case hex.
pub(crate) fn random_hex(n: usize) -> String {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    // SystemRandom only fails when the OS has no randomness at all; a zero id is still unique
    // enough not to break delivery.
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Outgoing {
        Outgoing {
            domain: "bakkerij.test".into(),
            from_local: "noreply".into(),
            from_name: "Bakkerij Jansen".into(),
            to: vec!["info@bakkerij.test".into()],
            reply_to: Some(("Anna de Vries".into(), "anna@example.org".into())),
            subject: "Contact form: bread order".into(),
            body: "Hello,\nI would like 3 loaves.\n".into(),
        }
    }

    fn headers(b: &Built) -> String {
        let text = String::from_utf8_lossy(&b.bytes);
        text.split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn from_is_the_domain_and_the_visitor_is_reply_to() {
        let b = sample().build().expect("builds");
        let h = headers(&b);
        assert!(
            h.contains("From: \"Bakkerij Jansen\" <noreply@bakkerij.test>"),
            "{h}"
        );
        assert!(
            h.contains("Reply-To: \"Anna de Vries\" <anna@example.org>"),
            "{h}"
        );
        assert!(h.contains("To: info@bakkerij.test"), "{h}");
        assert!(h.contains(&format!("Message-ID: <{}>", b.message_id)));
        assert!(b.message_id.ends_with("@bakkerij.test"));
        assert_eq!(b.envelope_from, "noreply@bakkerij.test");
        assert!(!h.contains("anna@example.org>\r\nFrom"), "{h}");
        assert!(String::from_utf8_lossy(&b.bytes).contains("I would like 3 loaves."));
    }

    #[test]
    fn header_injection_is_refused() {
        for bad in [
            "x\r\nBcc: victim@example.org",
            "x\nBcc: victim@example.org",
            "x\rBcc: victim@example.org",
            "x\u{0}y",
            "=?utf-8?b?eA0KQmNjOiB2aWN0aW1AZXhhbXBsZS5vcmc=?=",
            "x\u{85}Bcc: y",
        ] {
            let mut o = sample();
            o.subject = bad.into();
            assert!(
                matches!(o.build(), Err(Error::Refused(_))),
                "subject {bad:?}"
            );
            let mut o = sample();
            o.reply_to = Some((bad.into(), "anna@example.org".into()));
            assert!(matches!(o.build(), Err(Error::Refused(_))), "name {bad:?}");
        }
        for bad in [
            "anna@example.org\r\nBcc: victim@example.org",
            "anna@example.org, victim@example.org",
            "Anna <anna@example.org>",
            "\"a b\"@example.org",
            "anna@[127.0.0.1]",
            "anna(comment)@example.org",
            "=?utf-8?q?a?=@example.org",
            "anna@example",
            "anna@-example.org",
            "anna..x@example.org",
            "@example.org",
            "anna",
        ] {
            let mut o = sample();
            o.reply_to = Some(("Anna".into(), bad.into()));
            assert!(
                matches!(o.build(), Err(Error::Refused(_))),
                "address {bad:?}"
            );
        }
    }

    #[test]
    fn non_ascii_subjects_and_names_are_encoded_not_refused() {
        let mut o = sample();
        o.subject = "Bestelling: croissants à €2".into();
        o.reply_to = Some(("Zoë Ğ".into(), "zoe@example.org".into()));
        let b = o.build().expect("builds");
        let h = headers(&b);
        assert!(h.is_ascii(), "{h}");
        assert!(
            h.contains("Subject: Bestelling: croissants =?utf-8?"),
            "{h}"
        );
    }

    #[test]
    fn a_body_line_cannot_end_the_headers_or_smuggle_a_message() {
        let mut o = sample();
        o.body = "line\r\n.\r\nMAIL FROM:<x@y.z>\r\n".into();
        let b = o.build().expect("builds");
        let text = String::from_utf8_lossy(&b.bytes);
        // Headers end before the body; the body's lines are the body's.
        let (h, body) = text.split_once("\r\n\r\n").expect("header/body split");
        assert!(!h.contains("MAIL FROM"));
        assert!(body.contains("MAIL FROM"));
    }
}
