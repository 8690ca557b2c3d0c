//! The public site in its own language: `<html lang>`, the theme's words, dates on the
//! site's calendar, and the contact form's built-in texts and refusals — for a Dutch site and
//! an English one on the same server.

use std::sync::Arc;

use reqwest::StatusCode;
use testkit::TestServer;

/// The demo site made Dutch (its text stays as written: the language is the site's setting).
async fn dutch_site() -> TestServer {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut config = testkit::test_config(dir.path());
    config.sites[0].lang = "nl".into();
    config.sites[0].timezone = "Europe/Amsterdam".into();
    config.sites[0].forms[0].min_fill_s = 30;
    TestServer::start_in(dir, config).await
}

#[tokio::test]
async fn a_dutch_site_is_dutch_from_the_html_lang_to_the_dates() {
    let s = dutch_site().await;
    let html = text(&s, "/").await;
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"nl\">"),
        "{html}"
    );
    assert!(html.contains(">Naar de inhoud<"), "{html}");
    assert!(html.contains("aria-label=\"Hoofdmenu\""), "{html}");
    assert!(html.contains("<h2>Laatste nieuws</h2>"), "{html}");
    assert!(!html.contains("Skip to content"), "{html}");

    // Dates in Dutch words, on the site's calendar.
    let news = text(&s, "/news").await;
    let months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let dated = news
        .split("<time datetime=\"")
        .skip(1)
        .map(|t| t.split('<').next().unwrap_or(""))
        .collect::<Vec<_>>();
    assert!(!dated.is_empty(), "{news}");
    for t in &dated {
        assert!(
            months.iter().any(|m| t.contains(m)),
            "not a Dutch date: {t}"
        );
    }

    let res = s.get("/no-such-page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let missing = res.text().await.expect("body");
    assert!(
        missing.contains("<h1>Pagina niet gevonden</h1>"),
        "{missing}"
    );
    assert!(missing.contains("<html lang=\"nl\">"), "{missing}");
}

#[tokio::test]
async fn the_contact_form_asks_and_refuses_in_dutch() {
    let s = dutch_site().await;
    let token = super::forms::shown_token(&s).await;
    let form = text(&s, "/contact").await;
    assert!(form.contains("Je naam"), "{form}");
    assert!(form.contains(">Versturen</button>"), "{form}");
    // Sent at once: faster than a person fills it in.
    let (status, html) = super::forms::post(&s, &super::forms::valid(&token, "Hallo")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Je bericht is nog niet verstuurd"), "{html}");
    assert!(html.contains("te snel"), "{html}");
    // A field left empty, after a person's time: the label and the reason, in Dutch.
    s.clock.advance(31);
    let mut empty = super::forms::valid(&token, "");
    empty.retain(|(k, _)| *k != "message");
    empty.push(("message", ""));
    let (status, html) = super::forms::post(&s, &empty).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Je bericht is verplicht"), "{html}");
}

#[tokio::test]
async fn an_english_site_stays_english() {
    let s = TestServer::start().await;
    let html = text(&s, "/").await;
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains(">Skip to content<"), "{html}");
    let form = text(&s, "/contact").await;
    assert!(form.contains("Your name"), "{form}");
}

async fn text(s: &TestServer, path: &str) -> String {
    s.get(path).await.text().await.expect("body")
}

#[tokio::test]
async fn a_page_in_another_language_says_so_and_speaks_it() {
    let s = dutch_site().await;
    let store = s.open_store().await;
    let site = store
        .editor
        .site_by_name("demo")
        .await
        .expect("store")
        .expect("demo site");
    let about = store
        .editor
        .pages(site.id)
        .await
        .expect("pages")
        .into_iter()
        .find(|p| p.slug == "/about")
        .expect("the demo's about page");
    store
        .editor
        .set_page_lang(site.id, about.id, Some("en"))
        .await
        .expect("set");
    // The content poll brings the change within moments.
    let mut html = String::new();
    for _ in 0..100 {
        html = text(&s, "/about").await;
        if html.contains("<html lang=\"en\">") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains(">Skip to content<"), "{html}");
    // The rest of the site stays Dutch.
    let home = text(&s, "/").await;
    assert!(home.contains("<html lang=\"nl\">"), "{home}");
    // Back to the site's language.
    store
        .editor
        .set_page_lang(site.id, about.id, None)
        .await
        .expect("unset");
    for _ in 0..100 {
        html = text(&s, "/about").await;
        if html.contains("<html lang=\"nl\">") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
}
