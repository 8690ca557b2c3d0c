use store::Role;
use testkit::TestServer;

use super::signed_in;

/// A real 1×1 PNG.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// The first stored file name (32 hex characters and an extension) on the page.
fn stored_name(html: &str) -> String {
    let b = html.as_bytes();
    (0..b.len().saturating_sub(36))
        .find(|&i| {
            b[i..i + 32]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                && (i == 0 || !b[i - 1].is_ascii_hexdigit())
                && (b[i + 32..].starts_with(b".png") || b[i + 32..].starts_with(b".pdf"))
        })
        .map(|i| html[i..i + 36].to_string())
        .expect("a stored file name")
}

#[tokio::test]
async fn upload_an_image_and_serve_it_publicly() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "../../etc/logo.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = b.get_text("/media?site=demo").await;
    assert!(
        html.contains("..&#x2f;..&#x2f;etc&#x2f;logo.png") || html.contains("....etclogo.png"),
        "original name shown, escaped: {html}"
    );
    let name = stored_name(&html);
    assert!(name.len() == 36 && name.ends_with(".png"), "{name}");
    // Stored under the random name, outside any web root.
    assert!(s.data_dir().join("media").join(&name).is_file());

    let res = s.get(&format!("/media/{name}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers().get("set-cookie").is_none());
    // An hour's freshness, then a cheap revalidation by the name (never reused): short enough
    // that a file quarantined later leaves caches.
    assert_eq!(res.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(res.headers()["etag"], format!("\"{name}\""));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let again = s
        .client
        .get(format!("{}/media/{name}", s.http_url))
        .header("if-none-match", format!("W/\"x\", \"{name}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], format!("\"{name}\""));

    let store = s.open_store().await;
    assert_eq!(
        store.recorder.recent_audit(1).await.unwrap()[0].action,
        "media.upload"
    );
    let id = store.editor.media(1).await.unwrap()[0].id.to_string();
    let csrf = b.csrf().await;
    assert_eq!(
        b.post(
            "/media/delete",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id)]
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        s.get(&format!("/media/{name}")).await.status(),
        404,
        "removed from the site"
    );
}

#[tokio::test]
async fn only_real_images_and_pdfs_are_accepted() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let url = format!("/media/upload?csrf={csrf}&site=demo");
    for (name, bytes) in [
        (
            "logo.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        (
            "photo.png",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        ("empty.png", Vec::new()),
        ("tool.pdf", b"MZ\x90\0\x03".to_vec()),
    ] {
        let res = b.upload(&url, name, bytes).await;
        assert_eq!(res.status(), 400, "{name}");
        assert!(res.text().await.unwrap().contains("Not uploaded"), "{name}");
    }
    let res = b.upload(&url, "doc.pdf", b"%PDF-1.7\n%...".to_vec()).await;
    assert_eq!(res.status(), 303);
    let store = s.open_store().await;
    let files = store.editor.media(1).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].content_type, "application/pdf");
    // Without the CSRF token nothing is stored.
    assert_eq!(
        b.upload("/media/upload?site=demo", "x.png", PNG.to_vec())
            .await
            .status(),
        403
    );
    assert_eq!(store.editor.media(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.admin.max_upload_bytes = 1 << 20;
    let s = TestServer::start_in(dir, config).await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let mut big = PNG.to_vec();
    big.resize(2 << 20, 0);
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "big.png",
            big,
        )
        .await;
    assert!(
        res.status() == 413 || res.status() == 400,
        "{}",
        res.status()
    );
    let store = s.open_store().await;
    assert!(store.editor.media(1).await.unwrap().is_empty());
}

