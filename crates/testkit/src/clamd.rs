//! A real clamd (Debian's `clamav-daemon`) the test starts itself, on a private Unix socket and a
//! loopback port, with a tiny signature database it writes (there is no network for freshclam):
//! the EICAR test file and a marker string of our own. Dropping it stops it. Findings from
//! `bench/clamav/README.md`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const CLAMD: &str = "/usr/sbin/clamd";

/// The EICAR test file: every virus scanner reports it.
pub const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// A marker our own signature detects (`Bolwerk.Test.Marker`).
pub const MARKER: &str = "BOLWERK-AV-TEST-MARKER-7f3a";

/// clamd's `StreamMaxLength` in the lab: 2 MiB.
pub const STREAM_MAX: u64 = 2 * 1024 * 1024;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The running clamd.
pub struct ClamdLab {
    /// Its Unix socket.
    pub socket: PathBuf,
    /// Its loopback TCP listener.
    pub tcp: SocketAddr,
    dir: TempDir,
    child: Option<Child>,
}

impl ClamdLab {
    /// Starts clamd and waits until it answers PING. Fails loudly without clamd
    /// (`scripts/test.sh` installs clamav-daemon).
    pub fn start() -> ClamdLab {
        ClamdLab::start_with("")
    }

    /// The same, with `extra` lines in clamd.conf (`ScanArchive no`, say).
    pub fn start_with(extra: &str) -> ClamdLab {
        assert!(
            Path::new(CLAMD).exists(),
            "{CLAMD} is missing: scripts/test.sh installs Debian's clamav-daemon"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for sub in ["db", "run", "tmp"] {
            std::fs::create_dir_all(d.join(sub)).expect("dirs");
        }
        std::fs::write(
            d.join("db/bolwerk.ndb"),
            format!(
                "Bolwerk.Test.EICAR:0:*:{}\nBolwerk.Test.Marker:0:*:{}\n",
                hex(EICAR),
                hex(MARKER.as_bytes())
            ),
        )
        .expect("signatures");
        for _ in 0..4 {
            let port = crate::free_port();
            let conf = d.join("clamd.conf");
            std::fs::write(
                &conf,
                format!(
                    "DatabaseDirectory {d}/db\nLocalSocket {d}/run/clamd.sock\nTCPSocket {port}\nTCPAddr 127.0.0.1\nForeground yes\nLogFile {d}/run/clamd.log\nPidFile {d}/run/clamd.pid\nTemporaryDirectory {d}/tmp\nStreamMaxLength {STREAM_MAX}\nMaxFileSize 50M\nMaxScanSize 50M\nAlertExceedsMax yes\nAlertEncryptedArchive yes\nSelfCheck 0\n{extra}",
                    d = d.display()
                ),
            )
            .expect("clamd.conf");
            let mut child = Command::new(CLAMD)
                .arg("-c")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start clamd");
            let socket = d.join("run/clamd.sock");
            let tcp = SocketAddr::from(([127, 0, 0, 1], port));
            if wait_up(&mut child, &socket, tcp) {
                return ClamdLab {
                    socket,
                    tcp,
                    dir,
                    child: Some(child),
                };
            }
            // The port picked free was taken in between (or clamd failed): again, on another.
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&socket);
        }
        panic!(
            "clamd did not start; its log:\n{}",
            std::fs::read_to_string(d.join("run/clamd.log")).unwrap_or_default()
        );
    }

    /// Adds a signature (`name` detects `text`); it is in force after a `RELOAD`.
    pub fn add_signature(&self, name: &str, text: &str) {
        let path = self.dir.path().join("db/later.ndb");
        let mut old = std::fs::read_to_string(&path).unwrap_or_default();
        old.push_str(&format!("{name}:0:*:{}\n", hex(text.as_bytes())));
        std::fs::write(&path, old).expect("signature");
    }

