//! Contact forms: their definition (from the config file), the signed token that replaces a
//! cookie, and the checks on what a visitor posts. Pure: the server does the IO.
//!
//! The token is `<issued>.<nonce>.<mac>`: HMAC-SHA256 over the site, the form, the time the
//! form was shown and a random nonce. A forged or altered token fails the MAC, an old one is
//! expired, a too-young one was filled in faster than a person can, and the nonce is stored
//! with the submission so the same token cannot be posted twice.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

/// Name of the hidden field that carries the token.
pub const TOKEN_FIELD: &str = "_token";
/// Name of the honeypot: hidden from people by the stylesheet, filled in by simple bots.
pub const HONEYPOT_FIELD: &str = "website";

/// `[[site.form]]`: one contact form of a site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    /// Short name (`contact`): letters, digits, `-`.
    pub name: String,
    /// Where the form is shown and posted to (`/contact`).
    pub path: String,
    /// Heading of the form page.
    #[serde(default = "default_title")]
    pub title: String,
    /// A line of text above the form.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    /// Who receives the submissions (addresses of the organisation).
    pub to: Vec<String>,
    /// Subject of the notification mail; the site title is added.
    #[serde(default = "default_subject")]
    pub subject: String,
    /// Path of a page to send the visitor to after sending (`/bedankt`); a short built-in
    /// thank-you page with `thanks_text` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thanks_page: Option<String>,
    /// Text of the built-in thank-you page.
    #[serde(default = "default_thanks")]
    pub thanks_text: String,
    /// Seconds a person needs at least to fill in the form; faster posts are refused.
    #[serde(default = "default_min_fill")]
    pub min_fill_s: u64,
    /// Seconds a shown form stays valid.
    #[serde(default = "default_max_age")]
    pub max_age_s: u64,
    /// The fields; name, e-mail and message when none are given.
    #[serde(default = "default_fields", rename = "field")]
    pub fields: Vec<FieldSpec>,
}

/// One field of a form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Name in the post (`email`): letters, digits, `_`.
    pub name: String,
    /// Label shown to visitors.
    pub label: String,
    /// `text` (one line), `email` (an address; the first one becomes the mail's `Reply-To`)
    /// or `textarea` (several lines).
    #[serde(default)]
    pub kind: FieldKind,
    /// Must be filled in.
    #[serde(default)]
    pub required: bool,
    /// Longest accepted value, in characters.
    #[serde(default = "default_max_len")]
    pub max_len: usize,
}

/// Kinds of fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// One line of text.
    #[default]
    Text,
    /// An e-mail address.
    Email,
    /// Several lines of text.
    Textarea,
}

impl FormSpec {
    /// The built-in texts (title, subject, thank-you text, the labels of the default
    /// fields) in the site's language. The config's own words are the operator's and stay as
    /// written; a text equal to the built-in English one counts as not written.
    pub fn localize(&mut self, lang: i18n::Lang) {
        let swap = |text: &mut String, default: String, key: &str| {
            if *text == default {
                *text = i18n::text(lang, key);
            }
        };
        swap(&mut self.title, default_title(), "form-default-title");
        swap(&mut self.subject, default_subject(), "form-default-subject");
        swap(
            &mut self.thanks_text,
            default_thanks(),
            "form-default-thanks",
        );
        for (f, d) in self.fields.iter_mut().zip(default_fields()) {
            if f.name == d.name {
                swap(
                    &mut f.label,
                    d.label,
                    &format!("form-default-label-{}", d.name),
                );
            }
        }
    }
}

fn default_title() -> String {
    "Contact".into()
}
fn default_subject() -> String {
    "Message from the contact form".into()
}
fn default_thanks() -> String {
    "Thank you! Your message has been sent.".into()
}
fn default_min_fill() -> u64 {
    3
}
fn default_max_age() -> u64 {
    4 * 3600
}
fn default_max_len() -> usize {
    200
}
fn default_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec {
            name: "name".into(),
            label: "Your name".into(),
            kind: FieldKind::Text,
            required: true,
            max_len: 100,
        },
        FieldSpec {
            name: "email".into(),
            label: "Your e-mail address".into(),
            kind: FieldKind::Email,
            required: true,
            max_len: 254,
        },
        FieldSpec {
            name: "message".into(),
            label: "Your message".into(),
            kind: FieldKind::Textarea,
            required: true,
            max_len: 5000,
        },
    ]
}

