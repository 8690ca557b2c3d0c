//! Contact forms on the public site: shown with a fresh signed token, posted without any
//! cookie, checked (token, honeypot, fill time, fields), kept through the `Recorder` together
//! with the notification mail in one transaction, and only then answered.
//!
//! This is the one public route that writes, and it can only append (the recorder). The
//! shield in front of it inspects the post and applies the form rate limit.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cms::Cms;
use cms::form::{FormSpec, Problems, TokenError, Tokens};
use cms::theme::{FieldView, FormView};
use store::{NewMail, NewSubmission, Recorded, Recorder};

use crate::config::Config;
use crate::error::{AppError, plain_page};
use crate::listen::ClientAddr;
use crate::routes::request_host;

/// Setting under which the form token key is kept (shared by all nodes through the database).
const KEY_SETTING: &str = "form_token_key";

/// A site's forms and how its mail is sent.
#[derive(Clone, Debug)]
struct SiteForms {
    name: String,
    title: String,
    mail_domain: String,
    mail_from: String,
    /// The site's language: the words of refusals and of the built-in texts.
    lang: i18n::Lang,
    forms: Vec<FormSpec>,
}

/// What the form routes use: the CMS (read-only, for the page around the form), the recorder
/// (append-only) and the token key.
#[derive(Clone)]
pub struct FormsState {
    inner: Arc<Inner>,
}

struct Inner {
    cms: Arc<Cms>,
    recorder: Recorder,
    tokens: Tokens,
    /// By site id.
    sites: HashMap<i64, SiteForms>,
    /// Woken after a message is queued.
    outbox: Arc<tokio::sync::Notify>,
    /// Token times (issued, too fast, expired) go by it.
    clock: store::Clock,
}

impl FormsState {
    /// The forms of every configured site. The token key is read from the database, or made
    /// and stored there on first use.
    pub async fn new(
        config: &Config,
        store: &store::Store,
        cms: Arc<Cms>,
        outbox: Arc<tokio::sync::Notify>,
        clock: store::Clock,
    ) -> anyhow::Result<FormsState> {
        let tokens = tokens(&store.editor).await?;
        let mut sites = HashMap::new();
        let ids: HashMap<String, store::Site> = store
            .editor
            .sites()
            .await?
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect();
        for site in config.sites.iter().filter(|s| !s.forms.is_empty()) {
            let (Some(stored), Some(domain)) = (ids.get(&site.name), site.mail_domain()) else {
                continue;
            };
            sites.insert(
                stored.id,
                SiteForms {
                    name: site.name.clone(),
                    title: stored.title.clone(),
                    mail_domain: domain,
                    mail_from: site.mail_from.clone(),
                    lang: site.lang(),
                    forms: site
                        .forms
                        .iter()
                        .map(|f| {
                            let mut f = f.clone();
                            f.localize(site.lang());
                            f
                        })
                        .collect(),
                },
            );
        }
        Ok(FormsState {
            inner: Arc::new(Inner {
                cms,
                recorder: store.recorder.clone(),
                tokens,
                sites,
                outbox,
                clock,
            }),
        })
    }

    /// Every path some site has a form at.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .inner
            .sites
            .values()
            .flat_map(|s| s.forms.iter().map(|f| f.path.clone()))
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }
}

async fn tokens(editor: &store::Editor) -> anyhow::Result<Tokens> {
    if let Some(t) = editor
        .setting(KEY_SETTING)
        .await?
        .and_then(|k| Tokens::from_stored(&k))
    {
        return Ok(t);
    }
    let secret =
        Tokens::new_secret().ok_or_else(|| anyhow::anyhow!("no randomness for the form key"))?;
    // Only if there is none: another node starting at the same moment may have stored its
    // own first, and then every node uses that one.
    editor.set_setting_once(KEY_SETTING, &secret).await?;
    let stored = editor.setting(KEY_SETTING).await?.unwrap_or_default();
    Tokens::from_stored(&stored)
        .or_else(|| Tokens::from_stored(&secret))
        .ok_or_else(|| anyhow::anyhow!("the form key cannot be used"))
}

