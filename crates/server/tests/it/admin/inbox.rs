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
    bakery.lang = "nl".into();
    config.sites.push(bakery);
    let demo_title = config.sites[0].title.clone().unwrap_or_default();
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
    // A reply link for a plain address, none for one that smuggles headers. The subject is in
    // the site's language and names its title.
    let subject: String = form_urlencoded::byte_serialize(
        format!("Re: your message on the website of {demo_title}").as_bytes(),
    )
    .collect::<String>()
    .replace('+', "%20");
    assert!(
        inbox.contains(&format!(
            "href=\"mailto:zoe@example.org?subject={}\"",
            subject.replace('/', "&#x2f;")
        )),
        "{subject} {inbox}"
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

/// The Dutch bakery's visitor gets a Dutch subject, whatever the editor's language.
#[tokio::test]
async fn a_reply_is_in_the_language_of_the_site() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].lang = "nl".into();
    config.sites[0].title = Some("Bakkerij Jansen".into());
    let s = TestServer::start_in(dir, config).await;
    let store = s.open_store().await;
    store
        .recorder
        .record_submission(
            &NewSubmission {
                site: "demo".into(),
                form: "contact".into(),
                token_nonce: "nonce".into(),
                client_ip: None,
                fields: vec![("email".into(), "E-mail".into(), "jan@example.org".into())],
            },
            None,
        )
        .await
        .unwrap();
    let ed = signed_in(&s, "anneke", Role::Editor).await;
    let (_, inbox) = ed.get_text("/inbox").await;
    assert!(
        inbox.contains(
            "subject=Re%3A%20uw%20bericht%20via%20de%20website%20van%20Bakkerij%20Jansen\""
        ),
        "{inbox}"
    );
}

/// Years of messages: a page at a time from the newest back, the oldest one found by a search
/// and marked like any other; the counts cover every message, not one page.
#[tokio::test]
async fn a_long_inbox_is_paged_and_searched_to_the_oldest() {
    let s = TestServer::start().await;
    let store = s.open_store().await;
    for i in 0..130 {
        let text = if i == 0 {
            "Het allereerste bericht over de vogelkijkhut".to_string()
        } else {
            format!("Bericht nummer {i}")
        };
        store
            .recorder
            .record_submission(
                &NewSubmission {
                    site: "demo".into(),
                    form: "contact".into(),
                    token_nonce: format!("nonce-{i}"),
                    client_ip: None,
                    fields: vec![("message".into(), "Message".into(), text)],
                },
                None,
            )
            .await
            .unwrap();
    }
    let ed = signed_in(&s, "anneke", Role::Editor).await;
    let older = |html: &str| {
        html.split("<a href=\"")
            .filter_map(|h| h.split('"').next())
            .map(|h| h.replace("&#x2f;", "/").replace("&amp;", "&"))
            .find(|h| h.contains("before="))
            .map(|h| h.replacen("/_admin", "", 1))
    };
    let (_, first) = ed.get_text("/inbox").await;
    assert!(first.contains("(130 new)"), "{first}");
    assert_eq!(first.matches("<tr class=\"msg-").count(), 50);
    assert!(first.contains("Bericht nummer 129") && !first.contains("Bericht nummer 79<"));
    let (_, second) = ed.get_text(&older(&first).expect("an older page")).await;
    assert_eq!(second.matches("<tr class=\"msg-").count(), 50);
    assert!(second.contains("Bericht nummer 79<") && second.contains("Newest messages"));
    let (_, third) = ed.get_text(&older(&second).expect("an older page")).await;
    assert_eq!(third.matches("<tr class=\"msg-").count(), 30);
    assert!(third.contains("vogelkijkhut"));
    assert!(older(&third).is_none(), "the end: {third}");

    // The oldest found by a search from the first page, and marked done.
    let (_, found) = ed.get_text("/inbox?q=vogelkijkhut").await;
    assert_eq!(found.matches("<tr class=\"msg-").count(), 1, "{found}");
    let oldest = store
        .editor
        .inbox_page(&["demo".into()], None, 1_000)
        .await
        .unwrap();
    let oldest = oldest.last().unwrap().message.id.to_string();
    let csrf = ed.csrf().await;
    let res = ed
        .post(
            "/inbox/state",
            &[
                ("csrf", &csrf),
                ("id", &oldest),
                ("state", "done"),
                ("q", "vogelkijkhut"),
                ("show", "open"),
                ("before", "9999"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Back where the reader was: the same search and page.
    let back = super::location(&res);
    assert!(
        back.ends_with("/inbox?q=vogelkijkhut&show=open&before=9999"),
        "{back}"
    );
    let (_, first) = ed.get_text("/inbox").await;
    assert!(first.contains("(129 new)"), "{first}");
    let (_, done) = ed.get_text("/inbox?show=done").await;
    assert!(done.contains("vogelkijkhut"), "{done}");
}
