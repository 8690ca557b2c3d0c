//! The shield in front of the router: every request's facts go through `shield::Shield`
//! before any routing work; attacks are refused (or only logged, in detect mode) and
//! recorded as security events.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use crate::config::{ShieldConfig, ShieldMode};
use crate::listen::ClientAddr;

/// A security event on its way to the database.
#[derive(Debug)]
pub struct Event {
    /// `waf_block`, `waf_detect`.
    pub kind: &'static str,
    /// Client address.
    pub ip: String,
    /// Rules, score, where, what.
    pub detail: String,
}

/// What the shield layer needs.
#[derive(Clone)]
pub struct ShieldState {
    shield: Arc<shield::Shield>,
    mode: ShieldMode,
    admin_path: Arc<str>,
    max_buffered_body: usize,
    events: mpsc::Sender<Event>,
}

impl ShieldState {
    /// Compiles the rules and starts the writer that records events (bounded: under a flood,
    /// events beyond the queue are counted in the log, not written).
    pub fn new(
        config: &ShieldConfig,
        admin_path: &str,
        max_buffered_body: usize,
        recorder: store::Recorder,
    ) -> Result<ShieldState, shield::BuildError> {
        let shield = shield::Shield::new(shield::InspectConfig {
            threshold: config.threshold,
            disabled_rules: config.disabled_rules.clone(),
            max_body: config.max_inspected_body,
        })?;
        let (events, rx) = mpsc::channel(4096);
        tokio::spawn(record_events(rx, recorder));
        Ok(ShieldState {
            shield: Arc::new(shield),
            mode: config.mode,
            admin_path: admin_path.into(),
            max_buffered_body,
            events,
        })
    }
}

async fn record_events(mut rx: mpsc::Receiver<Event>, recorder: store::Recorder) {
    while let Some(e) = rx.recv().await {
        if let Err(err) = recorder
            .security_event(e.kind, Some(&e.ip), &e.detail)
            .await
        {
            tracing::warn!(target: "shield", error = %err, "could not record a security event");
        }
    }
}

/// Inspects the request; refuses attacks with 403 before routing.
pub async fn inspect(State(state): State<ShieldState>, req: Request, next: Next) -> Response {
    if state.mode == ShieldMode::Off {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let (parts, body) = req.into_parts();
    // Bodies are read here (bounded) so the shield sees them, then handed on unchanged.
    // Large uploads are left to their handler, which checks them itself.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let has_body =
        declared.is_some_and(|n| n > 0) || parts.headers.contains_key(header::TRANSFER_ENCODING);
    let (body, bytes) = if has_body && declared.is_none_or(|n| n <= state.max_buffered_body) {
        match axum::body::to_bytes(body, state.max_buffered_body).await {
            Ok(b) => (Body::from(b.clone()), Some(b)),
            Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request too large"),
        }
    } else {
        (body, None)
    };
    let path = parts.uri.path().to_string();
    let found = {
        let headers: Vec<(&str, &[u8])> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let profile =
            if parts.method == axum::http::Method::POST && path.starts_with(&*state.admin_path) {
                // Admin forms are CSRF-checked and session-bound; their bodies (page text,
                // passwords) are sanitised or hashed by their handlers, not judged here.
                shield::Profile::EditorContent
            } else {
                shield::Profile::Public
            };
        let facts = shield::Facts {
            method: parts.method.as_str(),
            path: &path,
            query: parts.uri.query(),
            headers: &headers,
            body: bytes.as_deref(),
            profile,
            host_in_authority: parts.version >= Version::HTTP_2,
        };
        state.shield.inspect(&facts)
    };
    let threshold = state.shield.config().threshold;
    if found.is_attack(threshold) {
        let first = &found.matches[0];
        let rules = found
            .rule_ids()
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let detail = format!(
            "score={} rules={rules} at={} path={} excerpt={:?}",
            found.score,
            first.location,
            path.chars().take(200).collect::<String>(),
            first.excerpt
        );
        let block = state.mode == ShieldMode::Block;
        tracing::info!(
            target: "shield",
            score = found.score,
            client.ip = %ip,
            rule.ids = %rules,
            rule.category = first.category.as_str(),
            blocked = block,
            "attack {}", if block { "blocked" } else { "detected" }
        );
        let kind = if block { "waf_block" } else { "waf_detect" };
        if state.events.try_send(Event { kind, ip, detail }).is_err() {
            tracing::warn!(target: "shield", "security event queue full; event not recorded");
        }
        if block {
            return refuse(StatusCode::FORBIDDEN, "Request blocked");
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{message}</title></head><body><h1>{message}</h1></body></html>"
    );
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
