use store::{
    DatabaseConfig, LoginAttempt, LoginFilter, LoginResult, NewSession, Role, SessionStage, Store,
};

async fn open(dir: &std::path::Path) -> Store {
    Store::open(&DatabaseConfig::default(), dir).await.unwrap()
}

fn attempt(user: &str, ip: &str, result: LoginResult, at: i64) -> LoginAttempt {
    LoginAttempt {
        id: 0,
        at,
        user_name: user.into(),
        user_id: None,
        ip: ip.into(),
        user_agent: "ua".into(),
        result,
    }
}

#[tokio::test]
async fn users_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let id = store
        .editor
        .create_user("anneke", Role::Admin, "$argon2id$x", true)
        .await
        .unwrap();
    assert!(
        store
            .editor
            .create_user("anneke", Role::Editor, "h", false)
            .await
            .is_err(),
        "names are unique"
    );
    let u = store.editor.user_by_name("anneke").await.unwrap().unwrap();
    assert_eq!(
        (u.id, u.role, u.must_change_password, u.disabled),
        (id, Role::Admin, true, false)
    );

    for (token, ua) in [("t1", "firefox"), ("t2", "chrome")] {
        let s = NewSession {
            token_hash: token.into(),
            user_id: id,
            csrf_token: "c".into(),
            stage: SessionStage::ChangePassword,
            network: "192.0.2.0/24".into(),
            ip: "192.0.2.7".into(),
            user_agent: ua.into(),
        };
        store.editor.create_session(&s).await.unwrap();
    }
    let s = store.editor.session("t1").await.unwrap().unwrap();
    assert_eq!(
        (s.user.name.as_str(), s.stage, s.user_agent.as_str()),
        ("anneke", SessionStage::ChangePassword, "firefox")
    );
    store
        .editor
        .set_session_stage("t1", SessionStage::Full)
        .await
        .unwrap();
    assert_eq!(
        store.editor.session("t1").await.unwrap().unwrap().stage,
        SessionStage::Full
    );
    assert_eq!(store.editor.sessions(Some(id)).await.unwrap().len(), 2);

    assert_eq!(
        store
            .editor
            .delete_sessions_of(id, Some("t1"))
            .await
            .unwrap(),
        1,
        "sign out elsewhere keeps this one"
    );
    assert!(store.editor.session("t2").await.unwrap().is_none());
    store
        .editor
        .set_password(id, "$argon2id$y", false)
        .await
        .unwrap();
    assert!(
        store.editor.session("t1").await.unwrap().is_none(),
        "a new password ends every session"
    );
    store.editor.set_disabled(id, true).await.unwrap();
    assert!(
        store
            .editor
            .user_by_name("anneke")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}