/// Every form path with its free-text (`textarea`) fields, for the shield (several sites'
/// forms at one path share the list).
pub fn free_text_fields(config: &Config) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for form in config.sites.iter().flat_map(|s| &s.forms) {
        let fields = out.entry(form.path.clone()).or_default();
        for f in &form.fields {
            if f.kind == cms::form::FieldKind::Textarea && !fields.contains(&f.name) {
                fields.push(f.name.clone());
            }
        }
    }
    out
}

/// The form routes, one per form path.
pub fn router(state: FormsState) -> Router {
    let mut r = Router::new();
    for path in state.paths() {
        r = r.route(&path, get(show).post(submit));
    }
    r.with_state(state)
}

/// The site and form a request is for.
fn lookup<'a>(
    state: &'a FormsState,
    req: &Request,
) -> Option<(i64, String, &'a SiteForms, &'a FormSpec)> {
    let host = request_host(req.uri(), req.headers())?;
    let site_id = state.inner.cms.site_for_host(&host)?;
    let site = state.inner.sites.get(&site_id)?;
    let form = site.forms.iter().find(|f| f.path == req.uri().path())?;
    Some((site_id, host, site, form))
}

fn view(spec: &FormSpec, token: String) -> FormView {
    FormView {
        title: spec.title.clone(),
        intro: spec.intro.clone(),
        action: spec.path.clone(),
        token,
        fields: spec
            .fields
            .iter()
            .map(|f| FieldView {
                name: f.name.clone(),
                label: f.label.clone(),
                kind: match f.kind {
                    cms::form::FieldKind::Text => "text",
                    cms::form::FieldKind::Email => "email",
                    cms::form::FieldKind::Textarea => "textarea",
                }
                .into(),
                required: f.required,
                max_len: f.max_len,
                value: String::new(),
                error: None,
            })
            .collect(),
        errors: Vec::new(),
        done: None,
    }
}