    /// Adds a signature for exact bytes (`name` detects `bytes`); in force after a `RELOAD`.
    pub fn add_signature_bytes(&self, name: &str, bytes: &[u8]) {
        let path = self.dir.path().join("db/later.ndb");
        let mut old = std::fs::read_to_string(&path).unwrap_or_default();
        old.push_str(&format!("{name}:0:*:{}\n", hex(bytes)));
        std::fs::write(&path, old).expect("signature");
    }

    /// Writes a `daily.cud` of `version` holding `signatures` (`(name, text it detects)`), as
    /// freshclam would leave a new `daily.cvd`: after a `RELOAD`, clamd's `VERSION` names this
    /// version, which is what tells Bolwerk that stored files must be scanned again. Unsigned
    /// (a `.cud`), built by Python's standard library (the header and `daily.info` need MD5
    /// and SHA-256, which this crate does not carry).
    pub fn publish_daily(&self, version: u64, signatures: &[(&str, &str)]) {
        let d = self.dir.path();
        let ndb = d.join("tmp/daily.ndb");
        let body: String = signatures
            .iter()
            .map(|(name, text)| format!("{name}:0:*:{}\n", hex(text.as_bytes())))
            .collect();
        std::fs::write(&ndb, body).expect("daily.ndb");
        let out = std::process::Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(MKCUD)
            .arg(version.to_string())
            .arg(d.join("db/daily.cud"))
            .arg(&ndb)
            .output()
            .expect("python3 (scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "making daily.cud failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts clamd again after [`ClamdLab::stop`], on the same socket and database.
    pub fn restart(&mut self) {
        self.stop();
        let conf = self.dir.path().join("clamd.conf");
        let mut child = Command::new(CLAMD)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clamd");
        assert!(
            wait_up(&mut child, &self.socket, self.tcp),
            "clamd did not start again; its log:\n{}",
            self.log()
        );
        self.child = Some(child);
    }

    /// clamd's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("run/clamd.log")).unwrap_or_default()
    }

    /// Stops clamd (its socket goes away), as an outage would.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// `mkcud VERSION OUT FILE...`: a CVD container without a signature (`.cud`): a 512-byte
/// header (build date, version, number of signatures, functionality level, MD5 of the body)
/// and a gzipped tar of `daily.info` (each file's size and SHA-256) and the files. From
/// `bench/clamav/clamd-lab.sh`.
const MKCUD: &str = r#"
import tarfile, io, gzip, hashlib, sys, time, os
ver, out, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
now = int(time.time()); date = time.strftime('%d %b %Y %H-%M +0000', time.gmtime(now))
nsigs = sum(1 for f in files for l in open(f) if l.strip())
head = 'ClamAV-VDB:%s:%d:%d:90' % (date, ver, nsigs)
info = '%s:X:X:bolwerk:%d\n' % (head, now) + ''.join('%s:%d:%s\n' % (os.path.basename(f),
    os.path.getsize(f), hashlib.sha256(open(f, 'rb').read()).hexdigest()) for f in files)
bio = io.BytesIO()
with tarfile.open(fileobj=bio, mode='w', format=tarfile.USTAR_FORMAT) as tf:
    for name, data in [('daily.info', info.encode())] + [(os.path.basename(f), open(f, 'rb').read()) for f in files]:
        ti = tarfile.TarInfo(name); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
body = gzip.compress(bio.getvalue())
hdr = ('%s:%s:X:bolwerk:%d' % (head, hashlib.md5(body).hexdigest(), now)).encode().ljust(512, b' ')
tmp = out + '.tmp'; open(tmp, 'wb').write(hdr + body); os.rename(tmp, out)
"#;

fn wait_up(child: &mut Child, socket: &Path, tcp: SocketAddr) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        if ping(socket) && std::net::TcpStream::connect(tcp).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn ping(socket: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"zPING\0").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if buf[..n].starts_with(b"PONG"))
}

impl Drop for ClamdLab {
    fn drop(&mut self) {
        self.stop();
    }
}
