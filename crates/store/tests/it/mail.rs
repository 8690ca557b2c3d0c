//! Form submissions and the mail queue on a real SQLite file.

use store::{NewMail, NewSubmission, Recorded, SENDING_LEASE_S, Store};

async fn open(dir: &std::path::Path) -> Store {
    Store::open(&store::DatabaseConfig::default(), dir)
        .await
        .unwrap()
}

fn submission(nonce: &str) -> NewSubmission {
    NewSubmission {
        site: "bakkerij".into(),
        form: "contact".into(),
        token_nonce: nonce.into(),
        client_ip: Some("192.0.2.7".into()),
        fields: vec![
            ("name".into(), "Naam".into(), "Anna".into()),
            (
                "message".into(),
                "Bericht".into(),
                "'; DROP TABLE mail_events; --".into(),
            ),
        ],
    }
}

fn mail(id: &str) -> NewMail {
    NewMail {
        domain: "bakkerij.test".into(),
        kind: "form".into(),
        envelope_from: "noreply@bakkerij.test".into(),
        recipients: vec!["info@bakkerij.test".into(), "backup@bakkerij.test".into()],
        subject: "Contact".into(),
        message_id: id.into(),
        body: "Subject: Contact\r\n\r\nHello\r\n".into(),
    }
}

#[tokio::test]
async fn a_submission_and_its_mail_are_kept_together_and_a_replay_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    submissions_and_replays(&store).await;
    // Kept across a reopen.
    store.close().await;
    let store = open(dir.path()).await;
    assert_eq!(store.editor.submissions(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_queue_claims_retries_gives_up_and_requeues() {
    let dir = tempfile::tempdir().unwrap();
    queue_lifecycle(&open(dir.path()).await).await;
}

/// Also run on MariaDB with the role users (`mysql.rs`).
pub async fn submissions_and_replays(store: &Store) {
    let r = store
        .recorder
        .record_submission(&submission("n1"), Some(&mail("m1@bakkerij.test")))
        .await
        .unwrap();
    let Recorded::Stored {
        submission: sid,
        mail: Some(mid),
    } = r
    else {
        panic!("not stored: {r:?}")
    };
    let again = store
        .recorder
        .record_submission(&submission("n1"), Some(&mail("m2@bakkerij.test")))
        .await
        .unwrap();
    assert_eq!(again, Recorded::Replay);
    let subs = store
        .editor
        .submissions(Some("bakkerij"), 10)
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].id, sid);
    assert_eq!(subs[0].fields[1].2, "'; DROP TABLE mail_events; --");
    assert_eq!(subs[0].mail_id, Some(mid));
    assert_eq!(subs[0].mail_state.as_deref(), Some("queued"));
    // The replay queued nothing either.
    let queue = store.editor.mail_list(None, 10).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].recipients.len(), 2);
    assert!(
        store
            .editor
            .submissions(Some("other"), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Also run on MariaDB with the role users (`mysql.rs`).
pub async fn queue_lifecycle(store: &Store) {
    let rec = &store.recorder;
    let id = rec.enqueue_mail(&mail("q1@bakkerij.test")).await.unwrap();
    let now = store::now();
    let due = due_of(rec, id, now, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].id, due[0].state.as_str(), due[0].seq),
        (id, "queued", 0)
    );
    // Two senders claim attempt 1; one wins.
    assert!(
        rec.mail_event(id, 1, "sending", "node a", None)
            .await
            .unwrap()
    );
    assert!(
        !rec.mail_event(id, 1, "sending", "node b", None)
            .await
            .unwrap()
    );
    assert!(
        due_of(rec, id, now, 10).await.unwrap().is_empty(),
        "claimed"
    );
    // A claim without an outcome is taken over after the lease.
    assert_eq!(
        due_of(rec, id, now + SENDING_LEASE_S + 1, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        rec.mail_event(id, 2, "failed", "421 try later", Some(now + 60))
            .await
            .unwrap()
    );
    assert!(
        due_of(rec, id, now, 10).await.unwrap().is_empty(),
        "not due yet"
    );
    let due = due_of(rec, id, now + 61, 10).await.unwrap();
    assert_eq!(
        (due[0].state.as_str(), due[0].seq, due[0].attempts),
        ("failed", 2, 1)
    );
    // Only dead letters can be sent again.
    assert!(!store.editor.requeue_mail(id, "admin").await.unwrap());
    assert!(rec.mail_event(id, 3, "sending", "", None).await.unwrap());
    assert!(
        rec.mail_event(id, 4, "dead", "550 no such user", None)
            .await
            .unwrap()
    );
    assert!(
        due_of(rec, id, now + 100_000, 10).await.unwrap().is_empty(),
        "dead stays"
    );
    assert_eq!(
        store.editor.mail_list(Some("dead"), 10).await.unwrap()[0].id,
        id
    );
    assert!(store.editor.requeue_mail(id, "admin").await.unwrap());
    let due = due_of(rec, id, store::now(), 10).await.unwrap();
    assert_eq!(due[0].state, "requeued");
    assert_eq!(due[0].attempts, 0, "sent again: the attempts start over");
    let history = store.editor.mail_events(id).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["sending", "failed", "sending", "dead", "requeued"]);
    assert_eq!(
        rec.mail_body(id).await.unwrap().as_deref(),
        Some("Subject: Contact\r\n\r\nHello\r\n")
    );
}

/// The due messages, only `id` among them (the store may hold others).
async fn due_of(
    rec: &store::Recorder,
    id: i64,
    now: i64,
    limit: i64,
) -> store::Result<Vec<store::QueuedMail>> {
    Ok(rec
        .due_mail(now, limit)
        .await?
        .into_iter()
        .filter(|m| m.id == id)
        .collect())
}

#[tokio::test]
async fn dmarc_reports_are_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    dmarc_reports_once(&open(dir.path()).await).await;
}

/// Also run on MariaDB with the role users (`mysql.rs`).
pub async fn dmarc_reports_once(store: &Store) {
    let report = store::DmarcReport {
        id: 0,
        org: "google.com".into(),
        email: "noreply-dmarc-support@google.com".into(),
        report_id: "1738".into(),
        domain: "delinde.example".into(),
        policy: "reject".into(),
        begin: 1_795_737_600,
        end: 1_795_823_999,
        imported_at: 0,
        source: "cli".into(),
        messages: 17,
        failed: 3,
        rows_json: "[]".into(),
    };
    assert!(store.recorder.record_dmarc(&report).await.unwrap());
    assert!(
        !store.recorder.record_dmarc(&report).await.unwrap(),
        "same reporter, same id"
    );
    let mut other = report.clone();
    other.org = "Yahoo".into();
    assert!(
        store.recorder.record_dmarc(&other).await.unwrap(),
        "another reporter's id 1738"
    );
    let kept = store
        .editor
        .dmarc_reports(Some("delinde.example"), 0, 10)
        .await
        .unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!((kept[0].messages, kept[0].failed), (17, 3));
    assert!(
        store
            .editor
            .dmarc_reports(Some("other.example"), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .editor
            .dmarc_reports(None, 1_795_823_999 + 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
