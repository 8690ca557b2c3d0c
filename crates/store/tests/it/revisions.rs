use store::{DatabaseConfig, Store};

use crate::page;

#[tokio::test]
async fn every_save_is_a_revision_and_can_be_restored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DatabaseConfig::default(), dir.path())
        .await
        .unwrap();
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    let id = store
        .editor
        .save_page(site.id, None, page("/a", "First", true), "anneke")
        .await
        .unwrap();
    let mut second = page("/renamed", "Second", true);
    second.body_md = "new body".into();
    assert_eq!(
        store
            .editor
            .save_page(site.id, Some(id), second, "joost")
            .await
            .unwrap(),
        id,
        "same page, new path"
    );
    assert!(
        store
            .reader
            .page(site.id, "/a", store::now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .reader
            .page(site.id, "/renamed", store::now())
            .await
            .unwrap()
            .unwrap()
            .title,
        "Second"
    );

    let revs = store.editor.revisions(id).await.unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(
        (revs[0].title.as_str(), revs[0].saved_by.as_str()),
        ("Second", "joost"),
        "newest first"
    );
    assert_eq!(
        (revs[1].slug.as_str(), revs[1].saved_by.as_str()),
        ("/a", "anneke")
    );

    store
        .editor
        .restore_revision(site.id, revs[1].id, "anneke")
        .await
        .unwrap();
    assert_eq!(
        store
            .reader
            .page(site.id, "/a", store::now())
            .await
            .unwrap()
            .unwrap()
            .title,
        "First"
    );
    assert_eq!(
        store.editor.revisions(id).await.unwrap().len(),
        3,
        "restoring is itself a revision"
    );
}

#[tokio::test]
async fn trash_hides_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DatabaseConfig::default(), dir.path())
        .await
        .unwrap();
    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    let id = store
        .editor
        .save_page(site.id, None, page("/a", "A", true), "t")
        .await
        .unwrap();
    assert!(store.editor.trash_page(site.id, "/a").await.unwrap());
    assert!(
        store
            .reader
            .page(site.id, "/a", store::now())
            .await
            .unwrap()
            .is_none(),
        "visitors no longer see it"
    );
    assert!(store.editor.pages(site.id).await.unwrap().is_empty());
    assert_eq!(store.editor.trashed(site.id).await.unwrap()[0].slug, "/a");
    let err = store
        .editor
        .save_page(site.id, None, page("/a", "Other", true), "t")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in the trash"), "{err}");
    assert!(store.editor.set_trashed(site.id, id, false).await.unwrap());
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
    // Another site's page cannot be touched through this site.
    let (other, _) = store.editor.ensure_site("o", "O", "").await.unwrap();
    assert!(!store.editor.set_trashed(other.id, id, true).await.unwrap());
    assert!(
        store
            .editor
            .page_source(other.id, id)
            .await
            .unwrap()
            .is_none()
    );
}
