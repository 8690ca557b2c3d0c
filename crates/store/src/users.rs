//! Accounts and sessions of the admin entrance (editor handle), and the types of the login
//! history (kept by `login_history`, the recorder's).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Editor, Error, Result};

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Content only.
    Editor,
    /// Everything, including users and security settings.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
        }
    }

    /// Parses `admin` or `editor`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            _ => None,
        }
    }
}

/// An account of the admin interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The password was set by someone else (demo, admin reset) and must be changed at login.
    pub must_change_password: bool,
    /// Base32 TOTP secret once 2FA is enrolled.
    pub totp_secret: Option<String>,
    /// A secret shown for enrolment but not yet confirmed with a code.
    pub totp_pending: Option<String>,
    /// Time step of the last accepted TOTP code; older or equal steps are refused.
    pub totp_last_step: i64,
    /// A disabled account cannot log in and has no sessions.
    pub disabled: bool,
    /// The admin language the account chose (`nl`, `en`); `None`: the browser's preference.
    pub lang: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// How far a session has come through the login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStage {
    /// Logged in.
    Full,
    /// Password accepted, but it must be changed before anything else.
    ChangePassword,
    /// Password accepted, second factor still to come.
    SecondFactor,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::ChangePassword => "change_password",
            SessionStage::SecondFactor => "second_factor",
        }
    }

    fn parse(s: &str) -> SessionStage {
        match s {
            "full" => SessionStage::Full,
            "change_password" => SessionStage::ChangePassword,
            // Unknown stages grant the least.
            _ => SessionStage::SecondFactor,
        }
    }
}

/// A session to store. The token itself is never stored, only its hash.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    /// Whose.
    pub user_id: i64,
    /// Per-session CSRF token.
    pub csrf_token: String,
    /// Login stage.
    pub stage: SessionStage,
    /// The network the session is bound to (`192.0.2.0/24`).
    pub network: String,
    /// Address at login.
    pub ip: String,
    /// User agent it is bound to.
    pub user_agent: String,
}

/// A stored session with its account.
#[derive(Clone, Debug)]
pub struct Session {
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    /// The account.
    pub user: User,
    /// Per-session CSRF token.
    pub csrf_token: String,
    /// Login stage.
    pub stage: SessionStage,
    /// Bound network.
    pub network: String,
    /// Address at login.
    pub ip: String,
    /// Bound user agent.
    pub user_agent: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request.
    pub last_seen: i64,
}

/// Outcome of one attempt at the admin entrance, as the login history shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginResult {
    /// Logged in (password, and second factor if enrolled): a completed sign-in, the only
    /// result that restarts the failure counts.
    Success,
    /// The password was right and the second factor is still to come: not a completed
    /// sign-in, so it restarts no count.
    AwaitingSecondFactor,
    /// Known user, wrong password.
    WrongPassword,
    /// No such user.
    UnknownUser,
    /// Wrong or reused TOTP or recovery code.
    SecondFactorFailed,
    /// Refused without checking: too many failures.
    Locked,
    /// The account is disabled.
    Disabled,
    /// A session cookie came from another network or browser and was refused.
    SessionHijack,
    /// A wrong password where a signed-in session is asked for it again (changing the
    /// password or the e-mail address, turning two-factor sign-in off).
    RecheckFailed,
}

impl LoginResult {
    /// Every result, for filters.
    pub const ALL: [LoginResult; 9] = [
        LoginResult::Success,
        LoginResult::AwaitingSecondFactor,
        LoginResult::WrongPassword,
        LoginResult::UnknownUser,
        LoginResult::SecondFactorFailed,
        LoginResult::Locked,
        LoginResult::Disabled,
        LoginResult::SessionHijack,
        LoginResult::RecheckFailed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginResult::Success => "success",
            LoginResult::AwaitingSecondFactor => "awaiting_second_factor",
            LoginResult::WrongPassword => "wrong_password",
            LoginResult::UnknownUser => "unknown_user",
            LoginResult::SecondFactorFailed => "second_factor_failed",
            LoginResult::Locked => "locked",
            LoginResult::Disabled => "disabled",
            LoginResult::SessionHijack => "session_hijack",
            LoginResult::RecheckFailed => "recheck_failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<LoginResult> {
        LoginResult::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether it counts towards a lockout.
    pub fn is_failure(self) -> bool {
        FAILURES.contains(&self)
    }
}

/// The results that count towards a lockout (also listed in `Recorder::failure_counts`).
const FAILURES: [LoginResult; 4] = [
    LoginResult::WrongPassword,
    LoginResult::UnknownUser,
    LoginResult::SecondFactorFailed,
    LoginResult::RecheckFailed,
];

/// Failures counted in a window, for the lockout (see `auth::lockout`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// For the name from the address, since the name's last success from that address.
    pub pair: i64,
    /// From the address, for any name.
    pub address: i64,
    /// For the name from anywhere, since its last success.
    pub account: i64,
    /// Of `account`, wrong second-factor codes.
    pub account_codes: i64,
}

