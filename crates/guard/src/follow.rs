//! Following a log file as `tail -F` does, losing no line: across rotation by renaming (the
//! old file is read to its end, and a while longer for writers that have not reopened yet),
//! truncation (read again from the start), a file that is not there yet, and a restart of
//! the guard (it resumes where it stopped when the file is the same one).
//!
//! Lines longer than the limit are skipped, and counted, rather than held in memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What reading turned up besides whole lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Lines longer than the limit (skipped whole).
    pub too_long: u64,
    /// Lines that were not UTF-8 (read with the bad bytes replaced).
    pub not_utf8: u64,
}

/// Where a follower stands: the file (device and inode) and the offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Device number.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Bytes read and handled.
    pub offset: u64,
}

/// Where to begin when there is no saved position for the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// At its end: only what is written from now on (the default for a service's log).
    End,
    /// From the first line.
    Beginning,
}

/// How many polls a renamed file is still read after the new one appeared.
const ROTATED_POLLS: u32 = 50;

/// One open file and the bytes read from it that do not yet end a line.
struct Open {
    file: File,
    dev: u64,
    ino: u64,
    /// Offset of the first byte not yet handed out as part of a line.
    offset: u64,
    partial: Vec<u8>,
    /// Skipping the rest of a line that grew too long.
    discarding: bool,
}

/// Follows one file.
pub struct Follower {
    path: PathBuf,
    max_line: usize,
    start: Start,
    saved: Option<Position>,
    current: Option<Open>,
    /// The file before the last rotation, and how many more polls to read it.
    rotated: Option<(Open, u32)>,
    /// What was skipped so far.
    pub skipped: Skipped,
    /// Bytes read so far.
    pub bytes: u64,
}

impl Follower {
    /// Follows `path`; `saved` is where an earlier run stopped (used when it is the same
    /// file and not shorter than that).
    pub fn new(path: &Path, start: Start, saved: Option<Position>, max_line: usize) -> Follower {
        Follower {
            path: path.to_path_buf(),
            max_line: max_line.max(1),
            start,
            saved,
            current: None,
            rotated: None,
            skipped: Skipped::default(),
            bytes: 0,
        }
    }

    /// The followed path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the current file stands (for resuming after a restart).
    pub fn position(&self) -> Option<Position> {
        self.current.as_ref().map(|o| Position {
            dev: o.dev,
            ino: o.ino,
            offset: o.offset,
        })
    }

    /// Reads what was written since the last poll and hands each whole line to `line`.
    /// Returns whether the file exists now. Errors other than a missing file are returned
    /// (the caller logs them and polls again).
    pub fn poll(&mut self, line: &mut impl FnMut(&str)) -> std::io::Result<bool> {
        // The old file first: its lines came before the new file's.
        if let Some((mut old, left)) = self.rotated.take() {
            self.drain(&mut old, line)?;
            if left > 1 {
                self.rotated = Some((old, left - 1));
            } else {
                self.flush_partial(&mut old, line);
            }
        }
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Renamed away and not yet recreated: keep reading the old one. A file
                // that is not there yet is new when it comes: read it all then.
                match self.current.take() {
                    Some(mut cur) => {
                        self.drain(&mut cur, line)?;
                        self.current = Some(cur);
                    }
                    None => self.start = Start::Beginning,
                }
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let same = self
            .current
            .as_ref()
            .is_some_and(|o| o.dev == meta.dev() && o.ino == meta.ino());
        if !same {
            if let Some(mut old) = self.current.take() {
                // Rotated: finish the old file, and keep an eye on it for a while.
                self.drain(&mut old, line)?;
                if let Some((mut older, _)) = self.rotated.take() {
                    self.flush_partial(&mut older, line);
                }
                self.rotated = Some((old, ROTATED_POLLS));
                self.current = Some(self.open(0)?);
            } else {
                let offset = match self.saved.take() {
                    Some(p)
                        if p.dev == meta.dev() && p.ino == meta.ino() && p.offset <= meta.len() =>
                    {
                        p.offset
                    }
                    // Rotated while the guard was down: all of the new file is unread.
                    Some(_) => 0,
                    None if self.start == Start::End => meta.len(),
                    None => 0,
                };
                self.current = Some(self.open(offset)?);
            }
        }
        let Some(mut cur) = self.current.take() else {
            return Ok(true);
        };
        if meta.len() < cur.offset + cur.partial.len() as u64 {
            // Truncated (copytruncate, or `> file`): start again from the top.
            cur.file.seek(SeekFrom::Start(0))?;
            cur.offset = 0;
            cur.partial.clear();
            cur.discarding = false;
        }
        let result = self.drain(&mut cur, line);
        self.current = Some(cur);
        result.map(|()| true)
    }

