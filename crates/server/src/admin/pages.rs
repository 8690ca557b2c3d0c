//! The admin pages behind the sign-in: dashboard, sessions, login history, audit log, users.

use axum::extract::{Extension, Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cms::date;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use store::{LoginAttempt, LoginFilter, LoginResult, Role, Session};

use super::views::{STYLESHEET, tr};
use super::{AdminState, Visitor};

/// Rows per page of the login history; the CSV export has no such limit below this cap.
const PAGE_ROWS: i64 = 50;
const CSV_MAX_ROWS: i64 = 100_000;

/// Any handler failure: logged once here, a generic page for the client.
pub(super) struct PageError(store::Error);

impl From<store::Error> for PageError {
    fn from(e: store::Error) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "admin page failed");
        let mut res =
            (StatusCode::INTERNAL_SERVER_ERROR, tr("error-generic-title")).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

pub(super) type PageResult = Result<Response, PageError>;

pub(super) fn session_of(visitor: &Visitor) -> Result<&Session, PageError> {
    // The guard admits these routes only with a full session.
    visitor
        .session
        .as_ref()
        .ok_or(PageError(store::Error::Invalid {
            field: "session",
            reason: "missing behind the guard".into(),
        }))
}

pub(super) async fn to_dashboard(State(state): State<AdminState>) -> Response {
    Redirect::permanent(&format!("{}/", state.base())).into_response()
}

pub(super) async fn stylesheet() -> Response {
    let mut res = STYLESHEET.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    res
}

/// What came of a sign-in attempt, in the reader's words.
fn result_label(r: LoginResult) -> String {
    match r {
        LoginResult::Success => tr("dash-result-success"),
        LoginResult::AwaitingSecondFactor => tr("dash-result-awaiting-second-factor"),
        LoginResult::WrongPassword => tr("dash-result-wrong-password"),
        LoginResult::UnknownUser => tr("dash-result-unknown-user"),
        LoginResult::SecondFactorFailed => tr("dash-result-second-factor-failed"),
        LoginResult::Locked => tr("dash-result-locked"),
        LoginResult::Disabled => tr("dash-result-disabled"),
        LoginResult::SessionHijack => tr("dash-result-session-hijack"),
        LoginResult::RecheckFailed => tr("dash-result-recheck-failed"),
    }
}

#[derive(Serialize)]
struct AttemptRow<'a> {
    when: String,
    user_name: &'a str,
    ip: &'a str,
    user_agent: &'a str,
    result: &'static str,
    result_label: String,
}

fn rows(attempts: &[LoginAttempt]) -> Vec<AttemptRow<'_>> {
    attempts
        .iter()
        .map(|a| AttemptRow {
            when: super::views::when(a.at),
            user_name: &a.user_name,
            ip: &a.ip,
            user_agent: &a.user_agent,
            result: a.result.as_str(),
            result_label: result_label(a.result),
        })
        .collect()
}

pub(super) async fn dashboard(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let rec = &state.inner.recorder;
    let now = state.now();
    let mine_filter = LoginFilter {
        user_name: Some(s.user.name.clone()),
        ..Default::default()
    };
    let mine = rec.login_history(&mine_filter, 10, 0).await?;
    let sessions = state.inner.editor.sessions(Some(s.user.id)).await?.len();
    let (mut failed, mut new_ips, mut failed_24h) = (Vec::new(), Vec::new(), 0usize);
    if s.user.role == Role::Admin {
        let day = LoginFilter {
            since: Some(now - 86_400),
            ..Default::default()
        };
        let recent = rec.login_history(&day, 1000, 0).await?;
        failed = recent
            .iter()
            .filter(|a| {
                !matches!(
                    a.result,
                    LoginResult::Success | LoginResult::AwaitingSecondFactor
                )
            })
            .cloned()
            .collect();
        failed_24h = failed.len();
        failed.truncate(10);
        let week = LoginFilter {
            since: Some(now - 7 * 86_400),
            result: Some(LoginResult::Success),
            ..Default::default()
        };
        for a in rec.login_history(&week, 200, 0).await? {
            // An account's first sign-in ever is not "from a new address": there is no usual
            // one yet (the admin's own first sign-in on a fresh install is no alarm).
            if rec.signed_in_before(&a.user_name, a.id).await?
                && !rec.known_ip(&a.user_name, &a.ip, a.id).await?
            {
                new_ips.push(a);
            }
        }
    }
    let overview = site_overview(&state, s, now).await?;
    let antivirus = state.inner.av.as_ref().map(|a| a.status());
    let quarantined = match (&state.inner.av, s.user.role == Role::Admin) {
        (Some(a), true) => a.counts().await?.quarantined,
        _ => 0,
    };
    let ctx = context! {
        av_down_since => antivirus.as_ref().and_then(|a| a.down_since).map(super::views::when),
        overview => Value::from(Serde(&overview)),
        antivirus => Value::from(Serde(&antivirus)),
        quarantined,
        mine => Value::from(Serde(rows(&mine))),
        failed => Value::from(Serde(rows(&failed))),
        new_ips => Value::from(Serde(rows(&new_ips))),
        failed_24h,
        sessions,
    };
    Ok(state
        .inner
        .views
        .page(StatusCode::OK, "dashboard.html", Some(s), "dashboard", ctx))
}

