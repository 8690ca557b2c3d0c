//! Admin templates: minijinja with auto-escaping, compiled into the binary.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::value::Value;
use minijinja::{Environment, context};

/// The admin stylesheet.
pub const STYLESHEET: &str = include_str!("../../admin-theme/admin.css");
/// The one script of the admin interface (the live preview).
pub const SCRIPT: &str = include_str!("../../admin-theme/admin.js");

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../admin-theme/base.html")),
    ("login.html", include_str!("../../admin-theme/login.html")),
    (
        "password.html",
        include_str!("../../admin-theme/password.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../admin-theme/dashboard.html"),
    ),
    (
        "sessions.html",
        include_str!("../../admin-theme/sessions.html"),
    ),
    ("logins.html", include_str!("../../admin-theme/logins.html")),
    ("audit.html", include_str!("../../admin-theme/audit.html")),
    ("users.html", include_str!("../../admin-theme/users.html")),
    ("error.html", include_str!("../../admin-theme/error.html")),
    (
        "second_factor.html",
        include_str!("../../admin-theme/second_factor.html"),
    ),
    ("totp.html", include_str!("../../admin-theme/totp.html")),
    ("pages.html", include_str!("../../admin-theme/pages.html")),
    ("edit.html", include_str!("../../admin-theme/edit.html")),
    (
        "history.html",
        include_str!("../../admin-theme/history.html"),
    ),
    ("trash.html", include_str!("../../admin-theme/trash.html")),
    ("menu.html", include_str!("../../admin-theme/menu.html")),
    ("media.html", include_str!("../../admin-theme/media.html")),
    (
        "settings.html",
        include_str!("../../admin-theme/settings.html"),
    ),
    (
        "security.html",
        include_str!("../../admin-theme/security.html"),
    ),
    ("rules.html", include_str!("../../admin-theme/rules.html")),
    (
        "certificates.html",
        include_str!("../../admin-theme/certificates.html"),
    ),
    ("dns.html", include_str!("../../admin-theme/dns.html")),
    ("check.html", include_str!("../../admin-theme/check.html")),
    ("inbox.html", include_str!("../../admin-theme/inbox.html")),
    ("mail.html", include_str!("../../admin-theme/mail.html")),
    ("dmarc.html", include_str!("../../admin-theme/dmarc.html")),
    ("forgot.html", include_str!("../../admin-theme/forgot.html")),
    ("reset.html", include_str!("../../admin-theme/reset.html")),
];

pub(super) struct Views {
    env: Environment<'static>,
    base: String,
    css_version: String,
}

impl Views {
    pub(super) fn new(base: &str) -> Result<Views, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        STYLESHEET.hash(&mut h);
        SCRIPT.hash(&mut h);
        Ok(Views {
            env,
            base: base.to_string(),
            css_version: format!("{:08x}", h.finish() as u32),
        })
    }

    /// Renders `template` with the page's own context plus what every admin page needs.
    pub(super) fn page(
        &self,
        status: StatusCode,
        template: &str,
        session: Option<&store::Session>,
        nav: &str,
        ctx: Value,
    ) -> Response {
        // The menu only for fully signed-in sessions; the CSRF token for any session.
        let me = session
            .filter(|s| s.stage == store::SessionStage::Full)
            .map(|s| context! { name => &s.user.name, role => s.user.role.as_str() });
        let csrf = session.map(|s| s.csrf_token.as_str()).unwrap_or("");
        let base = context! { base => &self.base, css_version => &self.css_version, me, csrf, nav };
        let rendered = self
            .env
            .get_template(template)
            .and_then(|t| t.render(context! { ..ctx, ..base }));
        match rendered {
            Ok(html) => html_response(status, html),
            Err(e) => {
                tracing::error!(error = %e, template, "admin template failed");
                html_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<!doctype html><title>Error</title><h1>Something went wrong</h1>".into(),
                )
            }
        }
    }

    /// A plain message page (no menu: it may be shown to someone not signed in).
    pub(super) fn error(&self, status: StatusCode, heading: &str, message: &str) -> Response {
        self.page(
            status,
            "error.html",
            None,
            "",
            context! { heading, message },
        )
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut res = (status, html).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}