impl FormSpec {
    /// A form with the default title, texts and fields (name, e-mail, message).
    pub fn new(name: &str, path: &str, to: Vec<String>) -> FormSpec {
        FormSpec {
            name: name.into(),
            path: path.into(),
            title: default_title(),
            intro: String::new(),
            to,
            subject: default_subject(),
            thanks_page: None,
            thanks_text: default_thanks(),
            min_fill_s: default_min_fill(),
            max_age_s: default_max_age(),
            fields: default_fields(),
        }
    }

    /// Problems with the definition, as (key, message) pairs under `prefix`.
    pub fn problems(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |k: &str, m: String| out.push((format!("{prefix}.{k}"), m));
        let name_ok = |n: &str, extra: char| {
            !n.is_empty()
                && n.len() <= 40
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == extra)
        };
        if !name_ok(&self.name, '-') {
            push(
                "name",
                format!("{:?}: use letters, digits and -", self.name),
            );
        }
        let path_ok = self.path.starts_with('/')
            && self.path.len() > 1
            && self.path.len() <= 100
            && !self.path.ends_with('/')
            && self.path[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c))
            && !self.path.contains("//")
            && !["/assets", "/media", "/.well-known"]
                .iter()
                .any(|p| self.path.starts_with(p));
        if !path_ok {
            push(
                "path",
                format!(
                    "{:?}: use a path like \"/contact\" (letters, digits, - _ /; not under /assets, /media)",
                    self.path
                ),
            );
        }
        if self.to.is_empty() {
            push("to", "give at least one recipient address".into());
        }
        for a in &self.to {
            if let Err(e) = mail::message::check_address("recipient", a) {
                push("to", e.to_string());
            }
        }
        for (what, text) in [("title", &self.title), ("subject", &self.subject)] {
            if let Err(e) = mail::message::check_header_text(what, text) {
                push(what, e.to_string());
            }
        }
        if let Some(p) = &self.thanks_page
            && (!p.starts_with('/') || p.starts_with("//") || p.contains(['\\', '\r', '\n']))
        {
            push(
                "thanks_page",
                format!("{p:?}: give a path on the site, like \"/bedankt\""),
            );
        }
        if self.max_age_s <= self.min_fill_s {
            push("max_age_s", "must be greater than min_fill_s".into());
        }
        if self.fields.is_empty() {
            push("field", "a form needs at least one field".into());
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.fields {
            if !name_ok(&f.name, '_') || f.name == TOKEN_FIELD || f.name == HONEYPOT_FIELD {
                push(
                    "field.name",
                    format!(
                        "{:?}: use letters, digits and _ (not {TOKEN_FIELD} or {HONEYPOT_FIELD})",
                        f.name
                    ),
                );
            }
            if !seen.insert(f.name.as_str()) {
                push("field.name", format!("{:?} is used twice", f.name));
            }
            if f.max_len == 0 || f.max_len > 100_000 {
                push("field.max_len", format!("{}: between 1 and 100000", f.name));
            }
        }
        out
    }

    /// The field whose address answers go to (the first `email` field).
    pub fn reply_field(&self) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.kind == FieldKind::Email)
    }

    /// The field naming the visitor (`name`, else the first one-line text field).
    pub fn name_field(&self) -> Option<&FieldSpec> {
        self.fields
            .iter()
            .find(|f| f.name == "name")
            .or_else(|| self.fields.iter().find(|f| f.kind == FieldKind::Text))
    }
}

/// Makes and checks form tokens with one secret key.
pub struct Tokens {
    key: ring::hmac::Key,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(..)")
    }
}

