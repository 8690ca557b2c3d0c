//! Script payloads saved as content must not run: not on the public page, not in the admin's
//! live preview. Each payload would set `window.__xss` if it ran.

use store::Role;
use testkit::TestServer;

use crate::Chrome;

const PAYLOADS: &str = r#"# Payloads

<script>window.__xss = 'script'</script>

<img src=x onerror="window.__xss = 'onerror'">

<svg onload="window.__xss = 'svg'"><circle r="10"/></svg>

<iframe src="javascript:parent.__xss = 'iframe'"></iframe>

<a href="javascript:window.__xss = 'link'" id="evil">click me</a>

[markdown link](javascript:window.__xss='md')

<math><mtext><table><mglyph><style><img src=x onerror="window.__xss='mxss'">

<details open ontoggle="window.__xss = 'toggle'">x</details>

<form action="javascript:window.__xss='form'"><button id="go">go</button></form>
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_script_payloads_never_run() {
    let s = TestServer::start().await;
    s.add_user("anneke", Role::Editor, "linden tree 1987", false)
        .await;
    let admin = format!("{}/_admin", s.https_url);
    let c = Chrome::start().await;
    c.goto(&format!("{admin}/login")).await;
    c.fill("input[name=user]", "anneke").await;
    c.fill("input[name=password]", "linden tree 1987").await;
    c.click("form button[type=submit]").await;
    assert!(
        c.wait_until("return location.pathname === '/_admin/'")
            .await
    );

    // The live preview renders the payloads: nothing may run.
    c.goto(&format!("{admin}/pages/new?site=demo")).await;
    c.fill(
        "input[name=title]",
        "<img src=x onerror=\"window.__xss='title'\">",
    )
    .await;
    c.fill("input[name=slug]", "/payloads").await;
    c.paste("#body", PAYLOADS).await;
    assert!(
        c.wait_until("return document.querySelector('#preview').innerHTML.includes('Payloads')")
            .await
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        c.eval("return window.__xss === undefined").await,
        serde_json::json!(true),
        "preview ran a payload"
    );
    c.click("input[name=published]").await;
    c.click("button[value=save]").await;
    assert!(
        c.wait_until("return document.body.innerText.includes('Saved.')")
            .await,
        "{}",
        c.source().await
    );
    assert_eq!(
        c.eval("return window.__xss === undefined").await,
        serde_json::json!(true),
        "editor page ran a payload"
    );

    // The public page.
    c.goto(&format!("{}/payloads", s.https_url)).await;
    assert!(c.source().await.contains("Payloads"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let checks = c
        .eval(
            "return { xss: window.__xss === undefined, \
                      scripts: document.querySelectorAll('script, iframe, svg, math, main form, main details').length, \
                      handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length, \
                      js_links: document.querySelectorAll('a[href^=\"javascript\"]').length }",
        )
        .await;
    assert_eq!(
        checks,
        serde_json::json!({ "xss": true, "scripts": 0, "handlers": 0, "js_links": 0 }),
        "{}",
        c.source().await
    );
    // Clicking whatever link is left does not run anything either.
    let _ = c.eval("document.querySelectorAll('a').forEach(a => { if (a.closest('main')) a.click(); }); return true").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        c.eval("return window.__xss === undefined").await,
        serde_json::json!(true)
    );
    c.stop().await;
}
