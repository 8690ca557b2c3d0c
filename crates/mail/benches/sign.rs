//! What one outgoing message costs: building it (header checks, encoding) and signing it with
//! both keys, and reading a DMARC report. `cargo bench -p mail --bench sign`.

use criterion::{Criterion, criterion_group, criterion_main};
use mail::{KeyStore, Outgoing};

fn message() -> Outgoing {
    Outgoing {
        domain: "delinde.example".into(),
        from_local: "noreply".into(),
        from_name: "Stichting De Linde".into(),
        to: vec!["info@delinde.example".into()],
        reply_to: Some(("Zoë de Vries".into(), "zoe@example.org".into())),
        subject: "Message from the contact form · Stichting De Linde".into(),
        body: "A visitor sent the form \"Contact\".\n\nYour message:\n".to_string()
            + &"Kan ik zaterdag helpen bij de plantjesmarkt? ".repeat(40),
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = KeyStore::new(dir.path());
    keys.generate("delinde.example", None).expect("keygen");
    let signer = keys.signer("delinde.example").expect("load").expect("keys");
    let built = message().build().expect("build");
    c.bench_function("build a 2 KB form message", |b| {
        b.iter(|| message().build().expect("build"))
    });
    c.bench_function("sign it with RSA-2048 and Ed25519", |b| {
        b.iter(|| signer.sign(&built.bytes).expect("sign"))
    });
    let report = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/dmarc/google.xml"
    ))
    .expect("sample");
    c.bench_function("read a DMARC report (2 rows)", |b| {
        b.iter(|| mail::dmarc::parse(&report).expect("report"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
