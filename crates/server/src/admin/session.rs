//! Sessions: the only cookie Bolwerk sets. Signing in, out, and changing the password.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{Extension, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use store::{LoginAttempt, LoginResult, NewSession, SessionStage};

use super::views::{tr, tr_with};
use super::{AdminState, Visitor};

/// `__Host-`: the browser only accepts it over HTTPS, for this exact host, with `Path=/`, so
/// no subdomain or plain-HTTP page can set or overwrite it.
pub const COOKIE: &str = "__Host-sid";

/// Finds the session the request's cookie names and checks it: not expired, account enabled,
/// same network and browser as at sign-in. Returns the session if valid, and whether a cookie
/// came that should be cleared.
pub(super) async fn load(
    state: &AdminState,
    headers: &HeaderMap,
    ip: IpAddr,
    user_agent: &str,
) -> Result<(Option<store::Session>, bool), store::Error> {
    let Some(token) = cookie_value(headers) else {
        return Ok((None, false));
    };
    if !auth::token::is_well_formed(&token) {
        return Ok((None, true));
    }
    let hash = auth::token::hash(&token);
    let Some(session) = state.inner.editor.session(&hash).await? else {
        return Ok((None, true));
    };
    let cfg = &state.inner.config;
    let now = state.now();
    let idle = (cfg.session_idle_timeout_min * 60) as i64;
    let lifetime = (cfg.session_lifetime_h * 3600) as i64;
    if now - session.last_seen > idle
        || now - session.created_at > lifetime
        || session.user.disabled
    {
        state.inner.editor.delete_session(&hash).await?;
        return Ok((None, true));
    }
    let network = auth::network::network_of(
        ip,
        cfg.session_network_v4_prefix,
        cfg.session_network_v6_prefix,
    );
    if network != session.network || user_agent != session.user_agent {
        // A cookie used from another network or browser: stolen, or the user moved. Either way
        // the token is spent; the owner signs in again and sees this in the login history.
        state.inner.editor.delete_session(&hash).await?;
        let attempt = LoginAttempt {
            id: 0,
            at: now,
            user_name: session.user.name.clone(),
            user_id: Some(session.user.id),
            ip: ip.to_string(),
            user_agent: user_agent.to_string(),
            result: LoginResult::SessionHijack,
        };
        state.inner.recorder.login_attempt(&attempt).await?;
        let ipstr = ip.to_string();
        state
            .inner
            .recorder
            .security_event("session_hijack", Some(&ipstr), &session.user.name)
            .await?;
        tracing::warn!(target: "shield", user = %session.user.name, client.ip = %ip, "session cookie replayed from another network or browser; session revoked");
        return Ok((None, true));
    }
    if now - session.last_seen >= 60 {
        state.inner.editor.touch_session(&hash, now).await?;
    }
    Ok((Some(session), false))
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

pub(super) fn set_cookie(res: &mut Response, token: &str, max_age_s: u64) {
    let value =
        format!("{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age_s}");
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Tells the browser to forget the session cookie.
pub(super) fn clear_cookie(res: &mut Response) {
    let value = format!("{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Where a session in `stage` goes next.
pub(super) fn landing(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::SecondFactor => "/login/2fa",
        SessionStage::ChangePassword => "/password",
        SessionStage::Full => "/",
    }
}

/// Starts a new session (always a new token: no fixation) and returns its cookie token.
pub(super) async fn start_session(
    state: &AdminState,
    visitor: &Visitor,
    user_id: i64,
    stage: SessionStage,
) -> Result<String, store::Error> {
    let cfg = &state.inner.config;
    let token = auth::token::new_token();
    let session = NewSession {
        token_hash: auth::token::hash(&token),
        user_id,
        csrf_token: auth::token::new_token(),
        stage,
        network: auth::network::network_of(
            visitor.ip,
            cfg.session_network_v4_prefix,
            cfg.session_network_v6_prefix,
        ),
        ip: visitor.ip_string(),
        user_agent: visitor.user_agent.clone(),
    };
    state.inner.editor.create_session(&session).await?;
    Ok(token)
}

pub(super) async fn login_form(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> Response {
    if visitor
        .session
        .as_ref()
        .is_some_and(|s| s.stage == SessionStage::Full)
    {
        return Redirect::to(&format!("{}/", state.base())).into_response();
    }
    state.inner.views.page(
        StatusCode::OK,
        "login.html",
        None,
        "",
        context! { user => "" },
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
}

/// Records one attempt at the admin entrance.
pub(super) async fn record_attempt(
    state: &AdminState,
    visitor: &Visitor,
    user: &store::User,
    result: LoginResult,
) -> Result<(), store::Error> {
    let attempt = LoginAttempt {
        id: 0,
        at: state.now(),
        user_name: user.name.clone(),
        user_id: Some(user.id),
        ip: visitor.ip_string(),
        user_agent: visitor.user_agent.clone(),
        result,
    };
    state.inner.recorder.login_attempt(&attempt).await
}

/// One message for every failure, so it does not tell which names exist.
fn login_failed() -> String {
    tr("login-failed")
}
/// The answer while locked out.
pub(super) fn locked() -> String {
    tr("login-locked")
}
/// The answer when every Argon2 slot is taken.
pub(super) fn busy() -> String {
    tr("busy")
}

/// Why a new password is refused, in the reader's language.
pub(super) fn policy_refusal(e: &auth::password::PolicyError) -> String {
    use auth::password::{MAX_LEN, MIN_LEN, PolicyError};
    let reason = match e {
        PolicyError::TooShort => tr_with("pw-policy-too-short", &[("min", MIN_LEN.into())]),
        PolicyError::TooLong => tr_with("pw-policy-too-long", &[("max", MAX_LEN.into())]),
        PolicyError::ContainsName => tr("pw-policy-contains-name"),
        PolicyError::TooCommon => tr("pw-policy-too-common"),
    };
    tr_with("pw-refused", &[("reason", reason.into())])
}

/// Whether the lockout lets an attempt through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Gate {
    /// Go on and check the password or code (any delay has been waited).
    Open,
    /// Refused without checking; recorded as such.
    Locked,
}

/// The lockout check before a password or code for `name` is looked at (see
/// [`auth::lockout`]): counts the failures for the name and the visitor's address, and either
/// waits the delay they call for or records a locked-out attempt.
pub(super) async fn gate(
    state: &AdminState,
    visitor: &Visitor,
    name: &str,
    user_id: Option<i64>,
) -> Result<Gate, store::Error> {
    let inner = &state.inner;
    let now = state.now();
    let ip = visitor.ip_string();
    let since = now - inner.lockout.window.as_secs() as i64;
    let c = inner.recorder.failure_counts(name, &ip, since).await?;
    let failures = auth::lockout::Failures {
        pair: c.pair,
        address: c.address,
        account: c.account,
        account_codes: c.account_codes,
    };
    match inner.lockout.gate(failures) {
        auth::lockout::Gate::Locked => {
            let attempt = LoginAttempt {
                id: 0,
                at: now,
                user_name: name.to_string(),
                user_id,
                ip: ip.clone(),
                user_agent: visitor.user_agent.clone(),
                result: LoginResult::Locked,
            };
            inner.recorder.login_attempt(&attempt).await?;
            inner
                .recorder
                .security_event("admin_login_locked", Some(&ip), name)
                .await?;
            Ok(Gate::Locked)
        }
        auth::lockout::Gate::Open(delay) => {
            if delay > Duration::ZERO {
                tokio::time::sleep(delay).await;
            }
            Ok(Gate::Open)
        }
    }
}

/// Records a failed attempt in the login history and as a security event, and, when it
/// counts towards the lockout, tells the shield (enough of them from one address end in a
/// ban).
pub(super) async fn record_failure(
    state: &AdminState,
    visitor: &Visitor,
    name: &str,
    user_id: Option<i64>,
    result: LoginResult,
    event: &str,
) -> Result<(), store::Error> {
    let inner = &state.inner;
    let ip = visitor.ip_string();
    let attempt = LoginAttempt {
        id: 0,
        at: state.now(),
        user_name: name.to_string(),
        user_id,
        ip: ip.clone(),
        user_agent: visitor.user_agent.clone(),
        result,
    };
    inner.recorder.login_attempt(&attempt).await?;
    inner
        .recorder
        .security_event(event, Some(&ip), name)
        .await?;
    if result.is_failure() {
        inner.shield.failed_login(visitor.ip);
    }
    tracing::info!(target: "shield", user = %name, client.ip = %ip, result = result.as_str(), "admin sign-in failed");
    Ok(())
}

/// The outcome of asking a signed-in session for its password again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Recheck {
    /// The password is right.
    Right,
    /// Wrong; recorded and counted like a failed sign-in.
    Wrong,
    /// Refused without checking: too many failures.
    Locked,
    /// Every Argon2 slot is taken; nothing was checked.
    Busy,
}

/// Checks the password a signed-in session typed to confirm a change (a new password or
/// e-mail address, turning two-factor sign-in off). It counts exactly like a sign-in: the same
/// lockout and delay, a wrong one is in the login history (`recheck_failed`) and is told to
/// the shield, so a borrowed session cannot guess the password at leisure.
pub(super) async fn recheck_password(
    state: &AdminState,
    visitor: &Visitor,
    user: &store::User,
    password: &str,
) -> Result<Recheck, store::Error> {
    if gate(state, visitor, &user.name, Some(user.id)).await? == Gate::Locked {
        return Ok(Recheck::Locked);
    }
    let Ok(slot) = super::argon2_slot().await else {
        return Ok(Recheck::Busy);
    };
    if super::verify_password(slot, password, &user.password_hash).await {
        return Ok(Recheck::Right);
    }
    record_failure(
        state,
        visitor,
        &user.name,
        Some(user.id),
        LoginResult::RecheckFailed,
        "admin_password_recheck_failed",
    )
    .await?;
    Ok(Recheck::Wrong)
}

pub(super) async fn login(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<LoginForm>,
) -> Response {
    match login_inner(&state, &visitor, form).await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            state.inner.views.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &tr("error-generic-title"),
                &tr("error-generic"),
            )
        }
    }
}