/// One site as its editors see it on the dashboard.
#[derive(Serialize)]
struct SiteCard {
    name: String,
    title: String,
    recent: Vec<CardPage>,
    drafts: Vec<CardPage>,
    scheduled: Vec<CardPage>,
    messages_week: i64,
}

#[derive(Serialize)]
struct CardPage {
    id: i64,
    title: String,
    slug: String,
    when: String,
}

/// What happened on each site open to `s`'s user: recent edits, drafts, what is scheduled, and
/// the messages of the last week.
async fn site_overview(
    state: &AdminState,
    s: &Session,
    now: i64,
) -> Result<Vec<SiteCard>, store::Error> {
    let ed = &state.inner.editor;
    let mut cards = Vec::new();
    for site in super::content::open_sites(state, s).await? {
        let mut pages = ed.pages(site.id).await?;
        pages.sort_by_key(|p| std::cmp::Reverse((p.updated_at, p.id)));
        let card = |p: &store::PageSummary, at: i64| CardPage {
            id: p.id,
            title: p.title.clone(),
            slug: p.slug.clone(),
            when: super::views::when(at),
        };
        let scheduled_at =
            |p: &store::PageSummary| p.published_at.filter(|at| p.published && *at > now);
        let messages_week = ed
            .message_counts(&site.name, now - 7 * 86_400)
            .await?
            .recent;
        cards.push(SiteCard {
            recent: pages
                .iter()
                .take(5)
                .map(|p| card(p, p.updated_at))
                .collect(),
            drafts: pages
                .iter()
                .filter(|p| !p.published)
                .take(10)
                .map(|p| card(p, p.updated_at))
                .collect(),
            scheduled: pages
                .iter()
                .filter_map(|p| scheduled_at(p).map(|at| card(p, at)))
                .collect(),
            messages_week,
            name: site.name,
            title: site.title,
        });
    }
    Ok(cards)
}

#[derive(Serialize)]
struct SessionRow {
    id: String,
    user: String,
    ip: String,
    user_agent: String,
    started: String,
    last_seen: String,
    current: bool,
}

pub(super) async fn sessions(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let s = session_of(&visitor)?;
    // Admins see everyone's sessions and can end them; editors see their own.
    let scope = (s.user.role != Role::Admin).then_some(s.user.id);
    let list: Vec<SessionRow> = state
        .inner
        .editor
        .sessions(scope)
        .await?
        .into_iter()
        .map(|x| SessionRow {
            current: x.token_hash == s.token_hash,
            id: x.token_hash,
            user: x.user.name,
            ip: x.ip,
            user_agent: x.user_agent,
            started: super::views::when(x.created_at),
            last_seen: super::views::when(x.last_seen),
        })
        .collect();
    let cfg = &state.inner.config;
    let ctx = context! {
        sessions => Value::from(Serde(&list)),
        all_users => scope.is_none(),
        idle_min => cfg.session_idle_timeout_min,
        lifetime_h => cfg.session_lifetime_h,
    };
    Ok(state
        .inner
        .views
        .page(StatusCode::OK, "sessions.html", Some(s), "sessions", ctx))
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    id: String,
}

