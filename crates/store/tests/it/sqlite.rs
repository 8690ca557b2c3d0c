use store::{DatabaseConfig, Store};

use crate::page;

async fn open(dir: &std::path::Path) -> Store {
    Store::open(&DatabaseConfig::default(), dir)
        .await
        .expect("open sqlite store")
}

#[tokio::test]
async fn reader_connection_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    store
        .editor
        .put_page(site.id, page("/a", "A", true), "test")
        .await
        .unwrap();

    for sql in [
        "INSERT INTO sites (name, title, tagline, created_at) VALUES ('x', 'x', '', 0)",
        "UPDATE pages SET title = 'defaced'",
        "DELETE FROM pages",
        "CREATE TABLE evil (x INTEGER)",
    ] {
        let err = store.reader.execute_raw_for_test(sql).await.expect_err(sql);
        assert!(err.to_string().contains("readonly"), "{sql}: {err}");
    }
    assert_eq!(
        store
            .reader
            .page(site.id, "/a", store::now())
            .await
            .unwrap()
            .unwrap()
            .title,
        "A"
    );
}

#[tokio::test]
async fn drafts_are_invisible_to_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    store
        .editor
        .put_page(site.id, page("/draft", "Draft", false), "test")
        .await
        .unwrap();
    assert!(
        store
            .reader
            .page(site.id, "/draft", store::now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.editor.pages(site.id).await.unwrap().len(), 1);
    store
        .editor
        .set_published(site.id, "/draft", true)
        .await
        .unwrap();
    assert!(
        store
            .reader
            .page(site.id, "/draft", store::now())
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn every_change_bumps_the_content_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let v0 = store.reader.content_version().await.unwrap();
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    let v1 = store.reader.content_version().await.unwrap();
    store
        .editor
        .put_page(site.id, page("/a", "A", true), "test")
        .await
        .unwrap();
    let v2 = store.reader.content_version().await.unwrap();
    store.editor.set_menu(site.id, &[]).await.unwrap();
    let v3 = store.reader.content_version().await.unwrap();
    assert!(v0 < v1 && v1 < v2 && v2 < v3, "{v0} {v1} {v2} {v3}");
}

#[tokio::test]
async fn content_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path()).await;
        let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
        store
            .editor
            .put_page(site.id, page("/kept", "Kept", true), "test")
            .await
            .unwrap();
        store
            .recorder
            .audit("cli", None, "page.put", "/kept")
            .await
            .unwrap();
        store.close().await;
    }
    let store = open(dir.path()).await;
    let site = store.editor.site_by_name("s").await.unwrap().unwrap();
    assert_eq!(
        store
            .reader
            .page(site.id, "/kept", store::now())
            .await
            .unwrap()
            .unwrap()
            .title,
        "Kept"
    );
    assert_eq!(
        store.recorder.recent_audit(10).await.unwrap()[0].detail,
        "/kept"
    );
}

#[tokio::test]
async fn a_host_belongs_to_one_site() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (a, _) = store.editor.ensure_site("a", "A", "").await.unwrap();
    let (b, _) = store.editor.ensure_site("b", "B", "").await.unwrap();
    store
        .editor
        .set_hosts(a.id, &["a.example".into()])
        .await
        .unwrap();
    let err = store
        .editor
        .set_hosts(b.id, &["a.example".into()])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already belongs"), "{err}");
    assert_eq!(
        store.reader.hosts().await.unwrap(),
        vec![("a.example".to_string(), a.id)]
    );
}

#[tokio::test]
async fn bad_slugs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    for slug in ["about", "/a/../b", "/x/"] {
        assert!(
            store
                .editor
                .put_page(site.id, page(slug, "T", true), "test")
                .await
                .is_err()
        );
    }
    assert!(store.editor.pages(site.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn sql_metacharacters_are_stored_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    let title = "x'); DROP TABLE pages; --";
    store
        .editor
        .put_page(site.id, page("/q", title, true), "test")
        .await
        .unwrap();
    assert_eq!(
        store
            .reader
            .page(site.id, "/q", store::now())
            .await
            .unwrap()
            .unwrap()
            .title,
        title
    );
    assert!(
        store
            .reader
            .page(site.id, "/q' OR '1'='1", store::now())
            .await
            .unwrap()
            .is_none()
    );
}

/// The editor and the recorder write through their own connections at the same time (an
/// editor saving while the shield stores bans): no write may fail with "database is locked".
/// Before writes began with `BEGIN IMMEDIATE`, a save that read first and then wanted to write
/// was refused at once whenever the recorder had written in between (half the saves of the
/// crash bench got a 500).
#[tokio::test]
async fn concurrent_writers_wait_for_each_other_rather_than_fail() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    let editor = store.editor.clone();
    let saves = tokio::spawn(async move {
        let mut failed = Vec::new();
        for i in 0..150 {
            let slug = format!("/p{i}");
            if let Err(e) = editor
                .save_page(site.id, None, page(&slug, &format!("Page {i}"), true), "ed")
                .await
            {
                failed.push(e.to_string());
            }
        }
        failed
    });
    let recorder = store.recorder.clone();
    let bans = tokio::spawn(async move {
        let mut failed = Vec::new();
        for i in 0..150u32 {
            let rows: Vec<store::NewBan> = (0..5u32)
                .map(|j| store::NewBan {
                    subject: std::net::Ipv4Addr::from(0x0a00_0000 + i * 5 + j).to_string(),
                    until: Some(store::now() + 600),
                    reason: "test".into(),
                    count: 1,
                    client_ip: "10.0.0.1".into(),
                    source: store::BY_WEB.into(),
                    evidence: None,
                })
                .collect();
            if let Err(e) = recorder.ban_all(&rows).await {
                failed.push(e.to_string());
            }
            if let Err(e) = recorder.audit("t", None, "x", "y").await {
                failed.push(e.to_string());
            }
        }
        failed
    });
    let (saves, bans) = (saves.await.unwrap(), bans.await.unwrap());
    assert!(saves.is_empty(), "saves failed: {saves:?}");
    assert!(bans.is_empty(), "recorder writes failed: {bans:?}");
    assert_eq!(
        store
            .recorder
            .active_bans(store::now())
            .await
            .unwrap()
            .len(),
        750
    );
}

#[tokio::test]
async fn search_finds_only_what_visitors_see() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    crate::search::only_what_visitors_see_is_found(&store).await;
}
