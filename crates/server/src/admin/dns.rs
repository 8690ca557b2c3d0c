//! The DNS page (admin role): per zone, the records Bolwerk keeps there (in sync, or the changes
//! waiting with why), what no zone covers, the DNSSEC chain of every hosted name with what is
//! broken in words, and the DKIM rotation steps taken. Buttons look again now.

use axum::extract::{Extension, State};
use axum::response::Response;
use minijinja::context;

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

/// Looks at the zones now; sends the changes too when the server does so by itself.
pub(super) async fn sync(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let Some(dns) = &state.inner.dns else {
        return render(&state, &visitor, None);
    };
    // Its own task: a browser that goes away mid-update does not cut the sync short between
    // the update and remembering what was published.
    let runner = dns.clone();
    let _ = tokio::spawn(async move { runner.sync(runner.auto()).await }).await;
    state.audit(&visitor, "dns_sync", "").await?;
    render(&state, &visitor, Some(tr("dns-synced")))
}

/// Walks every DNSSEC chain now.
pub(super) async fn check(
    State(state): State<AdminState>,
    Extension(visitor): Extension<Visitor>,
) -> PageResult {
    let Some(dns) = &state.inner.dns else {
        return render(&state, &visitor, None);
    };
    let runner = dns.clone();
    let _ = tokio::spawn(async move { runner.check().await }).await;
    state.audit(&visitor, "dnssec_check", "").await?;
    render(&state, &visitor, Some(tr("dns-checked")))
}

fn render(state: &AdminState, visitor: &Visitor, notice: Option<String>) -> PageResult {
    let s = session_of(visitor)?;
    let (st, auto) = match &state.inner.dns {
        Some(d) => (d.status.get(), d.auto()),
        None => (crate::dns_task::DnsState::default(), false),
    };
    let reports: Vec<_> = st
        .reports
        .iter()
        .map(|r| {
            let status = match r.status {
                dns::chain::Status::Secure => tr("dns-status-secure"),
                dns::chain::Status::Insecure => tr("dns-status-insecure"),
                dns::chain::Status::Bogus => tr("dns-status-bogus"),
                dns::chain::Status::Unknown => tr("dns-status-unknown"),
            };
            context! {
                domain => r.domain.clone(),
                status,
                ok => r.status == dns::chain::Status::Secure,
                chain => r.chain.iter().map(|z| z.zone.clone()).collect::<Vec<_>>().join(" → "),
                expires => r.earliest_expiry.map(dns::chain::utc),
                findings => r.findings.iter().map(|f| context! {
                    code => f.code,
                    title => super::codes::dnssec_finding(f.code),
                    severity => super::codes::dnssec_severity(f.severity),
                    text => f.text.clone(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(state.inner.views.page(
        axum::http::StatusCode::OK,
        "dns.html",
        Some(s),
        "dns",
        context! {
            notice,
            auto,
            synced => st.synced_at.map(super::views::when),
            checked => st.checked_at.map(super::views::when),
            zones => minijinja::Value::from(minijinja::value::Serde(&st.zones)),
            unmanaged => st.unmanaged,
            reports,
            rotation_waiting => &st.rotation_waiting,
            rotation => st.rotation.iter().rev().map(|(t, w)| context! { at => super::views::when(*t), what => w }).collect::<Vec<_>>(),
            error => st.error,
        },
    ))
}
