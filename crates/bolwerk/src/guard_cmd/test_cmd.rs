//! `bolwerk guard test FILTER [LOGFILE]`: which lines of a log a filter matches, as
//! `fail2ban-regex` shows; without a log, the filter's own example lines.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use guard::filter::Filter;

use crate::cli::GuardShow;

/// Longest line read; longer ones are counted and skipped, as the guard does.
const MAX_LINE: usize = 16 * 1024;

/// Finds the filter: a `.toml` file, or a name among the built-in ones and `filters_dir`'s.
fn find(name: &str, filters_dir: Option<&Path>) -> Result<Filter> {
    if name.ends_with(".toml") || name.contains('/') {
        let path = Path::new(name);
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {name}"))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(Filter::parse(&stem, &text)?);
    }
    let all = guard::filter::load(filters_dir)?;
    let names: Vec<String> = all.iter().map(|f| f.name.clone()).collect();
    all.into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| anyhow!("no filter {name:?} (there are: {})", names.join(", ")))
}

/// Runs the command.
pub fn run(
    name: &str,
    log: Option<&Path>,
    show: GuardShow,
    filters_dir: Option<&Path>,
) -> Result<ExitCode> {
    let filter = find(name, filters_dir)?;
    println!(
        "Filter:   {} ({}), {} pattern{}",
        filter.name,
        filter.service,
        filter.patterns.len(),
        if filter.patterns.len() == 1 { "" } else { "s" }
    );
    let Some(log) = log else {
        let failures = filter.check_examples();
        println!(
            "Examples: {} lines, {} wrong",
            filter.examples.len(),
            failures.len()
        );
        for f in &failures {
            println!("  WRONG {f}");
        }
        return Ok(if failures.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    };
    let input: Box<dyn Read> = if log == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(log).with_context(|| format!("opening {}", log.display()))?)
    };
    let mut reader = BufReader::with_capacity(256 * 1024, input);
    let started = Instant::now();
    let (mut lines, mut too_long, mut not_utf8) = (0u64, 0u64, 0u64);
    let mut per_pattern = vec![0u64; filter.patterns.len()];
    let mut per_host: HashMap<IpAddr, (u64, usize)> = HashMap::new();
    let mut buf = Vec::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {}", log.display()))?;
        if n == 0 {
            break;
        }
        lines += 1;
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            too_long += 1;
            let mut rest = Vec::new();
            reader.read_until(b'\n', &mut rest)?;
            continue;
        }
        let raw = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = match std::str::from_utf8(raw) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                not_utf8 += 1;
                String::from_utf8_lossy(raw)
            }
        };
        match filter.find(&text) {
            Some(hit) => {
                per_pattern[hit.pattern] += 1;
                let e = per_host.entry(hit.host).or_insert((0, hit.pattern));
                e.0 += 1;
                if show == GuardShow::Matched {
                    use std::io::Write;
                    writeln!(
                        out,
                        "{:<16} {:<15} {text}",
                        filter.patterns[hit.pattern].name, hit.host
                    )?;
                }
            }
            None if show == GuardShow::Missed => {
                use std::io::Write;
                writeln!(out, "{text}")?;
            }
            None => {}
        }
    }
    drop(out);
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let matched: u64 = per_pattern.iter().sum();
    println!(
        "Log:      {}: {lines} lines in {secs:.3} s ({:.0} lines/s)",
        log.display(),
        lines as f64 / secs
    );
    println!("Matched:  {matched} lines");
    for (p, n) in filter.patterns.iter().zip(&per_pattern) {
        let note = if p.spoofable {
            " (spoofable: never bans)"
        } else if p.weight == 0 {
            " (weight 0: never bans)"
        } else {
            ""
        };
        println!("  {:<24} {n:>9}{note}", p.name);
    }
    println!("Missed:   {} lines", lines - matched - too_long);
    println!(
        "Skipped:  {too_long} too long (over {MAX_LINE} bytes), {not_utf8} not UTF-8 (read with bad bytes replaced)"
    );
    let mut hosts: Vec<(IpAddr, (u64, usize))> = per_host.into_iter().collect();
    hosts.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    if !hosts.is_empty() {
        println!("Addresses ({} in all; most matches first):", hosts.len());
        for (ip, (n, p)) in hosts.iter().take(20) {
            println!("  {ip:<40} {n:>7}  {}", filter.patterns[*p].name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
