//! The virus scanner over time. clamd's health and signature version are asked on a schedule;
//! when the signatures change, every stored file is scanned again in the background, files
//! stored unscanned first, at a bounded rate. A file the new signatures find a virus in is
//! quarantined: visitors get a 404, the file is moved out of the media directory, the finding
//! is audited, recorded as a security event and mailed; an administrator deletes or releases it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use store::{Editor, Recorder, RescanPass, ScanCounts, Signatures, StoredFile};
use tokio::sync::{Notify, watch};

use crate::alerts::Alerter;
use crate::metrics::Metrics;

/// Files asked of the database at a time.
const BATCH: i64 = 50;

/// Who the audit log names for what the rescan does.
pub const ACTOR: &str = "virus-scanner";

/// Where quarantined files are kept: `<data_dir>/quarantine`, outside the media directory.
pub fn quarantine_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("quarantine")
}

/// What a rescan looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Files not yet scanned with clamd's current signatures (unscanned ones first).
    Changed,
    /// Every stored file.
    All,
}

/// A running rescan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// clamd's signature version the files are scanned with.
    pub signatures: String,
    /// Files looked at so far.
    pub done: u64,
    /// Files to look at when it started.
    pub total: u64,
    /// Files quarantined.
    pub quarantined: u64,
    /// Files that could not be scanned (missing, larger than clamd reads, too deeply packed).
    pub skipped: u64,
    /// Unix seconds.
    pub started_at: i64,
}

/// A finished rescan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The counts at the end.
    #[serde(flatten)]
    pub progress: Progress,
    /// Unix seconds.
    pub finished_at: i64,
    /// Names and signatures of the files quarantined.
    pub found: Vec<String>,
}

/// What the dashboard, `bolwerk av status` and the metrics show.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AvStatus {
    /// Scanning is configured.
    pub on: bool,
    /// The last answer: `None` before clamd was first asked.
    pub up: Option<bool>,
    /// Why clamd could not be asked.
    pub error: Option<String>,
    /// Unix seconds since clamd has not answered.
    pub down_since: Option<i64>,
    /// The signature version key (`1.4.6/27480`).
    pub signatures: Option<String>,
    /// The signatures' date as clamd prints it.
    pub signatures_date: Option<String>,
    /// The rescan under way.
    pub rescan: Option<Progress>,
    /// The last rescan that finished.
    pub last_rescan: Option<Summary>,
}