/// Why a token was not accepted; each says in plain words what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No token, or not one of ours, or altered.
    #[error(
        "this form could not be checked (it was not shown by this site or was altered); please send it again"
    )]
    Invalid,
    /// Shown too long ago.
    #[error("this form was shown too long ago; please send it again")]
    Expired,
    /// Sent sooner than a person can fill it in.
    #[error(
        "this form was sent too quickly after it was shown; please wait a few seconds and send it again"
    )]
    TooFast,
}

impl TokenError {
    /// What the visitor is told, in the site's language.
    pub fn text(&self, lang: i18n::Lang) -> String {
        let key = match self {
            TokenError::Invalid => "form-token-invalid",
            TokenError::Expired => "form-token-expired",
            TokenError::TooFast => "form-token-too-fast",
        };
        i18n::text(lang, key)
    }
}

/// A token that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedToken {
    /// Unique per shown form; stored with the submission against replays.
    pub nonce: String,
    /// When the form was shown.
    pub issued: i64,
}

impl Tokens {
    /// Tokens signed with `secret` (32 random bytes kept by the server).
    pub fn new(secret: &[u8]) -> Tokens {
        Tokens {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret),
        }
    }

    /// A new random secret in its stored form (base64), or `None` without OS randomness.
    pub fn new_secret() -> Option<String> {
        use ring::rand::SecureRandom;
        let mut key = [0u8; 32];
        ring::rand::SystemRandom::new().fill(&mut key).ok()?;
        Some(base64::engine::general_purpose::STANDARD.encode(key))
    }

    /// Tokens with a stored secret; `None` when it is not one (too short, not base64).
    pub fn from_stored(secret: &str) -> Option<Tokens> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(secret.trim())
            .ok()?;
        (bytes.len() >= 32).then(|| Tokens::new(&bytes))
    }

    fn mac_input(site: &str, form: &str, issued: i64, nonce: &str) -> Vec<u8> {
        format!("bolwerk-form-v1\0{site}\0{form}\0{issued}\0{nonce}").into_bytes()
    }

    /// A fresh token for showing `form` of `site` at `now`.
    pub fn issue(&self, site: &str, form: &str, now: i64) -> String {
        use ring::rand::SecureRandom;
        let mut nonce = [0u8; 16];
        // Without OS randomness the nonce is zero; the MAC and time still hold, replays of
        // that one token are then refused after its first use like any other.
        let _ = ring::rand::SystemRandom::new().fill(&mut nonce);
        let nonce = B64.encode(nonce);
        let tag = ring::hmac::sign(&self.key, &Self::mac_input(site, form, now, &nonce));
        format!("{now}.{nonce}.{}", B64.encode(tag.as_ref()))
    }

    /// Checks a posted token for `form` of `site` at `now`.
    pub fn check(
        &self,
        token: &str,
        site: &str,
        spec: &FormSpec,
        now: i64,
    ) -> Result<CheckedToken, TokenError> {
        let mut parts = token.splitn(3, '.');
        let (Some(issued), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let issued: i64 = issued.parse().map_err(|_| TokenError::Invalid)?;
        if nonce.len() > 40 {
            return Err(TokenError::Invalid);
        }
        let mac = B64.decode(mac).map_err(|_| TokenError::Invalid)?;
        ring::hmac::verify(
            &self.key,
            &Self::mac_input(site, &spec.name, issued, nonce),
            &mac,
        )
        .map_err(|_| TokenError::Invalid)?;
        let age = now - issued;
        if age > spec.max_age_s as i64 {
            return Err(TokenError::Expired);
        }
        // A clock a minute behind on another node is not "too fast"; a token from the future
        // beyond that was not made by us.
        if age < -60 {
            return Err(TokenError::Invalid);
        }
        // Only a clock running ahead makes the age negative; that is no proof of haste.
        if (0..spec.min_fill_s as i64).contains(&age) {
            return Err(TokenError::TooFast);
        }
        Ok(CheckedToken {
            nonce: nonce.to_string(),
            issued,
        })
    }
}

