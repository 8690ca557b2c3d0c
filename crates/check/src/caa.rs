//! CAA (RFC 8659): which certificate authorities may issue for a name. The relevant record set
//! is the closest one at or above the name (the DNS walk climbs to find it); internet.nl wants at
//! least one `issue` property in it, and no critical property a CA would not understand.

use crate::report::{Spec, Subtest};

/// One CAA record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caa {
    /// The issuer-critical flag.
    pub critical: bool,
    /// The property tag, lower case.
    pub tag: String,
    /// Its value.
    pub value: String,
}

/// Judges the CAA set found at `found_at` for `name` (`None`: none anywhere above it).
pub fn judge(spec: &Spec, name: &str, found: Option<(String, Vec<Caa>)>) -> Subtest {
    let Some((at, records)) = found.filter(|(_, r)| !r.is_empty()) else {
        return spec.bad(
            format!("no CAA record for {name} or any domain above it: any CA may issue"),
            format!("Publish CAA records naming your CA, e.g. `{name}. CAA 0 issue \"letsencrypt.org\"` (Bolwerk publishes them with [dns] caa)."),
        );
    };
    let details: Vec<String> = records
        .iter()
        .map(|c| {
            format!(
                "{at} CAA {} {} \"{}\"",
                u8::from(c.critical) * 128,
                c.tag,
                c.value
            )
        })
        .collect();
    let unknown_critical: Vec<&Caa> = records
        .iter()
        .filter(|c| {
            c.critical
                && !matches!(
                    c.tag.as_str(),
                    "issue" | "issuewild" | "iodef" | "issuemail" | "contactemail" | "contactphone"
                )
        })
        .collect();
    if let Some(c) = unknown_critical.first() {
        return spec
            .bad(
                format!("a critical CAA property no CA knows ({}) blocks every issuance", c.tag),
                "Remove the critical flag (128) from properties other than issue, issuewild and iodef.",
            )
            .with_details(details);
    }
    let issuers: Vec<String> = records
        .iter()
        .filter(|c| c.tag == "issue")
        .map(|c| {
            let ca = c.value.split(';').next().unwrap_or_default().trim();
            if ca.is_empty() {
                "nobody (\";\")".to_string()
            } else {
                ca.to_string()
            }
        })
        .collect();
    if issuers.is_empty() {
        return spec
            .bad(
                format!("the CAA records at {at} have no issue property"),
                "Add an issue property naming your CA (CAA 0 issue \"letsencrypt.org\").",
            )
            .with_details(details);
    }
    let place = if at.trim_end_matches('.') == name.trim_end_matches('.') {
        String::new()
    } else {
        format!(" (from {at})")
    };
    spec.pass(format!("CAA allows {}{place}", issuers.join(", ")))
        .with_details(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::web::CAA;
    use crate::report::Status;

    fn caa(critical: bool, tag: &str, value: &str) -> Caa {
        Caa {
            critical,
            tag: tag.into(),
            value: value.into(),
        }
    }

    #[test]
    fn caa_needs_an_issue_property() {
        let ok = judge(
            &CAA,
            "www.example.nl",
            Some((
                "example.nl".into(),
                vec![caa(false, "issue", "letsencrypt.org")],
            )),
        );
        assert_eq!(ok.status, Status::Pass);
        assert!(ok.found.contains("letsencrypt.org") && ok.found.contains("from example.nl"));
        let none = judge(&CAA, "example.nl", None);
        assert_eq!(none.status, Status::Warning);
        let iodef = judge(
            &CAA,
            "example.nl",
            Some((
                "example.nl".into(),
                vec![caa(false, "iodef", "mailto:x@y.nl")],
            )),
        );
        assert!(iodef.found.contains("no issue"));
        let crit = judge(
            &CAA,
            "example.nl",
            Some((
                "example.nl".into(),
                vec![caa(false, "issue", "x"), caa(true, "tbs", "x")],
            )),
        );
        assert!(crit.found.contains("critical"));
    }
}
