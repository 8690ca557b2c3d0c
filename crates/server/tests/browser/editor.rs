//! The page editor's help in a real browser: the path follows the title (Dutch-aware) until
//! the editor types their own, and leaving with unsaved changes asks first.

use store::Role;
use testkit::TestServer;

use crate::Chrome;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_path_follows_the_title_and_unsaved_work_is_not_lost_unasked() {
    let s = TestServer::start().await;
    s.add_user("piet", Role::Editor, "a long enough password 7", false)
        .await;
    let admin = format!("{}/_admin", s.https_url);
    let c = Chrome::start().await;
    c.goto(&format!("{admin}/login")).await;
    c.fill("input[name=user]", "piet").await;
    c.fill("input[name=password]", "a long enough password 7")
        .await;
    c.click("form button[type=submit]").await;
    assert!(
        c.wait_until("return location.pathname === '/_admin/'")
            .await
    );

    c.goto(&format!("{admin}/pages/new?site=demo")).await;
    let leaving = "var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;";
    assert_eq!(
        c.eval(leaving).await,
        serde_json::json!(false),
        "nothing typed yet"
    );
    c.fill("input[name=title]", "Zomerfeest in België & Ĳsselmeer")
        .await;
    assert_eq!(
        c.eval("return document.querySelector('input[name=slug]').value")
            .await,
        serde_json::json!("/zomerfeest-in-belgie-en-ijsselmeer")
    );
    assert_eq!(
        c.eval(leaving).await,
        serde_json::json!(true),
        "unsaved: asks"
    );
    // The editor's own path stays, whatever the title becomes.
    c.fill("input[name=slug]", "/feest").await;
    c.fill("input[name=title]", "Iets anders").await;
    assert_eq!(
        c.eval("return document.querySelector('input[name=slug]').value")
            .await,
        serde_json::json!("/feest")
    );
    c.screenshot("editor-new-page").await;
    // Saving is not leaving unsaved work.
    c.click("form.editor button[value=save]").await;
    assert!(
        c.wait_until("return location.search.includes('saved=1')")
            .await,
        "{}",
        c.source().await
    );
    assert_eq!(c.eval(leaving).await, serde_json::json!(false));
    c.stop().await;
}