/// Why a rescan stopped short.
#[derive(Debug, thiserror::Error)]
pub enum RescanError {
    /// Scanning is not configured.
    #[error("virus scanning is off: set [antivirus] address to clamd's socket")]
    Off,
    /// clamd stopped answering; the next check goes on where it stopped.
    #[error(transparent)]
    Scanner(#[from] av::Error),
    /// The database.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Keeps the scanner's state and runs the rescans.
pub struct AvRunner {
    clamd: Option<av::Clamd>,
    editor: Editor,
    recorder: Recorder,
    media_dir: PathBuf,
    quarantine_dir: PathBuf,
    every: Duration,
    pause: Duration,
    metrics: Arc<Metrics>,
    alerts: Arc<Alerter>,
    status: Mutex<AvStatus>,
    wake: Notify,
    /// An administrator asked for every file to be scanned again (at most one such request
    /// waits, however often the button is pressed).
    all_asked: std::sync::atomic::AtomicBool,
    /// One rescan at a time.
    running: tokio::sync::Mutex<()>,
}

impl AvRunner {
    /// The runner for `config`'s `[antivirus]` section.
    pub fn new(
        config: &crate::config::Config,
        editor: Editor,
        recorder: Recorder,
        metrics: Arc<Metrics>,
        alerts: Arc<Alerter>,
    ) -> AvRunner {
        let clamd = config.antivirus.client();
        AvRunner {
            status: Mutex::new(AvStatus {
                on: clamd.is_some(),
                ..AvStatus::default()
            }),
            clamd,
            editor,
            recorder,
            media_dir: crate::media::dir(&config.data_dir),
            quarantine_dir: quarantine_dir(&config.data_dir),
            every: Duration::from_secs(config.antivirus.check_interval_s.max(1)),
            pause: config.antivirus.rescan_pause(),
            metrics,
            alerts,
            wake: Notify::new(),
            all_asked: std::sync::atomic::AtomicBool::new(false),
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// The state as last seen.
    pub fn status(&self) -> AvStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn update(&self, change: impl FnOnce(&mut AvStatus)) {
        change(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Counts an upload's scan in the metrics.
    pub fn count_scan(&self, result: &Result<av::Verdict, av::Error>) {
        self.metrics.av_scan(match result {
            Ok(av::Verdict::Clean) => "clean",
            Ok(av::Verdict::Infected(_)) => "infected",
            Ok(av::Verdict::Unscannable(_)) => "unscannable",
            Err(_) => "error",
        });
    }

    /// Asks the schedule to check clamd and rescan what needs it now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Asks the schedule to scan every stored file again, soon. Pressing it twice queues one.
    pub fn rescan_all_soon(&self) {
        self.all_asked
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Asks clamd whether it is up and which signatures it runs; records the answer.
    pub async fn check(&self) -> Result<av::SignatureVersion, RescanError> {
        let clamd = self.clamd.as_ref().ok_or(RescanError::Off)?;
        match clamd.version().await {
            Ok(v) => {
                self.metrics.av_up.set(1);
                self.update(|s| {
                    if s.up == Some(false) {
                        tracing::info!(target: "antivirus", "the virus scanner answers again");
                    }
                    s.up = Some(true);
                    s.error = None;
                    s.down_since = None;
                    s.signatures = Some(v.key());
                    s.signatures_date = v.date.clone();
                });
                Ok(v)
            }
            Err(e) => {
                self.metrics.av_up.set(0);
                let now = store::now();
                let first = {
                    let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
                    let first = s.up != Some(false);
                    s.up = Some(false);
                    s.error = Some(e.to_string());
                    s.down_since.get_or_insert(now);
                    first
                };
                if first {
                    tracing::warn!(target: "antivirus", "{e}");
                }
                Err(e.into())
            }
        }
    }

    /// Counts the stored files against the signatures clamd runs, into the metrics.
    pub async fn counts(&self) -> Result<ScanCounts, store::Error> {
        let key = self.status().signatures;
        let signatures = key.as_deref().map(|key| Signatures {
            key,
            daily: store::daily_of(key),
        });
        let c = self.editor.scan_counts(signatures).await?;
        for (state, n) in [
            ("unscanned", c.unscanned),
            ("outdated", c.outdated),
            ("quarantined", c.quarantined),
        ] {
            self.metrics
                .av_files
                .get_or_create(&vec![("state".to_string(), state.to_string())])
                .set(n);
        }
        Ok(c)
    }

    /// Scans the stored files again with clamd's current signatures: `Changed` takes the files
    /// not yet scanned with them (those stored unscanned first), `All` every file. `progress`
    /// is called after each file. Waits for a rescan already running.
    pub async fn rescan(
        &self,
        scope: Scope,
        progress: &(dyn Fn(&Progress) + Sync),
    ) -> Result<Summary, RescanError> {
        let _one = self.running.lock().await;
        let clamd = self.clamd.as_ref().ok_or(RescanError::Off)?;
        let key = self.check().await?.key();
        let signatures = Signatures {
            key: &key,
            daily: store::daily_of(&key),
        };
        let counts = self.editor.scan_counts(Some(signatures)).await?;
        let total = match scope {
            Scope::Changed => counts.unscanned + counts.outdated,
            Scope::All => counts.served,
        };
        let mut p = Progress {
            signatures: key.clone(),
            total: u64::try_from(total).unwrap_or(0),
            started_at: store::now(),
            ..Progress::default()
        };
        let mut found = Vec::new();
        if p.total > 0 {
            tracing::info!(target: "antivirus", files = p.total, signatures = %key, "rescan started");
        }
        let passes: &[RescanPass] = match scope {
            Scope::Changed => &[RescanPass::Unscanned, RescanPass::Older(signatures)],
            Scope::All => &[RescanPass::All],
        };
        self.update(|s| s.rescan = Some(p.clone()));
        let result = async {
            for pass in passes {
                let mut after = 0;
                loop {
                    let files = self.editor.media_to_rescan(*pass, after, BATCH).await?;
                    let Some(last) = files.last() else { break };
                    after = last.id;
                    for f in &files {
                        match self.scan_one(clamd, f, signatures).await? {
                            Outcome::Clean => {}
                            Outcome::Quarantined(name) => {
                                p.quarantined += 1;
                                if found.len() < 100 {
                                    found.push(format!("{} ({name})", f.original_name));
                                }
                            }
                            Outcome::Skipped => p.skipped += 1,
                        }
                        p.done += 1;
                        // Files uploaded meanwhile join the count.
                        p.total = p.total.max(p.done);
                        self.metrics
                            .av_rescan_remaining
                            .set(i64::try_from(p.total - p.done).unwrap_or(0));
                        self.update(|s| s.rescan = Some(p.clone()));
                        progress(&p);
                        if p.done.is_multiple_of(100) {
                            tracing::info!(target: "antivirus", done = p.done, of = p.total, quarantined = p.quarantined, "rescan under way");
                        }
                        tokio::time::sleep(self.pause).await;
                    }
                }
            }
            Ok::<(), RescanError>(())
        }
        .await;
        self.metrics.av_rescan_remaining.set(0);
        self.update(|s| s.rescan = None);
        let _ = self.counts().await;
        if let Err(e) = result {
            tracing::warn!(target: "antivirus", done = p.done, of = p.total, "rescan stopped: {e}");
            return Err(e);
        }
        let summary = Summary {
            progress: p,
            finished_at: store::now(),
            found,
        };
        if summary.progress.total > 0 {
            tracing::info!(
                target: "antivirus",
                scanned = summary.progress.done,
                quarantined = summary.progress.quarantined,
                skipped = summary.progress.skipped,
                signatures = %key,
                "rescan finished"
            );
        }
        self.update(|s| s.last_rescan = Some(summary.clone()));
        Ok(summary)
    }

    /// Scans one stored file; an error means clamd could not be asked (the rescan stops).
    async fn scan_one(
        &self,
        clamd: &av::Clamd,
        f: &StoredFile,
        key: Signatures<'_>,
    ) -> Result<Outcome, RescanError> {
        let path = self.media_dir.join(&f.stored_name);
        // Never more than clamd reads: a larger file is skipped, not read into memory.
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.len() > clamd.max_stream => {
                tracing::warn!(target: "antivirus", file = %f.stored_name, size = m.len(), "not rescanned: larger than clamd reads (StreamMaxLength)");
                return Ok(Outcome::Skipped);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(target: "antivirus", file = %f.stored_name, error = %e, "not rescanned: the stored file cannot be read");
                return Ok(Outcome::Skipped);
            }
        }
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(target: "antivirus", file = %f.stored_name, error = %e, "not rescanned: the stored file cannot be read");
                return Ok(Outcome::Skipped);
            }
        };
        match clamd.scan(&bytes).await {
            Ok(av::Verdict::Clean) => {
                self.metrics.av_scan("clean");
                self.editor.mark_scanned(f.id, key).await?;
                Ok(Outcome::Clean)
            }
            Ok(av::Verdict::Infected(name)) if f.released_from.as_deref() == Some(&name) => {
                // An administrator judged this very finding a false alarm.
                self.metrics.av_scan("infected");
                self.editor.mark_scanned(f.id, key).await?;
                tracing::info!(target: "antivirus", file = %f.stored_name, "{name} again, in a file an administrator released: left served");
                Ok(Outcome::Clean)
            }
            Ok(av::Verdict::Infected(name)) => {
                self.metrics.av_scan("infected");
                self.quarantine(f, &name).await?;
                Ok(Outcome::Quarantined(name))
            }
            Ok(av::Verdict::Unscannable(why)) if !f.scanned => {
                // Never found clean (stored while clamd was down), and now not scannable whole:
                // refused at upload, so not served either.
                self.metrics.av_scan("unscannable");
                let reason = format!("cannot be scanned whole: {why}");
                self.quarantine(f, &reason).await?;
                Ok(Outcome::Quarantined(reason))
            }
            Ok(av::Verdict::Unscannable(why)) => {
                self.metrics.av_scan("unscannable");
                tracing::warn!(target: "antivirus", file = %f.stored_name, "not rescanned whole: {why}");
                Ok(Outcome::Skipped)
            }
            Err(e @ av::Error::TooLarge { .. }) => {
                self.metrics.av_scan("error");
                tracing::warn!(target: "antivirus", file = %f.stored_name, "not rescanned: {e}");
                Ok(Outcome::Skipped)
            }
            Err(av::Error::Clamd(msg)) => {
                // clamd refused this one file (its limits); the others may pass.
                self.metrics.av_scan("error");
                tracing::warn!(target: "antivirus", file = %f.stored_name, "not rescanned: clamd said {msg}");
                Ok(Outcome::Skipped)
            }
            Err(e @ (av::Error::Timeout { .. } | av::Error::Protocol(_))) => {
                // One file clamd chokes on must not stop every rescan: if clamd still answers,
                // the file is skipped (and tried again at the next check) and the rest go on.
                self.metrics.av_scan("error");
                if clamd.ping().await.is_ok() {
                    tracing::warn!(target: "antivirus", file = %f.stored_name, "not rescanned: {e}");
                    Ok(Outcome::Skipped)
                } else {
                    Err(e.into())
                }
            }
            Err(e) => {
                self.metrics.av_scan("error");
                Err(e.into())
            }
        }
    }

    /// Takes a file out of service: the database first (from then on visitors get a 404),
    /// then the file is moved aside, then the finding is told.
    async fn quarantine(&self, f: &StoredFile, signature: &str) -> Result<(), RescanError> {
        if !self.editor.quarantine_media(f.id, signature).await? {
            return Ok(()); // deleted meanwhile
        }
        if let Err(e) = move_file(&self.media_dir, &self.quarantine_dir, &f.stored_name).await {
            tracing::error!(target: "antivirus", file = %f.stored_name, error = %e, "could not move a quarantined file aside (it is not served either way)");
        }
        let site = self
            .editor
            .sites()
            .await?
            .into_iter()
            .find(|s| s.id == f.site_id)
            .map(|s| s.name)
            .unwrap_or_else(|| format!("site {}", f.site_id));
        let detail = format!(
            "{site}: {:?} ({}), uploaded by {}: {signature}",
            f.original_name, f.stored_name, f.uploaded_by
        );
        tracing::warn!(target: "antivirus", "quarantined by the rescan: {detail}");
        let _ = self
            .recorder
            .security_event("virus", None, &format!("rescan: {detail}"))
            .await;
        let _ = self
            .recorder
            .audit(ACTOR, None, "media.quarantine", &detail)
            .await;
        self.alerts
            .send(
                &format!("quarantine:{}", f.stored_name),
                &format!("a stored file of {site} quarantined: {signature}"),
                &format!(
                    "After a virus signature update the scanner found {signature} in {:?}, uploaded to {site} by {}.\n\nThe file is no longer served (visitors get \"not found\") and was moved to the quarantine. On the Media page of {site} an administrator can delete it, or release it if this is a false alarm.",
                    f.original_name, f.uploaded_by
                ),
            )
            .await;
        Ok(())
    }

    /// Runs until shutdown: clamd asked every `check_interval_s` (the first time at once), and
    /// a rescan whenever files are not scanned with the signatures it runs.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        if self.clamd.is_none() {
            return;
        }
        loop {
            let work = async {
                if self.check().await.is_ok() {
                    let _ = self.counts().await;
                    let all = self
                        .all_asked
                        .swap(false, std::sync::atomic::Ordering::Relaxed);
                    let scope = if all { Scope::All } else { Scope::Changed };
                    let _ = self.rescan(scope, &|_| {}).await;
                }
            };
            tokio::select! {
                _ = work => {}
                _ = shutdown.changed() => return,
            }
            tokio::select! {
                _ = tokio::time::sleep(self.every) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Moves a quarantined file back and serves it again. False if it is not in quarantine.
    pub async fn release(&self, site_id: i64, id: i64) -> Result<bool, store::Error> {
        let Some(m) = self.editor.media_file(site_id, id).await? else {
            return Ok(false);
        };
        if m.quarantined.is_none() {
            return Ok(false);
        }
        if let Err(e) = move_file(&self.quarantine_dir, &self.media_dir, &m.stored_name).await {
            tracing::warn!(target: "antivirus", file = %m.stored_name, error = %e, "a released file could not be moved back");
        }
        let released = self.editor.release_media(site_id, id).await?;
        let _ = self.counts().await;
        Ok(released)
    }

    /// Deletes a quarantined file for good (index and bytes). False if it is not in quarantine.
    pub async fn delete(&self, site_id: i64, id: i64) -> Result<bool, store::Error> {
        let Some(m) = self.editor.media_file(site_id, id).await? else {
            return Ok(false);
        };
        if m.quarantined.is_none() || !self.editor.delete_media(site_id, id).await? {
            return Ok(false);
        }
        // From both places: the move aside may not have happened (a crash, another disk).
        for dir in [&self.quarantine_dir, &self.media_dir] {
            match tokio::fs::remove_file(dir.join(&m.stored_name)).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(target: "antivirus", file = %m.stored_name, error = %e, "a deleted quarantined file could not be removed from disk");
                }
            }
        }
        let _ = self.counts().await;
        Ok(true)
    }
}

enum Outcome {
    Clean,
    Quarantined(String),
    Skipped,
}

/// Moves `name` from one directory to the other (made private if new); a file already gone
/// from `from` but present in `to` is fine.
async fn move_file(from: &Path, to: &Path, name: &str) -> std::io::Result<()> {
    crate::files::create_dir_async(to).await?;
    match tokio::fs::rename(from.join(name), to.join(name)).await {
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && tokio::fs::try_exists(to.join(name)).await.unwrap_or(false) =>
        {
            Ok(())
        }
        r => r,
    }
}
