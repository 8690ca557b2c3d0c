//! The guard in front of every admin route: HTTPS only, session lookup and binding, access by
//! role and login stage, CSRF and origin checks, and `no-store` on every response.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use store::{Role, SessionStage};

use super::session::{self, clear_cookie};
use super::views::{Locale, locale, tr, with_locale};
use super::{AdminState, Visitor, is_unsafe};
use crate::error::plain_page;
use crate::listen::{ClientAddr, Tls};
use crate::routes::request_host;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the sign-in page, the stylesheet).
    Anyone,
    /// Any session, even one still waiting for its second factor (sign-out, the code form).
    Pending,
    /// Past the second factor, even if the password must still be changed.
    SignedIn,
    /// Fully signed-in editors and admins.
    Editor,
    /// Fully signed-in admins.
    Admin,
}

/// Answers 421 for a host that no site has (400 without a host), before anything else: the
/// admin interface, its assets included, like the public pages, exists only on the sites'
/// hosts, so a scanner that connects by address or with a made-up `Host` finds no entrance.
pub async fn known_host(State(state): State<AdminState>, req: Request, next: Next) -> Response {
    match request_host(req.uri(), req.headers()) {
        None => plain_page(StatusCode::BAD_REQUEST, "Bad request"),
        Some(host) if state.inner.cms.site_for_host(&host).is_none() => {
            plain_page(StatusCode::MISDIRECTED_REQUEST, "Unknown host")
        }
        Some(_) => next.run(req).await,
    }
}

/// Largest form body the guard reads to find the CSRF field.
const MAX_FORM: usize = 1 << 20;

pub async fn guard(
    State((state, access)): State<(AdminState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    // The browser's language until the session says which one its account chose.
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(i18n::Lang::from_accept_language)
        .unwrap_or_else(|| state.inner.config.lang());
    let locale = Locale {
        lang,
        tz: state.inner.tz.clone(),
    };
    let mut res = with_locale(locale, guarded(state, access, req, next)).await;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

async fn guarded(state: AdminState, access: Access, req: Request, next: Next) -> Response {
    let Some(ClientAddr(peer)) = req.extensions().get::<ClientAddr>().copied() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let host = request_host(req.uri(), req.headers()).unwrap_or_default();
    if req.extensions().get::<Tls>() != Some(&Tls(true)) {
        // The session cookie is Secure; the admin interface is HTTPS only.
        return match state.inner.https_port {
            Some(port) => {
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host
                };
                let pq = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Redirect::permanent(&format!("https://{host}:{port}{pq}")).into_response()
            }
            None => state.inner.views.error(
                StatusCode::FORBIDDEN,
                &tr("err-https-title"),
                &tr("err-https"),
            ),
        };
    }
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| store::clip(s, 256))
        .unwrap_or_default();
    // `Request` is not `Sync`, so nothing borrowed from it may live across an await.
    let headers = req.headers().clone();
    let (session, stale_cookie) =
        match session::load(&state, &headers, peer.ip(), &user_agent).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return state.inner.views.error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &tr("error-generic-title"),
                    &tr("error-generic"),
                );
            }
        };
    let visitor = Visitor {
        ip: peer.ip(),
        user_agent,
        session,
    };
    // From here on in the language the account chose, if it chose one.
    let chosen = visitor
        .session
        .as_ref()
        .and_then(|s| s.user.lang.as_deref())
        .and_then(i18n::Lang::parse);
    let locale = match chosen {
        Some(lang) => Locale { lang, ..locale() },
        None => locale(),
    };
    let checks = admit(state, access, visitor, stale_cookie, headers, req, next);
    with_locale(locale, checks).await
}

