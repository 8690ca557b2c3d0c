//! The account page: changing one's password and choosing the admin's language.

use axum::extract::{Extension, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use store::SessionStage;

use super::session::{
    Recheck, busy, locked, policy_refusal, recheck_password, set_cookie, start_session,
};
use super::views::tr;
use super::{AdminState, Visitor};

/// The language choice on the account page: what the account chose ("" for the browser's)
/// and the languages on offer.
pub(super) fn lang_choice(user: &store::User) -> minijinja::Value {
    lang_choice_for(user.lang.as_deref())
}

/// The same for a stored choice (`None`: the browser's).
pub(super) fn lang_choice_for(chosen: Option<&str>) -> minijinja::Value {
    let chosen_lang = chosen
        .and_then(i18n::Lang::parse)
        .map_or("", i18n::Lang::code);
    let langs: Vec<_> = i18n::Lang::ALL
        .iter()
        .map(|l| context! { code => l.code(), name => l.native_name() })
        .collect();
    context! { chosen_lang, langs }
}

#[derive(Deserialize)]
pub(super) struct AccountQuery {
    #[serde(default)]
    done: String,
}

pub(super) async fn password_form(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<AccountQuery>,
) -> Response {
    let forced = visitor
        .session
        .as_ref()
        .is_some_and(|s| s.stage == SessionStage::ChangePassword);
    let email = match &visitor.session {
        Some(s) => state
            .inner
            .editor
            .user_email(s.user.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
        None => String::new(),
    };
    let choice = visitor.session.as_ref().map(|s| lang_choice(&s.user));
    // After a new language: said in that language (this request already speaks it).
    let notice = (q.done == "lang").then(|| tr("account-lang-saved"));
    state.inner.views.page(
        StatusCode::OK,
        "password.html",
        visitor.session.as_ref(),
        "",
        context! { forced, email, notice, ..choice.unwrap_or_else(|| context! {}) },
    )
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn change_password(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some(session) = visitor.session.clone() else {
        return Redirect::to(&format!("{}/login", state.base())).into_response();
    };
    let views = &state.inner.views;
    let forced = session.stage == SessionStage::ChangePassword;
    let refuse_with = |status: StatusCode, msg: &str| {
        views.page(
            status,
            "password.html",
            Some(&session),
            "",
            context! { forced, error => msg, ..lang_choice(&session.user) },
        )
    };
    let refuse = |msg: &str| refuse_with(StatusCode::BAD_REQUEST, msg);
    let failed = |e: store::Error| {
        tracing::error!(error = %e, "password change failed");
        views.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &tr("error-generic-title"),
            &tr("error-generic"),
        )
    };
    match recheck_password(&state, &visitor, &session.user, &form.current).await {
        Ok(Recheck::Right) => {}
        Ok(Recheck::Wrong) => return refuse(&tr("pw-wrong-current")),
        Ok(Recheck::Locked) => return refuse_with(StatusCode::TOO_MANY_REQUESTS, &locked()),
        Ok(Recheck::Busy) => {
            return super::retry_later(refuse_with(StatusCode::SERVICE_UNAVAILABLE, &busy()));
        }
        Err(e) => return failed(e),
    }
    if form.new != form.confirm {
        return refuse(&tr("pw-differ"));
    }
    if form.new == form.current {
        return refuse(&tr("pw-same"));
    }
    if let Err(e) = auth::password::check_policy(&form.new, &session.user.name) {
        return refuse(&policy_refusal(&e));
    }
    let Ok(slot) = super::argon2_slot().await else {
        return super::retry_later(refuse_with(StatusCode::SERVICE_UNAVAILABLE, &busy()));
    };
    let result = async {
        let hash = super::hash_password(slot, &form.new).await?;
        // Ends every session of the account, this one included; then a fresh one.
        state
            .inner
            .editor
            .set_password(session.user.id, &hash, false)
            .await?;
        state
            .audit(&visitor, "user.passwd", &session.user.name)
            .await?;
        start_session(&state, &visitor, session.user.id, SessionStage::Full).await
    }
    .await;
    match result {
        Ok(token) => {
            let mut res = Redirect::to(&format!("{}/", state.base())).into_response();
            set_cookie(
                &mut res,
                &token,
                state.inner.config.session_lifetime_h * 3600,
            );
            res
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
pub(super) struct LanguageForm {
    #[serde(default)]
    lang: String,
}

/// The account's own language for the admin (empty: the browser's), then the account page
/// again, in the language just chosen.
pub(super) async fn set_language(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<LanguageForm>,
) -> Response {
    let Some(session) = &visitor.session else {
        return Redirect::to(&format!("{}/login", state.base())).into_response();
    };
    let wanted = form.lang.trim();
    let lang = if wanted.is_empty() {
        None
    } else {
        match i18n::Lang::parse(wanted) {
            Some(lang) => Some(lang),
            None => {
                return state.inner.views.page(
                    StatusCode::BAD_REQUEST,
                    "password.html",
                    Some(session),
                    "",
                    context! {
                        forced => false,
                        error => tr("account-lang-unknown"),
                        ..lang_choice(&session.user)
                    },
                );
            }
        }
    };
    let code = lang.map(i18n::Lang::code);
    let result = async {
        state
            .inner
            .editor
            .set_user_lang(session.user.id, code)
            .await?;
        state
            .audit(&visitor, "user.lang", code.unwrap_or("(browser)"))
            .await
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("{}/password?done=lang", state.base())).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "saving the language failed");
            state.inner.views.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &tr("error-generic-title"),
                &tr("error-generic"),
            )
        }
    }
}
