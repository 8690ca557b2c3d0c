use testkit::TestServer;

use crate::eventually;

#[tokio::test]
async fn pages_are_cached_and_edits_invalidate_them() {
    let s = TestServer::start().await;
    assert!(
        s.get("/about")
            .await
            .text()
            .await
            .unwrap()
            .contains("<h1>About us</h1>")
    );
    assert!(s.cached_pages() >= 1, "a rendered page is cached");

    // Edit through a second connection to the database, as the CLI in another process does.
    let store = s.open_store().await;
    let site = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let edited = store::NewPage {
        kind: store::PageKind::Page,
        slug: "/about".into(),
        title: "About De Linde".into(),
        summary: String::new(),
        body_md: "Edited.".into(),
        published: true,
        published_at: None,
    };
    store
        .editor
        .put_page(site.id, edited, "test")
        .await
        .unwrap();
    let shows_edit = eventually(|| async {
        s.get("/about")
            .await
            .text()
            .await
            .unwrap()
            .contains("<h1>About De Linde</h1>")
    })
    .await;
    assert!(shows_edit, "the cached page was replaced after the edit");

    // Unpublishing removes it from view too.
    store
        .editor
        .set_published(site.id, "/about", false)
        .await
        .unwrap();
    let gone =
        eventually(|| async { s.get("/about").await.status() == reqwest::StatusCode::NOT_FOUND })
            .await;
    assert!(gone, "unpublished page is no longer served from cache");
}

#[tokio::test]
async fn scanning_random_paths_does_not_grow_the_cache() {
    // Bans would stop the scan after ten pages; this test is about the cache.
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_404_threshold = 10_000;
    let s = TestServer::start_in(dir, config).await;
    for i in 0..200 {
        assert_eq!(s.get(&format!("/no-such-page-{i}")).await.status(), 404);
    }
    assert!(
        s.cached_pages() <= 2,
        "only the 404 page is cached, got {}",
        s.cached_pages()
    );
}
