//! `bolwerk site`: the sites taken out of the config, listed and brought back.

use super::{bolwerk, path};

#[test]
fn a_retired_site_is_listed_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = store::Store::open(&store::DatabaseConfig::default(), &data)
            .await
            .unwrap();
        let (site, _) = store
            .editor
            .ensure_site("bakery", "Bakkerij", "")
            .await
            .unwrap();
        assert!(store.editor.retire_site(site.id).await.unwrap());
        store.close().await;
    });
    let out = bolwerk(&["site", "retired", "--data-dir", path(&data)]);
    assert!(out.status.success());
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.starts_with("bakery") && listed.contains("retired"),
        "{listed}"
    );

    let out = bolwerk(&["site", "restore", "bakery", "--data-dir", path(&data)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bolwerk(&["site", "retired", "--data-dir", path(&data)]);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Nothing retired by that name (any more): a clear refusal and exit status 1.
    let out = bolwerk(&["site", "restore", "bakery", "--data-dir", path(&data)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no retired site named \"bakery\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
