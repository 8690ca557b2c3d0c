//! `bolwerk av status | rescan` against a real clamd the test starts.

use std::time::Duration;

use testkit::clamd::{ClamdLab, STREAM_MAX};

use crate::{bolwerk, path};

const LATER: &str = "BOLWERK-CLI-SIGNATURE-LATER-93d1";

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = bolwerk(args);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn status_and_rescan_as_the_operator_sees_them() {
    let mut lab = ClamdLab::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("bolwerk.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {data:?}\n[server]\nhttp = \"127.0.0.1:0\"\n[admin]\nmax_upload_bytes = {STREAM_MAX}\n[antivirus]\naddress = {:?}\nmax_stream_bytes = {STREAM_MAX}\nrescan_per_minute = 60000\n[[site]]\nname = \"shop\"\nhosts = [\"www.shop.example\"]\n",
            lab.socket.display().to_string()
        ),
    )
    .unwrap();
    let c = path(&cfg);

    // Nothing stored yet: all well.
    let (code, text) = run(&["av", "status", "--config", c]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("answers") && text.contains("signatures:"),
        "{text}"
    );
    assert!(text.contains("no official signature database"), "{text}");

    // A file stored while clamd was down (unscanned), as the server would have left it.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stored = "0123456789abcdef0123456789abcdef.pdf";
    rt.block_on(async {
        let store = store::Store::open(&store::DatabaseConfig::default(), &data)
            .await
            .unwrap();
        let (site, _) = store.editor.ensure_site("shop", "Shop", "").await.unwrap();
        let bytes = format!("%PDF-1.7\n% {LATER}\n");
        std::fs::create_dir_all(data.join("media")).unwrap();
        std::fs::write(data.join("media").join(stored), &bytes).unwrap();
        store
            .editor
            .add_media(
                site.id,
                &store::NewMedia {
                    stored_name: stored,
                    original_name: "flyer.pdf",
                    content_type: "application/pdf",
                    size: bytes.len() as i64,
                    uploaded_by: "anneke",
                    scanned_with: None,
                    metadata_removed: None,
                    alt: "",
                    dimensions: None,
                },
            )
            .await
            .unwrap();
    });
    let (code, text) = run(&["av", "status", "--config", c]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("1 served: 1 never scanned"), "{text}");

    // Scanned now: clean with today's signatures.
    let (code, text) = run(&["av", "rescan", "--config", c]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("1 files scanned") && text.contains("0 quarantined"),
        "{text}"
    );

    // Tomorrow's signatures find it: quarantined, moved aside.
    lab.publish_daily(7, &[("Bolwerk.Test.Later", LATER)]);
    let clamd = av::Clamd {
        address: av::Address::Unix(lab.socket.clone()),
        timeout: Duration::from_secs(10),
        max_stream: STREAM_MAX,
    };
    rt.block_on(async {
        clamd.reload().await.unwrap();
        for _ in 0..200 {
            if clamd.version().await.is_ok_and(|v| v.signatures == Some(7)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("clamd did not load daily 7");
    });
    let (code, text) = run(&["av", "status", "--config", c]);
    assert!(text.contains("1 scanned with older signatures"), "{text}");
    assert_eq!(code, Some(0), "outdated is not yet a problem: {text}");
    let (code, text) = run(&["av", "rescan", "--config", c]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("quarantined: flyer.pdf (Bolwerk.Test.Later"),
        "{text}"
    );
    assert!(data.join("quarantine").join(stored).is_file());
    assert!(!data.join("media").join(stored).exists());
    let (code, text) = run(&["av", "status", "--json", "--config", c]);
    assert_eq!(code, Some(2), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["files"]["quarantined"], 1, "{text}");
    assert_eq!(v["up"], true, "{text}");
    assert!(v["signatures"].as_str().unwrap().ends_with("/7"), "{text}");

    // clamd down, and scanning off, are both said plainly (exit 1).
    lab.stop();
    let (code, text) = run(&["av", "status", "--config", c]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("cannot be reached"), "{text}");
    let (code, text) = run(&["av", "rescan", "--config", c]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("not rescanned"), "{text}");
    let (code, text) = run(&["av", "status", "--data-dir", path(&data)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("off: uploads are NOT scanned"), "{text}");
}
