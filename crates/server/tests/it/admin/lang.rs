//! The admin's language: the account's choice, else the browser's, else `admin.lang` (English
//! in the tests).

use store::Role;
use testkit::TestServer;

use super::{location, signed_in};

/// The language the account chose, as stored.
async fn stored_lang(s: &TestServer, name: &str) -> Option<String> {
    let store = s.open_store().await;
    let user = store.editor.user_by_name(name).await.unwrap().unwrap();
    store.close().await;
    user.lang
}

#[tokio::test]
async fn the_login_page_speaks_the_browsers_language() {
    let s = TestServer::start().await;
    let b = s.browser();
    let (status, html) = b.get_text("/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Sign in"), "{html}");

    b.set_accept_language(Some("nl-NL,nl;q=0.9"));
    let (status, html) = b.get_text("/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("Inloggen"), "{html}");
    assert!(!html.contains("Sign in"), "{html}");
}

#[tokio::test]
async fn an_account_chooses_its_language() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    b.set_accept_language(Some("en-GB,en;q=0.9"));
    let (_, html) = b.get_text("/password").await;
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    // (The template escapes `/` and `'`.)
    assert!(html.contains("Language &#x2f; Taal"), "{html}");
    assert!(
        html.contains("<option value=\"\" selected>Browser&#x27;s choice</option>"),
        "{html}"
    );

    // Dutch, though the browser asks for English.
    let csrf = b.csrf().await;
    let res = b
        .post("/language", &[("csrf", &csrf), ("lang", "nl")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/_admin/password?done=lang");
    assert_eq!(stored_lang(&s, "anneke").await.as_deref(), Some("nl"));
    let (_, html) = b.get_text("/password?done=lang").await;
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(
        html.contains("Taal opgeslagen."),
        "the notice in the new language: {html}"
    );
    assert!(html.contains("value=\"nl\" lang=\"nl\" selected"), "{html}");
    let (status, html) = b.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("Uitloggen"), "{html}");
    assert!(!html.contains("Sign out"), "{html}");

    // A language not spoken here is refused, and nothing changes.
    let res = b
        .post("/language", &[("csrf", &csrf), ("lang", "de")])
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Kies een van de talen uit de lijst."),
        "{html}"
    );
    assert_eq!(stored_lang(&s, "anneke").await.as_deref(), Some("nl"));

    // Empty: the browser's language again.
    let res = b.post("/language", &[("csrf", &csrf), ("lang", "")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored_lang(&s, "anneke").await, None);
    let (_, html) = b.get_text("/").await;
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Sign out"), "{html}");
    b.set_accept_language(Some("nl"));
    let (_, html) = b.get_text("/").await;
    assert!(html.contains("<html lang=\"nl\">"), "{html}");

    // Each change is in the audit log.
    let store = s.open_store().await;
    let audit = store.recorder.recent_audit(50).await.unwrap();
    store.close().await;
    let langs: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "user.lang")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(langs, ["(browser)", "nl"], "newest first");
}

#[tokio::test]
async fn an_editor_sets_the_language_of_one_page() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let save = |lang: &'static str, id: String| {
        let csrf = csrf.clone();
        let b = &b;
        async move {
            let mut fields = vec![
                ("csrf", csrf.as_str()),
                ("site", "demo"),
                ("action", "save"),
                ("kind", "page"),
                ("slug", "/over-ons"),
                ("title", "Over ons"),
                ("body", "Wie we zijn."),
                ("published", "on"),
                ("lang", lang),
            ];
            if !id.is_empty() {
                fields.push(("id", id.as_str()));
            }
            b.post("/pages/save", &fields).await
        }
    };
    // A language not spoken here is refused, and nothing is saved.
    let res = save("de", String::new()).await;
    assert_eq!(res.status(), 400);
    assert_eq!(s.get("/over-ons").await.status(), 404);

    // Dutch on the (English) demo site: the page says so to screen readers.
    let res = save("nl", String::new()).await;
    assert_eq!(res.status(), 303);
    let edit = location(&res);
    let html = s.get("/over-ons").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains(">Naar de inhoud<"), "{html}");
    // The editor shows the choice.
    let (_, form) = b.get_text(&edit.replace("/_admin", "")).await;
    assert!(
        form.contains("<option value=\"nl\" lang=\"nl\" selected>"),
        "{form}"
    );
    // Back to the site's language.
    let id = edit
        .split("id=")
        .nth(1)
        .and_then(|r| r.split('&').next())
        .unwrap()
        .to_string();
    let res = save("", id).await;
    assert_eq!(res.status(), 303);
    let html = s.get("/over-ons").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
}
