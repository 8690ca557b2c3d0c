//! Site search on both engines: only what visitors see is found, and the index follows
//! every change (publish, unpublish, edit, trash, restore, a later date).

use store::{NewPage, PageKind, Store, Terms};

use crate::page;

fn slugs(hits: &[store::SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.slug.as_str()).collect()
}

async fn find(store: &Store, site: i64, q: &str, now: i64) -> Vec<String> {
    let hits = store
        .reader
        .search(site, &Terms::parse(q), now, 20)
        .await
        .unwrap_or_else(|e| panic!("search {q:?}: {e}"));
    slugs(&hits).into_iter().map(String::from).collect()
}

/// What a search finds once an edit has reached the index: asked again for up to 2 s until it
/// finds `want`, then as found. MariaDB's FULLTEXT index was seen (once in many runs, with the
/// other MariaDB tests running beside it) to answer a search right after an update without the
/// new words; SQLite's FTS5 answers the first time.
async fn settled(store: &Store, site: i64, q: &str, now: i64, want: &[&str]) -> Vec<String> {
    let mut found = find(store, site, q, now).await;
    for _ in 0..20 {
        if found == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        found = find(store, site, q, now).await;
    }
    found
}

/// The same story on either engine.
pub async fn only_what_visitors_see_is_found(store: &Store) {
    let now = store::now();
    let ed = &store.editor;
    let (site, _) = ed.ensure_site("s", "S", "").await.unwrap();
    let (other, _) = ed.ensure_site("o", "O", "").await.unwrap();
    let body = |slug: &str, title: &str, body: &str, published: bool| NewPage {
        body_md: body.into(),
        ..page(slug, title, published)
    };
    ed.put_page(
        site.id,
        body(
            "/reis",
            "Onze reis",
            "Een tocht door België met fietsen.",
            true,
        ),
        "t",
    )
    .await
    .unwrap();
    ed.put_page(
        site.id,
        body("/fietsen", "Fietsen", "Alles over onderhoud.", true),
        "t",
    )
    .await
    .unwrap();
    ed.put_page(
        site.id,
        body("/geheim", "Geheim", "Verrassing voor België.", false),
        "t",
    )
    .await
    .unwrap();
    ed.put_page(
        other.id,
        body("/elders", "Elders", "Ook België en fietsen.", true),
        "t",
    )
    .await
    .unwrap();
    let tomorrow = NewPage {
        kind: PageKind::Post,
        published_at: Some(now + 86_400),
        ..body("/news/later", "Later", "Morgen naar België.", true)
    };
    ed.put_page(site.id, tomorrow, "t").await.unwrap();

    // Accent-insensitive both ways; drafts, later posts and other sites stay out.
    assert_eq!(find(store, site.id, "belgie", now).await, ["/reis"]);
    assert_eq!(find(store, site.id, "BELGIË", now).await, ["/reis"]);
    // A word in the title ranks first.
    assert_eq!(
        find(store, site.id, "fietsen", now).await,
        ["/fietsen", "/reis"]
    );
    // Every word must be there.
    assert_eq!(find(store, site.id, "fietsen tocht", now).await, ["/reis"]);
    // Tomorrow the post is there.
    let mut later = find(store, site.id, "belgie", now + 86_401).await;
    later.sort();
    assert_eq!(later, ["/news/later", "/reis"]);

    // Unpublished, trashed, edited: the index follows.
    ed.set_published(site.id, "/reis", false).await.unwrap();
    assert!(settled(store, site.id, "tocht", now, &[]).await.is_empty());
    ed.set_published(site.id, "/reis", true).await.unwrap();
    assert_eq!(
        settled(store, site.id, "tocht", now, &["/reis"]).await,
        ["/reis"]
    );
    let id = ed
        .put_page(
            site.id,
            body("/reis", "Onze reis", "Een wandeling door Frankrijk.", true),
            "t",
        )
        .await
        .unwrap();
    assert!(settled(store, site.id, "tocht", now, &[]).await.is_empty());
    assert_eq!(
        settled(store, site.id, "wandeling", now, &["/reis"]).await,
        ["/reis"]
    );
    ed.set_trashed(site.id, id, true).await.unwrap();
    assert!(
        settled(store, site.id, "wandeling", now, &[])
            .await
            .is_empty()
    );
    ed.set_trashed(site.id, id, false).await.unwrap();
    assert_eq!(
        settled(store, site.id, "wandeling", now, &["/reis"]).await,
        ["/reis"]
    );
    ed.put_page(
        site.id,
        body("/geheim", "Geheim", "Verrassing voor België.", true),
        "t",
    )
    .await
    .unwrap();
    assert_eq!(
        settled(store, site.id, "verrassing", now, &["/geheim"]).await,
        ["/geheim"]
    );

    // Query syntax typed by a visitor is only ever words: an answer, never an error.
    for q in [
        "title:x",
        "NEAR(",
        "\"",
        "*",
        "-foo",
        "AND OR",
        "fiets*",
        "a OR b",
        "'",
        "(",
        "^x",
        "body_md:geheim",
        "+++",
        "@2",
        "\\",
        "\u{0}",
    ] {
        find(store, site.id, q, now).await;
    }
    assert!(settled(store, site.id, "", now, &[]).await.is_empty());
}