/// A camera photo of a few megabytes (over axum's 2 MiB default, under the 10 MiB limit) is
/// taken.
#[tokio::test]
async fn a_photo_of_several_megabytes_is_taken() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    // Noise does not compress: a JPEG of about 3 MB, as a phone makes them.
    let mut seed = 0x2545_f491_u32;
    let photo = image::RgbImage::from_fn(1600, 1200, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [r, g, b, _] = seed.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&photo)
        .unwrap();
    assert!(
        jpeg.len() > 2 << 20 && jpeg.len() < 10 << 20,
        "{}",
        jpeg.len()
    );
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "strand.jpg",
            jpeg,
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let store = s.open_store().await;
    assert_eq!(store.editor.media(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn media_urls_that_are_not_ours_are_404() {
    let s = TestServer::start().await;
    for path in [
        "/media/..%2f..%2fbolwerk.db",
        "/media/bolwerk.db",
        &format!("/media/{}.png", "a".repeat(32)),
        // A letter of two bytes where the name's hex ends: answered, never a crash.
        &format!("/media/{}%C3%A9.png", "a".repeat(31)),
        &format!("/media/{}%C3%A9-w480.png", "a".repeat(32)),
        "/media/",
    ] {
        let res = s.get(path).await;
        // Traversal is refused by the shield before routing; the rest is the site's 404.
        let want = if path.contains("..") || path.ends_with(".db") {
            403
        } else {
            404
        };
        assert_eq!(res.status(), want, "{path}");
    }
}

/// A PDF that would make visitors' readers act (JavaScript on opening, hidden in a compressed
/// object stream, or with escaped names) is refused, saying what it holds; a plain one is kept.
#[tokio::test]
async fn pdfs_with_active_content_are_refused_with_the_reason() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let url = format!("/media/upload?csrf={csrf}&site=demo");
    let open = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Open#41ction << /S /J#61vaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n";
    let res = b.upload(&url, "flyer.pdf", open.to_vec()).await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("an action that runs when the file is opened"),
        "{page}"
    );
    assert!(page.contains("JavaScript"), "{page}");
    let plain = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n";
    assert_eq!(
        b.upload(&url, "plain.pdf", plain.to_vec()).await.status(),
        303
    );
    let store = s.open_store().await;
    assert_eq!(store.editor.media(1).await.unwrap().len(), 1);
    assert_eq!(
        store
            .recorder
            .recent_audit(5)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.action == "media.pdf_refused")
            .count(),
        1
    );
}

/// A phone photo: GPS position, camera make, model and serial, the photographer, rotated 90°.
const PHOTO: &[u8] = include_bytes!("../../../../imagemeta/tests/fixtures/photo.jpg");

#[tokio::test]
async fn photos_are_stored_without_their_hidden_details() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let before = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(PHOTO))
        .unwrap();
    assert!(
        before
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some(),
        "the fixture has a position"
    );
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "IMG_0042.jpg",
            PHOTO.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let store = s.open_store().await;
    let m = &store.editor.media(1).await.unwrap()[0];
    // The stored file, read back independently: no position, no camera, still upright.
    let stored = std::fs::read(s.data_dir().join("media").join(&m.stored_name)).unwrap();
    let after = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&stored))
        .unwrap();
    let tags: Vec<exif::Tag> = after.fields().map(|f| f.tag).collect();
    assert_eq!(
        tags,
        vec![exif::Tag::Orientation],
        "only the orientation is left"
    );
    assert_eq!(
        after
            .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        before
            .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0))
    );
    assert!(stored.len() < PHOTO.len());
    // Served as stored, and the editor is told what went.
    let res = s.get(&format!("/media/{}", m.stored_name)).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), stored.as_slice());
    let (_, page) = b.get_text("/media?site=demo").await;
    assert!(
        page.contains("Removed from the file before it was stored: the GPS position, the camera make and model, the camera&#x27;s serial number"),
        "{page}"
    );
    let audit = store.recorder.recent_audit(1).await.unwrap();
    assert!(
        audit[0].detail.contains("removed the GPS position"),
        "{audit:?}"
    );
}

