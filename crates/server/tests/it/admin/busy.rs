//! A burst of sign-ins: password hashing (Argon2id, 19 MiB each) is admitted a few at a time,
//! so memory stays bounded, and what does not fit is answered at once with 503.

use std::sync::Arc;
use std::time::{Duration, Instant};

use store::Role;
use testkit::TestServer;

use super::PW;

/// Set in the process the test starts to measure in.
const CHILD: &str = "BOLWERK_TEST_BUSY_CHILD";
const NAME: &str = "admin::busy::a_burst_of_sign_ins_stays_bounded_and_is_told_to_come_back";

/// One Argon2id run's memory (m = 19456 KiB).
const ARGON2_MIB: u64 = 19;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Issue 12: every sign-in ran Argon2id on the blocking pool with no bound; 60 at once took
/// the process from 150 MiB to 1.2 GiB. Now at most `2 × cores` runs happen at once, so 100
/// sign-ins at once from ten addresses may raise the peak memory by at most that many runs
/// (`2 × cores × 19 MiB`) plus 64 MiB for everything else a burst needs (100 requests' TLS and
/// HTTP state, threads, the database); the old code needed about 100 × 19 MiB. And requests
/// that find no free slot within a second get 503 with `Retry-After` quickly, instead of all
/// queueing. Half a second after the burst the memory is back within two runs' worth
/// (38 MiB) of where it was: with the cap alone, glibc kept about 550 MiB of freed Argon2
/// memory in its heap (see `auth::password`).
///
/// Memory is the process's, so the measuring runs alone in a fresh process.
#[tokio::test]
async fn a_burst_of_sign_ins_stays_bounded_and_is_told_to_come_back() {
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        println!("{}", String::from_utf8_lossy(&out.stdout));
        println!("{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "the measuring process failed");
        return;
    }

    let s = TestServer::start().await;
    s.add_user("anneke", Role::Editor, PW, false).await;
    let browsers: Vec<_> = (1..=10)
        .map(|i| {
            let ip = format!("127.0.7.{i}").parse().unwrap();
            Arc::new(s.browser_from(ip, "Burst/1"))
        })
        .collect();
    // Warm up: connections open, one sign-in done, so the baseline holds what stays anyway.
    for b in &browsers {
        assert_eq!(b.get("/login").await.status(), 200);
    }
    assert_eq!(s.browser().login("anneke", PW).await.status(), 303);
    assert_eq!(s.browser().login("nobody", PW).await.status(), 401);
    let before = status_kib("VmRSS:");
    // Start the peak (VmHWM) afresh from here.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();

    let mut burst = tokio::task::JoinSet::new();
    let start = Instant::now();
    for (i, b) in browsers.iter().enumerate() {
        for j in 0..10 {
            let b = b.clone();
            // Known and unknown names, wrong and right passwords, as a crowd would send.
            let (name, pw) = match (i + j) % 3 {
                0 => ("anneke", PW),
                1 => ("anneke", "guess guess guess"),
                _ => ("nobody", "guess guess guess"),
            };
            burst.spawn(async move {
                let sent = Instant::now();
                let res = b.login(name, pw).await;
                let retry_after = res
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                (res.status().as_u16(), retry_after, sent.elapsed())
            });
        }
    }
    let answers = burst.join_all().await;
    let took = start.elapsed();
    let peak = status_kib("VmHWM:");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = status_kib("VmRSS:");

    let slots = 2 * std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let bound_mib = slots * ARGON2_MIB + 64;
    let count = |code| answers.iter().filter(|a| a.0 == code).count();
    println!(
        "burst of 100 in {took:?}: {} signed in, {} wrong, {} locked, {} busy; \
         RSS {} MiB before, peak {} MiB (+{}), {} MiB after; bound +{bound_mib} MiB",
        count(303),
        count(401),
        count(429),
        count(503),
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) / 1024,
        after / 1024,
    );
    assert!(
        answers.iter().all(|a| [303, 401, 429, 503].contains(&a.0)),
        "{answers:?}"
    );
    let busy: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    assert!(!busy.is_empty(), "some are told to come back");
    assert!(count(303) + count(401) > 0, "some are checked");
    for (_, retry_after, elapsed) in &busy {
        assert_eq!(retry_after.as_deref(), Some("5"));
        // A second's wait for a slot, after at most the lockout delay of the address's first
        // four failures (0.25 + 0.5 s), plus slack for a loaded machine.
        assert!(*elapsed < Duration::from_secs(4), "busy after {elapsed:?}");
    }
    assert!(
        after.saturating_sub(before) < 2 * ARGON2_MIB * 1024,
        "memory held after the burst grew by {} MiB",
        after.saturating_sub(before) / 1024
    );
    assert!(
        peak.saturating_sub(before) < bound_mib * 1024,
        "peak memory grew by {} MiB, more than {bound_mib} MiB",
        peak.saturating_sub(before) / 1024
    );
}