#[tokio::test]
async fn login_history_counts_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let r = &store.recorder;
    r.login_attempt(&attempt(
        "anneke",
        "192.0.2.1",
        LoginResult::WrongPassword,
        100,
    ))
    .await
    .unwrap();
    r.login_attempt(&attempt(
        "anneke",
        "192.0.2.1",
        LoginResult::WrongPassword,
        110,
    ))
    .await
    .unwrap();
    let counts = |since| r.failure_counts("anneke", "192.0.2.1", since);
    assert_eq!(counts(0).await.unwrap().account, 2);
    assert_eq!(counts(105).await.unwrap().account, 1, "window");
    r.login_attempt(&attempt("anneke", "192.0.2.1", LoginResult::Success, 120))
        .await
        .unwrap();
    let after = counts(0).await.unwrap();
    assert_eq!(
        (after.account, after.pair),
        (0, 0),
        "a success resets the account count"
    );
    assert_eq!(after.address, 2, "but not the IP count");
    r.login_attempt(&attempt(
        "ghost",
        "198.51.100.9",
        LoginResult::UnknownUser,
        130,
    ))
    .await
    .unwrap();

    let all = r
        .login_history(&LoginFilter::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].user_name, "ghost", "newest first");
    let failed = LoginFilter {
        result: Some(LoginResult::WrongPassword),
        ..Default::default()
    };
    assert_eq!(r.login_history(&failed, 10, 0).await.unwrap().len(), 2);
    let by_ip = LoginFilter {
        ip: Some("198.51.100.9".into()),
        ..Default::default()
    };
    assert_eq!(
        r.login_history(&by_ip, 10, 0).await.unwrap()[0].result,
        LoginResult::UnknownUser
    );
    let window = LoginFilter {
        since: Some(105),
        until: Some(125),
        ..Default::default()
    };
    assert_eq!(r.login_history(&window, 10, 0).await.unwrap().len(), 2);

    let success_id = all[1].id;
    assert!(
        !r.known_ip("anneke", "192.0.2.1", success_id).await.unwrap(),
        "first success from this IP"
    );
    assert!(
        r.known_ip("anneke", "192.0.2.1", success_id + 1)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn reset_links_work_once_and_expire() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(&store::DatabaseConfig::default(), dir.path())
        .await
        .unwrap();
    let ed = &store.editor;
    let id = ed
        .create_user("anneke", store::Role::Admin, "hash", false)
        .await
        .unwrap();
    assert_eq!(ed.user_email(id).await.unwrap(), None);
    ed.set_user_email(id, Some("anneke@delinde.example"))
        .await
        .unwrap();
    assert_eq!(
        ed.user_email(id).await.unwrap().as_deref(),
        Some("anneke@delinde.example")
    );
    let now = store::now();
    ed.create_reset(id, "h1", now + 1800, Some("192.0.2.7"))
        .await
        .unwrap();
    ed.create_reset(id, "h2", now + 1800, None).await.unwrap();
    ed.create_reset(id, "old", now - 1, None).await.unwrap();
    assert_eq!(ed.resets_since(id, now - 60).await.unwrap(), 3);
    assert_eq!(ed.reset_user("h1", now).await.unwrap(), Some(id));
    assert_eq!(ed.reset_user("old", now).await.unwrap(), None, "expired");
    assert_eq!(ed.use_reset("old", now).await.unwrap(), None);
    assert_eq!(ed.use_reset("nope", now).await.unwrap(), None);
    assert_eq!(ed.use_reset("h1", now).await.unwrap(), Some(id));
    assert_eq!(ed.use_reset("h1", now).await.unwrap(), None, "only once");
    assert_eq!(
        ed.use_reset("h2", now).await.unwrap(),
        None,
        "the account's other links end too"
    );
    ed.set_user_email(id, None).await.unwrap();
    assert_eq!(ed.user_email(id).await.unwrap(), None);
    // Unused links end when the address, the password or the account's state changes.
    for change in 0..3 {
        ed.create_reset(id, "h3", now + 1800, None).await.ok();
        let token = format!("t{change}");
        ed.create_reset(id, &token, now + 1800, None).await.unwrap();
        match change {
            0 => ed
                .set_user_email(id, Some("new@delinde.example"))
                .await
                .unwrap(),
            1 => ed.set_password(id, "other hash", false).await.unwrap(),
            _ => ed.set_disabled(id, true).await.unwrap(),
        }
        assert_eq!(
            ed.use_reset(&token, now).await.unwrap(),
            None,
            "change {change}"
        );
    }
    assert!(ed.set_setting_once("k", "first").await.unwrap());
    assert!(!ed.set_setting_once("k", "second").await.unwrap());
    assert_eq!(ed.setting("k").await.unwrap().as_deref(), Some("first"));
}

/// Issue 12: only a completed sign-in restarts the counts (a right password with the code
/// still to come does not); the pair count is per address, the address count per address
/// for any name, and every kind of failure counts, a failed password re-check included.
#[tokio::test]
async fn failure_counts_restart_only_with_a_completed_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let r = &store.recorder;
    let (home, away) = ("192.0.2.1", "198.51.100.9");
    let mut at = 100;
    for (ip, result) in [
        (away, LoginResult::WrongPassword),
        (away, LoginResult::AwaitingSecondFactor),
        (away, LoginResult::SecondFactorFailed),
        (away, LoginResult::AwaitingSecondFactor),
        (away, LoginResult::SecondFactorFailed),
        (away, LoginResult::Locked),
        (away, LoginResult::SessionHijack),
        (home, LoginResult::RecheckFailed),
        (home, LoginResult::UnknownUser),
    ] {
        at += 1;
        r.login_attempt(&attempt("anneke", ip, result, at))
            .await
            .unwrap();
    }
    r.login_attempt(&attempt("ghost", away, LoginResult::UnknownUser, at))
        .await
        .unwrap();
    let away_counts = r.failure_counts("anneke", away, 0).await.unwrap();
    assert_eq!(
        away_counts,
        store::FailureCounts {
            pair: 3,
            address: 4,
            account: 5,
            account_codes: 2,
        }
    );
    assert_eq!(r.failure_counts("anneke", home, 0).await.unwrap().pair, 2);

    // A completed sign-in from home restarts the account's counts and home's pair count, not
    // the pair count of the other address.
    r.login_attempt(&attempt("anneke", home, LoginResult::Success, at + 1))
        .await
        .unwrap();
    let home_counts = r.failure_counts("anneke", home, 0).await.unwrap();
    assert_eq!((home_counts.pair, home_counts.account), (0, 0));
    assert_eq!(home_counts.address, 2);
    let away_counts = r.failure_counts("anneke", away, 0).await.unwrap();
    assert_eq!(
        away_counts,
        store::FailureCounts {
            pair: 3,
            address: 4,
            account: 0,
            account_codes: 0,
        }
    );
    // The Rust list and the SQL list agree.
    for result in LoginResult::ALL {
        let expected = matches!(
            result,
            LoginResult::WrongPassword
                | LoginResult::UnknownUser
                | LoginResult::SecondFactorFailed
                | LoginResult::RecheckFailed
        );
        assert_eq!(result.is_failure(), expected, "{result:?}");
    }
}
