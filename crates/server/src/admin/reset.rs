//! "Forgot your password?": a one-time link by e-mail to the address the account holder set.
//!
//! The answer to a request is always the same, whether the name exists or not (no account
//! discovery), and the work happens after the answer (no timing difference). A link is a
//! 256-bit token, stored only as its SHA-256, valid for 30 minutes and once; three per account
//! per hour at most. It is only ever made for a host one of the sites answers to (a forged
//! `Host` header cannot send the token elsewhere). A reset ends every session of the account;
//! two-factor sign-in still applies afterwards.

use axum::extract::{Extension, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::session::{Recheck, locked, policy_refusal, recheck_password};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};

/// Minutes a link stays valid.
pub const LINK_MINUTES: i64 = 30;
/// Links per account per hour.
const PER_HOUR: i64 = 3;

pub(super) async fn forgot_form(State(state): State<AdminState>) -> Response {
    state.inner.views.page(
        StatusCode::OK,
        "forgot.html",
        None,
        "",
        context! { sent => false },
    )
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    user: String,
}

pub(super) async fn forgot(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    uri: Uri,
    headers: HeaderMap,
    Form(f): Form<ForgotForm>,
) -> Response {
    let host = crate::routes::request_host(&uri, &headers);
    let name = store::clip(f.user.trim(), 64);
    let task_state = state.clone();
    let ip = visitor.ip.to_string();
    // The mail is written in the language of the request, which the task carries along.
    let locale = super::views::locale();
    tokio::spawn(super::views::with_locale(locale, async move {
        if let Err(e) = send_link(&task_state, &name, host.as_deref(), &ip).await {
            tracing::warn!(target: "admin", "password reset link not sent: {e}");
        }
    }));
    state.inner.views.page(
        StatusCode::OK,
        "forgot.html",
        None,
        "",
        context! { sent => true },
    )
}

