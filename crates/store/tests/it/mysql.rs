//! Against the real MariaDB the test script starts (`BOLWERK_TEST_MYSQL_URL`, default
//! root without password on 127.0.0.1:3306). If it does not answer, these tests fail.

use store::mysql::{InitOptions, drop_all, init};
use store::{DatabaseConfig, Store};

use crate::page;

fn admin_url() -> String {
    std::env::var("BOLWERK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into())
}

fn unique_opts() -> InitOptions {
    let n = std::process::id();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    InitOptions {
        database: format!("bwt_{n}_{t}"),
        user_prefix: format!("bwt{}", (n ^ t) % 1_000_000),
        user_host: "%".into(),
    }
}

async fn store_for(dir: &std::path::Path, creds: &store::mysql::Credentials) -> Store {
    let write = |name: &str, url: &str| {
        let p = dir.join(name);
        std::fs::write(&p, url).unwrap();
        p
    };
    let config = DatabaseConfig::MySql {
        reader_url_file: write("reader.url", &creds.reader_url),
        recorder_url_file: write("recorder.url", &creds.recorder_url),
        editor_url_file: write("editor.url", &creds.editor_url),
        admin_url_file: None,
    };
    Store::open(&config, dir)
        .await
        .expect("open mysql store with role users")
}

#[tokio::test]
async fn role_users_have_only_their_grants() {
    let opts = unique_opts();
    let creds = init(&admin_url(), &opts)
        .await
        .unwrap_or_else(|e| panic!("MariaDB must answer at {}: {e}", admin_url()));
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(dir.path(), &creds).await;

    let (site, _) = store.editor.ensure_site("s", "S", "").await.unwrap();
    store
        .editor
        .put_page(site.id, page("/a", "A", true), "test")
        .await
        .unwrap();
    store
        .editor
        .put_page(site.id, page("/draft", "D", false), "test")
        .await
        .unwrap();
    store
        .recorder
        .audit("test", None, "page.put", "/a")
        .await
        .unwrap();

    // The reader reads published content...
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
    assert!(
        store
            .reader
            .page(site.id, "/draft", store::now())
            .await
            .unwrap()
            .is_none()
    );
    // ...and the database refuses every write and every look at drafts.
    for sql in [
        "INSERT INTO sites (name, title, tagline, created_at) VALUES ('x', 'x', '', 0)",
        "UPDATE sites SET title = 'defaced'",
        "DELETE FROM site_hosts",
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (0, 'x', 'x', 'x')",
        "SELECT * FROM pages",
        "SELECT * FROM audit_log",
        "SELECT * FROM users",
        "SELECT * FROM sessions",
        "SELECT * FROM login_attempts",
        "DROP TABLE sites",
    ] {
        let err = store.reader.execute_raw_for_test(sql).await.expect_err(sql);
        let msg = err.to_string();
        assert!(msg.contains("denied"), "{sql}: {msg}");
    }
    assert_eq!(
        store
            .reader
            .execute_raw_for_test("SELECT * FROM published_pages")
            .await
            .unwrap(),
        0
    );

    // The recorder appends but cannot rewrite history.
    store
        .recorder
        .security_event("test", Some("192.0.2.1"), "x")
        .await
        .unwrap();
    store.close().await;
    drop_all(&admin_url(), &opts).await.unwrap();
}

#[tokio::test]
async fn recorder_cannot_update_or_delete() {
    let opts = unique_opts();
    let creds = init(&admin_url(), &opts)
        .await
        .unwrap_or_else(|e| panic!("MariaDB must answer at {}: {e}", admin_url()));
    sqlx::any::install_default_drivers();
    let recorder = sqlx::AnyPool::connect(&creds.recorder_url).await.unwrap();
    let editor = sqlx::AnyPool::connect(&creds.editor_url).await.unwrap();
    for (who, pool) in [("recorder", &recorder), ("editor", &editor)] {
        for sql in [
            "UPDATE audit_log SET detail = 'forged'",
            "DELETE FROM audit_log",
            "DELETE FROM security_events",
        ] {
            let err = sqlx::query(sql).execute(pool).await.expect_err(sql);
            assert!(err.to_string().contains("denied"), "{who} {sql}: {err}");
        }
    }
    let err = sqlx::query("UPDATE pages SET title = 'x'")
        .execute(&recorder)
        .await
        .expect_err("recorder update pages");
    assert!(err.to_string().contains("denied"), "{err}");
    // The shield reads what administrators tuned, but cannot allow itself anything.
    for sql in [
        "INSERT INTO allowlist (cidr, note, created_at) VALUES ('0.0.0.0/0', 'x', 1)",
        "DELETE FROM allowlist",
        "UPDATE rule_switches SET enabled = 0",
        "INSERT INTO rule_switches (rule_id, enabled, changed_by, changed_at) VALUES (1001, 0, 'x', 1)",
    ] {
        let err = sqlx::query(sql).execute(&recorder).await.expect_err(sql);
        assert!(err.to_string().contains("denied"), "recorder {sql}: {err}");
    }
    // Form submissions and the mail queue's history cannot be rewritten by anyone.
    for (who, pool) in [("recorder", &recorder), ("editor", &editor)] {
        for sql in [
            "UPDATE form_submissions SET fields = '[]'",
            "DELETE FROM form_submissions",
            "UPDATE mail_messages SET body = 'x'",
            "DELETE FROM mail_messages",
            "UPDATE mail_events SET kind = 'sent'",
            "DELETE FROM mail_events",
            "UPDATE dmarc_reports SET failed = 0",
            "DELETE FROM dmarc_reports",
        ] {
            let err = sqlx::query(sql).execute(pool).await.expect_err(sql);
            assert!(err.to_string().contains("denied"), "{who} {sql}: {err}");
        }
    }
    sqlx::query("SELECT COUNT(*) FROM allowlist")
        .fetch_one(&recorder)
        .await
        .expect("recorder reads the allowlist");
    sqlx::query("SELECT COUNT(*) FROM rule_switches")
        .fetch_one(&recorder)
        .await
        .expect("recorder reads the rule switches");
    recorder.close().await;
    editor.close().await;
    drop_all(&admin_url(), &opts).await.unwrap();
}

#[tokio::test]
async fn forms_and_the_mail_queue_work_through_the_role_users() {
    let opts = unique_opts();
    let creds = init(&admin_url(), &opts)
        .await
        .unwrap_or_else(|e| panic!("MariaDB must answer at {}: {e}", admin_url()));
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(dir.path(), &creds).await;
    crate::mail::submissions_and_replays(&store).await;
    crate::mail::queue_lifecycle(&store).await;
    crate::mail::dmarc_reports_once(&store).await;
    crate::bans::sources_evidence_and_the_change_mark(&store).await;
    store.close().await;
    drop_all(&admin_url(), &opts).await.unwrap();
}

#[tokio::test]
async fn search_finds_only_what_visitors_see() {
    let opts = unique_opts();
    let creds = init(&admin_url(), &opts)
        .await
        .unwrap_or_else(|e| panic!("MariaDB must answer at {}: {e}", admin_url()));
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(dir.path(), &creds).await;
    crate::search::only_what_visitors_see_is_found(&store).await;
    store.close().await;
    drop_all(&admin_url(), &opts).await.unwrap();
}
