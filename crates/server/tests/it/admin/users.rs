use store::Role;
use testkit::TestServer;

use super::{location, signed_in};

fn one_time_password(html: &str) -> String {
    let at = html
        .find("<p class=\"big\"><code>")
        .expect("a one-time password")
        + "<p class=\"big\"><code>".len();
    html[at..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn admins_manage_accounts_in_the_browser() {
    let s = TestServer::start().await;
    let admin = signed_in(&s, "boss", Role::Admin).await;
    let csrf = admin.csrf().await;
    let res = admin
        .post(
            "/users/add",
            &[("csrf", &csrf), ("name", "joost"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let password = one_time_password(&res.text().await.unwrap());
    assert_eq!(password.len(), 20);
    let res = admin
        .post(
            "/users/add",
            &[("csrf", &csrf), ("name", "joost"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 400, "names are unique");
    let res = admin
        .post(
            "/users/add",
            &[("csrf", &csrf), ("name", "<b>x</b>"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 400);

    // The new editor must choose a password first.
    let joost = s.browser_from("127.0.0.1".parse().unwrap(), "Joost/1");
    assert_eq!(
        location(&joost.login("joost", &password).await),
        "/_admin/password"
    );

    // A reset gives a new one-time password and ends joost's session.
    let res = admin
        .post("/users/reset", &[("csrf", &csrf), ("name", "joost")])
        .await;
    let second = one_time_password(&res.text().await.unwrap());
    assert_ne!(second, password);
    assert_eq!(
        joost.get("/password").await.status(),
        303,
        "signed out by the reset"
    );
    assert_eq!(s.browser().login("joost", &password).await.status(), 401);

    // Promote, disable, enable.
    assert_eq!(
        admin
            .post(
                "/users/role",
                &[("csrf", &csrf), ("name", "joost"), ("role", "admin")]
            )
            .await
            .status(),
        303
    );
    let store = s.open_store().await;
    assert_eq!(
        store
            .editor
            .user_by_name("joost")
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin
    );
    assert_eq!(
        admin
            .post("/users/disable", &[("csrf", &csrf), ("name", "joost")])
            .await
            .status(),
        303
    );
    assert_eq!(s.browser().login("joost", &second).await.status(), 401);
    assert_eq!(
        admin
            .post("/users/enable", &[("csrf", &csrf), ("name", "joost")])
            .await
            .status(),
        303
    );
    assert_eq!(s.browser().login("joost", &second).await.status(), 303);

    // An admin cannot lock themselves out from the browser.
    assert_eq!(
        admin
            .post("/users/disable", &[("csrf", &csrf), ("name", "boss")])
            .await
            .status(),
        400
    );
    assert_eq!(admin.get("/").await.status(), 200);

    let actions: Vec<String> = store
        .recorder
        .recent_audit(20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "user.add",
        "user.reset",
        "user.role",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}