/// Makes and mails a link, when the account exists, is enabled, has an address, has not had
/// too many links lately, and the request came to one of the sites' hosts.
async fn send_link(
    state: &AdminState,
    name: &str,
    host: Option<&str>,
    ip: &str,
) -> Result<(), String> {
    let editor = &state.inner.editor;
    let Some(user) = editor
        .user_by_name(name)
        .await
        .map_err(|e| e.to_string())?
        .filter(|u| !u.disabled)
    else {
        return Ok(());
    };
    let Some(to) = editor
        .user_email(user.id)
        .await
        .map_err(|e| e.to_string())?
    else {
        tracing::info!(target: "admin", user = %user.name, "password reset asked for an account without an e-mail address");
        return Ok(());
    };
    let Some(host) = host.filter(|h| state.inner.cms.site_for_host(h).is_some()) else {
        return Err(format!("{host:?} is not a host of any site"));
    };
    // Counting and making a link happen one request at a time, so a burst of requests
    // cannot all pass the count together.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let now = state.now();
    if editor
        .resets_since(user.id, now - 3600)
        .await
        .map_err(|e| e.to_string())?
        >= PER_HOUR
    {
        return Err(format!(
            "{PER_HOUR} links in the last hour for {}",
            user.name
        ));
    }
    let Some(mail) = &state.inner.mail else {
        return Err("mail is not set up".into());
    };
    // From the domain of the site the request came to, else the first that sends mail.
    let site_name = match state.inner.cms.site_for_host(host) {
        Some(id) => state
            .inner
            .cms
            .site(id)
            .await
            .map_err(|e| e.to_string())?
            .map(|s| s.name),
        None => None,
    };
    let Some((_, domain, _)) = mail
        .domains
        .iter()
        .find(|(s, _, _)| Some(s) == site_name.as_ref())
        .or_else(|| mail.domains.first())
    else {
        return Err("no site sends mail".into());
    };
    let token = auth::token::new_token();
    editor
        .create_reset(
            user.id,
            &auth::token::hash(&token),
            now + LINK_MINUTES * 60,
            Some(ip),
        )
        .await
        .map_err(|e| e.to_string())?;
    let port = match state.inner.https_port {
        Some(443) | None => String::new(),
        Some(p) => format!(":{p}"),
    };
    let link = format!("https://{host}{port}{}/reset?token={token}", state.base());
    let subject = tr_with("reset-mail-subject", &[("user", user.name.as_str().into())]);
    let intro = tr_with(
        "reset-mail-intro",
        &[
            ("ip", ip.into()),
            ("user", user.name.as_str().into()),
            ("host", host.into()),
        ],
    );
    let open = tr_with("reset-mail-open", &[("minutes", LINK_MINUTES.into())]);
    let ignore = tr("reset-mail-ignore");
    let built = mail::Outgoing {
        domain: domain.clone(),
        from_local: "noreply".into(),
        from_name: "Bolwerk".into(),
        to: vec![to.clone()],
        reply_to: None,
        subject: subject.clone(),
        body: format!("{intro}\n\n{open}\n\n{link}\n\n{ignore}\n"),
    }
    .build()
    .map_err(|e| e.to_string())?;
    let body = String::from_utf8(built.bytes).map_err(|e| e.to_string())?;
    state
        .inner
        .recorder
        .enqueue_mail(&store::NewMail {
            domain: domain.clone(),
            kind: "reset".into(),
            envelope_from: built.envelope_from,
            recipients: built.recipients,
            subject,
            message_id: built.message_id,
            body,
        })
        .await
        .map_err(|e| e.to_string())?;
    mail.wake.notify_one();
    state
        .inner
        .recorder
        .audit(&user.name, Some(ip), "user.reset_link", &to)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn invalid_link(state: &AdminState) -> Response {
    state.inner.views.page(
        StatusCode::BAD_REQUEST,
        "reset.html",
        None,
        "",
        context! { invalid => true },
    )
}

pub(super) async fn reset_form(
    State(state): State<AdminState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let valid = auth::token::is_well_formed(&q.token)
        && matches!(
            state
                .inner
                .editor
                .reset_user(&auth::token::hash(&q.token), state.now())
                .await,
            Ok(Some(_))
        );
    if !valid {
        return invalid_link(&state);
    }
    state.inner.views.page(
        StatusCode::OK,
        "reset.html",
        None,
        "",
        context! { token => q.token },
    )
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn reset(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<ResetForm>,
) -> Result<Response, super::pages::PageError> {
    if !auth::token::is_well_formed(&f.token) {
        return Ok(invalid_link(&state));
    }
    let hash = auth::token::hash(&f.token);
    let editor = &state.inner.editor;
    let Some(user_id) = editor.reset_user(&hash, state.now()).await? else {
        return Ok(invalid_link(&state));
    };
    let Some(user) = editor
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == user_id && !u.disabled)
    else {
        return Ok(invalid_link(&state));
    };
    let refuse = |msg: String| {
        state.inner.views.page(
            StatusCode::BAD_REQUEST,
            "reset.html",
            None,
            "",
            context! { token => &f.token, error => msg },
        )
    };
    if f.new != f.confirm {
        return Ok(refuse(tr("pw-differ")));
    }
    if let Err(e) = auth::password::check_policy(&f.new, &user.name) {
        return Ok(refuse(policy_refusal(&e)));
    }
    let Ok(slot) = super::argon2_slot().await else {
        return Ok(state.busy());
    };
    let new_hash = super::hash_password(slot, &f.new).await?;
    // Used now, once: a second post of the same link (or a race) finds nothing.
    if editor.use_reset(&hash, state.now()).await? != Some(user.id) {
        return Ok(invalid_link(&state));
    }
    // Ends every session of the account.
    editor.set_password(user.id, &new_hash, false).await?;
    state
        .inner
        .recorder
        .audit(
            &user.name,
            Some(&visitor.ip_string()),
            "user.reset",
            "new password by e-mail link",
        )
        .await?;
    Ok(state.inner.views.page(
        StatusCode::OK,
        "reset.html",
        None,
        "",
        context! { done => true },
    ))
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    email: String,
}

/// Sets the signed-in account's own address for reset links (the current password is asked,
/// so a borrowed session cannot redirect them).
pub(super) async fn set_email(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<EmailForm>,
) -> Result<Response, super::pages::PageError> {
    let session = super::pages::session_of(&visitor)?;
    let email = f.email.trim();
    let page = |status: StatusCode, notice: Option<String>, error: Option<String>| {
        state.inner.views.page(
            status,
            "password.html",
            Some(session),
            "",
            context! {
                forced => false,
                email => email,
                email_notice => notice,
                email_error => error,
                ..super::account::lang_choice(&session.user)
            },
        )
    };
    let refused = match recheck_password(&state, &visitor, &session.user, &f.current).await? {
        Recheck::Right => None,
        Recheck::Wrong => Some((StatusCode::BAD_REQUEST, tr("pw-wrong-current"))),
        Recheck::Locked => Some((StatusCode::TOO_MANY_REQUESTS, locked())),
        Recheck::Busy => return Ok(state.busy()),
    };
    if let Some((status, error)) = refused {
        return Ok(page(status, None, Some(error)));
    }
    if !email.is_empty()
        && let Err(e) = mail::message::check_address("the address", email)
    {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            None,
            Some(address_refusal(&e)),
        ));
    }
    let value = (!email.is_empty()).then_some(email);
    state
        .inner
        .editor
        .set_user_email(session.user.id, value)
        .await?;
    state
        .audit(&visitor, "user.email", value.unwrap_or("(removed)"))
        .await?;
    Ok(page(
        StatusCode::OK,
        Some(if value.is_some() {
            tr("account-email-saved")
        } else {
            tr("account-email-removed")
        }),
        None,
    ))
}

/// Why an address was refused, in the reader's language (the mail crate says it in English).
fn address_refusal(e: &mail::Error) -> String {
    let said = e.to_string();
    let ends = |end: &str| said.ends_with(end);
    if ends("is too long") {
        tr("account-email-too-long")
    } else if ends("(no @)") {
        tr("account-email-no-at")
    } else if ends("part before the @") {
        tr("account-email-local")
    } else if ends("not allowed before the @") {
        tr("account-email-local-chars")
    } else if ends("(an encoded-word)") {
        tr("account-email-encoded")
    } else if ends("invalid domain after the @") {
        tr("account-email-domain")
    } else {
        tr("account-email-invalid")
    }
}
