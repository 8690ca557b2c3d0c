//! DKIM signatures checked by an implementation that is not ours: Python's dkimpy (Debian
//! `python3-dkim`, with `python3-nacl` for Ed25519), given the public keys Bolwerk says to
//! publish.

use std::process::Command;

use mail::{KeyStore, Outgoing};

fn verify_with_dkimpy(message: &[u8], records: &[mail::DkimRecord]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let msg = dir.path().join("message.eml");
    let keys = dir.path().join("records.json");
    std::fs::write(&msg, message).expect("write message");
    let map: serde_json::Map<String, serde_json::Value> = records
        .iter()
        .map(|r| (r.name.clone(), r.value.clone().into()))
        .collect();
    std::fs::write(&keys, serde_json::to_vec(&map).expect("json")).expect("write records");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dkim_verify.py");
    // Debian's Python, which has Debian's python3-dkim (a pyenv `python3` first on PATH
    // would not).
    let out = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(&msg)
        .arg(&keys)
        .output()
        .expect("python3 must be installed (scripts/test.sh installs python3-dkim)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("ModuleNotFoundError"),
        "dkimpy missing (apt install python3-dkim python3-nacl): {text}"
    );
    (out.status.success(), text)
}

fn message() -> Outgoing {
    Outgoing {
        domain: "bakkerij.test".into(),
        from_local: "noreply".into(),
        from_name: "Bakkerij Jansen".into(),
        to: vec!["info@bakkerij.test".into()],
        reply_to: Some(("Zoë de Vries".into(), "zoe@example.org".into())),
        subject: "Contactformulier: bestelling €12".into(),
        body: "Goedemorgen,\n\nIk wil graag 3 broden.\n  Met   spaties  \n\n".into(),
    }
}

#[test]
fn both_signatures_verify_with_dkimpy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = KeyStore::new(dir.path());
    let set = keys.generate("bakkerij.test", None).expect("keygen");
    let records = keys.records("bakkerij.test", &set).expect("records");
    let signer = keys.signer("bakkerij.test").expect("load").expect("active");
    let built = message().build().expect("build");
    let signed = signer.sign(&built.bytes).expect("sign");
    let (ok, out) = verify_with_dkimpy(&signed, &records);
    assert!(ok, "{out}");
    assert!(out.contains("a=rsa-sha256"), "{out}");
    assert!(out.contains("a=ed25519-sha256"), "{out}");
    assert_eq!(out.matches(" pass").count(), 2, "{out}");
}

#[test]
fn dkimpy_rejects_a_changed_message_or_a_wrong_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = KeyStore::new(dir.path());
    let set = keys.generate("bakkerij.test", Some("a")).expect("keygen");
    let records = keys.records("bakkerij.test", &set).expect("records");
    let signer = keys.signer("bakkerij.test").expect("load").expect("active");
    let signed = signer
        .sign(&message().build().expect("build").bytes)
        .expect("sign");
    let text = String::from_utf8(signed.clone()).expect("ascii");
    let tampered = text.replace("3 broden", "30 broden");
    assert_ne!(tampered, text);
    let (ok, out) = verify_with_dkimpy(tampered.as_bytes(), &records);
    assert!(!ok, "a changed body must not verify: {out}");
    // Keys of another set under the same names: the signatures must not verify.
    let other = keys.generate("bakkerij.test", Some("b")).expect("keygen");
    let mut wrong = keys.records("bakkerij.test", &other).expect("records");
    for (w, r) in wrong.iter_mut().zip(&records) {
        w.name = r.name.clone();
    }
    let (ok, out) = verify_with_dkimpy(&signed, &wrong);
    assert!(!ok, "wrong keys must not verify: {out}");
}
