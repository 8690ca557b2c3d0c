//! The security dashboard: what was blocked, the ban list with unban, the allowlist, the hit
//! log with the matched part, and per-rule switches, all taking effect at once.

use std::net::IpAddr;

use store::Role;
use testkit::TestServer;

use super::signed_in;

fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().ok())
        .no_proxy()
        .build()
        .unwrap()
}

async fn status(s: &TestServer, from: &str, path: &str) -> u16 {
    client_from(from)
        .get(format!("{}{path}", s.http_url))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The body with minijinja's escaped slashes put back, for comparing addresses.
async fn unescaped(res: reqwest::Response) -> String {
    res.text().await.unwrap().replace("&#x2f;", "/")
}

const XSS: &str = "/about?q=%3Cscript%3Ealert(%27pwned%27)%3C/script%3E";

#[tokio::test]
async fn the_dashboard_shows_attacks_and_acts_on_bans_allowlist_and_rules() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "anneke", Role::Admin).await;
    assert_eq!(status(&s, "127.0.60.6", XSS).await, 403);
    // Events reach the database through a queue, a moment after the answer.
    let store = s.open_store().await;
    assert!(
        crate::eventually(|| async {
            !store
                .editor
                .security_events(&["waf_block"], 0, 10)
                .await
                .unwrap()
                .is_empty()
        })
        .await
    );

    let (code, html) = admin.get_text("/security").await;
    assert_eq!(code, 200);
    assert!(html.contains("<svg class=\"chart\""), "charts drawn");
    assert!(
        html.contains("aria-label=\"Blocked attacks per hour: 1 in all"),
        "{html}"
    );
    assert!(
        html.contains("<code>127.0.60.6</code>"),
        "top offender listed"
    );
    // The matched part is shown, escaped: the attacker's text never becomes markup here.
    assert!(
        html.contains("&lt;script&gt;alert("),
        "hit log shows the excerpt"
    );
    assert!(!html.contains("<script>alert("));
    let (_, filtered) = admin.get_text("/security?ip=127.0.0.99").await;
    assert!(filtered.contains("No hits for this filter"));

    // Ban a network by hand: it applies at once.
    let csrf = admin.csrf().await;
    let res = admin
        .post(
            "/security/ban",
            &[
                ("csrf", &csrf),
                ("subject", "127.0.61.0/24"),
                ("duration", "1h"),
                ("reason", "seen in logs"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = unescaped(res).await;
    assert!(body.contains("Banned 127.0.61.0/24"), "{body}");
    assert_eq!(status(&s, "127.0.61.9", "/about").await, 403);
    assert_eq!(status(&s, "127.0.62.9", "/about").await, 200);
    // Not one's own address, and not nonsense.
    let res = admin
        .post(
            "/security/ban",
            &[
                ("csrf", &csrf),
                ("subject", "127.0.0.0/8"),
                ("duration", "1h"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("your own address"));
    let res = admin
        .post(
            "/security/ban",
            &[
                ("csrf", &csrf),
                ("subject", "127.0.63.1"),
                ("duration", "forever"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let (_, html) = admin.get_text("/security").await;
    let html = html.replace("&#x2f;", "/");
    assert!(html.contains("<code>127.0.61.0/24</code>") && html.contains("seen in logs"));

    let res = admin
        .post(
            "/security/unban",
            &[("csrf", &csrf), ("subject", "127.0.61.0/24")],
        )
        .await;
    assert!(
        unescaped(res)
            .await
            .contains("Lifted the ban on 127.0.61.0/24")
    );
    assert_eq!(status(&s, "127.0.61.9", "/about").await, 200);

    // The allowlist wins over inspection.
    let res = admin
        .post(
            "/security/allow",
            &[
                ("csrf", &csrf),
                ("cidr", "127.0.60.0/24"),
                ("note", "pen test"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(status(&s, "127.0.60.6", XSS).await, 200);
    let res = admin
        .post(
            "/security/allow",
            &[("csrf", &csrf), ("cidr", "127.0.60.0/24")],
        )
        .await;
    assert_eq!(res.status(), 400, "already there");
    admin
        .post(
            "/security/disallow",
            &[("csrf", &csrf), ("cidr", "127.0.60.0/24")],
        )
        .await;
    assert_eq!(status(&s, "127.0.60.6", XSS).await, 403);

    // Switch every rule that fired off, then on again.
    let store = s.open_store().await;
    let detail = &store
        .editor
        .security_events(&["waf_block"], 0, 1)
        .await
        .unwrap()[0]
        .detail;
    let rules: Vec<String> = detail
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rules="))
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    for r in &rules {
        let res = admin
            .post(
                "/security/rules",
                &[("csrf", &csrf), ("rule", r), ("enabled", "off")],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(
        status(&s, "127.0.64.6", XSS).await,
        200,
        "rules off: served"
    );
    let (_, html) = admin.get_text("/security/rules").await;
    assert!(html.contains("Switch on"));
    for r in &rules {
        admin
            .post(
                "/security/rules",
                &[("csrf", &csrf), ("rule", r), ("enabled", "on")],
            )
            .await;
    }
    assert_eq!(status(&s, "127.0.64.6", XSS).await, 403, "rules on again");
    let res = admin
        .post(
            "/security/rules",
            &[("csrf", &csrf), ("rule", "99999"), ("enabled", "off")],
        )
        .await;
    assert_eq!(res.status(), 400);

    // Everything is in the audit log.
    let (_, audit) = admin.get_text("/audit").await;
    for action in [
        "ban.add",
        "ban.remove",
        "allow.add",
        "allow.remove",
        "rule.switch",
    ] {
        assert!(audit.contains(action), "{action} audited");
    }
}

#[tokio::test]
async fn bans_show_their_source_and_the_guard_s_log_line_escaped() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "anneke", Role::Admin).await;
    let store = s.open_store().await;
    let line = "imap-login: Disconnected (auth failed, 1 attempts): user=<<script>alert(1)</script>>, rip=203.0.113.7";
    store
        .recorder
        .ban_all(&[store::NewBan {
            subject: "203.0.113.7".into(),
            until: Some(store::now() + 600),
            reason: "Dovecot IMAP/POP3: auth-failed (10 in 10m)".into(),
            count: 1,
            client_ip: "203.0.113.7".into(),
            source: "dovecot".into(),
            evidence: Some(line.into()),
        }])
        .await
        .unwrap();
    store
        .recorder
        .ban("198.51.100.9", None, "seen in our logs", 1, store::BY_CLI)
        .await
        .unwrap();

    let (code, html) = admin.get_text("/security").await;
    assert_eq!(code, 200);
    assert!(
        html.contains("dovecot (guard): 1"),
        "the count by source: {html}"
    );
    assert!(html.contains("by hand (CLI): 1"), "{html}");
    assert!(html.contains("<td>dovecot (guard)</td>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "the log line, escaped: {html}"
    );
    assert!(!html.contains("<script>alert(1)"), "{html}");

    // Only one source.
    let (_, html) = admin.get_text("/security?source=dovecot").await;
    assert!(
        html.contains("203.0.113.7") && !html.contains("198.51.100.9</code>"),
        "{html}"
    );
}
