//! The client against a real clamd (`testkit::clamd`), over its Unix socket and TCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::Duration;

use av::{Address, Clamd, Error, Verdict};
use testkit::clamd::{ClamdLab, EICAR, MARKER, STREAM_MAX};

fn client(address: Address) -> Clamd {
    Clamd {
        address,
        timeout: Duration::from_secs(10),
        max_stream: STREAM_MAX,
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut c = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(data).unwrap();
    c.wait_with_output().unwrap().stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn clamd_judges_what_it_is_given_over_both_transports() {
    let mut lab = ClamdLab::start();
    for address in [Address::Unix(lab.socket.clone()), Address::Tcp(lab.tcp)] {
        let c = client(address.clone());
        c.ping().await.unwrap();
        let v = c.version().await.unwrap();
        assert!(!v.engine.is_empty(), "{v:?}");
        assert_eq!(
            c.scan(b"a clean letter").await.unwrap(),
            Verdict::Clean,
            "{address}"
        );
        assert_eq!(c.scan(b"").await.unwrap(), Verdict::Clean);
        match c.scan(EICAR).await.unwrap() {
            Verdict::Infected(name) => assert!(name.contains("EICAR"), "{name}"),
            other => panic!("{other:?}"),
        }
        // Packed: found inside.
        assert!(matches!(
            c.scan(&gzip(EICAR)).await.unwrap(),
            Verdict::Infected(_)
        ));
        let marked = format!("{}{MARKER}{}", "x".repeat(100_000), "y".repeat(100_000));
        assert!(matches!(
            c.scan(marked.as_bytes()).await.unwrap(),
            Verdict::Infected(n) if n.contains("Marker")
        ));
        // Exactly the limit is read whole; one byte more is refused before a byte is sent.
        let at_limit = vec![b'a'; usize::try_from(STREAM_MAX).unwrap()];
        assert_eq!(c.scan(&at_limit).await.unwrap(), Verdict::Clean);
        let over = vec![b'a'; usize::try_from(STREAM_MAX).unwrap() + 1];
        let e = c.scan(&over).await.unwrap_err();
        assert!(matches!(e, Error::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("StreamMaxLength"), "{e}");
        // A client that does not know the limit: clamd cuts it off, and it is an error, never
        // "clean".
        let naive = Clamd {
            max_stream: u64::MAX,
            ..c.clone()
        };
        let big = vec![b'b'; usize::try_from(STREAM_MAX).unwrap() * 3];
        assert!(naive.scan(&big).await.is_err());
        c.ping().await.unwrap();
    }

    // A new signature: after RELOAD, what was clean is found.
    let c = client(Address::Unix(lab.socket.clone()));
    let later = b"a file that a later signature knows: LATER-SIG-91c2";
    assert_eq!(c.scan(later).await.unwrap(), Verdict::Clean);
    lab.add_signature("Bolwerk.Test.Later", "LATER-SIG-91c2");
    c.reload().await.unwrap();
    let start = std::time::Instant::now();
    loop {
        if matches!(c.scan(later).await, Ok(Verdict::Infected(_))) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "reload: {}",
            lab.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // clamd gone: a clear error, never a verdict.
    lab.stop();
    for address in [Address::Unix(lab.socket.clone()), Address::Tcp(lab.tcp)] {
        let e = client(address).scan(b"anything").await.unwrap_err();
        assert!(matches!(e, Error::Unavailable { .. }), "{e}");
        assert!(e.to_string().contains("cannot be reached"), "{e}");
    }
}

/// Something that is not clamd on the other end: an error in words, within the deadline.
#[tokio::test]
async fn a_silent_or_wrong_peer_is_an_error_not_a_verdict() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let c = Clamd {
        address: Address::Tcp(addr),
        timeout: Duration::from_millis(300),
        max_stream: STREAM_MAX,
    };
    let e = c.scan(b"x").await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");

    let chatty = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = chatty.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = chatty.accept().await {
            let _ = s.write_all(&vec![b'A'; 100_000]).await;
        }
    });
    let c = Clamd {
        address: Address::Tcp(addr),
        timeout: Duration::from_secs(2),
        max_stream: STREAM_MAX,
    };
    let e = c.scan(b"x").await.unwrap_err();
    assert!(matches!(e, Error::Protocol(_)), "{e}");
}