    fn open(&self, offset: u64) -> std::io::Result<Open> {
        use std::os::unix::fs::OpenOptionsExt;
        // Without blocking: a FIFO put in the log's place must not hang the reader.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(&self.path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            // A FIFO, a device (`/dev/zero` would never end), a directory: not a log.
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a regular file", self.path.display()),
            ));
        }
        file.seek(SeekFrom::Start(offset))?;
        Ok(Open {
            file,
            dev: meta.dev(),
            ino: meta.ino(),
            offset,
            partial: Vec::new(),
            discarding: false,
        })
    }

    /// Reads `open` to its current end.
    fn drain(&mut self, open: &mut Open, line: &mut impl FnMut(&str)) -> std::io::Result<()> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = match open.file.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.bytes += n as u64;
            let mut rest = &chunk[..n];
            while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
                let (head, tail) = rest.split_at(nl);
                rest = &tail[1..];
                if open.discarding {
                    open.discarding = false;
                    open.offset += (head.len() + 1) as u64;
                    open.partial.clear();
                    continue;
                }
                let consumed = open.partial.len() + head.len() + 1;
                if open.partial.len() + head.len() > self.max_line {
                    self.skipped.too_long += 1;
                } else if open.partial.is_empty() {
                    self.emit(head, line);
                } else {
                    open.partial.extend_from_slice(head);
                    let whole = std::mem::take(&mut open.partial);
                    self.emit(&whole, line);
                }
                open.partial.clear();
                open.offset += consumed as u64;
            }
            if open.discarding {
                open.offset += rest.len() as u64;
            } else if open.partial.len() + rest.len() > self.max_line {
                // Too long already: drop what we hold and skip to the next newline.
                self.skipped.too_long += 1;
                open.offset += (open.partial.len() + rest.len()) as u64;
                open.partial.clear();
                open.discarding = true;
            } else {
                open.partial.extend_from_slice(rest);
            }
        }
    }

    /// A file that is left behind may end without a newline: its last line still counts.
    fn flush_partial(&mut self, open: &mut Open, line: &mut impl FnMut(&str)) {
        if !open.partial.is_empty() && !open.discarding {
            let whole = std::mem::take(&mut open.partial);
            open.offset += whole.len() as u64;
            self.emit(&whole, line);
        }
    }

    fn emit(&mut self, bytes: &[u8], line: &mut impl FnMut(&str)) {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => line(s),
            Err(_) => {
                self.skipped.not_utf8 += 1;
                line(&String::from_utf8_lossy(bytes));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn append(path: &Path, text: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text).unwrap();
    }

    fn poll(f: &mut Follower) -> Vec<String> {
        let mut out = Vec::new();
        f.poll(&mut |l| out.push(l.to_string())).unwrap();
        out
    }

    #[test]
    fn it_reads_new_lines_only_and_waits_for_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"old line\n");
        let mut f = Follower::new(&path, Start::End, None, 1000);
        assert!(poll(&mut f).is_empty());
        append(&path, b"one\ntw");
        assert_eq!(poll(&mut f), ["one"]);
        append(&path, b"o\r\n");
        assert_eq!(poll(&mut f), ["two"]);
    }

    #[test]
    fn a_file_that_appears_later_is_read_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("late.log");
        let mut f = Follower::new(&path, Start::End, None, 1000);
        let mut out = Vec::new();
        assert!(!f.poll(&mut |l| out.push(l.to_string())).unwrap());
        // Not there at the first poll: whatever the new file holds is new.
        append(&path, b"first\n");
        assert_eq!(poll(&mut f), ["first"]);
    }

    #[test]
    fn rotation_by_renaming_loses_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mail.log");
        append(&path, b"");
        let mut f = Follower::new(&path, Start::Beginning, None, 1000);
        append(&path, b"a1\na2\n");
        assert_eq!(poll(&mut f), ["a1", "a2"]);
        append(&path, b"a3\n");
        std::fs::rename(&path, dir.path().join("mail.log.1")).unwrap();
        // The writer has not reopened yet: it still writes to the old file.
        append(&dir.path().join("mail.log.1"), b"a4\n");
        assert_eq!(poll(&mut f), ["a3", "a4"]);
        append(&path, b"b1\n");
        append(&dir.path().join("mail.log.1"), b"a5 late\n");
        assert_eq!(poll(&mut f), ["a5 late", "b1"]);
        append(&path, b"b2\n");
        assert_eq!(poll(&mut f), ["b2"]);
    }

    #[test]
    fn truncation_starts_again_from_the_top() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        append(&path, b"");
        let mut f = Follower::new(&path, Start::Beginning, None, 1000);
        append(&path, b"before truncation\n");
        assert_eq!(poll(&mut f), ["before truncation"]);
        std::fs::write(&path, b"after\n").unwrap();
        assert_eq!(poll(&mut f), ["after"]);
    }

    #[test]
    fn long_and_broken_lines_are_counted_and_the_rest_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.log");
        append(&path, b"");
        let mut f = Follower::new(&path, Start::Beginning, None, 100);
        let huge = vec![b'x'; 200_000];
        append(&path, b"short\n");
        append(&path, &huge);
        assert_eq!(poll(&mut f), ["short"]);
        append(&path, &huge);
        append(&path, b"\nfine\nbad \xff byte\n");
        assert_eq!(poll(&mut f), ["fine", "bad \u{fffd} byte"]);
        assert_eq!(f.skipped.too_long, 1);
        assert_eq!(f.skipped.not_utf8, 1);
        // The position is after everything handled.
        assert_eq!(
            f.position().unwrap().offset,
            std::fs::metadata(&path).unwrap().len()
        );
    }

    #[test]
    fn a_fifo_or_a_device_in_the_log_s_place_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo.log");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )
        .unwrap();
        let mut f = Follower::new(&path, Start::Beginning, None, 1000);
        let err = f.poll(&mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let mut z = Follower::new(Path::new("/dev/zero"), Start::Beginning, None, 1000);
        assert!(z.poll(&mut |_| {}).is_err());
    }

    #[test]
    fn a_restart_resumes_where_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        append(&path, b"");
        let mut f = Follower::new(&path, Start::End, None, 1000);
        assert!(poll(&mut f).is_empty());
        append(&path, b"seen\n");
        assert_eq!(poll(&mut f), ["seen"]);
        let saved = f.position();
        drop(f);
        append(&path, b"while down\n");
        let mut f = Follower::new(&path, Start::End, saved, 1000);
        assert_eq!(poll(&mut f), ["while down"]);
        // Rotated while the guard was down: the new file is read from its start.
        std::fs::rename(&path, dir.path().join("r.log.1")).unwrap();
        append(&path, b"new file\n");
        let mut g = Follower::new(&path, Start::End, saved, 1000);
        assert_eq!(poll(&mut g), ["new file"]);
    }
}
