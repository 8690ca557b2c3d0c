//! The same server on MariaDB with one database user per role.

use std::sync::Arc;

use reqwest::StatusCode;
use store::DatabaseConfig;
use store::mysql::{InitOptions, drop_all, init};
use testkit::TestServer;

use crate::eventually;

fn admin_url() -> String {
    std::env::var("BOLWERK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into())
}

#[tokio::test]
async fn serves_from_mariadb_role_users() {
    let n = std::process::id();
    let opts = InitOptions {
        database: format!("bwsrv_{n}"),
        user_prefix: format!("bws{n}"),
        user_host: "%".into(),
    };
    let creds = init(&admin_url(), &opts)
        .await
        .unwrap_or_else(|e| panic!("MariaDB must answer at {}: {e}", admin_url()));
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let write = |name: &str, url: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, url).unwrap();
        p
    };
    let mut config = testkit::test_config(dir.path());
    config.database = DatabaseConfig::MySql {
        reader_url_file: write("reader.url", &creds.reader_url),
        recorder_url_file: write("recorder.url", &creds.recorder_url),
        editor_url_file: write("editor.url", &creds.editor_url),
        admin_url_file: None,
    };
    let s = TestServer::start_in(dir.clone(), config).await;

    let about = s.get("/about").await;
    assert_eq!(about.status(), StatusCode::OK);
    assert!(about.text().await.unwrap().contains("<h1>About us</h1>"));
    assert_eq!(s.get("/draft-plans").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(s.get_tls("/news").await.status(), StatusCode::OK);

    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    store
        .editor
        .set_published(site.id, "/draft-plans", true)
        .await
        .unwrap();
    assert!(eventually(|| async { s.get("/draft-plans").await.status() == StatusCode::OK }).await);
    // The sitemap and feed read through the reader user too, a post dated later held back
    // (MIN(published_at) over the view, decoded as MariaDB returns it).
    let later = store::NewPage {
        kind: store::PageKind::Post,
        slug: "/news/later".into(),
        title: "Later".into(),
        summary: String::new(),
        body_md: "Soon.".into(),
        published: true,
        published_at: Some(s.clock.now() + 3600),
    };
    store.editor.put_page(site.id, later, "test").await.unwrap();
    store.close().await;
    let listed = eventually(|| async {
        let res = s.get("/sitemap.xml").await;
        res.status() == StatusCode::OK
            && res
                .text()
                .await
                .unwrap()
                .contains("<loc>https://127.0.0.1/draft-plans</loc>")
    })
    .await;
    assert!(listed);
    let xml = s.get("/sitemap.xml").await.text().await.unwrap();
    assert!(!xml.contains("/news/later"), "{xml}");
    let feed = s.get("/feed.xml").await;
    assert_eq!(feed.status(), StatusCode::OK);
    let feed = feed.text().await.unwrap();
    assert!(
        feed.contains("spring-market") && !feed.contains("/news/later"),
        "{feed}"
    );

    // The admin entrance on role users: accounts and sessions (editor), history (recorder),
    // 2FA settings, revisions.
    s.add_user("boss", store::Role::Admin, "linden tree 1987", false)
        .await;
    let b = s.browser();
    assert_eq!(b.login("boss", "wrong password!").await.status(), 401);
    assert_eq!(b.login("boss", "linden tree 1987").await.status(), 303);
    let (status, html) = b.get_text("/logins").await;
    assert_eq!(status, 200);
    assert!(html.contains("wrong password") && html.contains("signed in"));
    assert_eq!(b.get("/2fa").await.status(), 200);
    assert_eq!(b.get("/settings").await.status(), 200);

    s.stop().await;
    drop_all(&admin_url(), &opts).await.unwrap();
}
