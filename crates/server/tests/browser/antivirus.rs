//! An editor's upload refused by the virus scanner, seen in the browser: the reason in words,
//! the signature named; and a photo stored without its GPS position, said so on the page.

use std::sync::Arc;

use store::Role;
use testkit::TestServer;
use testkit::clamd::{ClamdLab, EICAR, STREAM_MAX};

use crate::Chrome;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
const PHOTO: &[u8] = include_bytes!("../../../imagemeta/tests/fixtures/photo.jpg");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_reads_why_an_upload_was_refused() {
    let lab = ClamdLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.antivirus.address = Some(lab.socket.display().to_string());
    config.antivirus.max_stream_bytes = STREAM_MAX;
    config.admin.max_upload_bytes = usize::try_from(STREAM_MAX).unwrap();
    let s = TestServer::start_in(dir, config).await;
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

    let files = tempfile::tempdir().unwrap();
    let upload = |name: &str, bytes: &[u8]| {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let infected = upload("zomerfeest.png", &[PNG, EICAR].concat());
    c.goto(&format!("{admin}/media?site=demo")).await;
    assert!(
        c.source()
            .await
            .contains("Every upload is scanned for viruses"),
        "the editor is told uploads are scanned"
    );
    let input = c
        .client
        .find(fantoccini::Locator::Css("input[type=file]"))
        .await
        .unwrap();
    input.send_keys(infected.to_str().unwrap()).await.unwrap();
    c.click("form.card button[type=submit]").await;
    assert!(
        c.wait_until("const e = document.querySelector('p.error[role=alert]'); return e !== null && e.innerText.includes('the virus scanner found Bolwerk.Test.EICAR')").await,
        "refusal shown: {}",
        c.source().await
    );
    assert!(c.text("p.error").await.contains("It was not stored"));
    c.screenshot("upload-refused-virus").await;
    assert!(
        !c.source().await.contains("zomerfeest.png"),
        "nothing stored, nothing listed"
    );

    // A phone photo: stored, without where it was taken; the page says so.
    let photo = upload("IMG_0042.jpg", PHOTO);
    c.goto(&format!("{admin}/media?site=demo")).await;
    c.fill("input[name=alt]", "Het zomerfeest in de tuin").await;
    let input = c
        .client
        .find(fantoccini::Locator::Css("input[type=file]"))
        .await
        .unwrap();
    input.send_keys(photo.to_str().unwrap()).await.unwrap();
    c.click("form.card button[type=submit]").await;
    assert!(
        c.wait_until("return document.body.innerText.includes('Removed from the file before it was stored: the GPS position')").await,
        "stripping shown: {}",
        c.source().await
    );
    c.screenshot("upload-photo-stripped").await;
    c.stop().await;
}