/// One row of the login history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LoginAttempt {
    /// Database id (0 before it is stored).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The name that was tried (as typed, cut to 64 characters).
    pub user_name: String,
    /// The account, if the name exists.
    pub user_id: Option<i64>,
    /// Client address.
    pub ip: String,
    /// Client user agent (cut to 256 characters).
    pub user_agent: String,
    /// Outcome.
    pub result: LoginResult,
}

/// Filters for the login history; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct LoginFilter {
    /// Exact user name.
    pub user_name: Option<String>,
    /// Exact IP.
    pub ip: Option<String>,
    /// Outcome.
    pub result: Option<LoginResult>,
    /// From (Unix seconds, inclusive).
    pub since: Option<i64>,
    /// Until (Unix seconds, exclusive).
    pub until: Option<i64>,
}

fn user_from_row(r: &AnyRow, at: usize) -> Result<User> {
    let role: String = r.try_get(at + 2)?;
    Ok(User {
        id: r.try_get(at)?,
        name: r.try_get(at + 1)?,
        role: Role::parse(&role).unwrap_or(Role::Editor),
        password_hash: r.try_get(at + 3)?,
        must_change_password: r.try_get::<i64, _>(at + 4)? != 0,
        totp_secret: r.try_get(at + 5)?,
        disabled: r.try_get::<i64, _>(at + 6)? != 0,
        created_at: r.try_get(at + 7)?,
        totp_pending: r.try_get(at + 8)?,
        totp_last_step: r.try_get(at + 9)?,
        lang: r.try_get(at + 10)?,
    })
}

