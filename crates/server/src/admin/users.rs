//! The Users page (administrators): accounts, roles, one-time passwords, and which sites each
//! editor may edit.

use axum::extract::{Extension, Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use store::{Role, Session};

use super::pages::{PageResult, session_of};
use super::views::{tr, tr_with};
use super::{AdminState, Visitor};

#[derive(Serialize)]
struct UserRow {
    name: String,
    role: &'static str,
    tfa: &'static str,
    state: &'static str,
    created: String,
    /// Every site, ticked when open to this user (editors; administrators have all).
    sites: Vec<SiteTick>,
}

#[derive(Serialize)]
struct SiteTick {
    name: String,
    title: String,
    open: bool,
}

async fn render_users(
    state: &AdminState,
    s: &Session,
    status: StatusCode,
    one_time: Option<(&str, &str)>,
    error: Option<&str>,
) -> PageResult {
    let ed = &state.inner.editor;
    let sites = state.configured_sites().await?;
    let mut list = Vec::new();
    let locale = super::views::locale();
    for u in ed.users().await? {
        let granted = if u.role == Role::Admin {
            sites.iter().map(|s| s.id).collect()
        } else {
            ed.sites_of(u.id).await?
        };
        list.push(UserRow {
            sites: sites
                .iter()
                .map(|site| SiteTick {
                    name: site.name.clone(),
                    title: site.title.clone(),
                    open: granted.contains(&site.id),
                })
                .collect(),
            name: u.name,
            role: u.role.as_str(),
            tfa: if u.totp_secret.is_some() { "on" } else { "off" },
            state: if u.disabled { "disabled" } else { "active" },
            created: i18n::format::date(locale.lang, &locale.tz, u.created_at),
        });
    }
    let all_sites: Vec<SiteTick> = sites
        .iter()
        .map(|site| SiteTick {
            name: site.name.clone(),
            title: site.title.clone(),
            open: sites.len() == 1,
        })
        .collect();
    let one_time = one_time.map(|(user, password)| context! { user, password });
    let ctx = context! {
        rows => Value::from(Serde(&list)),
        all_sites => Value::from(Serde(&all_sites)),
        one_time,
        error,
    };
    Ok(state
        .inner
        .views
        .page(status, "users.html", Some(s), "users", ctx))
}

pub(super) async fn users(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let s = session_of(&visitor)?;
    render_users(&state, s, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub(super) struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// The values of every `key` field of a form (checkboxes send one field per ticked box).
fn form_values(body: &[u8], key: &str) -> Vec<String> {
    form_urlencoded::parse(body)
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The ids of the sites named in a form's `site` fields; names of no site are left out.
async fn ticked_sites(state: &AdminState, body: &[u8]) -> Result<Vec<i64>, store::Error> {
    let names = form_values(body, "site");
    Ok(state
        .configured_sites()
        .await?
        .into_iter()
        .filter(|s| names.contains(&s.name))
        .map(|s| s.id)
        .collect())
}

/// The names of the sites with these ids, comma-separated.
async fn site_names(state: &AdminState, ids: &[i64]) -> Result<String, store::Error> {
    Ok(state
        .inner
        .editor
        .sites()
        .await?
        .into_iter()
        .filter(|site| ids.contains(&site.id))
        .map(|site| site.name)
        .collect::<Vec<_>>()
        .join(", "))
}

/// A new account with a one-time password, shown once to the admin who made it; an editor
/// gets the sites ticked in the form.
pub(super) async fn add_user(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> PageResult {
    let s = session_of(&visitor)?;
    let f = UserForm {
        name: form_values(&body, "name").pop().unwrap_or_default(),
        role: form_values(&body, "role").pop().unwrap_or_default(),
    };
    let name = f.name.trim();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c));
    let Some(role) = Role::parse(&f.role).filter(|_| name_ok) else {
        return render_users(
            &state,
            s,
            StatusCode::BAD_REQUEST,
            None,
            Some(&tr("users-bad-name")),
        )
        .await;
    };
    let password = auth::password::generate();
    let Ok(slot) = super::argon2_slot().await else {
        return Ok(state.busy());
    };
    let hash = super::hash_password(slot, &password).await?;
    let mut granted = Vec::new();
    match state
        .inner
        .editor
        .create_user(name, role, &hash, true)
        .await
    {
        Ok(id) => {
            if role == Role::Editor {
                granted = ticked_sites(&state, &body).await?;
                state.inner.editor.set_sites_of(id, &granted).await?;
            }
        }
        Err(store::Error::Invalid { reason, .. }) => {
            let msg = if reason.ends_with("already exists") {
                tr_with("users-exists", &[("name", name.into())])
            } else {
                tr_with("users-not-added", &[("reason", reason.into())])
            };
            return render_users(&state, s, StatusCode::BAD_REQUEST, None, Some(&msg)).await;
        }
        Err(e) => return Err(e.into()),
    }
    let names = site_names(&state, &granted).await?;
    let detail = match role {
        Role::Admin => format!("{name} (admin)"),
        Role::Editor => format!(
            "{name} (editor of {})",
            if names.is_empty() {
                "no site".into()
            } else {
                names
            }
        ),
    };
    state.audit(&visitor, "user.add", &detail).await?;
    render_users(&state, s, StatusCode::OK, Some((name, &password)), None).await
}

/// Disable, enable, new password, or another role for someone else's account.
async fn change_user(
    state: &AdminState,
    visitor: &Visitor,
    f: &UserForm,
    what: &str,
) -> PageResult {
    let s = session_of(visitor)?;
    let Some(user) = state
        .inner
        .editor
        .user_by_name(&f.name)
        .await?
        .filter(|u| u.id != s.user.id)
    else {
        // Admins cannot lock themselves out from here; the CLI can.
        return render_users(
            state,
            s,
            StatusCode::BAD_REQUEST,
            None,
            Some(&tr("users-choose-other")),
        )
        .await;
    };
    let ed = &state.inner.editor;
    let mut one_time = None;
    let detail = match what {
        "disable" => {
            ed.set_disabled(user.id, true).await?;
            user.name.clone()
        }
        "enable" => {
            ed.set_disabled(user.id, false).await?;
            user.name.clone()
        }
        "reset" => {
            let password = auth::password::generate();
            let Ok(slot) = super::argon2_slot().await else {
                return Ok(state.busy());
            };
            let hash = super::hash_password(slot, &password).await?;
            ed.set_password(user.id, &hash, true).await?;
            one_time = Some(password);
            user.name.clone()
        }
        _ => {
            let Some(role) = Role::parse(&f.role) else {
                return render_users(
                    state,
                    s,
                    StatusCode::BAD_REQUEST,
                    None,
                    Some(&tr("users-unknown-role")),
                )
                .await;
            };
            ed.set_role(user.id, role).await?;
            format!("{} to {}", user.name, role.as_str())
        }
    };
    let action = format!("user.{what}");
    state.audit(visitor, &action, &detail).await?;
    match one_time {
        Some(pw) => render_users(state, s, StatusCode::OK, Some((&user.name, &pw)), None).await,
        None => Ok(Redirect::to(&format!("{}/users", state.base())).into_response()),
    }
}

pub(super) async fn disable_user(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<UserForm>,
) -> PageResult {
    change_user(&state, &visitor, &f, "disable").await
}

pub(super) async fn enable_user(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<UserForm>,
) -> PageResult {
    change_user(&state, &visitor, &f, "enable").await
}

pub(super) async fn reset_user(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<UserForm>,
) -> PageResult {
    change_user(&state, &visitor, &f, "reset").await
}

pub(super) async fn set_role(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(f): Form<UserForm>,
) -> PageResult {
    change_user(&state, &visitor, &f, "role").await
}

/// Which sites an editor may edit (administrators edit every site).
pub(super) async fn set_sites(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> PageResult {
    let s = session_of(&visitor)?;
    let name = form_values(&body, "name").pop().unwrap_or_default();
    let Some(user) = state
        .inner
        .editor
        .user_by_name(&name)
        .await?
        .filter(|u| u.role == Role::Editor)
    else {
        return render_users(
            &state,
            s,
            StatusCode::BAD_REQUEST,
            None,
            Some(&tr("users-choose-editor")),
        )
        .await;
    };
    let mut sites = ticked_sites(&state, &body).await?;
    // Grants to sites this node's config does not name (another node's newer config) were not
    // on the form: they stay, rather than being dropped by a save here.
    let configured: Vec<i64> = state
        .configured_sites()
        .await?
        .iter()
        .map(|s| s.id)
        .collect();
    let kept: Vec<i64> = state
        .inner
        .editor
        .sites_of(user.id)
        .await?
        .into_iter()
        .filter(|id| !configured.contains(id))
        .collect();
    state
        .inner
        .editor
        .set_sites_of(user.id, &[sites.as_slice(), &kept].concat())
        .await?;
    sites.extend(kept);
    let names = site_names(&state, &sites).await?;
    let detail = format!(
        "{}: {}",
        user.name,
        if names.is_empty() {
            "no site".into()
        } else {
            names
        }
    );
    state.audit(&visitor, "user.sites", &detail).await?;
    Ok(Redirect::to(&format!("{}/users", state.base())).into_response())
}
