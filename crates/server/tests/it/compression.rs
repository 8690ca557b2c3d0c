//! Public text responses in brotli or gzip as the request allows, each coding with its own
//! entity tag; media, forms and tiny bodies as they are. reqwest is built without its
//! decompression features here, so the bodies are the bytes on the wire, decoded below with
//! the same crates the server uses.

use std::io::Read;

use reqwest::Method;
use store::Role;
use testkit::TestServer;

async fn fetch(
    s: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = s.client.request(method, format!("{}{path}", s.http_url));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn get(s: &TestServer, path: &str, accept: &str) -> reqwest::Response {
    fetch(s, Method::GET, path, &[("accept-encoding", accept)]).await
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The body as sent, with what a compressed response must carry checked.
async fn body_in(res: reqwest::Response, coding: Option<&str>, what: &str) -> Vec<u8> {
    assert_eq!(header(&res, "content-encoding"), coding, "{what}");
    assert_eq!(header(&res, "vary"), Some("accept-encoding"), "{what}");
    assert!(res.headers().get("set-cookie").is_none(), "{what}");
    let len: usize = header(&res, "content-length").unwrap().parse().unwrap();
    let bytes = res.bytes().await.unwrap().to_vec();
    assert_eq!(bytes.len(), len, "{what}: content-length is the sent size");
    bytes
}

#[tokio::test]
async fn pages_come_in_brotli_or_gzip_as_asked_and_decode_to_the_same_html() {
    let s = TestServer::start().await;
    let plain = get(&s, "/about", "identity").await;
    let tag = header(&plain, "etag").unwrap().to_string();
    let html = body_in(plain, None, "identity").await;
    assert!(html.len() > 512 && String::from_utf8_lossy(&html).contains("<h1>About us</h1>"));
    // No header at all: as it is, still with `Vary`.
    let none = fetch(&s, Method::GET, "/about", &[]).await;
    assert_eq!(header(&none, "etag"), Some(tag.as_str()));
    assert!(body_in(none, None, "no header").await == html);

    let cases = [
        ("gzip, deflate, br, zstd", Some("br")),
        ("gzip, deflate", Some("gzip")),
        ("br;q=0, gzip", Some("gzip")),
        ("br;q=0.5, gzip;q=0.9", Some("gzip")),
        ("*", Some("br")),
        ("br;q=0, gzip;q=0", None),
        ("*;q=0", None),
        ("deflate, zstd", None),
        ("br;q=x, ,;, gzip;q=2", None),
    ];
    for (accept, coding) in cases {
        let res = get(&s, "/about", accept).await;
        let etag = header(&res, "etag").unwrap().to_string();
        let sent = body_in(res, coding, accept).await;
        let (decoded, suffix) = match coding {
            Some("br") => (unbrotli(&sent), "-br\""),
            Some(_) => (gunzip(&sent), "-gz\""),
            None => (sent.clone(), ""),
        };
        assert!(decoded == html, "{accept}: the same page");
        if coding.is_some() {
            assert!(
                sent.len() * 2 < html.len(),
                "{accept}: {} of {} bytes",
                sent.len(),
                html.len()
            );
            assert_eq!(etag, format!("{}{suffix}", tag.trim_end_matches('"')));
        } else {
            assert_eq!(etag, tag, "{accept}");
        }
    }

    // HTTP/2 over TLS too (another host, so another page: its canonical link names it).
    let tls = |accept: &'static str| {
        s.tls_client
            .get(format!("{}/about", s.https_url))
            .header("accept-encoding", accept)
            .send()
    };
    let plain = tls("identity").await.unwrap();
    let html = body_in(plain, None, "h2").await;
    let res = tls("br").await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    let sent = body_in(res, Some("br"), "h2").await;
    assert!(unbrotli(&sent) == html, "h2: the same page");
}

#[tokio::test]
async fn each_coding_revalidates_with_its_own_etag() {
    let s = TestServer::start().await;
    let mut tags = Vec::new();
    for accept in ["br", "gzip", "identity"] {
        let res = get(&s, "/about", accept).await;
        tags.push(header(&res, "etag").unwrap().to_string());
    }
    assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);

    for (i, accept) in ["br", "gzip", "identity"].into_iter().enumerate() {
        for (j, tag) in tags.iter().enumerate() {
            let res = fetch(
                &s,
                Method::GET,
                "/about",
                &[("accept-encoding", accept), ("if-none-match", tag)],
            )
            .await;
            let what = format!("{accept} with {tag}");
            if i == j {
                assert_eq!(res.status(), 304, "{what}");
                assert_eq!(header(&res, "etag"), Some(tag.as_str()), "{what}");
                assert_eq!(header(&res, "vary"), Some("accept-encoding"), "{what}");
            } else {
                // Another coding's tag is another representation: the full answer.
                assert_eq!(res.status(), 200, "{what}");
                assert_eq!(header(&res, "etag"), Some(tags[i].as_str()), "{what}");
            }
        }
    }
    // A cache holding several copies names them all.
    let all = tags.join(", ");
    let res = fetch(
        &s,
        Method::GET,
        "/about",
        &[("accept-encoding", "gzip"), ("if-none-match", &all)],
    )
    .await;
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, "etag"), Some(tags[1].as_str()));
}