/// What an image shows is asked at upload, used in the snippet, and can be changed later.
#[tokio::test]
async fn images_are_described_for_people_who_cannot_see_them() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let url = format!("/media/upload?csrf={csrf}&site=demo");
    let res = b.upload_with(&url, "tuin.png", PNG.to_vec(), &[]).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("describe in a few words")
    );
    // A PDF needs none.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    assert_eq!(
        b.upload_with(&url, "jaarverslag.pdf", pdf, &[])
            .await
            .status(),
        303
    );
    let res = b
        .upload_with(
            &url,
            "tuin.png",
            PNG.to_vec(),
            &[("alt", "Vrijwilligers [planten] bomen\u{202E}")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = b.get_text("/media?site=demo").await;
    assert!(
        page.contains("![Vrijwilligers planten bomen](&#x2f;media&#x2f;"),
        "{page}"
    );
    let store = s.open_store().await;
    let m = store
        .editor
        .media(1)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.original_name == "tuin.png")
        .unwrap();
    assert_eq!(
        m.alt, "Vrijwilligers [planten] bomen",
        "the bidi override went"
    );
    let res = b
        .post(
            "/media/alt",
            &[
                ("csrf", &csrf),
                ("site", "demo"),
                ("id", &m.id.to_string()),
                ("alt", "Bomen planten in de tuin"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = b.get_text("/media?site=demo&done=alt").await;
    assert!(page.contains("![Bomen planten in de tuin]"), "{page}");
    assert!(page.contains("Description saved."), "{page}");
}

#[tokio::test]
async fn images_on_pages_have_their_size_and_load_lazily() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "hek.jpg",
            PHOTO.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let store = s.open_store().await;
    let name = store.editor.media(1).await.unwrap()[0].stored_name.clone();
    // The fixture is stored sideways with "turn 90°": it shows taller than it is stored.
    let stored = imagemeta::display_size("image/jpeg", PHOTO).expect("a size");
    let csrf = b.csrf().await;
    let body = format!("Het nieuwe hek:\n\n![Het nieuwe hek](/media/{name})");
    let res = b
        .post(
            "/pages/save",
            &[
                ("csrf", csrf.as_str()),
                ("site", "demo"),
                ("action", "save"),
                ("kind", "page"),
                ("slug", "/hek"),
                ("title", "Hek"),
                ("body", body.as_str()),
                ("published", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = s.get("/hek").await.text().await.unwrap();
    let want = format!(
        "<img src=\"/media/{name}\" alt=\"Het nieuwe hek\" width=\"{}\" height=\"{}\" loading=\"lazy\" decoding=\"async\">",
        stored.0, stored.1
    );
    assert!(html.contains(&want), "{want}\n{html}");
    assert!(stored.1 > stored.0, "portrait: {stored:?}");
}

/// A real 2000 × 1000 JPEG with some structure.
fn wide_photo() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(2000, 1000, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

#[tokio::test]
async fn a_large_photo_is_offered_in_phone_tablet_and_screen_widths() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "tuin.jpg",
            wide_photo(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let store = s.open_store().await;
    let m = store.editor.media(1).await.unwrap()[0].clone();
    let name = m.stored_name.clone();
    let csrf = b.csrf().await;
    let body = format!("![De tuin](/media/{name})");
    let res = b
        .post(
            "/pages/save",
            &[
                ("csrf", csrf.as_str()),
                ("site", "demo"),
                ("action", "save"),
                ("kind", "page"),
                ("slug", "/tuin"),
                ("title", "Tuin"),
                ("body", body.as_str()),
                ("published", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The copies are made in the background; the page offers them once they exist.
    let mut html = String::new();
    for _ in 0..200 {
        html = s.get("/tuin").await.text().await.unwrap();
        if html.contains("srcset=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let srcset = html
        .split("srcset=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("a srcset: {html}"))
        .to_string();
    // One file per width, narrowest first, then the original at its own width.
    let entries: Vec<(String, String)> = srcset
        .split(", ")
        .map(|e| {
            let (url, w) = e.split_once(' ').unwrap();
            (url.to_string(), w.to_string())
        })
        .collect();
    let widths: Vec<&str> = entries.iter().map(|(_, w)| w.as_str()).collect();
    assert_eq!(widths, ["480w", "960w", "1920w", "2000w"], "{srcset}");
    assert_eq!(entries[3].0, format!("/media/{name}"));
    assert!(
        html.contains("sizes=\"(max-width: 46rem) 100vw, 46rem\""),
        "{html}"
    );
    assert!(html.contains("width=\"2000\" height=\"1000\""), "{html}");
    // Every copy is served, cookie-free, as the picture its name says.
    for (url, w) in &entries[..3] {
        let res = s.get(url).await;
        assert_eq!(res.status(), 200, "{url}");
        assert!(res.headers().get("set-cookie").is_none());
        let kind = res.headers()["content-type"].to_str().unwrap().to_string();
        let bytes = res.bytes().await.unwrap();
        let picture = image::load_from_memory(&bytes).expect("a picture");
        assert_eq!(format!("{}w", picture.width()), *w, "{url}");
        assert!(
            (kind == "image/jpeg" && url.ends_with(".jpg"))
                || (kind == "image/webp" && url.ends_with(".webp")),
            "{url}: {kind}"
        );
    }
    // Removing the photo removes its copies from the site too.
    let csrf = b.csrf().await;
    let id = m.id.to_string();
    let res = b
        .post(
            "/media/delete",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id)],
        )
        .await;
    assert_eq!(res.status(), 303);
    for (url, _) in &entries {
        assert_eq!(s.get(url).await.status(), 404, "{url}");
    }
}

#[tokio::test]
async fn the_editor_picks_images_and_uploads_from_the_page() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    // Dropped on the editor's text: the answer is the snippet to insert.
    let res = b
        .upload_accepting(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "hek.png",
            PNG.to_vec(),
            &[("alt", "Het [nieuwe] hek")],
            "application/json",
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let answer: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    let snippet = answer["snippet"].as_str().unwrap().to_string();
    let store = s.open_store().await;
    let name = store.editor.media(1).await.unwrap()[0].stored_name.clone();
    // Brackets cannot end the description early.
    assert_eq!(snippet, format!("![Het nieuwe hek](/media/{name})"));
    // A refusal is the same page as without the script, with its reason.
    let csrf = b.csrf().await;
    let res = b
        .upload_accepting(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "notes.txt",
            b"just text".to_vec(),
            &[("alt", "x")],
            "application/json",
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("class=\"error\""));
    // The editor offers the uploaded image with one click.
    let (_, editor) = b.get_text("/pages/new?site=demo").await;
    let picker = editor
        .split("class=\"insert-media\"")
        .nth(1)
        .expect("the image picker");
    assert!(
        picker.contains(&format!("src=\"/media/{name}\"")),
        "{picker}"
    );
    assert!(
        picker.contains(&format!(
            "data-insert=\"![Het nieuwe hek](&#x2f;media&#x2f;{name})\""
        )) || picker.contains(&format!("data-insert=\"![Het nieuwe hek](/media/{name})\"")),
        "{picker}"
    );
    // The upload address carries the session's CSRF token and the site.
    assert!(picker.contains("media&#x2f;upload?csrf=") || picker.contains("media/upload?csrf="));
}

#[tokio::test]
async fn an_editor_gives_the_site_its_icon() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Editor).await;
    let home = s.get("/").await.text().await.unwrap();
    assert!(!home.contains("rel=\"icon\""), "none yet: {home}");
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "logo.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let store = s.open_store().await;
    let name = store.editor.media(1).await.unwrap()[0].stored_name.clone();
    let csrf = b.csrf().await;
    // Only a stored name of the site's own images is taken.
    for bad in ["../../etc/passwd", "0123456789abcdef0123456789abcdef.png"] {
        let res = b
            .post(
                "/media/icon",
                &[("csrf", &csrf), ("site", "demo"), ("name", bad)],
            )
            .await;
        assert_eq!(res.status(), 404, "{bad}");
    }
    let res = b
        .post(
            "/media/icon",
            &[("csrf", &csrf), ("site", "demo"), ("name", &name)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, media) = b
        .get_text(&super::location(&res).replace("/_admin", ""))
        .await;
    assert!(
        media.contains("role=\"status\">Site icon saved."),
        "{media}"
    );
    let mut home = String::new();
    for _ in 0..100 {
        home = s.get("/").await.text().await.unwrap();
        if home.contains("rel=\"icon\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        home.contains(&format!("<link rel=\"icon\" href=\"/media/{name}\">")),
        "{home}"
    );
    // Recorded, and taken away again.
    assert_eq!(
        store.recorder.recent_audit(1).await.unwrap()[0].action,
        "site.icon"
    );
    let res = b
        .post(
            "/media/icon",
            &[("csrf", &csrf), ("site", "demo"), ("name", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let mut gone = false;
    for _ in 0..100 {
        if !s
            .get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("rel=\"icon\"")
        {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "no icon after choosing none");
    // An image removed from the library stops being the icon.
    let res = b
        .post(
            "/media/icon",
            &[("csrf", &csrf), ("site", "demo"), ("name", &name)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let id = store.editor.media(1).await.unwrap()[0].id.to_string();
    let res = b
        .post(
            "/media/delete",
            &[("csrf", &csrf), ("site", "demo"), ("id", &id)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    assert_eq!(site.icon, None);
}

#[tokio::test]
async fn images_uploaded_before_sizes_were_kept_get_them_at_the_next_start() {
    let s = TestServer::start().await;
    // An upload from before: indexed without a size, no copies.
    let name = format!("{}.jpg", "b".repeat(32));
    std::fs::create_dir_all(s.data_dir().join("media")).unwrap();
    std::fs::write(s.data_dir().join("media").join(&name), wide_photo()).unwrap();
    let store = s.open_store().await;
    store
        .editor
        .add_media(
            1,
            &store::NewMedia {
                stored_name: &name,
                original_name: "oud.jpg",
                content_type: "image/jpeg",
                size: 1,
                uploaded_by: "anneke",
                scanned_with: None,
                metadata_removed: None,
                alt: "Een oude foto",
                dimensions: None,
            },
        )
        .await
        .unwrap();
    store.close().await;
    let s = s.restart().await;
    let store = s.open_store().await;
    let mut copies = 0;
    for _ in 0..200 {
        copies = std::fs::read_dir(s.data_dir().join("media"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().starts_with(&"b".repeat(32)))
                    .unwrap_or(false)
            })
            .count();
        let sized = store
            .editor
            .images_without_size(10)
            .await
            .unwrap()
            .is_empty();
        if sized && copies >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(copies >= 4, "the original and its three copies: {copies}");
    let images = store.reader.media_images(1).await.unwrap();
    let info = images.get(&name).expect("sized");
    assert_eq!(info.size, Some((2000, 1000)));
    assert_eq!(
        info.variants.iter().map(|(w, _)| *w).collect::<Vec<_>>(),
        [480, 960, 1920]
    );
}
