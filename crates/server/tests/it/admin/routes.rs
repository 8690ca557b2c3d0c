//! Every admin route × {anonymous, editor, admin}. The expected table is written out here;
//! a route added to the server without a line here fails `the_table_covers_every_route`.

use server::admin::{Access, ROUTES};
use store::Role;
use testkit::TestServer;

use super::{PW, signed_in};

/// method, path, access, status for anonymous, editor, admin.
const EXPECTED: &[(&str, &str, Access, u16, u16, u16)] = &[
    ("get", "", Access::Anyone, 308, 308, 308),
    ("get", "/assets/admin.css", Access::Anyone, 200, 200, 200),
    ("get", "/assets/admin.js", Access::Anyone, 200, 200, 200),
    ("get", "/login", Access::Anyone, 200, 303, 303),
    ("post", "/login", Access::Anyone, 401, 401, 401),
    ("post", "/logout", Access::Pending, 403, 303, 303),
    ("get", "/forgot", Access::Anyone, 200, 200, 200),
    // Always the same answer, whether the name exists or not.
    ("post", "/forgot", Access::Anyone, 200, 200, 200),
    // No token: the link does not work.
    ("get", "/reset", Access::Anyone, 400, 400, 400),
    ("post", "/reset", Access::Anyone, 400, 400, 400),
    ("post", "/email", Access::SignedIn, 403, 400, 400),
    ("get", "/login/2fa", Access::Pending, 303, 303, 303),
    ("post", "/login/2fa", Access::Pending, 403, 303, 303),
    ("get", "/2fa", Access::SignedIn, 303, 200, 200),
    // 400: the GET /2fa line above left a pending secret, and no code is sent.
    ("post", "/2fa/enable", Access::SignedIn, 403, 400, 400),
    ("post", "/2fa/disable", Access::SignedIn, 403, 400, 400),
    ("get", "/settings", Access::Admin, 303, 403, 200),
    ("post", "/settings", Access::Admin, 403, 403, 303),
    ("get", "/password", Access::SignedIn, 303, 200, 200),
    ("post", "/password", Access::SignedIn, 403, 400, 400),
    // No language sent: back to the browser's.
    ("post", "/language", Access::SignedIn, 403, 303, 303),
    ("get", "/", Access::Editor, 303, 200, 200),
    ("get", "/pages", Access::Editor, 303, 200, 200),
    ("get", "/pages/new", Access::Editor, 303, 200, 200),
    ("get", "/pages/edit", Access::Editor, 303, 404, 404),
    ("post", "/pages/save", Access::Editor, 403, 400, 400),
    ("post", "/pages/preview", Access::Editor, 403, 200, 200),
    // Not a valid link: as if there were no such page, for everyone.
    ("get", "/preview/{token}", Access::Anyone, 404, 404, 404),
    ("post", "/pages/trash", Access::Editor, 403, 404, 404),
    ("post", "/pages/restore", Access::Editor, 403, 404, 404),
    ("get", "/pages/history", Access::Editor, 303, 404, 404),
    (
        "post",
        "/pages/history/restore",
        Access::Editor,
        403,
        404,
        404,
    ),
    ("get", "/trash", Access::Editor, 303, 200, 200),
    ("get", "/media", Access::Editor, 303, 200, 200),
    ("post", "/media/upload", Access::Editor, 403, 400, 400),
    ("post", "/media/delete", Access::Editor, 403, 404, 404),
    ("post", "/media/alt", Access::Editor, 403, 400, 400),
    // No image named: the site has no icon.
    ("post", "/media/icon", Access::Editor, 403, 303, 303),
    ("post", "/media/release", Access::Admin, 403, 403, 404),
    ("post", "/media/rescan", Access::Admin, 403, 403, 303),
    ("get", "/menu", Access::Editor, 303, 200, 200),
    ("post", "/menu", Access::Editor, 403, 303, 303),
    ("get", "/sessions", Access::Editor, 303, 200, 200),
    ("post", "/sessions/revoke", Access::Editor, 403, 303, 303),
    (
        "post",
        "/sessions/revoke-others",
        Access::Editor,
        403,
        303,
        303,
    ),
    ("get", "/logins", Access::Admin, 303, 403, 200),
    ("get", "/logins.csv", Access::Admin, 303, 403, 200),
    ("get", "/audit", Access::Admin, 303, 403, 200),
    ("get", "/users", Access::Admin, 303, 403, 200),
    ("post", "/users/add", Access::Admin, 403, 403, 400),
    ("post", "/users/disable", Access::Admin, 403, 403, 400),
    ("post", "/users/enable", Access::Admin, 403, 403, 400),
    ("post", "/users/reset", Access::Admin, 403, 403, 400),
    ("post", "/users/role", Access::Admin, 403, 403, 400),
    ("post", "/users/sites", Access::Admin, 403, 403, 400),
    ("get", "/security", Access::Admin, 303, 403, 200),
    ("post", "/security/ban", Access::Admin, 403, 403, 400),
    ("post", "/security/unban", Access::Admin, 403, 403, 400),
    ("post", "/security/allow", Access::Admin, 403, 403, 400),
    ("post", "/security/disallow", Access::Admin, 403, 403, 400),
    ("get", "/security/rules", Access::Admin, 303, 403, 200),
    ("post", "/security/rules", Access::Admin, 403, 403, 400),
    ("get", "/certificates", Access::Admin, 303, 403, 200),
    ("post", "/certificates/renew", Access::Admin, 403, 403, 400),
    ("get", "/dns", Access::Admin, 303, 403, 200),
    // No zones and no dotted host names in the test config: nothing to look at, the page again.
    ("post", "/dns/sync", Access::Admin, 403, 403, 200),
    ("post", "/dns/check", Access::Admin, 403, 403, 200),
    // The test config's hosts are loopback names: nothing to check, the page again.
    ("get", "/check", Access::Admin, 303, 403, 200),
    ("post", "/check/run", Access::Admin, 403, 403, 200),
    ("get", "/inbox", Access::Editor, 303, 200, 200),
    ("post", "/inbox/state", Access::Editor, 403, 400, 400),
    ("get", "/mail", Access::Admin, 303, 403, 200),
    ("get", "/mail/check", Access::Admin, 303, 403, 200),
    ("post", "/mail/requeue", Access::Admin, 403, 403, 400),
    ("post", "/mail/keygen", Access::Admin, 403, 403, 400),
    ("post", "/mail/activate", Access::Admin, 403, 403, 400),
    ("post", "/mail/remove-key", Access::Admin, 403, 403, 400),
    ("get", "/dmarc", Access::Admin, 303, 403, 200),
    // Not multipart: refused by the extractor before any work.
    ("post", "/dmarc/upload", Access::Admin, 403, 403, 400),
];

