//! The password asked again inside a session (a new password or e-mail address, turning
//! two-factor sign-in off) counts like a sign-in.

use std::sync::Arc;

use store::{LoginFilter, LoginResult, Role};
use testkit::{Browser, TestServer};

use super::PW;

const WRONG: &str = "wrong wrong wrong";

/// Posts a wrong (or the given) password to each re-check in turn, `n` times in all; returns
/// the statuses.
async fn recheck(b: &Browser, password: &str, n: usize) -> Vec<u16> {
    let csrf = b.csrf().await;
    let mut statuses = Vec::new();
    for i in 0..n {
        let res = match i % 3 {
            0 => {
                b.post(
                    "/password",
                    &[
                        ("csrf", &csrf),
                        ("current", password),
                        ("new", "a brand new passphrase"),
                        ("confirm", "a brand new passphrase"),
                    ],
                )
                .await
            }
            1 => {
                b.post(
                    "/email",
                    &[
                        ("csrf", &csrf),
                        ("current", password),
                        ("email", "thief@example.net"),
                    ],
                )
                .await
            }
            _ => {
                b.post("/2fa/disable", &[("csrf", &csrf), ("password", password)])
                    .await
            }
        };
        statuses.push(res.status().as_u16());
    }
    statuses
}

/// Issue 12: these re-checks could be guessed without lockout, ban or history entry. Now they
/// are locked out like sign-ins (sharing the count with the sign-in from that address) and
/// show in the login history.
#[tokio::test]
async fn wrong_rechecks_are_locked_out_and_in_the_history() {
    let s = TestServer::start().await;
    s.add_user("boss", Role::Admin, PW, false).await;
    s.add_user("anneke", Role::Editor, PW, false).await;
    let b = s.browser_from("127.0.5.5".parse().unwrap(), "Borrowed/1");
    assert_eq!(b.login("anneke", PW).await.status(), 303);

    assert_eq!(recheck(&b, WRONG, 5).await, [400; 5]);
    // Now even the right password is refused without being checked, here and at the sign-in
    // from this address.
    assert_eq!(recheck(&b, PW, 3).await, [429; 3]);
    assert_eq!(
        s.browser_from("127.0.5.5".parse().unwrap(), "Other/1")
            .login("anneke", PW)
            .await
            .status(),
        429
    );
    let store = s.open_store().await;
    let u = store.editor.user_by_name("anneke").await.unwrap().unwrap();
    assert_eq!(store.editor.user_email(u.id).await.unwrap(), None);
    assert!(auth::password::verify(PW, &u.password_hash), "unchanged");

    // The administrator sees them in the login history.
    let f = LoginFilter {
        user_name: Some("anneke".into()),
        ..Default::default()
    };
    let rows = store.recorder.login_history(&f, 20, 0).await.unwrap();
    let count = |r| rows.iter().filter(|a| a.result == r).count();
    assert_eq!(count(LoginResult::RecheckFailed), 5);
    assert_eq!(count(LoginResult::Locked), 4);
    assert!(
        rows.iter()
            .filter(|a| a.result == LoginResult::RecheckFailed)
            .all(|a| a.ip == "127.0.5.5" && a.user_id == Some(u.id))
    );
    let boss = s.browser();
    assert_eq!(boss.login("boss", PW).await.status(), 303);
    let (status, html) = boss.get_text("/logins?result=recheck_failed").await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("password re-check failed").count(),
        5 + 1,
        "{html}"
    );
}

/// Wrong re-checks are told to the shield like failed sign-ins, so they end in a ban.
#[tokio::test]
async fn wrong_rechecks_get_the_address_banned() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_login_failures = 3;
    let s = TestServer::start_in(dir, config).await;
    s.add_user("anneke", Role::Editor, PW, false).await;
    let b = s.browser_from("127.0.5.6".parse().unwrap(), "Borrowed/1");
    assert_eq!(b.login("anneke", PW).await.status(), 303);
    assert_eq!(recheck(&b, WRONG, 3).await, [400; 3]);
    let res = b.get("/").await;
    assert_eq!(res.status(), 403, "banned");
    assert!(res.text().await.unwrap().contains("Access denied"));
}
