use store::Role;
use testkit::TestServer;

use super::{PW, signed_in};

#[tokio::test]
async fn every_outcome_lands_in_the_login_history() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "boss", Role::Admin).await;
    s.add_user("gone", Role::Editor, PW, false).await;
    let store = s.open_store().await;
    let gone = store.editor.user_by_name("gone").await.unwrap().unwrap();
    store.editor.set_disabled(gone.id, true).await.unwrap();
    let other = s.browser_from("127.0.2.2".parse().unwrap(), "Scanner/0.1");
    other.login("boss", "wrong wrong wrong").await;
    other.login("=cmd|' /C calc'!A0", "x").await;
    other.login("gone", PW).await;
    for _ in 0..5 {
        other.login("victim", "guess").await;
    }
    let thief = s.browser_from("127.0.9.9".parse().unwrap(), &admin.user_agent);
    thief.set_cookie(admin.cookie());
    thief.get("/").await;
    let admin = s.browser();
    assert_eq!(admin.login("boss", PW).await.status(), 303);

    let (status, html) = admin.get_text("/logins").await;
    assert_eq!(status, 200);
    for label in [
        "signed in",
        "wrong password",
        "unknown user",
        "account disabled",
        "locked out",
        "stolen session refused",
    ] {
        assert!(html.contains(label), "{label} in history");
    }
    assert!(
        html.contains("Scanner&#x2f;0.1") && html.contains("127.0.2.2"),
        "minijinja writes / as &#x2f;"
    );
    assert!(
        html.contains("=cmd|&#x27; &#x2f;C calc&#x27;!A0"),
        "names are escaped"
    );

    // Filters.
    let (_, only) = admin.get_text("/logins?result=wrong_password").await;
    assert!(only.contains("<td>wrong password</td>") && !only.contains("<td>unknown user</td>"));
    let (_, by_ip) = admin.get_text("/logins?ip=127.0.9.9").await;
    assert!(by_ip.contains("stolen session refused") && !by_ip.contains("Scanner&#x2f;0.1"));
    let (_, future) = admin.get_text("/logins?from=2999-01-01").await;
    assert!(future.contains("No attempts match."));

    // CSV export with the same filters; formula-looking cells are defused.
    let res = admin
        .get("/logins.csv?user=%3Dcmd%7C%27+%2FC+calc%27%21A0")
        .await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_utc,user_name,ip,user_agent,result")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains("\"'=cmd|' /C calc'!A0\"") && row.ends_with("\"unknown_user\""),
        "{row}"
    );
    assert!(lines.next().is_none());
}

#[tokio::test]
async fn dashboard_highlights_failures_and_new_addresses() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "boss", Role::Admin).await;
    s.browser_from("127.0.2.2".parse().unwrap(), "Scanner/0.1")
        .login("boss", "nope nope nope")
        .await;
    let (_, html) = admin.get_text("/").await;
    assert!(html.contains("127.0.2.2"), "failed attempt shown");
    assert!(html.contains("from a new address"), "{html}");
    let new_rows = |html: &str| {
        html.split("never seen before")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .matches("<tr class=\"warnrow\">")
            .count()
    };
    // boss's very first sign-in (from 127.0.0.1) is no alarm: there is no usual address yet.
    assert_eq!(new_rows(&html), 0, "{html}");
    // One from elsewhere is; signing in again from a known address is not.
    let elsewhere = s.browser_from("127.0.3.3".parse().unwrap(), "Laptop/1.0");
    assert_eq!(elsewhere.login("boss", PW).await.status(), 303);
    let second = s.browser();
    assert_eq!(second.login("boss", PW).await.status(), 303);
    let (_, html) = second.get_text("/").await;
    assert_eq!(
        new_rows(&html),
        1,
        "only the sign-in from 127.0.3.3: {html}"
    );
    assert!(html.contains("127.0.3.3"));
}

#[tokio::test]
async fn audit_log_shows_changes_with_who_and_where() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "boss", Role::Admin).await;
    let other = s.browser();
    other.login("boss", PW).await;
    let csrf = admin.csrf().await;
    admin
        .post("/sessions/revoke-others", &[("csrf", &csrf)])
        .await;
    let (status, html) = admin.get_text("/audit").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("session.revoke_others")
            && html.contains("boss")
            && html.contains("127.0.0.1"),
        "{html}"
    );
    let (_, users) = admin.get_text("/users").await;
    assert!(users.contains("boss") && users.contains("admin"));
}
