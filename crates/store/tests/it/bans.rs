//! The ban list: where each ban came from, and the mark that tells every node and the guard
//! that something changed.

use store::{NewBan, Store};

/// Runs against any backend (SQLite and MariaDB call it).
pub async fn sources_evidence_and_the_change_mark(store: &Store) {
    let r = &store.recorder;
    let start = r.ban_changes().await.unwrap();
    assert_eq!(
        r.ban_changes().await.unwrap(),
        start,
        "reading changes nothing"
    );
    let line = "imap-login: Disconnected (auth failed, 1 attempts): rip=203.0.113.7 ".repeat(30);
    r.ban_all(&[NewBan {
        subject: "203.0.113.7".into(),
        until: Some(store::now() + 600),
        reason: "5 failed logins".into(),
        count: 1,
        client_ip: "203.0.113.7".into(),
        source: "dovecot".into(),
        evidence: Some(line.clone()),
    }])
    .await
    .unwrap();
    let added = r.ban_changes().await.unwrap();
    assert_ne!(added, start, "a new ban changes the mark");
    r.ban("198.51.100.0/24", None, "by hand", 1, store::BY_CLI)
        .await
        .unwrap();
    let bans = r.active_bans(store::now()).await.unwrap();
    let guard = bans.iter().find(|b| b.subject == "203.0.113.7").unwrap();
    assert_eq!(guard.source, "dovecot");
    let evidence = guard.evidence.as_deref().unwrap();
    assert_eq!(
        evidence.chars().count(),
        1000,
        "the log line is cut to 1,000 characters"
    );
    assert!(line.starts_with(evidence));
    let cli = bans
        .iter()
        .find(|b| b.subject == "198.51.100.0/24")
        .unwrap();
    assert_eq!(
        (cli.source.as_str(), cli.evidence.as_deref()),
        ("cli", None)
    );
    let before_lift = r.ban_changes().await.unwrap();
    assert_eq!(store.editor.lift_bans("203.0.113.7").await.unwrap(), 1);
    assert_ne!(
        r.ban_changes().await.unwrap(),
        before_lift,
        "a lift changes the mark"
    );
    // A second lift within the same second changes it too.
    let before_second = r.ban_changes().await.unwrap();
    assert_eq!(store.editor.lift_bans("198.51.100.0/24").await.unwrap(), 1);
    assert_ne!(
        r.ban_changes().await.unwrap(),
        before_second,
        "another lift changes the mark"
    );
    let history = store.editor.bans_since(0).await.unwrap();
    assert!(history.iter().any(|b| b.source == "dovecot"));
}

#[tokio::test]
async fn on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&store::DatabaseConfig::default(), dir.path())
        .await
        .unwrap();
    sources_evidence_and_the_change_mark(&store).await;
    store.close().await;
}
