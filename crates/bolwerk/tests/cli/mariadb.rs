//! The production path on MariaDB: `db init` makes the users, `serve` runs on them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::{bolwerk, path};

fn admin_url() -> String {
    std::env::var("BOLWERK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into())
}

#[test]
fn db_init_then_serve_on_mariadb() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let n = std::process::id();
    let opts = store::mysql::InitOptions {
        database: format!("bwcli_{n}"),
        user_prefix: format!("bwc{n}"),
        user_host: "%".into(),
    };
    let out = bolwerk(&[
        "db",
        "init",
        "--admin-url",
        &admin_url(),
        "--database",
        &opts.database,
        "--user-prefix",
        &opts.user_prefix,
        "--secrets-dir",
        path(&secrets),
    ]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "MariaDB must answer at {}: {}",
        admin_url(),
        String::from_utf8_lossy(&out.stderr)
    );
    for role in ["reader", "recorder", "editor"] {
        let file = secrets.join(format!("db-{role}.url"));
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o600,
            "{role} file is private"
        );
        assert!(
            !printed.contains(&std::fs::read_to_string(&file).unwrap()),
            "URLs with passwords are not printed"
        );
    }
    let section = &printed[printed
        .find("[database]")
        .expect("prints the [database] section")..];

    let config = dir.path().join("bolwerk.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[server]\nhttp = \"127.0.0.1:0\"\n[log]\nlevel = \"warn\"\n{section}\n[[site]]\nname = \"shop\"\ntitle = \"Bakkerij Jansen\"\nhosts = [\"localhost\"]\n",
            path(&dir.path().join("data"))
        ),
    )
    .unwrap();
    let check = bolwerk(&["config", "check", path(&config)]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_bolwerk"))
        .args(["serve", "--config", path(&config)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = 0u16;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.trim().starts_with("http://") {
            port = line
                .trim()
                .trim_end_matches('/')
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            break;
        }
    }
    let get = |p: &str| {
        let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            tcp,
            "GET {p} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        tcp.read_to_string(&mut out).unwrap();
        out
    };
    let home = if port > 0 { get("/") } else { String::new() };
    let _ = child.kill();
    let _ = child.wait();
    let stderr = {
        let mut s = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut s);
        s
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(store::mysql::drop_all(&admin_url(), &opts))
        .unwrap();

    assert!(port > 0, "serve printed its URL; stderr: {stderr}");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(
        home.contains("Bakkerij Jansen") && home.contains("being built"),
        "placeholder home page: {home}"
    );
}
