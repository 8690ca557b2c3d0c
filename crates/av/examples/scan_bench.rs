//! How long `av::Clamd::scan` takes per file: the latency a virus scan adds to an upload, and
//! the throughput that follows from it.
//!
//!     cargo run --release -p av --example scan_bench -- /tmp/x/clamd.sock 20 a.jpg b.pdf [--raw]
//!
//! Each file is read into memory once (an upload handler holds the body), scanned once untimed
//! (warm-up), then RUNS times timed; each scan is one `INSTREAM` on a new connection, as Bolwerk
//! does it. Prints per file: size, median and p95 latency (nearest rank) in ms, MB/s
//! (10^6 bytes / median); then RUNS `VERSION` round trips, which the upload handler adds after a
//! clean verdict. `--raw` also prints every sample (`raw FILE BYTES MS`, `raw VERSION 0 MS`).
//!
//! clamd keeps the hash of every clean file and answers a repeat from that cache. So that every
//! timed scan is a real one, 16 bytes after the first `BOLWERK-STAMP:` in a file are overwritten
//! before each scan (process id + counter: no two scans see the same bytes). A file without that
//! marker is scanned as it is (said on stderr): its repeats measure the cache.
//! `bench/clamav/throughput.sh` runs this beside `clamdscan --stream` on the same files.

use std::time::{Duration, Instant};

const STAMP: &str = "BOLWERK-STAMP:";

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    // Nearest rank: the smallest sample with at least p % of the samples at or below it.
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let raw = args.iter().any(|a| a == "--raw");
    args.retain(|a| a != "--raw");
    let (Some(socket), Some(Ok(runs))) = (args.first(), args.get(1).map(|r| r.parse::<usize>()))
    else {
        eprintln!("usage: scan_bench SOCKET RUNS FILE... [--raw]");
        std::process::exit(2);
    };
    let files = &args[2..];
    if files.is_empty() || runs == 0 {
        eprintln!("usage: scan_bench SOCKET RUNS FILE... [--raw]  (RUNS >= 1, one file at least)");
        std::process::exit(2);
    }
    let clamd = av::Clamd {
        address: socket.parse().expect("a socket path"),
        timeout: Duration::from_secs(120),
        max_stream: u64::MAX,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pid = std::process::id();
    let mut counter = 0u32;
    rt.block_on(async {
        let version = clamd.version().await.expect("clamd VERSION");
        println!(
            "# clamd {} at {socket}; per file: 1 warm-up, then {runs} timed scans",
            version.engine
        );
        println!(
            "{:<28} {:>10} {:>10} {:>10} {:>8}",
            "file", "bytes", "median ms", "p95 ms", "MB/s"
        );
        for path in files {
            let mut data = std::fs::read(path).expect("read the file");
            let stamp_at = data
                .windows(STAMP.len())
                .position(|w| w == STAMP.as_bytes())
                .map(|i| i + STAMP.len())
                .filter(|at| at + 16 <= data.len());
            if stamp_at.is_none() {
                eprintln!("{path}: no {STAMP} marker: repeats are answered from clamd's cache");
            }
            let mut times = Vec::with_capacity(runs);
            for i in 0..=runs {
                if let Some(at) = stamp_at {
                    counter += 1;
                    data[at..at + 16].copy_from_slice(format!("{pid:08x}{counter:08x}").as_bytes());
                }
                let start = Instant::now();
                let verdict = clamd.scan(&data).await.expect("scan");
                let took = start.elapsed();
                assert_eq!(verdict, av::Verdict::Clean, "{path}: not clean");
                if i > 0 {
                    if raw {
                        println!("raw {path} {} {:.3}", data.len(), ms(took));
                    }
                    times.push(took);
                }
            }
            times.sort();
            let median = percentile(&times, 50);
            let name = std::path::Path::new(path)
                .file_name()
                .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
            println!(
                "{name:<28} {:>10} {:>10.2} {:>10.2} {:>8.1}",
                data.len(),
                ms(median),
                ms(percentile(&times, 95)),
                data.len() as f64 / 1e6 / median.as_secs_f64()
            );
        }
        // The upload handler asks VERSION after a clean verdict (the signature version it stores).
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            clamd.version().await.expect("clamd VERSION");
            times.push(start.elapsed());
            if raw {
                println!("raw VERSION 0 {:.3}", ms(start.elapsed()));
            }
        }
        times.sort();
        println!(
            "# VERSION round trip: median {:.2} ms, p95 {:.2} ms",
            ms(percentile(&times, 50)),
            ms(percentile(&times, 95))
        );
    });
}
