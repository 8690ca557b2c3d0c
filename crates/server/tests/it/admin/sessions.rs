use store::{LoginFilter, LoginResult, Role};
use testkit::TestServer;

use super::{PW, location, signed_in};

#[tokio::test]
async fn no_session_fixation() {
    let s = TestServer::start().await;
    s.add_user("anneke", Role::Editor, PW, false).await;
    let b = s.browser();
    // An attacker plants a cookie before the victim signs in...
    let planted = "a".repeat(64);
    b.set_cookie(Some(planted.clone()));
    assert_eq!(b.login("anneke", PW).await.status(), 303);
    // ...but the session gets a new token.
    assert_ne!(b.cookie().unwrap(), planted);
    let attacker = s.browser();
    attacker.set_cookie(Some(planted));
    assert_eq!(attacker.get("/").await.status(), 303);
    // Signing in again replaces the previous session too.
    let before = b.cookie().unwrap();
    assert_eq!(b.login("anneke", PW).await.status(), 303);
    let replay = s.browser();
    replay.set_cookie(Some(before));
    assert_eq!(
        replay.get("/").await.status(),
        303,
        "the earlier session was ended"
    );
}

#[tokio::test]
async fn a_stolen_cookie_from_another_network_is_refused_and_recorded() {
    let s = TestServer::start().await;
    let victim = signed_in(&s, "anneke", Role::Admin).await;
    // 127.0.1.1 is outside the victim's /24 (127.0.0.0/24).
    let thief = s.browser_from("127.0.1.1".parse().unwrap(), &victim.user_agent);
    thief.set_cookie(victim.cookie());
    let res = thief.get("/").await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (303, "/_admin/login".into())
    );
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "told to drop it"
    );
    // The token is spent: the victim signs in again.
    assert_eq!(victim.get("/").await.status(), 303);

    let store = s.open_store().await;
    let hijack = LoginFilter {
        result: Some(LoginResult::SessionHijack),
        ..Default::default()
    };
    let rows = store.recorder.login_history(&hijack, 10, 0).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].user_name.as_str(), rows[0].ip.as_str()),
        ("anneke", "127.0.1.1")
    );
}

#[tokio::test]
async fn a_stolen_cookie_in_another_browser_is_refused() {
    let s = TestServer::start().await;
    let victim = signed_in(&s, "anneke", Role::Editor).await;
    let thief = s.browser_from(
        "127.0.0.1".parse().unwrap(),
        "Mozilla/5.0 (Windows NT 10.0) Other/2.0",
    );
    thief.set_cookie(victim.cookie());
    assert_eq!(thief.get("/").await.status(), 303);
    assert_eq!(victim.get("/").await.status(), 303);
}

#[tokio::test]
async fn same_network_other_address_keeps_the_session() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let moved = s.browser_from("127.0.0.9".parse().unwrap(), &b.user_agent);
    moved.set_cookie(b.cookie());
    assert_eq!(
        moved.get("/").await.status(),
        200,
        "same /24: e.g. a DHCP renewal"
    );
}

#[tokio::test]
async fn idle_and_absolute_expiry() {
    let s = TestServer::start().await;
    let store = s.open_store().await;
    let idle = signed_in(&s, "idle", Role::Editor).await;
    let old = signed_in(&s, "old", Role::Editor).await;
    assert_eq!(idle.get("/").await.status(), 200);
    let now = store::now();
    let hash = |b: &testkit::Browser| auth::token::hash(&b.cookie().unwrap());
    let idle_hash = hash(&idle);
    store
        .editor
        .execute_raw_for_test(&format!(
            "UPDATE sessions SET last_seen = {} WHERE token_hash = '{}'",
            now - 31 * 60,
            hash(&idle)
        ))
        .await
        .unwrap();
    store
        .editor
        .execute_raw_for_test(&format!(
            "UPDATE sessions SET created_at = {} WHERE token_hash = '{}'",
            now - 12 * 3600 - 1,
            hash(&old)
        ))
        .await
        .unwrap();
    assert_eq!(idle.get("/").await.status(), 303, "31 minutes idle");
    assert_eq!(
        old.get("/").await.status(),
        303,
        "older than 12 hours, though active"
    );
    assert!(
        idle.cookie().is_none(),
        "the browser is told to drop the cookie"
    );
    assert!(
        store.editor.session(&idle_hash).await.unwrap().is_none(),
        "expired sessions are deleted"
    );
}

#[tokio::test]
async fn sign_out_and_sign_out_everywhere() {
    let s = TestServer::start().await;
    let laptop = signed_in(&s, "anneke", Role::Editor).await;
    let phone = s.browser_from("127.0.0.1".parse().unwrap(), "Mozilla/5.0 (iPhone) Mobile");
    assert_eq!(phone.login("anneke", super::PW).await.status(), 303);

    let (_, html) = laptop.get_text("/sessions").await;
    assert!(
        html.contains("(iPhone) Mobile") && html.contains("this session"),
        "{html}"
    );
    let csrf = laptop.csrf().await;
    assert_eq!(
        laptop
            .post("/sessions/revoke-others", &[("csrf", &csrf)])
            .await
            .status(),
        303
    );
    assert_eq!(phone.get("/").await.status(), 303, "phone signed out");
    assert_eq!(laptop.get("/").await.status(), 200, "laptop still in");

    let res = laptop.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(location(&res), "/_admin/login");
    assert!(laptop.cookie().is_none(), "cookie cleared");
    let store = s.open_store().await;
    assert!(store.editor.sessions(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn admin_can_revoke_anyones_session_editor_only_their_own() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "boss", Role::Admin).await;
    let ed = signed_in(&s, "ed", Role::Editor).await;
    let store = s.open_store().await;
    let boss_hash = auth::token::hash(&admin.cookie().unwrap());
    let ed_hash = auth::token::hash(&ed.cookie().unwrap());
    let csrf = ed.csrf().await;
    assert_eq!(
        ed.post("/sessions/revoke", &[("csrf", &csrf), ("id", &boss_hash)])
            .await
            .status(),
        403
    );
    assert_eq!(admin.get("/").await.status(), 200);
    let csrf = admin.csrf().await;
    assert_eq!(
        admin
            .post("/sessions/revoke", &[("csrf", &csrf), ("id", &ed_hash)])
            .await
            .status(),
        303
    );
    assert_eq!(ed.get("/").await.status(), 303);
    assert!(store.recorder.recent_audit(1).await.unwrap()[0].action == "session.revoke");
}

#[tokio::test]
async fn public_pages_stay_cookie_free_for_signed_in_editors() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    for path in [
        "https://localhost:PORT/",
        "https://localhost:PORT/about",
        "https://localhost:PORT/nope",
    ] {
        let url = path.replace("PORT", &s.https_addr.port().to_string());
        let res = b.get(&url).await;
        assert!(res.headers().get("set-cookie").is_none(), "{url}");
        assert!(
            !res.text().await.unwrap().contains("anneke"),
            "public page does not know the editor"
        );
    }
    assert_eq!(b.get("/").await.status(), 200, "session untouched");
}
