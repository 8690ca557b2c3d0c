//! `bolwerk shield test`: judge a raw request the way the server does.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use server::config::Config;

/// Reads a raw HTTP/1.x request from standard input and prints the shield's verdict. Exit
/// status 0 if it would be served, 1 if it would be blocked.
pub fn test(config: Option<&Path>) -> Result<ExitCode> {
    let shield_config = match config {
        Some(file) => Config::load(file)?.shield,
        None => server::config::ShieldConfig::default(),
    };
    let mut raw = Vec::new();
    std::io::stdin()
        .read_to_end(&mut raw)
        .context("reading the request from standard input")?;
    let (head, body) = match find(&raw, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(&raw, b"\n\n").map(|i| (i, 2)))
    {
        Some((i, n)) => (&raw[..i], &raw[i + n..]),
        None => (&raw[..], &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let request_line = lines.next().ok_or_else(|| anyhow!("empty request"))?;
    let mut parts = request_line.split_whitespace();
    let method = parts
        .next()
        .ok_or_else(|| anyhow!("no method in {request_line:?}"))?;
    let target = parts
        .next()
        .ok_or_else(|| anyhow!("no path in {request_line:?}"))?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let headers: Vec<(String, Vec<u8>)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().as_bytes().to_vec()))
        .collect();
    let header_refs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let shield = shield::Shield::new(shield::InspectConfig {
        threshold: shield_config.threshold,
        disabled_rules: shield_config.disabled_rules.clone(),
        max_body: shield_config.max_inspected_body,
    })?;
    let facts = shield::Facts {
        method,
        path,
        query,
        headers: &header_refs,
        body: (!body.is_empty()).then_some(body),
        profile: shield::Profile::Public,
        host_in_authority: false,
    };
    let found = shield.inspect(&facts);
    let blocked = found.is_attack(shield_config.threshold);
    println!(
        "verdict: {}   score: {} (threshold {})",
        if blocked { "BLOCK" } else { "allow" },
        found.score,
        shield_config.threshold
    );
    for m in &found.matches {
        let description = shield::rules::RULES
            .iter()
            .find(|r| r.id == m.rule)
            .map(|r| r.description)
            .unwrap_or("built-in check");
        println!(
            "  rule {:>5}  {:<16} {:?}({})  at {:<24} {}  -- {:?}",
            m.rule,
            m.category.as_str(),
            m.severity,
            m.severity as u32,
            m.location,
            description,
            m.excerpt
        );
    }
    Ok(if blocked {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
