//! The page editor's help in a real browser, at a desk in English and on a phone in Dutch:
//! the path follows the title (Dutch-aware) until the editor types their own, leaving with
//! unsaved changes asks first, and images are uploaded and picked from the editor.

use store::Role;
use testkit::TestServer;

use crate::Chrome;

/// A browser of a language at a width: the flows below run at a desk in English and on a
/// phone in Dutch.
async fn browser(lang: &str, phone: bool) -> Chrome {
    let (width, height) = if phone { (390, 844) } else { (1280, 900) };
    Chrome::start_with(lang, width, height).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_path_follows_the_title_and_unsaved_work_is_not_lost_unasked() {
    path_and_unsaved_work(browser("en", false).await, "editor-new-page").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_path_and_unsaved_work_on_a_phone_in_dutch() {
    path_and_unsaved_work(browser("nl", true).await, "nl-phone-editor-new-page").await;
}

async fn path_and_unsaved_work(c: Chrome, screenshot: &str) {
    let s = TestServer::start().await;
    s.add_user("piet", Role::Editor, "a long enough password 7", false)
        .await;
    let admin = format!("{}/_admin", s.https_url);
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
    c.screenshot(screenshot).await;
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

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_uploaded_and_picked_from_the_editor() {
    upload_and_pick(browser("en", false).await, "editor-images").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_uploaded_and_picked_on_a_phone_in_dutch() {
    upload_and_pick(browser("nl", true).await, "nl-phone-editor-images").await;
}

async fn upload_and_pick(c: Chrome, screenshot: &str) {
    let s = TestServer::start().await;
    s.add_user("piet", Role::Editor, "a long enough password 7", false)
        .await;
    let admin = format!("{}/_admin", s.https_url);
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
    c.paste("#body", "Onze tuin.").await;
    // Upload from the editor: the description is asked, then the image is put in the text.
    c.click(".insert-media summary").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hek.png");
    std::fs::write(&file, PNG).unwrap();
    let chooser = c
        .client
        .find(fantoccini::Locator::Css("input.upload-here"))
        .await
        .unwrap();
    chooser
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    let mut asked = false;
    for _ in 0..50 {
        if c.client.get_alert_text().await.is_ok() {
            asked = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(asked, "the description is asked before uploading");
    c.client.send_alert_text("Het nieuwe hek").await.unwrap();
    c.client.accept_alert().await.unwrap();
    assert!(
        c.wait_until(
            "return document.getElementById('body').value.includes('![Het nieuwe hek](/media/')"
        )
        .await,
        "{}",
        c.eval("return document.getElementById('body').value").await
    );
    // The live preview shows it.
    assert!(
        c.wait_until(
            "return document.querySelector('#preview img[alt=\"Het nieuwe hek\"]') !== null"
        )
        .await
    );
    let store = s.open_store().await;
    let name = store.editor.media(1).await.unwrap()[0].stored_name.clone();

    // Next time it is offered: one click puts it where the cursor is.
    c.goto(&format!("{admin}/pages/new?site=demo")).await;
    c.paste("#body", "Begin.\n\nEind.").await;
    c.eval("var b = document.getElementById('body'); b.focus(); b.setSelectionRange(6, 6); return true;")
        .await;
    c.click(".insert-media summary").await;
    c.click(".insert-media button.pick").await;
    let text = c.eval("return document.getElementById('body').value").await;
    assert_eq!(
        text,
        serde_json::json!(format!(
            "Begin.\n\n![Het nieuwe hek](/media/{name})\n\nEind."
        ))
    );
    c.screenshot(screenshot).await;
    c.stop().await;
}
