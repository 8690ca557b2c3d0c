//! The Inbox: reply by e-mail, read/done states, a search that ignores case and accents, and
//! only the messages of one's own sites (another site's message cannot be marked either).

use std::sync::Arc;

use store::{NewSubmission, Role};
use testkit::TestServer;

use super::signed_in;

#[tokio::test]
async fn messages_are_answered_marked_and_found() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let mut bakery = config.sites[0].clone();
    bakery.name = "bakery".into();
    bakery.title = Some("Bakkerij Jansen".into());
    bakery.hosts = vec!["bakery.test".into()];
    config.sites.push(bakery);
    let s = TestServer::start_in(dir, config).await;
    let store = s.open_store().await;
    for (site, name, email, message) in [
        (
            "demo",
            "Zoë",
            "zoe@example.org",
            "Kan ik helpen bij de markt in België?",
        ),
        ("demo", "Evil", "x@example.org?bcc=all@example.org", "Hallo"),
        ("demo", "Bidi", "evil@x\u{202E}moc.knab", "Hoi"),
        ("bakery", "Jan", "jan@example.org", "Taart voor zaterdag?"),
    ] {
        store
            .recorder
            .record_submission(
                &NewSubmission {
                    site: site.into(),
                    form: "contact".into(),
                    token_nonce: format!("nonce-{name}"),
                    client_ip: None,
                    fields: vec![
                        ("name".into(), "Name".into(), name.into()),
                        ("email".into(), "E-mail".into(), email.into()),
                        ("message".into(), "Message".into(), message.into()),
                    ],
                },
                None,
            )
            .await
            .unwrap();
    }
    let all = store.editor.submissions(None, 10).await.unwrap();
    let id_of = |who: &str| {
        all.iter()
            .find(|m| m.fields.iter().any(|(_, _, v)| v == who))
            .unwrap()
            .id
            .to_string()
    };
    let ed = signed_in(&s, "anneke", Role::Editor).await;
    s.set_sites_of("anneke", &["demo"]).await;
    let (_, inbox) = ed.get_text("/inbox").await;
    assert!(inbox.contains("(3 new)"), "{inbox}");
    assert!(!inbox.contains("Taart"), "another site's message: {inbox}");
    // A reply link for a plain address, none for one that smuggles headers.
    assert!(
        inbox
            .contains("href=\"mailto:zoe@example.org?subject=Re%3A%20your%20message%20to%20demo\""),
        "{inbox}"
    );
    assert_eq!(inbox.matches("Reply by e-mail").count(), 1, "{inbox}");

    // Search: case and accents do not matter; every word must match.
    let (_, found) = ed.get_text("/inbox?q=BELGIE+markt").await;
    assert!(found.contains("Zoë") && !found.contains("Evil"), "{found}");
    let (_, none) = ed.get_text("/inbox?q=belgie+taart").await;
    assert!(none.contains("No messages match."), "{none}");

    // Done: out of the to-do list, in the done list; and new again.
    let csrf = ed.csrf().await;
    let zoe = id_of("Zoë");
    let res = ed
        .post(
            "/inbox/state",
            &[("csrf", &csrf), ("id", &zoe), ("state", "done")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, open) = ed.get_text("/inbox").await;
    assert!(!open.contains("Zoë") && open.contains("(2 new)"), "{open}");
    let (_, done) = ed.get_text("/inbox?show=done").await;
    assert!(done.contains("Zoë"), "{done}");
    let res = ed
        .post(
            "/inbox/state",
            &[("csrf", &csrf), ("id", &zoe), ("state", "new")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(ed.get_text("/inbox").await.1.contains("(3 new)"));
    // Another site's message cannot be marked: answered as missing. A bad state is refused.
    let res = ed
        .post(
            "/inbox/state",
            &[("csrf", &csrf), ("id", &id_of("Jan")), ("state", "done")],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert!(store.editor.submission_states().await.unwrap().is_empty());
    let res = ed
        .post(
            "/inbox/state",
            &[("csrf", &csrf), ("id", &zoe), ("state", "spam")],
        )
        .await;
    assert_eq!(res.status(), 400);
}
