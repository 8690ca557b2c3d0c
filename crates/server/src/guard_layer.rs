//! The shield in front of the router: a thin adapter around the pure engine,
//! [`shield::defense::Defense`]. It gathers a request's facts (the client, the route's class
//! from the route table, the body), asks the engine, acts on the answer (403, 429, 413, 408,
//! or on to the router) and records what happened: metrics, log lines, security events and
//! bans. Starting it, and the work in the background, is in [`crate::shield_tasks`].

use std::net::IpAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::Body as _;
use shield::defense::{Admission, Consequence, Observation, Refusal, Verdict};
use shield::{Facts, Inspection, Profile};
use tokio::sync::mpsc;

use crate::config::BanResponse;
use crate::listen::ClientAddr;
use crate::metrics::{Metrics, Outcome};
pub(crate) use crate::request_body::is_urlencoded;
use crate::request_body::{BodyError, read_body, without_fields};
pub use crate::shield_state::{ShieldInner, ShieldState};
use crate::shield_tasks::Event;

impl ShieldState {
    /// Logs an attack, counts its rules and queues its security event.
    fn report(&self, ip: IpAddr, path: &str, found: &Inspection, blocked: bool) {
        let first = found.matches.first();
        let rules = found
            .rule_ids()
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let (location, excerpt) = first.map_or(("", ""), |m| (&*m.location, &*m.excerpt));
        tracing::info!(
            target: "shield",
            score = found.score,
            client.ip = %ip,
            rule.ids = %rules,
            rule.category = first.map_or("", |m| m.category.as_str()),
            blocked,
            "attack {}", if blocked { "blocked" } else { "detected" }
        );
        for m in &found.matches {
            self.metrics.rule_hit(m.rule, m.category.as_str());
        }
        let detail = format!(
            "score={} rules={rules} at={location} path={} excerpt={excerpt:?}",
            found.score,
            path.chars().take(200).collect::<String>(),
        );
        let event = Event {
            kind: if blocked { "waf_block" } else { "waf_detect" },
            ip: ip.to_string(),
            detail,
        };
        // Under a flood the queue fills; what does not fit is counted per kind and address
        // and stored as one line each ("and N more") when the writer catches up.
        if let Err(mpsc::error::TrySendError::Full(event)) = self.events.try_send(event) {
            self.metrics.events_coalesced.inc();
            self.overflow.add(event);
        }
    }

    /// Counts an unknown page; past the threshold the client is banned, unless it claims to
    /// be a search engine's crawler and DNS confirms it (checked once, off the request path).
    fn not_found(&self, client: IpAddr, path: &str, agent: Option<&HeaderValue>) {
        let claim = agent
            .and_then(|v| v.to_str().ok())
            .and_then(shield::crawlers::claimed);
        let now = self.now();
        let verifier = self.crawlers.as_ref().zip(claim);
        if verifier.is_some_and(|(v, _)| v.known(client, now.secs()) == Some(true)) {
            return;
        }
        let seen = Observation::NotFound {
            path,
            claims_crawler: verifier.is_some(),
        };
        match (self.defense.observe(client, seen, now), verifier) {
            (Consequence::VerifyCrawler, Some((v, crawler))) => {
                let (state, v) = (self.clone(), v.clone());
                tokio::spawn(async move {
                    if v.verify(client, crawler, now.secs()).await {
                        state.defense.forgive_misses(client);
                        tracing::info!(target: "shield", crawler = crawler.as_str(), client.ip = %client, "verified crawler; not banned for unknown pages");
                    } else {
                        let why = format!(
                            "too many unknown pages (404); claims to be {} but DNS does not confirm it",
                            crawler.as_str()
                        );
                        let ban = state.defense.ban(client, &why, state.now());
                        state.record_ban(client, "not_found", ban);
                    }
                });
            }
            (c, _) => self.act(client, "not_found", c),
        }
    }