async fn login_inner(
    state: &AdminState,
    visitor: &Visitor,
    form: LoginForm,
) -> Result<Response, store::Error> {
    let inner = &state.inner;
    let name = store::clip(form.user.trim(), 64);
    let now = state.now();
    let again = |status: StatusCode, message: &str| {
        inner.views.page(
            status,
            "login.html",
            None,
            "",
            context! { user => &name, error => message },
        )
    };

    // Lockout: counted per name (existing or not, so locking reveals nothing) and address.
    if gate(state, visitor, &name, None).await? == Gate::Locked {
        return Ok(again(StatusCode::TOO_MANY_REQUESTS, &locked()));
    }
    let user = inner.editor.user_by_name(&name).await?;
    // Unknown names wait for a slot too, so a busy answer tells nothing either.
    let Ok(slot) = super::argon2_slot().await else {
        tracing::debug!(client.ip = %visitor.ip, "sign-in refused: every Argon2 slot is taken");
        return Ok(super::retry_later(again(
            StatusCode::SERVICE_UNAVAILABLE,
            &busy(),
        )));
    };
    let password = form.password;
    let (result, user) = match user {
        None => {
            // Spend the same time as a real check.
            super::verify_dummy(slot, &password).await;
            (LoginResult::UnknownUser, None)
        }
        Some(user) => {
            let ok = super::verify_password(slot, &password, &user.password_hash).await;
            let result = match (ok, user.disabled) {
                (true, false) => LoginResult::Success,
                (_, true) => LoginResult::Disabled,
                (false, false) => LoginResult::WrongPassword,
            };
            (result, Some(user))
        }
    };
    let user_id = user.as_ref().map(|u| u.id);
    let Some(user) = user.filter(|_| result == LoginResult::Success) else {
        record_failure(state, visitor, &name, user_id, result, "admin_login_failed").await?;
        return Ok(again(StatusCode::UNAUTHORIZED, &login_failed()));
    };
    // With a second factor to come the sign-in is not complete yet, and restarts no count
    // (or re-entering the password would reset the count of wrong codes).
    let result = if user.totp_secret.is_some() {
        LoginResult::AwaitingSecondFactor
    } else {
        LoginResult::Success
    };
    record_attempt(state, visitor, &user, result).await?;

    // Success: a fresh session; any session the browser still had is ended.
    if let Some(old) = &visitor.session {
        inner.editor.delete_session(&old.token_hash).await?;
    }
    let stage = if user.totp_secret.is_some() {
        SessionStage::SecondFactor
    } else if user.must_change_password {
        SessionStage::ChangePassword
    } else {
        SessionStage::Full
    };
    let token = start_session(state, visitor, user.id, stage).await?;
    let cfg = &inner.config;
    inner
        .editor
        .delete_expired_sessions(
            now - (cfg.session_idle_timeout_min * 60) as i64,
            now - (cfg.session_lifetime_h * 3600) as i64,
        )
        .await?;
    let target = format!("{}{}", state.base(), landing(stage));
    let mut res = Redirect::to(&target).into_response();
    set_cookie(&mut res, &token, cfg.session_lifetime_h * 3600);
    Ok(res)
}