async fn page(
    state: &FormsState,
    site_id: i64,
    host: &str,
    status: StatusCode,
    form: &FormView,
) -> Result<Response, AppError> {
    let Some(html) = state.inner.cms.form_page(site_id, host, form).await? else {
        return Ok(plain_page(StatusCode::NOT_FOUND, "Not found"));
    };
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Each form carries its own token: never keep it in a cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Shows a form with a fresh token; any other page at this path of a site without that form
/// is the site's own page.
async fn show(State(state): State<FormsState>, req: Request) -> Result<Response, AppError> {
    let Some((site_id, host, site, spec)) = lookup(&state, &req) else {
        return crate::routes::page_response(&state.inner.cms, req).await;
    };
    let token = state
        .inner
        .tokens
        .issue(&site.name, &spec.name, state.inner.clock.now());
    page(&state, site_id, &host, StatusCode::OK, &view(spec, token)).await
}

/// Takes a post: refuses it with the reason and the visitor's text kept in the form, or keeps
/// it (submission and mail together) and thanks the visitor.
async fn submit(State(state): State<FormsState>, req: Request) -> Result<Response, AppError> {
    let Some((site_id, host, site, spec)) = lookup(&state, &req) else {
        let mut res = plain_page(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(res);
    };
    let client = req
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.ip().to_string());
    let is_form = crate::guard_layer::is_urlencoded(req.headers());
    if !is_form {
        return Ok(plain_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the form as application/x-www-form-urlencoded",
        ));
    }
    // The body limit layer in front bounds this read.
    let body = match axum::body::to_bytes(req.into_body(), usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(plain_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request too large",
            ));
        }
    };
    let posted: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let now = state.inner.clock.now();
    let fresh = || state.inner.tokens.issue(&site.name, &spec.name, now);
    let refuse = |status: StatusCode, problems: Problems| {
        let mut v = view(spec, fresh());
        for f in &mut v.fields {
            f.value = posted
                .iter()
                .find(|(n, _)| n == &f.name)
                .map(|(_, val)| val.chars().take(f.max_len.saturating_mul(2)).collect())
                .unwrap_or_default();
            f.error = problems
                .fields
                .iter()
                .find(|(n, _)| n == &f.name)
                .map(|(_, m)| format!("{} {m}", f.label));
        }
        v.errors = problems.form.clone();
        v.errors.extend(problems.fields.iter().filter_map(|(n, m)| {
            spec.fields
                .iter()
                .find(|f| &f.name == n)
                .map(|f| format!("{} {m}", f.label))
        }));
        tracing::info!(
            target: "forms",
            site = %site.name,
            form = %spec.name,
            client.ip = client.as_deref().unwrap_or("-"),
            "form refused: {}",
            problems.summary()
        );
        (status, v)
    };
    let token = posted
        .iter()
        .find(|(n, _)| n == cms::form::TOKEN_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let checked_token = match state.inner.tokens.check(token, &site.name, spec, now) {
        Ok(t) => t,
        Err(e) => {
            let status = match e {
                TokenError::TooFast => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::FORBIDDEN,
            };
            let (status, v) = refuse(
                status,
                Problems {
                    form: vec![e.text(site.lang)],
                    fields: Vec::new(),
                },
            );
            return page(&state, site_id, &host, status, &v).await;
        }
    };
    let checked = match cms::form::check_values(spec, &posted, site.lang) {
        Ok(c) => c,
        Err(problems) => {
            let (status, v) = refuse(StatusCode::UNPROCESSABLE_ENTITY, problems);
            return page(&state, site_id, &host, status, &v).await;
        }
    };
    let ip = client.clone().unwrap_or_else(|| "-".into());
    let outgoing = mail::Outgoing {
        domain: site.mail_domain.clone(),
        from_local: site.mail_from.clone(),
        from_name: header_safe(&site.title),
        to: spec.to.clone(),
        reply_to: checked
            .reply_to
            .clone()
            .map(|a| (checked.reply_name.clone(), a)),
        subject: header_safe(&format!("{} · {}", spec.subject, site.title)),
        body: cms::form::mail_body(&site.title, spec, &checked, &ip, site.lang),
    };
    // The values passed the checks above, so this only fails on a site title that cannot be a
    // header; the submission is then kept without a mail rather than lost.
    let built = match outgoing.build() {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::error!(target: "forms", site = %site.name, "notification cannot be built: {e}");
            None
        }
    };
    let new_mail = built.and_then(|b| {
        Some(NewMail {
            domain: site.mail_domain.clone(),
            kind: "form".into(),
            envelope_from: b.envelope_from,
            recipients: b.recipients,
            subject: outgoing.subject.clone(),
            message_id: b.message_id,
            body: String::from_utf8(b.bytes).ok()?,
        })
    });
    let recorded = state
        .inner
        .recorder
        .record_submission(
            &NewSubmission {
                site: site.name.clone(),
                form: spec.name.clone(),
                token_nonce: checked_token.nonce,
                client_ip: client.clone(),
                fields: checked.fields.clone(),
            },
            new_mail.as_ref(),
        )
        .await?;
    match recorded {
        Recorded::Replay => {
            let (status, v) = refuse(
                StatusCode::CONFLICT,
                Problems {
                    form: vec![i18n::text(site.lang, "form-already-sent")],
                    fields: Vec::new(),
                },
            );
            page(&state, site_id, &host, status, &v).await
        }
        Recorded::Stored { submission, mail } => {
            tracing::info!(
                target: "forms",
                site = %site.name,
                form = %spec.name,
                submission,
                mail = mail.unwrap_or(0),
                client.ip = client.as_deref().unwrap_or("-"),
                "form received"
            );
            state.inner.outbox.notify_one();
            if let Some(to) = &spec.thanks_page
                && let Ok(v) = HeaderValue::from_str(to)
            {
                let mut res = StatusCode::SEE_OTHER.into_response();
                res.headers_mut().insert(header::LOCATION, v);
                return Ok(res);
            }
            let mut v = view(spec, String::new());
            v.done = Some(spec.thanks_text.clone());
            page(&state, site_id, &host, StatusCode::OK, &v).await
        }
    }
}

/// Text from the site's settings made fit for a header: control characters and encoded-word
/// starts taken out, cut to the length headers allow. (Visitors' text is refused instead.)
fn header_safe(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace("=?", "= ?");
    cleaned
        .chars()
        .take(mail::message::MAX_HEADER_TEXT)
        .collect()
}