/// Access by role and login stage, then the origin and CSRF checks, for a request whose
/// session is known.
async fn admit(
    state: AdminState,
    access: Access,
    visitor: Visitor,
    stale_cookie: bool,
    headers: axum::http::HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    // Access by login state and role.
    let base = state.base().to_string();
    let unsafe_method = is_unsafe(req.method());
    let must_enroll = match (&visitor.session, access) {
        (Some(s), Access::Editor | Access::Admin)
            if s.stage == SessionStage::Full && s.user.totp_secret.is_none() =>
        {
            match state.inner.editor.setting(super::REQUIRE_2FA).await {
                Ok(v) => v.as_deref() == Some("on"),
                Err(e) => {
                    tracing::error!(error = %e, "reading settings failed");
                    return state.inner.views.error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &tr("error-generic-title"),
                        &tr("error-generic"),
                    );
                }
            }
        }
        _ => false,
    };
    let go = |to: &str| Some(Redirect::to(&format!("{base}{to}")).into_response());
    let refused = match (&visitor.session, access) {
        (_, Access::Anyone) => None,
        (None, _) => {
            if unsafe_method {
                Some(state.inner.views.error(
                    StatusCode::FORBIDDEN,
                    &tr("err-signed-out-title"),
                    &tr("err-signed-out"),
                ))
            } else {
                go("/login")
            }
        }
        (Some(_), Access::Pending) => None,
        (Some(s), _) if s.stage == SessionStage::SecondFactor => go("/login/2fa"),
        (Some(_), Access::SignedIn) => None,
        (Some(s), _) if s.stage == SessionStage::ChangePassword => go("/password"),
        (Some(s), Access::Admin) if s.user.role != Role::Admin => Some(state.inner.views.error(
            StatusCode::FORBIDDEN,
            &tr("err-not-allowed-title"),
            &tr("err-admins-only"),
        )),
        (Some(_), _) if must_enroll => go("/2fa"),
        (Some(_), _) => None,
    };
    if let Some(mut res) = refused {
        if stale_cookie {
            clear_cookie(&mut res);
        }
        return res;
    }

    // State changes: same origin always, and the session's CSRF token when signed in.
    let req = if is_unsafe(req.method()) {
        let same_origin = {
            let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            auth::origin::is_same_origin(
                header_str("origin"),
                header_str("sec-fetch-site"),
                &host_with_port(&req),
            )
        };
        if !same_origin {
            return state.inner.views.error(
                StatusCode::FORBIDDEN,
                &tr("err-refused-title"),
                &tr("err-cross-origin"),
            );
        }
        // Forms are read here to find the CSRF field; uploads (multipart) carry it in the
        // query string instead and are streamed to their handler untouched.
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let (parts, body) = req.into_parts();
        let (body, bytes) = if is_form {
            match axum::body::to_bytes(body, MAX_FORM).await {
                Ok(b) => (Body::from(b.clone()), Some(b)),
                Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
            }
        } else {
            (body, None)
        };
        // Routes open to anyone (the sign-in form) rely on the origin check alone.
        if let Some(s) = visitor
            .session
            .as_ref()
            .filter(|_| access != Access::Anyone)
        {
            let sent = csrf_field(parts.uri.query().unwrap_or("").as_bytes())
                .or_else(|| bytes.as_deref().and_then(csrf_field))
                .unwrap_or_default();
            if !auth::token::constant_time_eq(&sent, &s.csrf_token) {
                return state.inner.views.error(
                    StatusCode::FORBIDDEN,
                    &tr("err-refused-title"),
                    &tr("err-csrf"),
                );
            }
        }
        Request::from_parts(parts, body)
    } else {
        req
    };

    let mut req = req;
    req.extensions_mut().insert(visitor);
    let mut res = next.run(req).await;
    if stale_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        clear_cookie(&mut res);
    }
    res
}

/// `Host` with its port as the browser sent it, for comparing with `Origin`.
fn host_with_port(req: &Request) -> String {
    req.uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            req.headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

fn csrf_field(form: &[u8]) -> Option<String> {
    form_urlencoded::parse(form)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
}
