//! An editor's day in the browser: first sign-in with a one-time password, 2FA enrolment,
//! editing a page with the live preview, uploading an image, signing in again with a code.

use store::Role;
use testkit::TestServer;

use crate::Chrome;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_runs_the_site_from_the_browser() {
    let s = TestServer::start().await;
    s.add_user("anneke", Role::Admin, "one time password 1", true)
        .await;
    let site = s.https_url.clone();
    let admin = format!("{site}/_admin");
    let c = Chrome::start().await;

    // First sign-in: the one-time password must be replaced.
    c.goto(&format!("{admin}/login")).await;
    c.screenshot("login").await;
    c.fill("input[name=user]", "anneke").await;
    c.fill("input[name=password]", "one time password 1").await;
    c.click("form button[type=submit]").await;
    assert!(
        c.wait_until("return location.pathname === '/_admin/password'")
            .await
    );
    c.fill("input[name=current]", "one time password 1").await;
    c.fill("input[name=new]", "linden tree 1987").await;
    c.fill("input[name=confirm]", "linden tree 1987").await;
    c.click("form.stack button[type=submit]").await;
    assert!(
        c.wait_until("return document.body.innerText.includes('Welcome, anneke')")
            .await,
        "{}",
        c.source().await
    );
    c.screenshot("dashboard").await;

    // The session cookie is invisible to scripts (HttpOnly).
    assert_eq!(
        c.eval("return document.cookie").await,
        serde_json::json!("")
    );

    // Two-factor enrolment with the key shown next to the QR code.
    c.goto(&format!("{admin}/2fa")).await;
    assert!(
        c.wait_until("return document.querySelector('.qr svg') !== null")
            .await
    );
    c.screenshot("two-factor").await;
    let key = c.text("code.key").await;
    let code = auth::totp::code_at(&key, store::now() as u64).unwrap();
    c.fill("input[name=code]", &code).await;
    c.click("form.stack button[type=submit]").await;
    assert!(
        c.wait_until("return document.querySelectorAll('ul.codes li').length === 10")
            .await
    );

    // Edit /about: the preview follows the typing, the public page follows the save.
    c.goto(&format!("{admin}/pages?site=demo")).await;
    c.screenshot("pages").await;
    let href = c
        .eval("return [...document.querySelectorAll('a')].find(a => a.textContent.trim() === '/about').getAttribute('href')")
        .await;
    c.goto(&format!("{site}{}", href.as_str().unwrap())).await;
    c.paste("#body", "# About De Linde\n\nWe **love** our neighbours.")
        .await;
    assert!(
        c.wait_until(
            "return document.querySelector('#preview').innerHTML.includes('<strong>love</strong>')"
        )
        .await,
        "live preview"
    );
    c.screenshot("editor").await;
    c.click("button[value=save]").await;
    assert!(
        c.wait_until("return document.body.innerText.includes('Saved.')")
            .await
    );
    c.goto(&format!("{site}/about")).await;
    assert!(
        c.source()
            .await
            .contains("We <strong>love</strong> our neighbours.")
    );

    // Upload an image through the file input and see it served.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pixel.png");
    std::fs::write(&file, PNG).unwrap();
    c.goto(&format!("{admin}/media?site=demo")).await;
    c.fill("input[name=alt]", "Een pixel").await;
    let input = c
        .client
        .find(fantoccini::Locator::Css("input[type=file]"))
        .await
        .unwrap();
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    c.click("form.card button[type=submit]").await;
    assert!(
        c.wait_until("const i = document.querySelector('.media img'); return i !== null && i.complete && i.naturalWidth === 1").await,
        "uploaded image shown: {}",
        c.source().await
    );
    c.screenshot("media").await;

    // The login history shows it all.
    c.goto(&format!("{admin}/logins")).await;
    assert!(c.source().await.contains("signed in"));
    c.screenshot("login-history").await;

    // Sign out, and in again: now a code is asked.
    c.click("form.me button[type=submit]").await;
    assert!(
        c.wait_until("return location.pathname === '/_admin/login'")
            .await
    );
    c.fill("input[name=user]", "anneke").await;
    c.fill("input[name=password]", "linden tree 1987").await;
    c.click("form button[type=submit]").await;
    assert!(
        c.wait_until("return location.pathname === '/_admin/login/2fa'")
            .await
    );
    let code = auth::totp::code_at(&key, store::now() as u64 + 30).unwrap();
    c.fill("input[name=code]", &code).await;
    c.click("form.stack button[type=submit]").await;
    assert!(
        c.wait_until("return document.body.innerText.includes('Welcome, anneke')")
            .await
    );

    // The security page shows attacks from elsewhere, with the matched part escaped.
    for (i, attack) in [
        "/about?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/about?id=1%27%20OR%201=1--",
        "/.env",
        "/about?file=../../../../etc/passwd",
    ]
    .iter()
    .enumerate()
    {
        let from: std::net::IpAddr = format!("127.0.70.{}", i + 1).parse().unwrap();
        let client = reqwest::Client::builder()
            .local_address(Some(from))
            .build()
            .unwrap();
        let res = client
            .get(format!("{}{attack}", s.http_url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{attack}");
    }
    c.goto(&format!("{admin}/security")).await;
    assert!(
        c.wait_until("return document.querySelectorAll('svg.chart rect.bar').length === 38")
            .await,
        "24 hourly and 14 daily bars"
    );
    assert!(
        c.wait_until("return document.querySelectorAll('table.hits tbody tr').length === 4")
            .await
    );
    c.screenshot("security").await;

    // The site's certificate, where it comes from and when it expires.
    c.goto(&format!("{admin}/certificates")).await;
    assert!(
        c.wait_until("return document.querySelectorAll('table.certificates tbody tr').length === 1 && document.body.innerText.includes('days left')")
            .await
    );
    c.screenshot("certificates").await;

    // A visitor writes through the contact form (no cookie; the honeypot is out of sight).
    c.goto(&format!("{site}/contact")).await;
    assert!(
        c.wait_until("const r = document.querySelector('.hp').getBoundingClientRect(); return r.right <= 0 || r.width <= 1")
            .await,
        "the honeypot is invisible to people"
    );
    c.fill("input[name=name]", "Zoë de Vries").await;
    c.fill("input[name=email]", "zoe@example.org").await;
    c.fill(
        "textarea[name=message]",
        "Hallo! Kan ik zaterdag helpen bij de plantjesmarkt?",
    )
    .await;
    c.screenshot("contact-form").await;
    // The demo form wants three seconds of filling in, as a person needs: the server's clock
    // is moved on rather than waited for.
    s.clock.advance(4);
    c.click("form.contact-form button[type=submit]").await;
    assert!(
        c.wait_until("return document.body.innerText.includes('Your message has been sent')")
            .await
    );
    c.goto(&format!("{admin}/inbox")).await;
    assert!(
        c.wait_until("return document.body.innerText.includes('plantjesmarkt') && document.body.innerText.includes('queued')")
            .await
    );
    c.screenshot("inbox").await;
    c.goto(&format!("{admin}/mail")).await;
    assert!(
        c.wait_until("return document.body.innerText.includes('_dmarc.delinde.example') && document.body.innerText.includes('No mail relay is set')")
            .await
    );
    c.screenshot("mail").await;
    // DMARC reports of the last day, as the report mailbox would bring them.
    let store = s.open_store().await;
    for name in ["google.xml", "microsoft.xml", "yahoo.xml"] {
        let xml = std::fs::read_to_string(format!(
            "{}/../mail/tests/dmarc/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let now = store::now();
        let xml = xml
            .replace("1795737600", &(now - 86_400).to_string())
            .replace("1795823999", &now.to_string())
            .replace("1795824000", &now.to_string());
        server::dmarc::import(&store.recorder, xml.as_bytes(), "imap", None)
            .await
            .unwrap();
    }
    c.goto(&format!("{admin}/dmarc")).await;
    assert!(
        c.wait_until("return document.querySelectorAll('table.dmarc tbody tr').length === 3")
            .await
    );
    c.screenshot("dmarc").await;

    // On a phone-sized screen nothing is wider than the screen (tables scroll inside).
    c.client.set_window_size(390, 844).await.unwrap();
    for path in [
        "/",
        "/pages?site=demo",
        "/logins",
        "/media?site=demo",
        "/sessions",
        "/security",
        "/security/rules",
        "/certificates",
        "/inbox",
        "/mail",
        "/dmarc",
    ] {
        c.goto(&format!("{admin}{path}")).await;
        assert!(
            c.wait_until("return document.documentElement.scrollWidth <= window.innerWidth")
                .await,
            "{path} overflows a phone screen"
        );
    }
    c.goto(&format!("{admin}/pages?site=demo")).await;
    c.screenshot("phone-pages").await;
    c.client.set_window_size(1280, 900).await.unwrap();

    // Public pages set no cookie even now: the browser holds only the admin's __Host- cookie.
    c.goto(&format!("{site}/")).await;
    assert_eq!(
        c.eval("return document.cookie").await,
        serde_json::json!("")
    );
    c.stop().await;
}
