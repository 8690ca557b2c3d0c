//! A Dutch volunteer's admin and a Dutch site, in a browser that speaks Dutch, at desktop and
//! phone width: every page says `<html lang="nl">`, shows no raw catalog key, fits a phone
//! screen and has no serious or critical accessibility problem by axe-core. The English
//! login page is checked by axe as well.

use std::sync::Arc;

use store::Role;
use testkit::TestServer;

use crate::Chrome;

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);

/// A server whose demo site is Dutch (the admin follows the browser's language).
async fn dutch_site() -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.sites[0].lang = "nl".into();
    // However long the checks between opening and sending take, sending is too soon.
    config.sites[0].forms[0].min_fill_s = 600;
    TestServer::start_in(dir, config).await
}

/// The prefixes of the catalogs' keys (`nav`, `content`, `dash`, …), read from the files.
fn key_prefixes() -> Vec<String> {
    let dir = format!("{}/../i18n/locales/en", env!("CARGO_MANIFEST_DIR"));
    let mut prefixes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            if let Some((prefix, _)) = key.split_once('-')
                && prefix.chars().all(|c| c.is_ascii_lowercase())
                && !prefixes.iter().any(|p| p == prefix)
            {
                prefixes.push(prefix.to_string());
            }
        }
    }
    assert!(
        prefixes.iter().any(|p| p == "nav") && prefixes.iter().any(|p| p == "form"),
        "{prefixes:?}"
    );
    prefixes
}

/// The words on the page that look like catalog keys: lower-case parts joined by hyphens,
/// the first part a key prefix (`nav-pages`; not `e-mailadres`, not a path).
async fn raw_keys(c: &Chrome) -> Vec<String> {
    let words = c
        .eval(
            r"return (document.body.innerText.match(/(?<![\w\/.@-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w\/.@-])/g) || [])",
        )
        .await;
    let prefixes = key_prefixes();
    words
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| prefixes.iter().any(|p| w.split('-').next() == Some(p)))
        .map(str::to_string)
        .collect()
}

/// Checks the page in the browser is the Dutch one: `<html lang="nl">`, no visible catalog
/// key (a whole word like `content-save` whose first part is a key prefix), no serious or
/// critical axe finding, and at phone width nothing wider than the screen.
async fn check_page(c: &Chrome, what: &str, phone: bool) {
    assert_eq!(
        c.eval("return document.documentElement.lang").await,
        serde_json::json!("nl"),
        "{what}: <html lang>"
    );
    let raw = raw_keys(c).await;
    assert!(raw.is_empty(), "{what}: raw catalog keys shown: {raw:?}");
    if phone {
        assert!(
            c.wait_until("return document.documentElement.scrollWidth <= window.innerWidth + 1")
                .await,
            "{what} is wider than a phone screen: {}",
            c.eval("return [document.documentElement.scrollWidth, window.innerWidth]")
                .await
        );
    }
    let problems = c.axe().await;
    assert!(
        problems.is_empty(),
        "{what}: axe-core finds serious or critical problems:\n{}",
        problems.join("\n")
    );
}

