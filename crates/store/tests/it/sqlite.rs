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
            .page(site.id, "/a")
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
            .page(site.id, "/draft")
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
            .page(site.id, "/draft")
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
            .page(site.id, "/kept")
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
            .page(site.id, "/q")
            .await
            .unwrap()
            .unwrap()
            .title,
        title
    );
    assert!(
        store
            .reader
            .page(site.id, "/q' OR '1'='1")
            .await
            .unwrap()
            .is_none()
    );
}
