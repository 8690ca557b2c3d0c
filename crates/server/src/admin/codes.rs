//! Words for what other crates say by stable code: the shield's rules (`rule-1002`), the
//! self-check's subtests and categories (`check-web-ipv6-ns-aaaa`, `check-cat-web-ipv6`), the
//! DNSSEC walk's findings, the roles of DKIM keys and how DMARC sees a sender. The crates stay
//! free of languages; their English is the fallback should a key ever be missing (the tests
//! below make that impossible for every code they have).
//!
//! What those crates write with data in it (a check's finding and fix, a record's problem, a
//! DNSSEC finding's explanation) stays English: the templates mark it `lang="en"`.

use super::views::tr_or;

/// The key of a message made from a dotted code: `web.ipv6.ns-aaaa` → `check-web-ipv6-ns-aaaa`
/// (Fluent ids allow letters, digits, `-` and `_`).
fn key(prefix: &str, code: &str) -> String {
    format!("{prefix}-{}", code.replace('.', "-"))
}

/// What a shield rule catches.
pub(super) fn rule_description(r: &shield::rules::RuleInfo) -> String {
    tr_or(&format!("rule-{}", r.id), r.description)
}

/// A shield rule's class of attack.
pub(super) fn rule_category(c: shield::rules::Category) -> String {
    tr_or(&key("rule-cat", c.as_str()), c.as_str())
}

/// A shield rule's severity.
pub(super) fn rule_severity(s: shield::rules::Severity) -> String {
    let code = format!("{s:?}").to_lowercase();
    tr_or(&key("rule-sev", &code), &code)
}

/// A self-check subtest's title.
pub(super) fn subtest_title(code: &str, english: &str) -> String {
    tr_or(&key("check", code), english)
}

/// A self-check category's title.
pub(super) fn check_category(code: &str, english: &str) -> String {
    tr_or(&key("check-cat", code), english)
}

/// What a DNSSEC finding is about, in a few words (its explanation stays English).
pub(super) fn dnssec_finding(code: &str) -> String {
    tr_or(&key("dnssec-finding", code), code)
}

/// How bad a DNSSEC finding is.
pub(super) fn dnssec_severity(s: dns::chain::Severity) -> String {
    let code = format!("{s:?}").to_lowercase();
    tr_or(&key("dnssec-sev", &code), &code)
}

/// A DKIM key's role: `signing`, `next`, `retired` (empty for the other records).
pub(super) fn mail_role(role: &str) -> String {
    if role.is_empty() {
        return String::new();
    }
    tr_or(&key("mail-role", role), role)
}

/// The roles a DKIM key has in `mail::records::wanted`.
#[cfg(test)]
const MAIL_ROLES: [&str; 3] = ["signing", "next", "retired"];

/// What a sending address in the DMARC reports looks like.
pub(super) fn dmarc_standing(s: mail::dmarc::Standing) -> String {
    tr_or(&key("dmarc-standing", s.code()), s.words())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of `keys` that are not in both languages.
    fn missing(keys: impl IntoIterator<Item = String>) -> Vec<String> {
        keys.into_iter().filter(|k| !i18n::exists(k)).collect()
    }

    #[test]
    fn every_shield_rule_class_and_severity_has_words() {
        let rules = shield::rules::catalogue();
        assert!(rules.len() > 100, "the shield's rule list");
        let mut keys: Vec<String> = rules.iter().map(|r| format!("rule-{}", r.id)).collect();
        for r in &rules {
            keys.push(key("rule-cat", r.category.as_str()));
            keys.push(key("rule-sev", &format!("{:?}", r.severity).to_lowercase()));
        }
        let missing = missing(keys);
        assert!(missing.is_empty(), "not in admin-rules.ftl: {missing:?}");
    }

    #[test]
    fn every_subtest_and_category_of_the_self_check_has_words() {
        let mut keys: Vec<String> = check::catalogue::all()
            .map(|s| key("check", s.code))
            .collect();
        assert!(keys.len() > 60, "the check's catalogue");
        keys.extend(
            check::catalogue::CATEGORIES
                .iter()
                .map(|(code, _, _)| key("check-cat", code)),
        );
        let missing = missing(keys);
        assert!(missing.is_empty(), "not in admin-checks.ftl: {missing:?}");
    }

    #[test]
    fn every_dnssec_finding_dkim_role_and_dmarc_standing_has_words() {
        let mut keys: Vec<String> = dns::chain::FINDING_CODES
            .iter()
            .map(|c| key("dnssec-finding", c))
            .collect();
        use dns::chain::Severity;
        for s in [Severity::Note, Severity::Warning, Severity::Error] {
            keys.push(key("dnssec-sev", &format!("{s:?}").to_lowercase()));
        }
        keys.extend(MAIL_ROLES.iter().map(|r| key("mail-role", r)));
        keys.extend(
            mail::dmarc::Standing::ALL
                .iter()
                .map(|s| key("dmarc-standing", s.code())),
        );
        let missing = missing(keys);
        assert!(missing.is_empty(), "not in admin-checks.ftl: {missing:?}");
    }

    #[test]
    fn dutch_by_code_and_english_when_a_code_is_unknown() {
        // Outside a request the language is Dutch.
        assert_eq!(
            subtest_title("web.ipv6.ns-aaaa", "IPv6 addresses for name servers"),
            "IPv6-adressen voor nameservers"
        );
        assert_eq!(
            check_category("mail.auth", "DMARC, DKIM and SPF"),
            "DMARC, DKIM en SPF"
        );
        assert_eq!(subtest_title("web.no-such", "Its English"), "Its English");
        assert_eq!(dnssec_finding("no-such-code"), "no-such-code");
        let union = shield::rules::catalogue()
            .into_iter()
            .find(|r| r.id == 9001)
            .map(|r| rule_description(&r));
        assert_eq!(
            union.as_deref(),
            Some("andere methode dan GET, HEAD, POST, OPTIONS")
        );
        assert_eq!(mail_role(""), "");
    }
}