async fn sign_in(c: &Chrome, admin: &str) {
    c.goto(&format!("{admin}/login")).await;
    c.fill("input[name=user]", "femke").await;
    c.fill("input[name=password]", "moestuin op zaterdag 12")
        .await;
    c.click("form button[type=submit]").await;
    assert!(
        c.wait_until("return location.pathname === '/_admin/'")
            .await,
        "{}",
        c.source().await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dutch_volunteer_at_a_desk_and_on_a_phone() {
    let s = dutch_site().await;
    s.add_user("femke", Role::Editor, "moestuin op zaterdag 12", false)
        .await;
    let admin = format!("{}/_admin", s.https_url);

    // The login page comes out Dutch: the browser's language reaches the server.
    let c = Chrome::start_with("nl", DESKTOP.0, DESKTOP.1).await;
    c.goto(&format!("{admin}/login")).await;
    assert!(
        c.wait_until("return document.querySelector('h1').innerText.includes('Inloggen')")
            .await,
        "{}",
        c.source().await
    );
    check_page(&c, "login", false).await;
    c.screenshot("nl-login").await;
    sign_in(&c, &admin).await;
    assert!(c.source().await.contains("Welkom, femke"));
    check_page(&c, "dashboard", false).await;
    // The key check can fail: a key shown as such is found, a hyphenated Dutch word is not.
    c.eval("const p = document.createElement('p'); p.id = 'slip'; p.textContent = 'Zie nav-pages, (dash-welcome) en je e-mailadres.'; document.body.append(p); return 1").await;
    assert_eq!(raw_keys(&c).await, ["nav-pages", "dash-welcome"]);
    c.eval("document.getElementById('slip').remove(); return 1")
        .await;
    c.screenshot("nl-dashboard").await;

    c.goto(&format!("{admin}/pages?site=demo")).await;
    check_page(&c, "pages", false).await;
    c.screenshot("nl-pages").await;

    // A new page: the path follows the title, Dutch-aware.
    c.goto(&format!("{admin}/pages/new?site=demo")).await;
    check_page(&c, "new page", false).await;
    c.fill("input[name=title]", "Één dag in de moestuin").await;
    assert_eq!(
        c.eval("return document.querySelector('input[name=slug]').value")
            .await,
        serde_json::json!("/een-dag-in-de-moestuin")
    );
    c.paste(
        "#body",
        "Zaterdag **zaaien** we bonen en oogsten we de eerste sla.",
    )
    .await;
    assert!(
        c.wait_until("return document.querySelector('#preview').innerHTML.includes('<strong>zaaien</strong>')")
            .await,
        "live preview"
    );
    c.screenshot("nl-editor").await;
    c.click("form.editor button[value=save]").await;
    assert!(
        c.wait_until("return location.search.includes('saved=1') && document.body.innerText.includes('Opgeslagen.')")
            .await,
        "{}",
        c.source().await
    );
    check_page(&c, "saved page", false).await;
    let history = c
        .eval("return document.querySelector('a[href*=\"/pages/history\"]').getAttribute('href')")
        .await;
    let history = history.as_str().unwrap().to_string();
    c.goto(&format!("{}{history}", s.https_url)).await;
    check_page(&c, "history", false).await;

    let admin_pages = [
        ("dashboard", "/"),
        ("pages", "/pages?site=demo"),
        ("new page", "/pages/new?site=demo"),
        ("media", "/media?site=demo"),
        ("menu", "/menu?site=demo"),
        ("inbox", "/inbox"),
        ("sessions", "/sessions"),
        ("account", "/password"),
    ];
    for (what, path) in &admin_pages[3..] {
        c.goto(&format!("{admin}{path}")).await;
        check_page(&c, what, false).await;
    }
    c.stop().await;

    // The same on a phone (a browser of its own, so a sign-in of its own).
    let p = Chrome::start_with("nl", PHONE.0, PHONE.1).await;
    sign_in(&p, &admin).await;
    assert_eq!(
        p.eval("return [window.innerWidth, navigator.userAgent.includes('Mobile')]")
            .await,
        serde_json::json!([PHONE.0, true])
    );
    for (what, path) in admin_pages {
        p.goto(&format!("{admin}{path}")).await;
        check_page(&p, &format!("{what} on a phone"), true).await;
        if what == "pages" {
            p.screenshot("nl-phone-pages").await;
        }
    }
    p.goto(&format!("{}{history}", s.https_url)).await;
    check_page(&p, "history on a phone", true).await;

    // On the phone, in Dutch: a menu item that links nowhere is refused in words, then one to
    // the home page is saved and shows on the site.
    p.goto(&format!("{admin}/menu?site=demo")).await;
    let row = p
        .eval("return [...document.querySelectorAll('input[name^=label_]')].find(i => !i.value).name.slice(6)")
        .await;
    let row = row.as_str().expect("an empty menu row").to_string();
    p.fill(&format!("input[name=label_{row}]"), "Moestuin")
        .await;
    p.eval(&format!(
        "document.querySelector('select[name=target_{row}]').value = 'other'; return 1"
    ))
    .await;
    p.fill(&format!("input[name=address_{row}]"), "/bestaat-niet")
        .await;
    p.click("form.navbuilder button[type=submit]").await;
    assert!(
        p.wait_until(
            "return document.body.innerText.includes('maar daar heeft de site geen pagina')"
        )
        .await,
        "{}",
        p.source().await
    );
    check_page(&p, "menu refused on a phone", true).await;
    p.eval(&format!(
        "document.querySelector('input[name=address_{row}]').value = '/'; return 1"
    ))
    .await;
    p.click("form.navbuilder button[type=submit]").await;
    assert!(
        p.wait_until("return document.body.innerText.includes('Menu opgeslagen.')")
            .await,
        "{}",
        p.source().await
    );
    let home = s.get("/").await.text().await.unwrap();
    assert!(home.contains(">Moestuin<"), "{home}");

    // A visitor's message, read and marked on the phone.
    let store = s.open_store().await;
    store
        .recorder
        .record_submission(
            &store::NewSubmission {
                site: "demo".into(),
                form: "contact".into(),
                token_nonce: "telefoon".into(),
                client_ip: None,
                fields: vec![(
                    "message".into(),
                    "Bericht".into(),
                    "Mag ik zaterdag komen helpen?".into(),
                )],
            },
            None,
        )
        .await
        .unwrap();
    p.goto(&format!("{admin}/inbox")).await;
    assert!(p.source().await.contains("Mag ik zaterdag komen helpen?"));
    p.click("form[action$='/inbox/state'] button").await;
    assert!(
        p.wait_until("return document.querySelector('.msg-read') !== null && document.body.innerText.includes('gelezen')")
            .await,
        "{}",
        p.source().await
    );
    check_page(&p, "inbox after marking on a phone", true).await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dutch_site_for_visitors_and_the_english_login() {
    let s = dutch_site().await;
    let site = s.https_url.clone();
    for (size, phone) in [(DESKTOP, false), (PHONE, true)] {
        let c = Chrome::start_with("nl", size.0, size.1).await;
        let name = |page: &str| {
            if phone {
                format!("nl-phone-public-{page}")
            } else {
                format!("nl-public-{page}")
            }
        };
        c.goto(&format!("{site}/")).await;
        assert!(
            c.source().await.contains("Laatste nieuws"),
            "{}",
            c.source().await
        );
        check_page(&c, "home", phone).await;
        c.screenshot(&name("home")).await;

        c.goto(&format!("{site}/news/spring-market")).await;
        check_page(&c, "news post", phone).await;

        c.goto(&format!("{site}/contact")).await;
        check_page(&c, "contact form", phone).await;
        c.fill("input[name=name]", "Zoë de Vries").await;
        c.fill("input[name=email]", "zoe@example.org").await;
        c.fill("textarea[name=message]", "Mag ik zaterdag komen helpen?")
            .await;
        // Sent at once, faster than a person fills it in: refused, in Dutch, with the
        // visitor's words kept.
        c.click("form.contact-form button[type=submit]").await;
        assert!(
            c.wait_until("return document.body.innerText.includes('Je bericht is nog niet verstuurd') && document.body.innerText.includes('te snel')")
                .await,
            "{}",
            c.source().await
        );
        assert_eq!(
            c.eval("return document.querySelector('input[name=name]').value")
                .await,
            serde_json::json!("Zoë de Vries")
        );
        check_page(&c, "refused contact form", phone).await;
        c.screenshot(&name("contact-refused")).await;

        c.goto(&format!("{site}/bestaat-niet")).await;
        assert!(
            c.source().await.contains("Pagina niet gevonden"),
            "{}",
            c.source().await
        );
        check_page(&c, "404", phone).await;
        c.stop().await;
    }

    // An English browser gets the English login page, as accessible.
    let c = Chrome::start_with("en", DESKTOP.0, DESKTOP.1).await;
    c.goto(&format!("{site}/_admin/login")).await;
    assert_eq!(
        c.eval("return [document.documentElement.lang, document.querySelector('h1').innerText]")
            .await,
        serde_json::json!(["en", "Sign in"])
    );
    let problems = c.axe().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check can fail: an image without a text alternative is found.
    c.eval("const i = document.createElement('img'); i.src = 'data:,'; i.id = 'no-alt'; document.body.append(i); return 1").await;
    let problems = c.axe().await;
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("image-alt (critical)") && p.contains("#no-alt")),
        "{problems:?}"
    );
    c.stop().await;
}

/// Every key of the catalogs, read from the files.
fn all_keys() -> std::collections::HashSet<String> {
    let dir = format!("{}/../i18n/locales/en", env!("CARGO_MANIFEST_DIR"));
    let mut keys = std::collections::HashSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some((key, _)) = line.split_once(" = ")
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                keys.insert(key.to_string());
            }
        }
    }
    keys
}

