//! Per-site accounts: an editor edits the sites an administrator granted and no other. Another
//! site's pages, revisions, media, menu, trash and messages answer exactly like things that do
//! not exist (404), never 403, so a customer's volunteer cannot even learn what else is hosted.

use std::sync::Arc;

use store::{NewPage, NewSubmission, PageKind, Role};
use testkit::TestServer;

use super::media::PNG;
use super::{PW, signed_in};

async fn two_sites() -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let mut bakery = config.sites[0].clone();
    bakery.name = "bakery".into();
    bakery.title = Some("Bakkerij Jansen".into());
    bakery.hosts = vec!["bakery.test".into()];
    config.sites.push(bakery);
    // The test walks a dozen unknown paths on purpose; the shield would ban that as scanning.
    config.shield.ban_404_threshold = 1_000;
    TestServer::start_in(dir, config).await
}

#[tokio::test]
async fn an_editor_of_one_site_gets_404_for_everything_of_another() {
    let s = two_sites().await;
    let store = s.open_store().await;
    let bakery = store.editor.site_by_name("bakery").await.unwrap().unwrap();
    let page = store
        .editor
        .put_page(
            bakery.id,
            NewPage {
                kind: PageKind::Page,
                slug: "/recepten".into(),
                title: "Geheime recepten".into(),
                summary: String::new(),
                body_md: "Het deeg rust een nacht.".into(),
                published: false,
                published_at: None,
            },
            "root",
        )
        .await
        .unwrap()
        .to_string();
    for (site, message) in [
        ("bakery", "Taart voor zaterdag?"),
        ("demo", "Plantjesmarkt?"),
    ] {
        store
            .recorder
            .record_submission(
                &NewSubmission {
                    site: site.into(),
                    form: "contact".into(),
                    token_nonce: format!("nonce-{site}"),
                    client_ip: None,
                    fields: vec![("message".into(), "Message".into(), message.into())],
                },
                None,
            )
            .await
            .unwrap();
    }

    let ed = signed_in(&s, "volunteer", Role::Editor).await;
    s.set_sites_of("volunteer", &["demo"]).await;
    let csrf = ed.csrf().await;
    // A file in the bakery's library.
    store
        .editor
        .add_media(
            bakery.id,
            &store::NewMedia {
                stored_name: "0123456789abcdef0123456789abcdef.png",
                original_name: "taart.png",
                content_type: "image/png",
                size: 10,
                uploaded_by: "root",
                scanned_with: None,
                metadata_removed: None,
                alt: "taart",
                dimensions: None,
            },
        )
        .await
        .unwrap();
    let bakery_media = store.editor.media(bakery.id).await.unwrap()[0]
        .id
        .to_string();

    // Their own site works.
    for path in [
        "/pages?site=demo",
        "/media?site=demo",
        "/menu?site=demo",
        "/trash?site=demo",
    ] {
        assert_eq!(ed.get(path).await.status(), 200, "{path}");
    }
    // The other site: every way in is a 404, as if it did not exist.
    let gets = [
        "/pages?site=bakery".to_string(),
        format!("/pages/edit?site=bakery&id={page}"),
        format!("/pages/edit?site=demo&id={page}"),
        format!("/pages/history?site=bakery&id={page}"),
        "/media?site=bakery".into(),
        "/menu?site=bakery".into(),
        "/trash?site=bakery".into(),
        "/pages/new?site=bakery".into(),
    ];
    for path in &gets {
        let res = ed.get(path).await;
        assert_eq!(res.status(), 404, "GET {path}");
        assert!(!res.text().await.unwrap().contains("Geheime"), "{path}");
    }
    // Named by the other site, and by their own site with the other site's ids.
    let posts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/pages/trash", vec![("site", "bakery"), ("id", &page)]),
        ("/pages/trash", vec![("site", "demo"), ("id", &page)]),
        ("/pages/restore", vec![("site", "bakery"), ("id", &page)]),
        (
            "/pages/save",
            vec![
                ("site", "bakery"),
                ("id", &page),
                ("slug", "/recepten"),
                ("title", "Weg"),
                ("body", "x"),
                ("action", "save"),
            ],
        ),
        (
            "/media/delete",
            vec![("site", "bakery"), ("id", &bakery_media)],
        ),
        // Their own site's icon cannot be another site's image.
        (
            "/media/icon",
            vec![
                ("site", "demo"),
                ("name", "0123456789abcdef0123456789abcdef.png"),
            ],
        ),
        (
            "/media/delete",
            vec![("site", "demo"), ("id", &bakery_media)],
        ),
        (
            "/menu",
            vec![("site", "bakery"), ("label_0", "Weg"), ("target_0", "/")],
        ),
    ];
    for (path, fields) in posts {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields.clone());
        let status = ed.post(path, &form).await.status().as_u16();
        assert_eq!(status, 404, "POST {path} {fields:?}");
    }
    let res = ed
        .upload(
            &format!("/media/upload?csrf={csrf}&site=bakery"),
            "x.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 404, "upload to another site");
    // Nothing changed there.
    let src = store
        .editor
        .page_source(bakery.id, page.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(src.title, "Geheime recepten");
    assert!(src.deleted_at.is_none());
    assert_eq!(store.editor.media(bakery.id).await.unwrap().len(), 1);
    assert!(
        store
            .editor
            .menu(bakery.id)
            .await
            .unwrap()
            .iter()
            .all(|m| m.label != "Weg")
    );

    // The site list and the Inbox show their own site only.
    let (_, pages) = ed.get_text("/pages?site=demo").await;
    assert!(
        !pages.contains("Bakkerij") && !pages.contains("bakery"),
        "{pages}"
    );
    let (_, inbox) = ed.get_text("/inbox").await;
    assert!(inbox.contains("Plantjesmarkt?"), "{inbox}");
    assert!(!inbox.contains("Taart voor zaterdag?"), "{inbox}");

    // An administrator sees both, and gives the volunteer the bakery too.
    let ad = signed_in(&s, "root", Role::Admin).await;
    assert_eq!(ad.get("/pages?site=bakery").await.status(), 200);
    let (_, inbox) = ad.get_text("/inbox").await;
    assert!(inbox.contains("Taart voor zaterdag?"), "{inbox}");
    let (_, users) = ad.get_text("/users").await;
    assert!(users.contains("Bakkerij Jansen"), "{users}");
    let csrf = ad.csrf().await;
    let res = ad
        .post(
            "/users/sites",
            &[
                ("csrf", &csrf),
                ("name", "volunteer"),
                ("site", "demo"),
                ("site", "bakery"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(ed.get("/pages?site=bakery").await.status(), 200);
    let audit = store.recorder.recent_audit(1).await.unwrap();
    assert_eq!(audit[0].action, "user.sites");
    assert_eq!(audit[0].detail, "volunteer: bakery, demo");

    // And takes every site away: the admin pages say so, nothing leaks.
    let res = ad
        .post("/users/sites", &[("csrf", &csrf), ("name", "volunteer")])
        .await;
    assert_eq!(res.status(), 303);
    let res = ed.get("/pages").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("not open to you"));
    // Administrators need no grant.
    let res = ad
        .post(
            "/users/sites",
            &[("csrf", &csrf), ("name", "root"), ("site", "demo")],
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_new_editor_gets_the_sites_ticked_when_added() {
    let s = two_sites().await;
    let ad = signed_in(&s, "root", Role::Admin).await;
    let csrf = ad.csrf().await;
    let res = ad
        .post(
            "/users/add",
            &[
                ("csrf", &csrf),
                ("name", "anneke"),
                ("role", "editor"),
                ("site", "bakery"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let store = s.open_store().await;
    let user = store.editor.user_by_name("anneke").await.unwrap().unwrap();
    let bakery = store.editor.site_by_name("bakery").await.unwrap().unwrap();
    assert_eq!(
        store.editor.sites_of(user.id).await.unwrap(),
        vec![bakery.id]
    );
    let _ = PW;
}

/// A site taken out of the config is retired: no longer served, its editors' grants taken
/// away, its content kept; its name starts again only after `bolwerk site restore`, and then
/// without the old volunteers.
#[tokio::test]
async fn a_site_removed_from_the_config_takes_its_grants_along() {
    let s = two_sites().await;
    let _ed = signed_in(&s, "volunteer", Role::Editor).await;
    s.set_sites_of("volunteer", &["demo", "bakery"]).await;
    let store = s.open_store().await;
    let site = store.editor.site_by_name("bakery").await.unwrap().unwrap();
    store
        .editor
        .put_page(
            site.id,
            NewPage {
                kind: PageKind::Page,
                slug: "/recepten".into(),
                title: "Recepten".into(),
                summary: String::new(),
                body_md: "Het deeg rust een nacht.".into(),
                published: true,
                published_at: None,
            },
            "root",
        )
        .await
        .unwrap();
    let on_bakery = async |s: &TestServer| {
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .resolve("bakery.test", s.https_addr)
            .build()
            .unwrap();
        let url = format!("https://bakery.test:{}/recepten", s.https_addr.port());
        let res = client.get(url).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    };
    assert_eq!(on_bakery(&s).await.0, 200);
    let bakery = s.config.sites[1].clone();
    let s = s
        .restart_with(|c| c.sites.retain(|site| site.name != "bakery"))
        .await;
    // Out of the config: no longer served, on any node (its hosts are let go).
    let (status, body) = on_bakery(&s).await;
    assert_ne!(status, 200);
    assert!(!body.contains("deeg"), "{body}");
    let store = s.open_store().await;
    assert_eq!(store.editor.retired_sites().await.unwrap().len(), 1);
    let user = store
        .editor
        .user_by_name("volunteer")
        .await
        .unwrap()
        .unwrap();
    let demo = store.editor.site_by_name("demo").await.unwrap().unwrap();
    assert_eq!(store.editor.sites_of(user.id).await.unwrap(), vec![demo.id]);
    // Not even an administrator edits it while it is out of the config.
    let ad = signed_in(&s, "root", Role::Admin).await;
    assert_eq!(ad.get("/pages?site=bakery").await.status(), 404);
    assert_eq!(ad.get("/pages?site=demo").await.status(), 200);
    let audit = store.recorder.recent_audit(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "user.sites.revoke" && a.detail.contains("volunteer: bakery")),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|a| a.action == "site.retire" && a.detail == "bakery"),
        "{audit:?}"
    );

    // The name in the config again: refused with what to do, since the old pages, media and
    // messages would come back (perhaps for another customer).
    let mut again = s.config.clone();
    again.sites.push(bakery.clone());
    let refused = server::prepare(again)
        .await
        .err()
        .expect("a retired name is refused");
    let why = format!("{refused:#}");
    assert!(why.contains("bolwerk site restore bakery"), "{why}");
    // Restored on purpose: served again with its pages, but its old editor is not back.
    assert!(store.editor.restore_site("bakery").await.unwrap());
    let s = s.restart_with(|c| c.sites.push(bakery)).await;
    let (status, body) = on_bakery(&s).await;
    assert_eq!(status, 200);
    assert!(body.contains("deeg"), "{body}");
    let store = s.open_store().await;
    assert!(store.editor.retired_sites().await.unwrap().is_empty());
    assert_eq!(store.editor.sites_of(user.id).await.unwrap(), vec![demo.id]);
    // A configured site's grants survive a restart.
    s.set_sites_of("volunteer", &["demo", "bakery"]).await;
    let s = s.restart().await;
    let store = s.open_store().await;
    assert_eq!(store.editor.sites_of(user.id).await.unwrap().len(), 2);
}

/// Every editor route, asked about another site with that site's ids, answers exactly as it
/// does for a site that does not exist; a route added later without the site check fails here
/// (or must be listed as one that names no site).
#[tokio::test]
async fn every_editor_route_answers_for_another_site_as_for_none() {
    use server::admin::{Access, ROUTES};
    // Routes about the signed-in person or the pages' Markdown, not about a site.
    const SITELESS: &[&str] = &[
        "/",
        "/sessions",
        "/sessions/revoke",
        "/sessions/revoke-others",
        "/inbox",
        "/inbox/state",
        "/pages/preview",
    ];
    let s = two_sites().await;
    let store = s.open_store().await;
    let bakery = store.editor.site_by_name("bakery").await.unwrap().unwrap();
    let page = store
        .editor
        .put_page(
            bakery.id,
            NewPage {
                kind: PageKind::Page,
                slug: "/recepten".into(),
                title: "Geheime recepten".into(),
                summary: String::new(),
                body_md: "Het deeg rust een nacht.".into(),
                published: true,
                published_at: None,
            },
            "root",
        )
        .await
        .unwrap()
        .to_string();
    let rev = store.editor.revisions(page.parse().unwrap()).await.unwrap()[0]
        .id
        .to_string();
    let ed = signed_in(&s, "volunteer", Role::Editor).await;
    s.set_sites_of("volunteer", &["demo"]).await;
    let csrf = ed.csrf().await;
    let ask = async |method: &str, path: &str, site: &str| {
        let query = format!("site={site}&id={page}&rev={rev}&csrf={csrf}");
        let res = if method == "get" {
            ed.get(&format!("{path}?{query}")).await
        } else {
            ed.post(
                &format!("{path}?{query}"),
                &[
                    ("csrf", &csrf),
                    ("site", site),
                    ("id", &page),
                    ("rev", &rev),
                    ("action", "save"),
                ],
            )
            .await
        };
        (res.status().as_u16(), res.text().await.unwrap())
    };
    let mut checked = 0;
    for r in ROUTES.iter().filter(|r| r.access == Access::Editor) {
        let (status, body) = ask(r.method, r.path, "bakery").await;
        assert!(!body.contains("Geheime"), "{} {}: {body}", r.method, r.path);
        if SITELESS.contains(&r.path) {
            continue;
        }
        let (none_status, none_body) = ask(r.method, r.path, "no-such-site").await;
        // 404, or the same refusal the extractor gives any such request (an upload that is
        // not multipart): never anything that tells the two apart.
        assert!(
            matches!(status, 400 | 404),
            "{} {}: {status}",
            r.method,
            r.path
        );
        assert_eq!(
            (status, body.replace("bakery", "")),
            (none_status, none_body.replace("no-such-site", "")),
            "{} {}: another site is answered like no site",
            r.method,
            r.path
        );
        checked += 1;
    }
    assert!(checked >= 14, "{checked} routes checked");
}

/// Several nodes, one database: a site another node's (newer) config names is not on this
/// node's form, and saving an editor's sites here keeps that grant rather than dropping it.
#[tokio::test]
async fn saving_sites_keeps_grants_to_sites_this_node_does_not_know() {
    let s = two_sites().await;
    let _ed = signed_in(&s, "volunteer", Role::Editor).await;
    let store = s.open_store().await;
    // As another node would have made it: in the database, not in this node's config.
    let (market, _) = store
        .editor
        .ensure_site("market", "Markt", "")
        .await
        .unwrap();
    s.set_sites_of("volunteer", &["demo", "bakery"]).await;
    let user = store
        .editor
        .user_by_name("volunteer")
        .await
        .unwrap()
        .unwrap();
    let mut granted = store.editor.sites_of(user.id).await.unwrap();
    granted.push(market.id);
    store.editor.set_sites_of(user.id, &granted).await.unwrap();

    let ad = signed_in(&s, "root", Role::Admin).await;
    let csrf = ad.csrf().await;
    let res = ad
        .post(
            "/users/sites",
            &[("csrf", &csrf), ("name", "volunteer"), ("site", "demo")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let demo = store.editor.site_by_name("demo").await.unwrap().unwrap();
    let mut want = vec![demo.id, market.id];
    want.sort_unstable();
    assert_eq!(store.editor.sites_of(user.id).await.unwrap(), want);
}