/// Marks every unused reset link of an account used (it can no longer be followed).
pub(crate) async fn end_reset_links(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
) -> Result<()> {
    sqlx::query("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL")
        .bind(crate::now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Cuts `s` to at most `max` characters (user agents and names come from clients).
pub fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl Editor {
    /// Creates an account; fails if the name is taken.
    pub async fn create_user(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        must_change: bool,
    ) -> Result<i64> {
        if self.user_by_name(name).await?.is_some() {
            return Err(Error::Invalid {
                field: "user",
                reason: format!("{name:?} already exists"),
            });
        }
        let now = crate::now();
        sqlx::query(
            "INSERT INTO users (name, role, password_hash, must_change_password, disabled, created_at, \
             password_changed_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(now)
        .bind(now)
        .execute(self.pool())
        .await?;
        self.user_by_name(name)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| Error::Invalid {
                field: "user",
                reason: format!("{name:?} vanished after insert"),
            })
    }

    /// An account by name.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let sql = "SELECT u.id, u.name, u.role, u.password_hash, u.must_change_password, u.totp_secret, \
                   u.disabled, u.created_at, u.totp_pending, u.totp_last_step, u.lang FROM users u WHERE u.name = ?";
        let row = sqlx::query(sql)
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| user_from_row(&r, 0)).transpose()
    }

    /// An account by id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let sql = "SELECT u.id, u.name, u.role, u.password_hash, u.must_change_password, u.totp_secret, \
                   u.disabled, u.created_at, u.totp_pending, u.totp_last_step, u.lang FROM users u WHERE u.id = ?";
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| user_from_row(&r, 0)).transpose()
    }

    /// Sets the admin language of an account (`None`: follow the browser).
    pub async fn set_user_lang(&self, user_id: i64, lang: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET lang = ? WHERE id = ?")
            .bind(lang)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// All accounts by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = "SELECT u.id, u.name, u.role, u.password_hash, u.must_change_password, u.totp_secret, \
                   u.disabled, u.created_at, u.totp_pending, u.totp_last_step, u.lang FROM users u ORDER BY u.name";
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        rows.iter().map(|r| user_from_row(r, 0)).collect()
    }

    /// Number of accounts.
    pub async fn user_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Replaces the password hash and signs the account out everywhere.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query(
            "UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ? WHERE id = ?",
        )
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(crate::now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // A new password ends every reset link not used yet.
        end_reset_links(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes an account's role and ends its sessions (they carried the old role). Its site
    /// grants go too: an administrator demoted to editor starts with no site, not with
    /// whatever was granted before a promotion.
    pub async fn set_role(&self, user_id: i64, role: Role) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_sites WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or enables an account; disabling ends all its sessions.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            end_reset_links(&mut tx, user_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new session.
    pub async fn create_session(&self, s: &NewSession) -> Result<()> {
        let now = crate::now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, stage, network, ip, user_agent, \
             created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.csrf_token)
        .bind(s.stage.as_str())
        .bind(&s.network)
        .bind(&s.ip)
        .bind(clip(&s.user_agent, 256))
        .bind(now)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A session by token hash, with its account.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let sql = "SELECT s.token_hash, s.csrf_token, s.stage, s.network, s.ip, s.user_agent, s.created_at, \
                   s.last_seen, u.id, u.name, u.role, u.password_hash, u.must_change_password, u.totp_secret, \
                   u.disabled, u.created_at, u.totp_pending, u.totp_last_step, u.lang FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?";
        let row = sqlx::query(sql)
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| session_from_row(&r)).transpose()
    }

    /// Sessions of one account (`Some`) or of everyone (`None`), newest first.
    pub async fn sessions(&self, user_id: Option<i64>) -> Result<Vec<Session>> {
        let sql = "SELECT s.token_hash, s.csrf_token, s.stage, s.network, s.ip, s.user_agent, s.created_at, \
                   s.last_seen, u.id, u.name, u.role, u.password_hash, u.must_change_password, u.totp_secret, \
                   u.disabled, u.created_at, u.totp_pending, u.totp_last_step, u.lang FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE (? IS NULL OR s.user_id = ?) ORDER BY s.last_seen DESC";
        let rows = sqlx::query(sql)
            .bind(user_id)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(session_from_row).collect()
    }

    /// Records activity on a session.
    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = ? WHERE token_hash = ?")
            .bind(now)
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Moves a session to another login stage.
    pub async fn set_session_stage(&self, token_hash: &str, stage: SessionStage) -> Result<()> {
        sqlx::query("UPDATE sessions SET stage = ? WHERE token_hash = ?")
            .bind(stage.as_str())
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends one session; false if there was none.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    /// Ends every session of an account except `keep`; returns how many.
    pub async fn delete_sessions_of(&self, user_id: i64, keep: Option<&str>) -> Result<u64> {
        let n = sqlx::query(
            "DELETE FROM sessions WHERE user_id = ? AND (? IS NULL OR token_hash <> ?)",
        )
        .bind(user_id)
        .bind(keep)
        .bind(keep)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n)
    }

    /// Removes sessions idle since before `idle_before` or created before `created_before`.
    pub async fn delete_expired_sessions(
        &self,
        idle_before: i64,
        created_before: i64,
    ) -> Result<u64> {
        let n = sqlx::query("DELETE FROM sessions WHERE last_seen < ? OR created_at < ?")
            .bind(idle_before)
            .bind(created_before)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(n)
    }
}

fn session_from_row(r: &AnyRow) -> Result<Session> {
    let stage: String = r.try_get(2)?;
    Ok(Session {
        token_hash: r.try_get(0)?,
        csrf_token: r.try_get(1)?,
        stage: SessionStage::parse(&stage),
        network: r.try_get(3)?,
        ip: r.try_get(4)?,
        user_agent: r.try_get(5)?,
        created_at: r.try_get(6)?,
        last_seen: r.try_get(7)?,
        user: user_from_row(r, 8)?,
    })
}