#[tokio::test]
async fn head_gives_the_headers_of_get() {
    let s = TestServer::start().await;
    for accept in ["br", "gzip", "identity"] {
        let h = [("accept-encoding", accept)];
        let got = fetch(&s, Method::GET, "/about", &h).await;
        let head = fetch(&s, Method::HEAD, "/about", &h).await;
        assert_eq!(head.status(), 200);
        for name in [
            "content-encoding",
            "content-length",
            "content-type",
            "etag",
            "vary",
        ] {
            assert_eq!(header(&head, name), header(&got, name), "{accept}: {name}");
        }
        assert!(head.bytes().await.unwrap().is_empty(), "{accept}");
    }
}

#[tokio::test]
async fn the_stylesheet_sitemap_feed_and_404_page_are_compressed_too() {
    let s = TestServer::start().await;
    for (path, status) in [
        ("/assets/site.css", 200),
        ("/sitemap.xml", 200),
        ("/feed.xml", 200),
        ("/no-such-page", 404),
    ] {
        let plain = get(&s, path, "identity").await;
        assert_eq!(plain.status(), status, "{path}");
        let body = body_in(plain, None, path).await;
        let br = get(&s, path, "br").await;
        assert_eq!(br.status(), status, "{path}");
        assert!(
            unbrotli(&body_in(br, Some("br"), path).await) == body,
            "{path}"
        );
        let gz = get(&s, path, "gzip").await;
        assert!(
            gunzip(&body_in(gz, Some("gzip"), path).await) == body,
            "{path}"
        );
    }
}

#[tokio::test]
async fn tiny_bodies_media_and_forms_go_as_they_are() {
    let s = TestServer::start().await;
    // robots.txt is a few dozen bytes: not worth it, but the answer still varies by header.
    let res = get(&s, "/robots.txt", "br, gzip").await;
    assert_eq!(res.status(), 200);
    let text = body_in(res, None, "robots.txt").await;
    assert!(text.len() < 512 && text.starts_with(b"User-agent"));

    // The contact form carries a token made for this one request: never compressed, so a
    // page's size cannot be used to guess it (BREACH).
    let res = get(&s, "/contact", "br, gzip").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-encoding"), None);
    assert_eq!(header(&res, "cache-control"), Some("no-store"));
    assert!(res.headers().get("set-cookie").is_none());
    let html = res.text().await.unwrap();
    assert!(html.len() > 512 && html.contains("<form"), "{html}");

    // Uploads are served as uploaded, whatever the request accepts.
    let b = crate::admin::signed_in(&s, "anneke", Role::Editor).await;
    let csrf = b.csrf().await;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    for _ in 0..200 {
        pdf.extend_from_slice(b"% the same comment line, very compressible\n");
    }
    pdf.extend_from_slice(b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n");
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "notes.pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = b.get_text("/media?site=demo").await;
    let name = stored_name(&page, ".pdf");
    let res = get(&s, &format!("/media/{name}"), "br, gzip").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), Some("application/pdf"));
    assert_eq!(header(&res, "content-encoding"), None);
    assert_eq!(header(&res, "vary"), None);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &pdf[..]);
}

/// The first stored file name (32 hex characters and `ext`) in the media library's page.
fn stored_name(html: &str, ext: &str) -> String {
    let b = html.as_bytes();
    (0..b.len().saturating_sub(32 + ext.len()))
        .find(|&i| {
            b[i..i + 32]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                && (i == 0 || !b[i - 1].is_ascii_hexdigit())
                && b[i + 32..].starts_with(ext.as_bytes())
        })
        .map(|i| html[i..i + 32 + ext.len()].to_string())
        .expect("a stored file name")
}