pub(super) async fn revoke_session(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<RevokeForm>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let ed = &state.inner.editor;
    let Some(target) = ed.session(&form.id).await? else {
        return Ok(Redirect::to(&format!("{}/sessions", state.base())).into_response());
    };
    if target.user.id != s.user.id && s.user.role != Role::Admin {
        return Ok(state.inner.views.error(
            StatusCode::FORBIDDEN,
            &super::views::tr("err-not-allowed-title"),
            &super::views::tr("sess-own-only"),
        ));
    }
    ed.delete_session(&target.token_hash).await?;
    let detail = format!("{} from {}", target.user.name, target.ip);
    state.audit(&visitor, "session.revoke", &detail).await?;
    Ok(Redirect::to(&format!("{}/sessions", state.base())).into_response())
}

pub(super) async fn revoke_other_sessions(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let n = state
        .inner
        .editor
        .delete_sessions_of(s.user.id, Some(&s.token_hash))
        .await?;
    state
        .audit(&visitor, "session.revoke_others", &format!("{n} ended"))
        .await?;
    Ok(Redirect::to(&format!("{}/sessions", state.base())).into_response())
}

/// Login history filters as they come from the form.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct LoginQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

impl LoginQuery {
    fn filter(&self) -> LoginFilter {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        LoginFilter {
            user_name: some(&self.user),
            ip: some(&self.ip),
            result: LoginResult::parse(&self.result),
            since: date::parse_iso(&self.from),
            // "to" is inclusive for people: up to the end of that day.
            until: date::parse_iso(&self.to).map(|t| t + 86_400),
        }
    }

    /// The filters as a query string, for links and the CSV export.
    fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("user", &self.user)
            .append_pair("ip", &self.ip)
            .append_pair("result", &self.result)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .finish()
    }
}

pub(super) async fn logins(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut found = state
        .inner
        .recorder
        .login_history(&q.filter(), PAGE_ROWS + 1, (page - 1) * PAGE_ROWS)
        .await?;
    let more = found.len() as i64 > PAGE_ROWS;
    found.truncate(PAGE_ROWS as usize);
    let results: Vec<_> = LoginResult::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => result_label(*r) })
        .collect();
    let ctx = context! {
        rows => Value::from(Serde(rows(&found))),
        f => Value::from(Serde(&q)),
        query => q.query_string(),
        results,
        page,
        more,
    };
    Ok(state
        .inner
        .views
        .page(StatusCode::OK, "logins.html", Some(s), "logins", ctx))
}

pub(super) async fn logins_csv(
    State(state): State<AdminState>,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    let found = state
        .inner
        .recorder
        .login_history(&q.filter(), CSV_MAX_ROWS, 0)
        .await?;
    let mut csv = String::from("time_utc,user_name,ip,user_agent,result\r\n");
    for a in &found {
        let cells = [
            date::iso_minute(a.at),
            a.user_name.clone(),
            a.ip.clone(),
            a.user_agent.clone(),
            a.result.as_str().to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    let mut res = csv.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"login-history.csv\""),
    );
    Ok(res)
}

/// Quotes a CSV cell, and defuses cells a spreadsheet would run as a formula (user names and
/// user agents are typed by attackers).
pub(super) fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[derive(Serialize)]
struct AuditRow {
    when: String,
    actor: String,
    ip: String,
    action: String,
    detail: String,
}

pub(super) async fn audit(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let s = session_of(&visitor)?;
    let list: Vec<AuditRow> = state
        .inner
        .recorder
        .recent_audit(500)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            when: super::views::when(e.at),
            actor: e.actor,
            ip: e.ip.unwrap_or_default(),
            action: e.action,
            detail: e.detail,
        })
        .collect();
    Ok(state.inner.views.page(
        StatusCode::OK,
        "audit.html",
        Some(s),
        "audit",
        context! { rows => Value::from(Serde(&list)) },
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("anneke"), "\"anneke\"");
        assert_eq!(csv_cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1+2"), "\"'-1+2\"");
    }
}
