//! Admin templates: minijinja with auto-escaping, compiled into the binary.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;

use i18n::{Arg, Lang, TimeZone};
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

/// The language and time zone of the request being answered.
#[derive(Clone, Debug)]
pub(super) struct Locale {
    /// The reader's language.
    pub lang: Lang,
    /// Where the admin's clock is.
    pub tz: TimeZone,
}

tokio::task_local! {
    /// Set by the guard around every admin handler, so the words and times of a page (and of
    /// every message a handler writes) follow the reader without passing a language through
    /// each of the fifty handlers.
    static LOCALE: Locale;
}

/// Runs `f` with `locale` as the request's language and time zone.
pub(super) async fn with_locale<F: Future>(locale: Locale, f: F) -> F::Output {
    LOCALE.scope(locale, f).await
}

/// The request's language and time zone (Dutch and UTC outside a request).
pub(super) fn locale() -> Locale {
    LOCALE.try_with(Clone::clone).unwrap_or(Locale {
        lang: Lang::default(),
        tz: TimeZone::UTC,
    })
}

/// A message of the catalog in the request's language.
pub(super) fn tr(key: &str) -> String {
    i18n::text(locale().lang, key)
}

/// The same with variables.
pub(super) fn tr_with(key: &str, args: &[(&str, Arg<'_>)]) -> String {
    i18n::text_with(locale().lang, key, args)
}

/// The message `key`, or `fallback` (another crate's English) when the catalogs lack it: for
/// keys made from a stable code (`rule-1002`), which tests in `admin::codes` hold complete, so
/// a slip shows English rather than a raw key.
pub(super) fn tr_or(key: &str, fallback: &str) -> String {
    if i18n::exists(key) {
        tr(key)
    } else {
        fallback.to_string()
    }
}

/// A moment, to the minute, in the reader's language and the admin's time zone.
pub(super) fn when(unix: i64) -> String {
    let l = locale();
    i18n::format::date_time(l.lang, &l.tz, unix)
}

/// The same to the second.
pub(super) fn when_exact(unix: i64) -> String {
    let l = locale();
    i18n::format::date_time_seconds(l.lang, &l.tz, unix)
}

pub(super) struct Views {
    env: Environment<'static>,
    base: String,
    css_version: String,
}

impl Views {
    pub(super) fn new(base: &str) -> Result<Views, minijinja::Error> {
        let mut env = Environment::new();
        env.add_function("t", i18n::templates::t);
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
        let locale = locale();
        let lang = locale.lang.code();
        // The zone the page's times are in, for column headings.
        let tz = locale.tz.iana_name().unwrap_or("UTC");
        let base = context! {
            base => &self.base, css_version => &self.css_version, me, csrf, nav, lang, tz
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The literal keys in `t("…")`, `tr("…")` and `tr_with("…"` calls of a source text.
    fn keys_used(source: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for call in ["t(\"", "tr(\"", "tr_with(\""] {
            for (at, _) in source.match_indices(call) {
                // `t(` must be the whole name, not the end of `format(` or `split(`.
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &source[at + call.len()..];
                let Some(end) = rest.find('"') else { continue };
                let after = rest[end + 1..].trim_start();
                // Keys built from parts (`t("role-" ~ me.role)`) are not checked here.
                if after.starts_with('~') || after.starts_with('+') {
                    continue;
                }
                keys.push(rest[..end].to_string());
            }
        }
        keys
    }

    #[test]
    fn every_key_the_admin_uses_is_in_both_catalogs() {
        let mut missing = Vec::new();
        for (name, source) in TEMPLATES {
            for key in keys_used(source) {
                if !i18n::exists(&key) {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/admin");
        let files = std::fs::read_dir(&dir).expect("src/admin");
        for file in files.flatten() {
            let path = file.path();
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            // The code, without comments and tests.
            let code: String = source
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for key in keys_used(&code) {
                if !i18n::exists(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys missing:\n{}", missing.join("\n"));
    }

    #[test]
    fn the_frame_speaks_the_readers_language() {
        let views = Views::new("/_admin").expect("templates");
        for (lang, words) in [(Lang::Nl, "Inloggen"), (Lang::En, "Sign in")] {
            let locale = Locale {
                lang,
                tz: TimeZone::UTC,
            };
            let page = LOCALE.sync_scope(locale, || {
                views.page(StatusCode::OK, "login.html", None, "", context! {})
            });
            let html = tokio_test_body(page);
            assert!(
                html.contains(&format!("<html lang=\"{}\">", lang.code())),
                "{html}"
            );
            assert!(html.contains(words), "{lang:?}: {html}");
        }
    }

    fn tokio_test_body(res: Response) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .expect("body");
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }
}