#[test]
fn the_table_covers_every_route() {
    let served: Vec<_> = ROUTES
        .iter()
        .map(|r| (r.method, r.path, r.access))
        .collect();
    let expected: Vec<_> = EXPECTED.iter().map(|e| (e.0, e.1, e.2)).collect();
    for r in &served {
        assert!(expected.contains(r), "route {r:?} has no line in EXPECTED");
    }
    for e in &expected {
        assert!(
            served.contains(e),
            "EXPECTED lists {e:?}, which the server does not serve"
        );
    }
}

#[tokio::test]
async fn every_route_for_every_role() {
    let s = TestServer::start().await;
    s.add_user("ed", Role::Editor, PW, false).await;
    s.add_user("ad", Role::Admin, PW, false).await;
    for (i, (method, path, _, anon, editor, admin)) in EXPECTED.iter().enumerate() {
        for (who, want) in [("anonymous", anon), ("ed", editor), ("ad", admin)] {
            // Each visit from an address of its own: the posts without a password count as
            // failed re-checks, and failures from one address slow its sign-ins (by design).
            let from = format!("127.0.{}.{}", 100 + i / 200, 1 + i % 200);
            let b = s.browser_from(
                from.parse().unwrap(),
                "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0",
            );
            let mut csrf = String::new();
            if who != "anonymous" {
                assert_eq!(b.login(who, PW).await.status(), 303);
                csrf = b.csrf().await;
            }
            let status = if *method == "get" {
                b.get(path).await.status().as_u16()
            } else {
                b.post(path, &[("csrf", &csrf)]).await.status().as_u16()
            };
            assert_eq!(status, *want, "{method} {path} as {who}");
        }
    }
}

#[tokio::test]
async fn admin_over_plain_http_goes_to_https() {
    let s = TestServer::start().await;
    let res = s.get("/_admin/login").await;
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers()["location"],
        format!("https://127.0.0.1:{}/_admin/login", s.https_addr.port())
    );
    // Even with a valid session cookie, plain HTTP gets nothing but the redirect.
    let b = signed_in(&s, "anneke", Role::Admin).await;
    let res = s
        .client
        .get(format!("{}/_admin/", s.http_url))
        .header(
            "cookie",
            format!("{}={}", server::admin::COOKIE, b.cookie().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 308);
}

#[tokio::test]
async fn admin_pages_are_not_cached_and_carry_the_csp() {
    let s = TestServer::start().await;
    let b = signed_in(&s, "anneke", Role::Admin).await;
    for path in ["/", "/login", "/logins", "/sessions"] {
        let res = b.get(path).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        assert!(
            res.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        let html = res.text().await.unwrap();
        assert!(
            !html.contains("<script") && !html.contains("style="),
            "{path}: no inline script or style"
        );
    }
}
