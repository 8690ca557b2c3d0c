//! "Forgot your password?" end to end: the link arrives by mail (DKIM-signed, through a real
//! SMTP server), works once, ends every session; nothing tells whether a name exists; a
//! forged Host header gets no link; three links an hour at most.

use std::sync::Arc;

use store::Role;
use testkit::{SmtpOptions, SmtpSink, TestServer};

use super::{PW, signed_in};

async fn server(sink: &SmtpSink) -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.mail.relay = Some(format!("localhost:{}", sink.port));
    config.mail.tls = mail::TlsMode::None;
    TestServer::start_in(dir, config).await
}

/// The reset link in a delivered message (its body is quoted-printable: long lines are
/// folded with `=` and `=` itself is `=3D`).
fn link_in(message: &str) -> String {
    assert!(
        message.contains("Content-Transfer-Encoding: quoted-printable"),
        "{message}"
    );
    let body = message.replace("=\r\n", "").replace("=3D", "=");
    let at = body.find("https://").expect("a link");
    body[at..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_reset_link_arrives_works_once_and_ends_every_session() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let s = server(&sink).await;
    // Anneke sets her address on the password page (her password is asked for).
    let other_browser = signed_in(&s, "anneke", Role::Admin).await;
    let b = s.browser();
    assert_eq!(b.login("anneke", PW).await.status(), 303);
    let csrf = b.csrf().await;
    let res = b
        .post(
            "/email",
            &[
                ("csrf", &csrf),
                ("current", "wrong"),
                ("email", "anneke@delinde.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400, "the current password is asked");
    let res = b
        .post(
            "/email",
            &[
                ("csrf", &csrf),
                ("current", PW),
                ("email", "anneke@delinde.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, html) = b.get_text("/password").await;
    assert!(html.contains("value=\"anneke@delinde.example\""), "{html}");

    // Asking for a link: the same answer for her, for a stranger and for a made-up name.
    let anon = s.browser();
    let (_, login) = anon.get_text("/login").await;
    assert!(login.contains("Forgot your password?"));
    let mut answers = Vec::new();
    for name in ["anneke", "nobody-here"] {
        let res = anon.post("/forgot", &[("user", name)]).await;
        assert_eq!(res.status(), 200);
        answers.push(res.text().await.unwrap());
    }
    assert_eq!(answers[0], answers[1], "no account discovery");
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1, "one mail, for the account that exists");
    let (msg, env) = &got[0];
    assert_eq!(env["rcpt_tos"][0], "anneke@delinde.example");
    assert!(msg.contains("DKIM-Signature:"), "{msg}");
    let link = link_in(msg);
    assert!(
        link.starts_with(&format!(
            "https://localhost:{}/_admin/reset?token=",
            s.https_addr.port()
        )),
        "{link}"
    );
    let token = link.split("token=").nth(1).unwrap().to_string();

    // The link shows a form; a weak password is refused and the link still works.
    let (status, form) = anon.get_text(&format!("/reset?token={token}")).await;
    assert_eq!(status, 200, "{form}");
    let res = anon
        .post(
            "/reset",
            &[("token", &token), ("new", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let new = "a brand new linden tree";
    let res = anon
        .post(
            "/reset",
            &[("token", &token), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Your password is changed")
    );
    // Once only; every session of the account ended; the new password signs in.
    let res = anon
        .post(
            "/reset",
            &[("token", &token), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(b.get("/").await.status(), 303, "old session ended");
    assert_eq!(
        other_browser.get("/").await.status(),
        303,
        "every session ended"
    );
    assert_eq!(s.browser().login("anneke", PW).await.status(), 401);
    assert_eq!(s.browser().login("anneke", new).await.status(), 303);
    let admin = s.browser();
    assert_eq!(admin.login("anneke", new).await.status(), 303);
    let (_, audit) = admin.get_text("/audit").await;
    assert!(
        audit.contains("user.reset_link") && audit.contains("user.reset"),
        "{audit}"
    );
}

#[tokio::test]
async fn no_link_for_a_forged_host_and_at_most_three_an_hour() {
    let sink = SmtpSink::start(SmtpOptions::default());
    let s = server(&sink).await;
    s.add_user("anneke", Role::Admin, PW, false).await;
    let store = s.open_store().await;
    let id = store
        .editor
        .user_by_name("anneke")
        .await
        .unwrap()
        .unwrap()
        .id;
    store
        .editor
        .set_user_email(id, Some("anneke@delinde.example"))
        .await
        .unwrap();
    // A request with someone else's host name: the token must never go there.
    let res = s
        .tls_client
        .post(format!("{}/_admin/forgot", s.https_url))
        .header("host", "evil.example")
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=anneke")
        .send()
        .await
        .unwrap();
    assert!(
        res.status().as_u16() == 200
            || res.status().as_u16() == 421
            || res.status().as_u16() == 403,
        "{}",
        res.status()
    );
    let anon = s.browser();
    for _ in 0..5 {
        assert_eq!(
            anon.post("/forgot", &[("user", "anneke")]).await.status(),
            200
        );
    }
    let got = sink.wait_for(3, 20).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        sink.messages().len(),
        3,
        "three links an hour at most: {}",
        got.len()
    );
    assert!(
        sink.messages()
            .iter()
            .all(|(m, _)| !m.contains("evil.example"))
    );
}
