//! Two-factor authentication: the code step of the sign-in, enrolment with a QR code and
//! recovery codes, and the setting that requires it for everyone.

use axum::extract::{Extension, Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;
use store::{LoginResult, SessionStage};

use super::session::{
    Gate, Recheck, landing, locked, recheck_password, record_attempt, record_failure, set_cookie,
    start_session,
};
use super::views::tr;
use super::{AdminState, REQUIRE_2FA, Visitor};
use crate::routes::request_host;

fn failed(state: &AdminState, e: store::Error) -> Response {
    tracing::error!(error = %e, "two-factor step failed");
    state.inner.views.error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &tr("error-generic-title"),
        &tr("error-generic"),
    )
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn code_form(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> Response {
    match &visitor.session {
        Some(s) if s.stage == SessionStage::SecondFactor => state.inner.views.page(
            StatusCode::OK,
            "second_factor.html",
            Some(s),
            "",
            context! {},
        ),
        _ => Redirect::to(&format!("{}/", state.base())).into_response(),
    }
}

/// Checks a TOTP or recovery code. Failures count towards the lockout like wrong passwords;
/// when locked, the half-finished session is ended.
pub(super) async fn check_code(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<CodeForm>,
) -> Response {
    match check_code_inner(&state, &visitor, &form.code).await {
        Ok(res) => res,
        Err(e) => failed(&state, e),
    }
}

async fn check_code_inner(
    state: &AdminState,
    visitor: &Visitor,
    code: &str,
) -> Result<Response, store::Error> {
    let inner = &state.inner;
    let Some(session) = visitor
        .session
        .as_ref()
        .filter(|s| s.stage == SessionStage::SecondFactor)
    else {
        return Ok(Redirect::to(&format!("{}/", state.base())).into_response());
    };
    let user = &session.user;
    let Some(secret) = &user.totp_secret else {
        return Ok(Redirect::to(&format!("{}/login", state.base())).into_response());
    };
    // Counted like wrong passwords, and only a completed sign-in restarts the count: the
    // right password alone does not (see `auth::lockout`).
    if super::session::gate(state, visitor, &user.name, Some(user.id)).await? == Gate::Locked {
        inner.editor.delete_session(&session.token_hash).await?;
        let mut res = inner.views.page(
            StatusCode::TOO_MANY_REQUESTS,
            "login.html",
            None,
            "",
            context! { user => &user.name, error => locked() },
        );
        super::session::clear_cookie(&mut res);
        return Ok(res);
    }
    let now = state.now();

    let totp_ok = match auth::totp::verify(
        secret,
        code,
        now.max(0) as u64,
        user.totp_last_step.max(0) as u64,
    ) {
        Some(step) => inner.editor.claim_totp_step(user.id, step as i64).await?,
        None => false,
    };
    let ok = totp_ok || {
        let hash = auth::token::hash(&auth::totp::normalize_recovery_code(code));
        inner.editor.use_recovery_code(user.id, &hash).await?
    };
    if !ok {
        record_failure(
            state,
            visitor,
            &user.name,
            Some(user.id),
            LoginResult::SecondFactorFailed,
            "admin_second_factor_failed",
        )
        .await?;
        return Ok(inner.views.page(
            StatusCode::UNAUTHORIZED,
            "second_factor.html",
            Some(session),
            "",
            context! { error => tr("tfa-wrong-code") },
        ));
    }
    record_attempt(state, visitor, user, LoginResult::Success).await?;
    // A new token for the new privilege level.
    inner.editor.delete_session(&session.token_hash).await?;
    let stage = if user.must_change_password {
        SessionStage::ChangePassword
    } else {
        SessionStage::Full
    };
    let token = start_session(state, visitor, user.id, stage).await?;
    let mut res = Redirect::to(&format!("{}{}", state.base(), landing(stage))).into_response();
    set_cookie(&mut res, &token, inner.config.session_lifetime_h * 3600);
    Ok(res)
}

/// The set-up page: a QR code to scan, or the state of 2FA if it is on.
pub(super) async fn setup(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    headers: HeaderMap,
) -> Response {
    match &visitor.session {
        Some(session) => render_setup(&state, session, &headers, StatusCode::OK, None)
            .await
            .unwrap_or_else(|e| failed(&state, e)),
        None => Redirect::to(&format!("{}/login", state.base())).into_response(),
    }
}

async fn render_setup(
    state: &AdminState,
    session: &store::Session,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, store::Error> {
    let required = state.inner.editor.setting(REQUIRE_2FA).await?.as_deref() == Some("on");
    let user = &session.user;
    if user.totp_secret.is_some() {
        let codes_left = state.inner.editor.recovery_codes_left(user.id).await?;
        let ctx = context! { enabled => true, codes_left, required, error };
        return Ok(state
            .inner
            .views
            .page(status, "totp.html", Some(session), "", ctx));
    }
    // Offer the pending secret again on reload, so a half-done scan stays valid.
    let issuer =
        request_host(&axum::http::Uri::from_static("/"), headers).unwrap_or_else(|| "admin".into());
    let enrollment = match &user.totp_pending {
        Some(secret) => auth::totp::enroll_with(secret, &user.name, &issuer),
        None => auth::totp::enroll(&user.name, &issuer),
    }
    .map_err(|e| store::Error::Invalid {
        field: "totp",
        reason: e.to_string(),
    })?;
    if user.totp_pending.as_deref() != Some(enrollment.secret.as_str()) {
        state
            .inner
            .editor
            .set_totp_pending(user.id, Some(&enrollment.secret))
            .await?;
    }
    let ctx = context! {
        enabled => false,
        required,
        error,
        secret => &enrollment.secret,
        qr_svg => Value::from_safe_string(enrollment.qr_svg.clone()),
    };
    Ok(state
        .inner
        .views
        .page(status, "totp.html", Some(session), "", ctx))
}

/// Confirms enrolment with a first code; shows the recovery codes once.
pub(super) async fn enable(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let result = async {
        let Some(session) = &visitor.session else {
            return Ok(Redirect::to(&format!("{}/login", state.base())).into_response());
        };
        let user = &session.user;
        let Some(secret) = user
            .totp_pending
            .as_ref()
            .filter(|_| user.totp_secret.is_none())
        else {
            return Ok(Redirect::to(&format!("{}/2fa", state.base())).into_response());
        };
        let Some(step) = auth::totp::verify(secret, &form.code, state.now().max(0) as u64, 0)
        else {
            let msg = tr("tfa-wrong-setup-code");
            return render_setup(
                &state,
                session,
                &headers,
                StatusCode::BAD_REQUEST,
                Some(&msg),
            )
            .await;
        };
        let codes = auth::totp::recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| auth::token::hash(c)).collect();
        state
            .inner
            .editor
            .enable_totp(user.id, secret, step as i64, &hashes)
            .await?;
        state.audit(&visitor, "user.2fa_on", &user.name).await?;
        Ok(state.inner.views.page(
            StatusCode::OK,
            "totp.html",
            Some(session),
            "",
            context! { codes, enabled => true },
        ))
    }
    .await;
    result.unwrap_or_else(|e| failed(&state, e))
}

#[derive(Deserialize)]
pub(super) struct PasswordOnly {
    #[serde(default)]
    password: String,
}

pub(super) async fn disable(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<PasswordOnly>,
) -> Response {
    let result = async {
        let Some(session) = &visitor.session else {
            return Ok(Redirect::to(&format!("{}/login", state.base())).into_response());
        };
        let user = &session.user;
        let refused = match recheck_password(&state, &visitor, user, &form.password).await? {
            Recheck::Right => None,
            Recheck::Wrong => Some((StatusCode::BAD_REQUEST, tr("tfa-wrong-password"))),
            Recheck::Locked => Some((StatusCode::TOO_MANY_REQUESTS, locked())),
            Recheck::Busy => return Ok(state.busy()),
        };
        if let Some((status, error)) = refused {
            let codes_left = state.inner.editor.recovery_codes_left(user.id).await?;
            let ctx = context! { enabled => true, codes_left, error };
            return Ok(state
                .inner
                .views
                .page(status, "totp.html", Some(session), "", ctx));
        }
        state.inner.editor.disable_totp(user.id).await?;
        state.audit(&visitor, "user.2fa_off", &user.name).await?;
        Ok(Redirect::to(&format!("{}/2fa", state.base())).into_response())
    }
    .await;
    result.unwrap_or_else(|e| failed(&state, e))
}

pub(super) async fn settings(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> Response {
    match state.inner.editor.setting(REQUIRE_2FA).await {
        Ok(v) => {
            let require_2fa = v.as_deref() == Some("on");
            state.inner.views.page(
                StatusCode::OK,
                "settings.html",
                visitor.session.as_ref(),
                "settings",
                context! { require_2fa },
            )
        }
        Err(e) => failed(&state, e),
    }
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    #[serde(default)]
    require_2fa: Option<String>,
}

pub(super) async fn save_settings(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<SettingsForm>,
) -> Response {
    let value = if form.require_2fa.as_deref() == Some("on") {
        "on"
    } else {
        "off"
    };
    let result = async {
        state.inner.editor.set_setting(REQUIRE_2FA, value).await?;
        state.audit(&visitor, "settings.require_2fa", value).await?;
        Ok::<_, store::Error>(Redirect::to(&format!("{}/settings", state.base())).into_response())
    }
    .await;
    result.unwrap_or_else(|e| failed(&state, e))
}
