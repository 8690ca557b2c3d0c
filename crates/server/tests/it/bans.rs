//! 404 scanners and repeat attackers are banned; bans survive a restart; the allowlist wins.

use std::net::IpAddr;
use std::sync::Arc;

use reqwest::StatusCode;
use testkit::TestServer;

use crate::eventually;

/// A plain-HTTP client that connects from `from` (any 127.x.y.z works on Linux).
fn client_from(from: &str) -> reqwest::Client {
    testkit::init_for_test();
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().ok())
        .no_proxy()
        .build()
        .unwrap()
}

async fn server(threshold: usize, allow: &[&str]) -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_404_threshold = threshold;
    config.shield.allowlist = allow.iter().map(|s| s.to_string()).collect();
    TestServer::start_in(dir, config).await
}

#[tokio::test]
async fn a_404_scanner_is_banned_and_stays_banned_after_restart() {
    let s = server(5, &[]).await;
    let scanner = client_from("127.0.5.5");
    let honest = client_from("127.0.6.6");
    let get = |c: &reqwest::Client, p: &str| c.get(format!("{}{p}", s.http_url)).send();
    for i in 0..4 {
        assert_eq!(
            get(&scanner, &format!("/old-page-{i}"))
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    // A retried missing page and the usual browser misses do not count.
    for _ in 0..10 {
        get(&scanner, "/old-page-0").await.unwrap();
        get(&scanner, "/favicon.ico").await.unwrap();
    }
    assert_eq!(
        get(&scanner, "/about").await.unwrap().status(),
        StatusCode::OK,
        "4 distinct misses: not yet"
    );
    assert_eq!(
        get(&scanner, "/old-page-4").await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "the fifth earns the ban"
    );
    let refused = get(&scanner, "/about").await.unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "banned: refused before routing"
    );
    assert!(refused.text().await.unwrap().contains("Access denied"));
    assert_eq!(
        get(&honest, "/about").await.unwrap().status(),
        StatusCode::OK,
        "others are served"
    );

    let store = s.open_store().await;
    assert!(
        eventually(|| async {
            !store
                .recorder
                .active_bans(store::now())
                .await
                .unwrap()
                .is_empty()
        })
        .await,
        "the ban is stored"
    );
    let bans = store.recorder.active_bans(store::now()).await.unwrap();
    assert_eq!(bans[0].subject, "127.0.5.5");
    assert!(
        bans[0].until.unwrap() > store::now() + 500,
        "first ban: 10 minutes"
    );
    store.close().await;

    let s = s.restart().await;
    let scanner = client_from("127.0.5.5");
    let res = scanner
        .get(format!("{}/about", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "bans survive a restart"
    );
}

#[tokio::test]
async fn repeated_attacks_get_a_ban() {
    let s = server(10, &[]).await;
    let attacker = client_from("127.0.7.7");
    for q in [
        "1%27%20or%20%271%27=%271",
        "%3Cscript%3Ealert(1)%3C/script%3E",
        "..%2F..%2Fetc%2Fpasswd",
    ] {
        let res = attacker
            .get(format!("{}/?q={q}", s.http_url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains("Request blocked"));
    }
    let res = attacker
        .get(format!("{}/about", s.http_url))
        .send()
        .await
        .unwrap();
    assert!(
        res.text().await.unwrap().contains("Access denied"),
        "banned after three attacks"
    );
    let store = s.open_store().await;
    assert!(
        eventually(|| async {
            store
                .recorder
                .count_security_events("ban", 0)
                .await
                .unwrap()
                == 1
        })
        .await
    );
}

#[tokio::test]
async fn the_allowlist_always_wins() {
    let s = server(3, &["127.0.8.0/24"]).await;
    let friend = client_from("127.0.8.8");
    for i in 0..10 {
        friend
            .get(format!("{}/missing-{i}", s.http_url))
            .send()
            .await
            .unwrap();
    }
    let res = friend
        .get(format!("{}/about?q=%3Cscript%3E", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "never inspected, never banned"
    );
    let store = s.open_store().await;
    assert!(
        store
            .recorder
            .active_bans(store::now())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn rate_limits_answer_429_and_floods_get_banned() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.rate_pages_per_s = 1;
    config.shield.rate_pages_burst = 5;
    config.shield.ban_flood_threshold = 20;
    let s = TestServer::start_in(dir, config).await;
    let flooder = client_from("127.0.9.9");
    let calm = client_from("127.0.10.10");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            flooder
                .get(format!("{}/about", s.http_url))
                .send()
                .await
                .unwrap(),
        );
    }
    assert!(
        statuses[..5].iter().all(|r| r.status() == StatusCode::OK),
        "the burst is served"
    );
    let limited = statuses.last().unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(
        calm.get(format!("{}/about", s.http_url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "per client"
    );
    // Keep flooding: twenty refusals in the window earn a ban.
    for _ in 0..25 {
        flooder
            .get(format!("{}/about", s.http_url))
            .send()
            .await
            .unwrap();
    }
    let res = flooder
        .get(format!("{}/about", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Access denied"));
    let store = s.open_store().await;
    assert!(
        eventually(|| async {
            store
                .recorder
                .active_bans(store::now())
                .await
                .unwrap()
                .iter()
                .any(|b| b.reason == "request flood")
        })
        .await
    );
}

#[tokio::test]
async fn guessing_admin_passwords_gets_the_address_banned() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.shield.ban_login_failures = 3;
    let s = TestServer::start_in(dir, config).await;
    s.add_user("anneke", store::Role::Admin, "linden tree 1987", false)
        .await;
    let guesser = s.browser_from("127.0.14.14".parse().unwrap(), "Guesser/1");
    // Different names each time: the account lockout alone would not stop this.
    for name in ["admin", "root", "anneke"] {
        assert_eq!(
            guesser.login(name, "password123456").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = guesser.login("anneke", "linden tree 1987").await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "banned, even with the right password"
    );
    assert!(res.text().await.unwrap().contains("Access denied"));
    assert_eq!(
        s.browser()
            .login("anneke", "linden tree 1987")
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "others sign in"
    );
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.trusted_proxies = vec!["127.0.20.0/24".into()];
    config.shield.ban_404_threshold = 2;
    let s = TestServer::start_in(dir, config).await;
    let proxy = client_from("127.0.20.1");
    let stranger = client_from("127.0.21.1");
    for (c, fwd) in [(&proxy, "203.0.113.77"), (&stranger, "198.51.100.88")] {
        for i in 0..2 {
            c.get(format!("{}/gone-{i}", s.http_url))
                .header("x-forwarded-for", fwd)
                .send()
                .await
                .unwrap();
        }
    }
    let store = s.open_store().await;
    assert!(
        eventually(|| async {
            store
                .recorder
                .active_bans(store::now())
                .await
                .unwrap()
                .len()
                == 2
        })
        .await
    );
    let mut banned: Vec<String> = store
        .recorder
        .active_bans(store::now())
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.subject)
        .collect();
    banned.sort();
    assert_eq!(
        banned,
        vec!["127.0.21.1".to_string(), "203.0.113.77".to_string()],
        "the proxy's client, and the stranger itself"
    );
    // The proxy itself is not banned: its other clients are served.
    let res = proxy
        .get(format!("{}/about", s.http_url))
        .header("x-forwarded-for", "192.0.2.10")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn blocklists_are_enforced_and_a_broken_refresh_keeps_the_last_good_copy() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let list = dir.path().join("drop.txt");
    std::fs::write(&list, "; Spamhaus DROP style\n127.0.30.0/24 ; SBL1\n").unwrap();
    let mut config = testkit::test_config(dir.path());
    config.shield.blocklists = vec![list.display().to_string()];
    config.shield.blocklist_refresh_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let listed = client_from("127.0.30.5");
    let other = client_from("127.0.31.5");
    let status = |c: &reqwest::Client| {
        let url = format!("{}/about", s.http_url);
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().status() }
    };
    assert_eq!(status(&listed).await, StatusCode::FORBIDDEN);
    assert_eq!(status(&other).await, StatusCode::OK);

    // A failed download (an error page) does not empty the list.
    std::fs::write(&list, "<html><body>503</body></html>\n").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        status(&listed).await,
        StatusCode::FORBIDDEN,
        "last good copy kept"
    );

    // A good new list replaces it.
    std::fs::write(&list, "127.0.31.0/24\n").unwrap();
    assert!(eventually(|| async { status(&other).await == StatusCode::FORBIDDEN }).await);
    assert_eq!(status(&listed).await, StatusCode::OK);
}

/// A client is never refused by a ban that a crash could still lose: while the database
/// cannot take the ban (another process holds SQLite's write lock), the banned client's next
/// request waits, and its 403 comes only once the ban is stored. (The crash bench lost bans
/// that had been refusing their address for up to 0.2 s before a `kill -9`.)
#[tokio::test]
async fn a_refusal_by_a_new_ban_waits_until_the_ban_is_stored() {
    let s = server(10, &[]).await;
    let attacker = client_from("127.0.7.7");
    let db = s.data_dir().join(store::SQLITE_FILE);
    // Another process takes the write lock and keeps it for two seconds.
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys,time\n\
             c=sqlite3.connect(sys.argv[1],isolation_level=None)\n\
             c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n\
             time.sleep(2); c.execute('COMMIT')",
            db.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let locked_at = std::time::Instant::now();
    for _ in 0..3 {
        let res = attacker
            .get(format!(
                "{}/?q=%3Cscript%3Ealert(1)%3C/script%3E",
                s.http_url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "attacks are refused at once"
        );
    }
    assert!(
        locked_at.elapsed().as_millis() < 1500,
        "the attacks did not wait"
    );
    let refused = attacker
        .get(format!("{}/", s.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        locked_at.elapsed().as_millis() >= 1900,
        "the refusal came before the database could hold the ban"
    );
    let store = s.open_store().await;
    let bans = store.recorder.active_bans(store::now()).await.unwrap();
    assert!(
        bans.iter().any(|b| b.subject == "127.0.7.7"),
        "the ban is stored by the time it refuses: {bans:?}"
    );
    let _ = holder.wait();
}
