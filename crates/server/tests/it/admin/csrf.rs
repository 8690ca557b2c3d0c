use store::Role;
use testkit::TestServer;

use super::{PW, signed_in};

#[tokio::test]
async fn state_changes_need_the_sessions_csrf_token() {
    let s = TestServer::start().await;
    let laptop = signed_in(&s, "anneke", Role::Editor).await;
    let phone = s.browser_from("127.0.0.1".parse().unwrap(), "Phone/1");
    assert_eq!(phone.login("anneke", PW).await.status(), 303);
    for form in [
        vec![],
        vec![("csrf", "0".repeat(64))],
        vec![("csrf", phone.csrf().await)],
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = laptop.post("/sessions/revoke-others", &form).await;
        assert_eq!(res.status(), 403, "{form:?}");
        assert_eq!(phone.get("/").await.status(), 200, "nothing changed");
    }
    let res = laptop.post("/logout", &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(laptop.get("/").await.status(), 200, "still signed in");
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_the_token() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    for origin in [Some("https://evil.example"), None] {
        let res = b.post_with("/logout", &[("csrf", &csrf)], origin).await;
        assert_eq!(res.status(), 403, "{origin:?}");
    }
    assert_eq!(b.get("/").await.status(), 200);
    // Sign-in forms too (login CSRF).
    let fresh = s.browser();
    let res = fresh
        .post_with(
            "/login",
            &[("user", "anneke"), ("password", PW)],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(fresh.cookie().is_none());
}
