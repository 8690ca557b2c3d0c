//! What compressing a body once costs at each brotli quality (gzip level 6 included in every
//! line, and alone at quality 0), to choose the quality used while a visitor waits for a page
//! missing from the cache. `cargo bench -p cms --bench encoding`.

use bytes::Bytes;
use cms::encoding::Encoded;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A long page of the theme's own kind: the demo's pages' HTML chrome around real prose, about
/// 14 KB, and the stylesheet (5 KB).
fn bodies() -> Vec<(&'static str, Bytes)> {
    let prose = "<p>De Linde started in 1987 when a handful of residents saved the old linden \
tree on the square. Today the foundation has <strong>3 staff members</strong> and more than \
<strong>120 volunteers</strong>, who run the Saturday market, the repair café and the \
homework club.</p>\n<h2>Plantjesmarkt</h2>\n<p>Every spring the square fills with seedlings \
from the allotments; proceeds go to the community garden. Bring your own pots if you can.</p>\n";
    let page = format!(
        "<!doctype html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>Nieuws · \
Stichting De Linde</title>\n<link rel=\"stylesheet\" href=\"/assets/site.css\">\n</head>\n<body>\n\
<main id=\"main\" class=\"wrap\">\n{}</main>\n</body>\n</html>\n",
        (0..24)
            .map(|i| format!("<article class=\"post\" id=\"p{i}\">\n{prose}</article>\n"))
            .collect::<String>()
    );
    vec![
        ("page 14 KB", Bytes::from(page)),
        (
            "stylesheet 5 KB",
            Bytes::from_static(cms::theme::STYLESHEET.as_bytes()),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("gzip 6 + brotli");
    for (name, body) in bodies() {
        for quality in [0, 4, 5, 6, 9, 11] {
            let sizes = Encoded::new(body.clone(), quality);
            let br = sizes.get(cms::encoding::Coding::Brotli).len();
            let gz = sizes.get(cms::encoding::Coding::Gzip).len();
            eprintln!(
                "{name}: {} bytes; gzip {gz}; brotli q{quality} {br}",
                body.len()
            );
            group.bench_with_input(BenchmarkId::new(name, quality), &quality, |b, &q| {
                b.iter(|| Encoded::new(body.clone(), q))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