/// What a visitor posted, checked field by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// `(name, label, value)` in form order, values trimmed.
    pub fields: Vec<(String, String, String)>,
    /// The visitor's address for `Reply-To`, when given.
    pub reply_to: Option<String>,
    /// The visitor's name for `Reply-To`, when given.
    pub reply_name: String,
}

/// Problems with a post: per field (to show next to it) and for the whole form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems {
    /// The form as a whole (token, honeypot, unknown fields).
    pub form: Vec<String>,
    /// `(field name, message)`.
    pub fields: Vec<(String, String)>,
}

impl Problems {
    /// Nothing wrong.
    pub fn is_empty(&self) -> bool {
        self.form.is_empty() && self.fields.is_empty()
    }

    /// Every message in one line (for logs and plain answers).
    pub fn summary(&self) -> String {
        self.form
            .iter()
            .cloned()
            .chain(self.fields.iter().map(|(f, m)| format!("{f}: {m}")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Checks the posted values (not the token) against the form: the honeypot is empty, no
/// unknown or repeated field, required ones filled, lengths, one-line fields on one line, no
/// control characters, a valid address in e-mail fields, and header-safe text where a value
/// goes into the mail's headers.
pub fn check_values(
    spec: &FormSpec,
    posted: &[(String, String)],
    lang: i18n::Lang,
) -> Result<Checked, Problems> {
    let t = |key: &str| i18n::text(lang, key);
    let tw = |key: &str, args: &[(&str, i18n::Arg<'_>)]| i18n::text_with(lang, key, args);
    let mut problems = Problems::default();
    let mut values: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut hidden_seen = (false, false);
    for (name, value) in posted {
        // A second token or honeypot could smuggle a value past whoever reads the first.
        let seen = match name.as_str() {
            TOKEN_FIELD => Some(&mut hidden_seen.0),
            HONEYPOT_FIELD => Some(&mut hidden_seen.1),
            _ => None,
        };
        if let Some(seen) = seen {
            if *seen {
                problems
                    .form
                    .push(tw("form-hidden-twice", &[("name", name.into())]));
                continue;
            }
            *seen = true;
        }
        if name == TOKEN_FIELD {
            continue;
        }
        if name == HONEYPOT_FIELD {
            if !value.is_empty() {
                problems
                    .form
                    .push(tw("form-honeypot", &[("name", HONEYPOT_FIELD.into())]));
            }
            continue;
        }
        if !spec.fields.iter().any(|f| &f.name == name) {
            problems.form.push(tw(
                "form-unknown-field",
                &[("name", format!("{:?}", clip(name, 40)).into())],
            ));
            continue;
        }
        if values.insert(name, value).is_some() {
            problems.fields.push((name.clone(), t("form-sent-twice")));
        }
    }
    let reply = spec.reply_field().map(|f| f.name.clone());
    let who = spec.name_field().map(|f| f.name.clone());
    let mut fields = Vec::new();
    for f in &spec.fields {
        let raw = values.get(f.name.as_str()).copied().unwrap_or("");
        let value = if f.kind == FieldKind::Textarea {
            raw.replace("\r\n", "\n").trim().to_string()
        } else {
            raw.trim().to_string()
        };
        let mut bad = |m: String| problems.fields.push((f.name.clone(), m));
        if value.is_empty() {
            if f.required {
                bad(t("form-required"));
            }
        } else if value.chars().count() > f.max_len {
            bad(tw("form-too-long", &[("max", f.max_len.into())]));
        } else if f.kind != FieldKind::Textarea && value.contains(['\r', '\n']) {
            bad(t("form-one-line"));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            bad(t("form-control-characters"));
        } else if f.kind == FieldKind::Email
            && mail::message::check_address("the address", &value).is_err()
        {
            bad(t("form-bad-address"));
        } else if who.as_deref() == Some(f.name.as_str())
            && mail::message::check_header_text("the name", &value).is_err()
        {
            bad(t("form-bad-name"));
        }
        fields.push((f.name.clone(), f.label.clone(), value));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let get = |n: &Option<String>| {
        n.as_ref().and_then(|n| {
            fields
                .iter()
                .find(|(name, _, v)| name == n && !v.is_empty())
                .map(|(_, _, v)| v.clone())
        })
    };
    Ok(Checked {
        reply_to: get(&reply),
        reply_name: get(&who).unwrap_or_default(),
        fields,
    })
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The notification's plain-text body: every field with its label.
pub fn mail_body(
    site_title: &str,
    spec: &FormSpec,
    checked: &Checked,
    client_ip: &str,
    lang: i18n::Lang,
) -> String {
    let mut out = i18n::text_with(
        lang,
        "form-mail-intro",
        &[
            ("form", spec.title.as_str().into()),
            ("site", site_title.into()),
        ],
    );
    out.push_str("\n\n");
    for (_, label, value) in &checked.fields {
        if value.contains('\n') {
            out.push_str(&format!("{label}:\n{value}\n\n"));
        } else {
            out.push_str(&format!("{label}: {value}\n"));
        }
    }
    out.push_str("\n--\n");
    out.push_str(&i18n::text_with(
        lang,
        "form-mail-footer",
        &[("ip", client_ip.into())],
    ));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FormSpec {
        toml_spec("name = \"contact\"\npath = \"/contact\"\nto = [\"info@bakkerij.test\"]\n")
    }

    fn toml_spec(s: &str) -> FormSpec {
        // The config file's format, as the server reads it.
        toml::from_str(s).unwrap_or_else(|e| panic!("spec: {e}"))
    }

    fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_give_a_usable_contact_form() {
        let s = spec();
        assert_eq!(
            s,
            FormSpec::new("contact", "/contact", vec!["info@bakkerij.test".into()])
        );
        assert!(
            s.problems("site.form").is_empty(),
            "{:?}",
            s.problems("site.form")
        );
        assert_eq!(s.fields.len(), 3);
        assert_eq!(s.reply_field().map(|f| f.name.as_str()), Some("email"));
    }

    #[test]
    fn tokens_are_bound_to_site_form_and_time() {
        let t = Tokens::new(b"0123456789abcdef0123456789abcdef");
        let s = spec();
        let tok = t.issue("bakkerij", "contact", 1000);
        let ok = t.check(&tok, "bakkerij", &s, 1005).expect("valid");
        assert_eq!(ok.issued, 1000);
        assert_eq!(
            t.check(&tok, "bakkerij", &s, 1001),
            Err(TokenError::TooFast)
        );
        // Another node's clock a little ahead: accepted; far ahead: not ours.
        assert!(t.check(&tok, "bakkerij", &s, 970).is_ok());
        assert_eq!(t.check(&tok, "bakkerij", &s, 900), Err(TokenError::Invalid));
        assert_eq!(
            t.check(&tok, "bakkerij", &s, 1000 + 4 * 3600 + 1),
            Err(TokenError::Expired)
        );
        assert_eq!(t.check(&tok, "other", &s, 1005), Err(TokenError::Invalid));
        let mut other = s.clone();
        other.name = "quote".into();
        assert_eq!(
            t.check(&tok, "bakkerij", &other, 1005),
            Err(TokenError::Invalid)
        );
        // Moving the time back to dodge the minimum breaks the MAC.
        let forged = tok.replacen("1000", "990", 1);
        assert_eq!(
            t.check(&forged, "bakkerij", &s, 1005),
            Err(TokenError::Invalid)
        );
        let other_key = Tokens::new(b"another key of thirty-two bytes!");
        assert_eq!(
            other_key.check(&tok, "bakkerij", &s, 1005),
            Err(TokenError::Invalid)
        );
        for junk in ["", "x", "1.2", "1000.abc.", "1000..AAAA", "a.b.c"] {
            assert_eq!(
                t.check(junk, "bakkerij", &s, 1005),
                Err(TokenError::Invalid),
                "{junk:?}"
            );
        }
        assert_ne!(t.issue("bakkerij", "contact", 1000), tok, "nonces differ");
    }

    #[test]
    fn good_posts_pass_and_give_reply_to() {
        let c = check_values(
            &spec(),
            &post(&[
                ("_token", "x"),
                ("website", ""),
                ("name", " Zoë de Vries "),
                ("email", "zoe@example.org"),
                ("message", "Hallo,\r\nik wil 3 broden.\r\n"),
            ]),
            i18n::Lang::Nl,
        )
        .expect("valid");
        assert_eq!(c.reply_to.as_deref(), Some("zoe@example.org"));
        assert_eq!(c.reply_name, "Zoë de Vries");
        assert_eq!(c.fields[2].2, "Hallo,\nik wil 3 broden.");
    }

    #[test]
    fn bad_posts_are_refused_with_reasons() {
        let base = [
            ("name", "Anna"),
            ("email", "anna@example.org"),
            ("message", "Hello"),
        ];
        let with = |k: &str, v: &str| {
            let mut p = post(&base);
            match p.iter_mut().find(|(n, _)| n == k) {
                Some(e) => e.1 = v.to_string(),
                None => p.push((k.to_string(), v.to_string())),
            }
            p
        };
        let cases: Vec<(Vec<(String, String)>, &str)> = vec![
            (with("website", "http://spam.example"), "must stay empty"),
            (
                with("email", "anna@example.org\r\nBcc: x@example.org"),
                "email",
            ),
            (with("email", "a@b.c, x@example.org"), "email"),
            (with("name", "Anna\r\nBcc: x@example.org"), "one line"),
            (
                with("name", "=?utf-8?b?QW5uYQ0KQmNjOiB4QGV4YW1wbGUub3Jn?="),
                "encoded-word",
            ),
            (with("message", ""), "required"),
            (with("message", &"x".repeat(5001)), "longer than 5000"),
            (with("message", "a\u{0}b"), "control"),
            (with("evil", "1"), "unknown field"),
        ];
        for (p, want) in cases {
            let e = check_values(&spec(), &p, i18n::Lang::En).expect_err(want);
            assert!(e.summary().contains(want), "{want}: {}", e.summary());
        }
        let mut twice = post(&base);
        twice.push(("email".into(), "x@example.org".into()));
        assert!(check_values(&spec(), &twice, i18n::Lang::En).is_err());
        // The hidden fields too: a second token or honeypot is refused, not ignored.
        for hidden in ["_token", "website"] {
            let mut twice = post(&base);
            twice.push((hidden.into(), String::new()));
            twice.push((hidden.into(), String::new()));
            let e = check_values(&spec(), &twice, i18n::Lang::En).expect_err(hidden);
            assert!(e.summary().contains("more than once"), "{}", e.summary());
        }
        // The same refusals in Dutch for a Dutch site.
        let e = check_values(&spec(), &with("message", ""), i18n::Lang::Nl).expect_err("empty");
        assert!(e.summary().contains("is verplicht"), "{}", e.summary());
        assert!(TokenError::TooFast.text(i18n::Lang::Nl).contains("te snel"));
    }

    #[test]
    fn built_in_texts_follow_the_sites_language_and_the_operators_words_stay() {
        let mut s = spec();
        s.localize(i18n::Lang::Nl);
        assert_eq!(s.fields[0].label, "Je naam");
        assert_eq!(s.title, "Contact");
        assert!(s.thanks_text.starts_with("Bedankt"), "{}", s.thanks_text);
        let mut own = spec();
        own.fields[0].label = "Naam van de vereniging".into();
        own.localize(i18n::Lang::En);
        assert_eq!(own.fields[0].label, "Naam van de vereniging");
        assert_eq!(own.fields[1].label, "Your e-mail address");
    }

    #[test]
    fn definitions_are_checked() {
        let mut s = spec();
        s.path = "/assets/x".into();
        s.to = vec!["not an address".into()];
        s.subject = "a\r\nBcc: x@y.z".into();
        s.thanks_page = Some("//evil.example".into());
        s.fields[1].name = "website".into();
        let p = s.problems("site[0].form[0]");
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        for k in ["path", "to", "subject", "thanks_page", "field.name"] {
            assert!(keys.iter().any(|x| x.ends_with(k)), "{k}: {p:?}");
        }
    }
}