pub(super) async fn logout(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> Response {
    if let Some(s) = &visitor.session
        && let Err(e) = state.inner.editor.delete_session(&s.token_hash).await
    {
        tracing::error!(error = %e, "sign-out failed");
    }
    let mut res = Redirect::to(&format!("{}/login", state.base())).into_response();
    clear_cookie(&mut res);
    res
}

#[cfg(test)]
mod tests {
    use super::super::views::{Locale, Views, with_locale};
    use axum::http::StatusCode;
    use i18n::{Lang, TimeZone};
    use minijinja::context;

    async fn render(lang: Lang, template: &str, ctx: minijinja::Value) -> String {
        let views = Views::new("/_admin").expect("templates");
        let locale = Locale {
            lang,
            tz: TimeZone::UTC,
        };
        let res = with_locale(locale, async {
            views.page(StatusCode::OK, template, None, "", ctx)
        })
        .await;
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .expect("body");
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn the_account_pages_speak_dutch() {
        let ctx = context! { idle_min => 30, lifetime_h => 1, sessions => Vec::<String>::new() };
        let html = render(Lang::Nl, "sessions.html", ctx.clone()).await;
        assert!(html.contains("Actieve sessies"), "{html}");
        assert!(
            html.contains("stopt na 30 minuten zonder activiteit of na 1 uur in totaal."),
            "{html}"
        );
        let html = render(Lang::En, "sessions.html", ctx).await;
        assert!(
            html.contains("ends after 30 minutes without activity or 1 hour in all."),
            "{html}"
        );
        let ctx = context! { enabled => true, codes_left => 1 };
        let html = render(Lang::Nl, "totp.html", ctx).await;
        assert!(
            html.contains(
                "Tweestapsverificatie staat <strong>aan</strong>. Nog 1 herstelcode over."
            ),
            "{html}"
        );
        let html = render(
            Lang::Nl,
            "password.html",
            super::super::account::lang_choice_for(None),
        )
        .await;
        assert!(html.contains("Taal van de browser"), "{html}");
    }
}