    /// The answer to a refused client.
    fn refused(&self, r: Refusal) -> Response {
        self.metrics.outcome(match r {
            Refusal::Banned => Outcome::Banned,
            Refusal::Blocklisted => Outcome::Blocklisted,
        });
        let mut res = refuse(StatusCode::FORBIDDEN, "Access denied");
        if self.ban_response == BanResponse::Close {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }

    /// The answer to a body that could not be read whole in time.
    fn unread(&self, client: IpAddr, e: BodyError) -> Response {
        match e {
            BodyError::TooLarge => {
                self.metrics.outcome(Outcome::TooLarge);
                refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request too large")
            }
            BodyError::Stalled => {
                self.metrics.outcome(Outcome::Stalled);
                tracing::info!(target: "shield", timeout_s = self.body_timeout.as_secs(), client.ip = %client, "request body too slow; closed");
                self.stalled(client);
                let mut res = refuse(StatusCode::REQUEST_TIMEOUT, "Request timeout");
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                res
            }
            BodyError::Broken => refuse(StatusCode::BAD_REQUEST, "Bad request"),
        }
    }
}

/// Asks the engine about the request and acts on the answer, before any routing work.
pub async fn inspect(State(state): State<ShieldState>, req: Request, next: Next) -> Response {
    let Some(client) = req.extensions().get::<ClientAddr>().map(|c| c.0.ip()) else {
        return next.run(req).await;
    };
    let (metrics, now) = (&state.metrics, state.now());
    let (route, free_text) = state.routes.classify(req.method(), req.uri().path());
    let profile = match state
        .defense
        .admit(client, route, req.method().as_str(), now)
    {
        Admission::Inspect(profile) => profile,
        Admission::Trusted => {
            metrics.outcome(Outcome::Allowlisted);
            return counted(metrics, next.run(req).await);
        }
        Admission::Refused(r) => {
            // A ban made moments ago is answered only once it is stored: no client is ever
            // refused by a ban that a crash could still lose.
            if r == Refusal::Banned && state.defense.ban_unsaved(client, now) {
                let stored = || !state.defense.ban_unsaved(client, state.now());
                state
                    .pending
                    .wait_stored(Duration::from_secs(5), stored)
                    .await;
            }
            return counted(metrics, state.refused(r));
        }
        Admission::Throttled { retry_after_s, ban } => {
            if let Some(ban) = ban {
                state.record_ban(client, "flood", ban);
            }
            metrics.outcome(Outcome::RateLimited);
            let mut res = refuse(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            return counted(metrics, res);
        }
    };
    // The body must be in a little before the request timeout (which counts from the same
    // moment) ends the request, so that a stalled body is counted here.
    let arrived = req
        .extensions()
        .get::<crate::listen::Arrived>()
        .map(|a| a.0.into_std());
    let deadline = arrived.unwrap_or_else(std::time::Instant::now) + state.body_timeout;
    let (parts, body) = req.into_parts();
    // A public body is read whole, whatever the headers say (HTTP/2 sends neither
    // Content-Length nor Transfer-Encoding), and judged whole: one larger than the shield
    // inspects is refused rather than half-judged.
    let (body, bytes) = if profile == Profile::Public && !body.is_end_stream() {
        match read_body(body, state.max_public_body, deadline).await {
            Ok(b) => (Body::from(b.clone()), Some(b)),
            Err(e) => return counted(metrics, state.unread(client, e)),
        }
    } else {
        (body, None)
    };
    // A form post leaves its free text unjudged: what a visitor writes there is stored
    // escaped and mailed as plain text, never executed. Every other part is judged.
    let judged = match &bytes {
        Some(b) if !free_text.is_empty() && is_urlencoded(&parts.headers) => {
            Some(without_fields(b, free_text))
        }
        _ => None,
    };
    let verdict = {
        let headers: Vec<(&str, &[u8])> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let facts = Facts {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &headers,
            body: judged.as_deref().or(bytes.as_deref()),
            profile,
            host_in_authority: parts.version >= Version::HTTP_2,
        };
        state.defense.inspect(client, &facts, now)
    };
    match verdict {
        Verdict::Pass => metrics.outcome(Outcome::Allowed),
        Verdict::Detected(found) => {
            state.report(client, parts.uri.path(), &found, false);
            metrics.outcome(Outcome::Detected);
        }
        Verdict::Blocked { found, ban } => {
            state.report(client, parts.uri.path(), &found, true);
            metrics.outcome(Outcome::Blocked);
            if let Some(ban) = ban {
                state.record_ban(client, "attack", ban);
            }
            return counted(metrics, refuse(StatusCode::FORBIDDEN, "Request blocked"));
        }
    }
    // Kept (reference-counted copies) in case the answer is a 404.
    let uri = parts.uri.clone();
    let agent = state
        .crawlers
        .as_ref()
        .and_then(|_| parts.headers.get(header::USER_AGENT).cloned());
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() == StatusCode::NOT_FOUND {
        state.not_found(client, uri.path(), agent.as_ref());
    }
    counted(metrics, res)
}

fn counted(metrics: &Metrics, res: Response) -> Response {
    metrics.response(res.status().as_u16());
    res
}

/// The short page a refused request gets (the same as the server's other error pages).
fn refuse(status: StatusCode, message: &'static str) -> Response {
    crate::error::plain_page(status, message)
}