/// The administrator's own pages (the editor's are above), in Dutch and English, at desktop
/// and phone width: the right `<html lang>`, no catalog key shown as it is, nothing wider
/// than a phone, and no serious or critical axe finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrators_pages_in_both_languages() {
    let s = dutch_site().await;
    s.add_user("femke", Role::Admin, "moestuin op zaterdag 12", false)
        .await;
    let admin = format!("{}/_admin", s.https_url);
    let keys = all_keys();
    let pages = [
        "/security",
        "/security/rules",
        "/certificates",
        "/mail",
        "/dns",
        "/check",
        "/dmarc",
        "/users",
        "/settings",
        "/logins",
        "/audit",
        "/2fa",
    ];
    for (lang, size, phone) in [
        ("nl", DESKTOP, false),
        ("nl", PHONE, true),
        ("en", DESKTOP, false),
    ] {
        let c = Chrome::start_with(lang, size.0, size.1).await;
        sign_in(&c, &admin).await;
        for path in pages {
            let what = format!("{path} ({lang}, {}px)", size.0);
            c.goto(&format!("{admin}{path}")).await;
            assert_eq!(
                c.eval("return document.documentElement.lang").await,
                serde_json::json!(lang),
                "{what}: <html lang>"
            );
            let words = c
                // Whole words only: not part of an address, path or host name.
                .eval(r"return (document.body.innerText.match(/(?<![\w\/.@-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w\/.@-])/g) || [])")
                .await;
            let raw: Vec<&str> = words
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|w| w.as_str())
                .filter(|w| keys.contains(*w))
                .collect();
            assert!(
                raw.is_empty(),
                "{what}: catalog keys shown as they are: {raw:?}"
            );
            if phone {
                assert!(
                    c.wait_until(
                        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
                    )
                    .await,
                    "{what} is wider than a phone screen"
                );
            }
            let problems = c.axe().await;
            assert!(
                problems.is_empty(),
                "{what}: axe-core finds serious or critical problems:\n{}",
                problems.join("\n")
            );
        }
        if lang == "nl" && !phone {
            c.goto(&format!("{admin}/security")).await;
            c.screenshot("nl-security").await;
        }
        c.stop().await;
    }
}
