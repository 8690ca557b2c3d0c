//! The Check page (admin role): the last self-check of every hosted domain — internet.nl's
//! website and mail subtests and Bolwerk's own — each with what was found and how to fix it,
//! what got worse since the check before, and a button to check again now.

use axum::extract::{Extension, State};
use axum::response::Response;
use minijinja::context;

use super::codes::{check_category, subtest_title};
use super::pages::{PageError, session_of};
use super::views::tr;
use super::{AdminState, Visitor};

type PageResult = Result<Response, PageError>;

pub(super) async fn overview(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    render(&state, &visitor, None)
}

/// Checks every domain now (in its own task, so a closed browser does not cut it short).
pub(super) async fn run(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let Some(c) = &state.inner.selfcheck else {
        return render(&state, &visitor, None);
    };
    let runner = c.clone();
    let run = tokio::spawn(async move { runner.run_all().await });
    state.audit(&visitor, "selfcheck_run", "").await?;
    // Most checks take seconds; a slow one goes on after the page is shown.
    let notice = match tokio::time::timeout(std::time::Duration::from_secs(60), run).await {
        Ok(_) => tr("check-ran"),
        Err(_) => tr("check-still-running"),
    };
    render(&state, &visitor, Some(notice))
}

/// A subtest's verdict in words, for screen readers (the mark alone is a symbol).
fn status_label(status: check::Status) -> String {
    match status {
        check::Status::Pass => tr("check-status-pass"),
        check::Status::Fail => tr("check-status-fail"),
        check::Status::Warning => tr("check-status-warning"),
        check::Status::Info => tr("check-status-info"),
        check::Status::NotTested => tr("check-status-not-tested"),
    }
}

/// A regression's title: the subtest's, or the weakened DMARC policy's own (which passes).
fn regression_title(code: &str, title: &str) -> String {
    let spec = check::catalogue::all().find(|s| s.code == code);
    match spec {
        Some(s) if s.title == title => subtest_title(code, title),
        Some(s) if s.code == check::catalogue::mail::DMARC_POLICY.code => {
            tr("check-regression-dmarc-weaker")
        }
        _ => title.to_string(),
    }
}

fn render(state: &AdminState, visitor: &Visitor, notice: Option<String>) -> PageResult {
    let s = session_of(visitor)?;
    let (checked, domains) = match &state.inner.selfcheck {
        Some(c) => (c.status.get(), crate::check_task::domains_of(c)),
        None => (Default::default(), Vec::new()),
    };
    let reports: Vec<_> = checked
        .values()
        .map(|c| {
            let r = &c.report;
            context! {
                domain => r.domain.clone(),
                at => super::views::when(i64::try_from(r.checked_at).unwrap_or(0)),
                failed => r.summary.failed,
                web_score => r.summary.web_score,
                mail_score => r.summary.mail_score,
                regressions => c.regressions.iter().map(|(code, title, what)| context! { code, title => regression_title(code, title), what }).collect::<Vec<_>>(),
                categories => r.categories.iter().map(|cat| context! {
                    title => check_category(cat.code, cat.title),
                    score => cat.score,
                    subtests => cat.subtests.iter().map(|t| context! {
                        code => t.code,
                        title => subtest_title(t.code, t.title),
                        status => format!("{:?}", t.status).to_lowercase(),
                        status_label => status_label(t.status),
                        mark => t.status.mark(),
                        found => t.found.clone(),
                        fix => t.fix.clone(),
                        details => t.details.clone(),
                    }).collect::<Vec<_>>(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(state.inner.views.page(
        axum::http::StatusCode::OK,
        "check.html",
        Some(s),
        "check",
        context! { notice, reports, domains },
    ))
}
