//! Reading the config file (with its includes merged) and checking every value, all problems
//! reported at once with the key and what is wrong.

#[allow(clippy::wildcard_imports)] // the sections this checks are all the parent's
use super::*;

/// A config file that cannot be used, with every problem found.
#[derive(Debug)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// One entry per problem: key path and message.
    pub problems: Vec<(String, String)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config file {} is invalid:", self.file.display())?;
        for (key, msg) in &self.problems {
            if key.is_empty() {
                write!(f, "\n  - {msg}")?;
            } else {
                write!(f, "\n  - {key}: {msg}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_over(None, path)
    }

    /// Reads a config file whose keys override `base` (how `demo --config` works): tables merge
    /// key by key, everything else (including the `[[site]]` list) is replaced.
    pub fn load_over(base: Option<&Config>, path: &Path) -> Result<Config, ConfigError> {
        let fail = |key: &str, msg: String| ConfigError {
            file: path.to_path_buf(),
            problems: vec![(key.to_string(), msg)],
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| fail("", format!("cannot read: {e}")))?;
        Self::from_text(base, path, &text)
    }

    /// Reads a config from `text` (as if read from `path`, which problems name) over `base`.
    pub fn from_text(
        base: Option<&Config>,
        path: &Path,
        text: &str,
    ) -> Result<Config, ConfigError> {
        let fail = |key: &str, msg: String| ConfigError {
            file: path.to_path_buf(),
            problems: vec![(key.to_string(), msg)],
        };
        let mut value: toml::Table =
            toml::from_str(text).map_err(|e| fail("", syntax_message(&e)))?;
        if let Some(base) = base {
            let mut merged = toml::Table::try_from(base).map_err(|e| fail("", e.to_string()))?;
            merge(&mut merged, value);
            value = merged;
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(value)).map_err(|e| {
                let key = e.path().to_string();
                let key = if key == "." { String::new() } else { key };
                // toml appends "in `key`" on a second line; the key is already in front.
                let msg = e.into_inner().to_string();
                fail(&key, msg.lines().next().unwrap_or("").trim().to_string())
            })?;
        config.validate(path)?;
        Ok(config)
    }

    /// Checks what types alone cannot: names, hosts, certificate pairs, duplicates.
    pub fn validate(&self, file: &Path) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut seen_names = std::collections::HashSet::new();
        let mut seen_hosts = std::collections::HashMap::new();
        if self.server.http.is_none() && self.server.https.is_none() {
            problems.push((
                "server".into(),
                "set server.http and/or server.https: nothing to listen on".into(),
            ));
        }
        if self.server.max_connections_per_ip == 0 {
            problems.push((
                "server.max_connections_per_ip".into(),
                "must be at least 1".into(),
            ));
        }
        if self.server.max_connections == 0 {
            problems.push(("server.max_connections".into(), "must be at least 1".into()));
        }
        if self.server.max_header_bytes < 8192 {
            problems.push((
                "server.max_header_bytes".into(),
                "must be at least 8192".into(),
            ));
        }
        for (key, v) in [
            (
                "server.header_read_timeout_s",
                self.server.header_read_timeout_s,
            ),
            (
                "server.tls_handshake_timeout_s",
                self.server.tls_handshake_timeout_s,
            ),
            ("server.request_timeout_s", self.server.request_timeout_s),
            ("server.idle_timeout_s", self.server.idle_timeout_s),
            (
                "server.max_connection_age_s",
                self.server.max_connection_age_s,
            ),
            (
                "server.http2_max_streams",
                u64::from(self.server.http2_max_streams),
            ),
            ("server.content_poll_ms", self.server.content_poll_ms),
        ] {
            if v == 0 {
                problems.push((key.into(), "must be greater than 0".into()));
            } else if v > 86_400 * 30 && key.ends_with("_s") {
                problems.push((key.into(), "must be at most 30 days".into()));
            }
        }
        let admin = &self.admin;
        let path_ok = admin.path.len() > 1
            && admin.path.len() <= 64
            && admin.path.starts_with('/')
            && !admin.path.ends_with('/')
            && !admin.path.contains("//")
            && admin.path[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c))
            && !admin.path.starts_with("/assets");
        if crate::route_table::is_built_in(&admin.path) {
            problems.push((
                "admin.path".into(),
                format!("{:?} is a path Bolwerk serves itself", admin.path),
            ));
        }
        if !path_ok {
            problems.push((
                "admin.path".into(),
                format!(
                    "{:?}: use a path like \"/_admin\" (letters, digits, - _ /; not / or /assets)",
                    admin.path
                ),
            ));
        }
        if admin.session_idle_timeout_min == 0 || admin.session_lifetime_h == 0 {
            problems.push((
                "admin".into(),
                "session timeouts must be greater than 0".into(),
            ));
        }
        problems.extend(super::site::locale_problems(
            "admin",
            &admin.lang,
            &admin.timezone,
        ));
        if admin.session_network_v4_prefix > 32 {
            problems.push((
                "admin.session_network_v4_prefix".into(),
                "at most 32".into(),
            ));
        }
        if admin.session_network_v6_prefix > 128 {
            problems.push((
                "admin.session_network_v6_prefix".into(),
                "at most 128".into(),
            ));
        }
        if self.shield.threshold == 0 {
            problems.push((
                "shield.threshold".into(),
                "must be at least 1 (5 = one critical rule)".into(),
            ));
        }
        for (i, entry) in self.server.trusted_proxies.iter().enumerate() {
            if shield::net::Cidr::parse(entry).is_none() {
                problems.push((
                    format!("server.trusted_proxies[{i}]"),
                    format!("{entry:?} is not an IP address or network"),
                ));
            }
        }
        for (i, entry) in self.shield.blocklists.iter().enumerate() {
            let key = format!("shield.blocklists[{i}]");
            match crate::blocklists::Source::parse(entry) {
                crate::blocklists::Source::Url(url) => {
                    if let Err(e) = crate::blocklists::check_url(&url) {
                        problems.push((key, format!("{e:#}")));
                    }
                }
                crate::blocklists::Source::File(file) => match std::fs::read_to_string(&file) {
                    Err(e) => problems.push((key, format!("{}: {e}", file.display()))),
                    Ok(text) => {
                        if let Err(e) = shield::blocklist::Blocklist::parse(&text) {
                            problems.push((key, format!("{}: {e}", file.display())));
                        }
                    }
                },
            }
        }
        if self.shield.sync_interval_s == 0 {
            problems.push((
                "shield.sync_interval_s".into(),
                "must be greater than 0".into(),
            ));
        }
        if !(1000..=100_000_000).contains(&self.shield.max_tracked_clients) {
            problems.push((
                "shield.max_tracked_clients".into(),
                "must be between 1000 and 100000000".into(),
            ));
        }
        if self.shield.blocklist_refresh_s == 0 {
            problems.push((
                "shield.blocklist_refresh_s".into(),
                "must be greater than 0".into(),
            ));
        }
        for (i, entry) in self.shield.allowlist.iter().enumerate() {
            if shield::net::Cidr::parse(entry).is_none() {
                problems.push((
                    format!("shield.allowlist[{i}]"),
                    format!("{entry:?} is not an IP address or network"),
                ));
            }
        }
        if self.shield.ban_durations_s.is_empty()
            || self.shield.ban_durations_s.iter().any(|d| *d <= 0)
        {
            problems.push((
                "shield.ban_durations_s".into(),
                "list one or more positive durations".into(),
            ));
        }
        let rates = [
            self.shield.rate_pages_per_s,
            self.shield.rate_pages_burst,
            self.shield.rate_static_per_s,
            self.shield.rate_static_burst,
            self.shield.rate_forms_per_min,
            self.shield.rate_login_per_min,
            self.shield.ban_flood_threshold,
            self.shield.ban_login_failures,
            self.shield.ban_stalled_threshold,
        ];
        if rates.contains(&0) {
            problems.push((
                "shield".into(),
                "rates, bursts and the flood threshold must be greater than 0".into(),
            ));
        }
        if self.shield.ban_404_window_s <= 0
            || self.shield.ban_404_threshold == 0
            || self.shield.ban_attack_threshold == 0
        {
            problems.push((
                "shield".into(),
                "ban thresholds and window must be greater than 0".into(),
            ));
        }
        for id in &self.shield.disabled_rules {
            if !shield::rules::exists(*id) {
                problems.push((
                    "shield.disabled_rules".into(),
                    format!("{id} is not a rule id"),
                ));
            }
        }
        if let Err(e) = self.log.level.parse::<tracing_level::Filter>() {
            problems.push(("log.level".into(), e));
        }
        if self.sites.is_empty() {
            problems.push((
                "site".into(),
                "add at least one [[site]] with a name and hosts".into(),
            ));
        }
        for (i, site) in self.sites.iter().enumerate() {
            let at = |k: &str| format!("site[{i}].{k}");
            let name_ok = !site.name.is_empty()
                && site.name.len() <= 64
                && site
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                problems.push((
                    at("name"),
                    format!("{:?}: use 1-64 letters, digits, - or _", site.name),
                ));
            }
            problems.extend(super::site::locale_problems(
                &format!("site[{i}]"),
                &site.lang,
                &site.timezone,
            ));
            if !seen_names.insert(site.name.clone()) {
                problems.push((at("name"), format!("{:?} is used by two sites", site.name)));
            }
            if site.hosts.is_empty() {
                problems.push((at("hosts"), "list at least one host name".into()));
            }
            if let Some(d) = &site.mail_domain
                && !mail::message::valid_domain(d)
            {
                problems.push((at("mail_domain"), format!("{d:?} is not a domain name")));
            }
            if let Err(e) = mail::message::check_address(
                "mail_from",
                &format!("{}@example.org", site.mail_from),
            ) {
                problems.push((at("mail_from"), e.to_string()));
            }
            if !site.forms.is_empty() && site.mail_domain().is_none() {
                problems.push((
                    at("mail_domain"),
                    "the site has forms but no host name is a mail domain: set mail_domain".into(),
                ));
            }
            if let Some(txt) = &site.security_txt {
                problems.extend(txt.problems(&at("security_txt")));
                if txt.contact.is_empty() && self.mail.alerts_to.is_empty() {
                    problems.push((
                        at("security_txt.contact"),
                        "list where to report vulnerabilities (mailto: or https:), or set mail.alerts_to"
                            .into(),
                    ));
                }
            }
            if let Some(robots) = &site.robots {
                for problem in cms::robots::problems(robots) {
                    problems.push((at("robots"), problem));
                }
            }
            if let Some(sts) = &site.mta_sts {
                problems.extend(sts.problems(&at("mta_sts")));
                match site.mta_sts_host() {
                    None => problems.push((
                        at("mta_sts"),
                        "the site has no mail domain to serve a policy for: set mail_domain".into(),
                    )),
                    Some(h) if site.hosts.contains(&h) => problems.push((
                        at("hosts"),
                        format!("{h} is where the MTA-STS policy is served, not pages: remove it from hosts"),
                    )),
                    Some(h) => {
                        if let Some(other) = seen_hosts.insert(h.clone(), i) {
                            problems.push((
                                at("mta_sts"),
                                format!("its host {h} is also a host of site[{other}]"),
                            ));
                        }
                    }
                }
            }
            let mut form_names = std::collections::HashSet::new();
            let mut form_paths = std::collections::HashSet::new();
            for (j, form) in site.forms.iter().enumerate() {
                problems.extend(form.problems(&at(&format!("form[{j}]"))));
                if !form_names.insert(form.name.as_str()) {
                    problems.push((
                        at(&format!("form[{j}].name")),
                        format!("{:?} is used twice", form.name),
                    ));
                }
                if !form_paths.insert(form.path.as_str()) {
                    problems.push((
                        at(&format!("form[{j}].path")),
                        format!("{:?} is used twice", form.path),
                    ));
                }
                if form.path.starts_with(&self.admin.path) {
                    problems.push((
                        at(&format!("form[{j}].path")),
                        "is inside the admin path".into(),
                    ));
                }
                if crate::route_table::is_built_in(&form.path) {
                    problems.push((
                        at(&format!("form[{j}].path")),
                        format!("{:?} is a path Bolwerk serves itself", form.path),
                    ));
                }
            }
            if site.tls_acme
                && !(self.acme.renew_when_left > 0.0 && self.acme.renew_when_left < 1.0)
            {
                problems.push((
                    "acme.renew_when_left".into(),
                    "must be between 0 and 1 (0.3333: renew with a third of the lifetime left)"
                        .into(),
                ));
            }
            if site.tls_acme {
                if site.tls_cert_file.is_some() || site.tls_key_file.is_some() {
                    problems.push((
                        at("tls_acme"),
                        "either tls_acme or tls_cert_file/tls_key_file, not both".into(),
                    ));
                }
                if self.server.https.is_none()
                    || (self.acme.challenge == AcmeChallenge::Http01 && self.server.http.is_none())
                {
                    problems.push((
                        at("tls_acme"),
                        "needs server.https, and server.http for the CA's HTTP-01 check (or acme.challenge = \"tls-alpn-01\")".into(),
                    ));
                }
                if site.tls_wildcard && self.acme.challenge != AcmeChallenge::Dns01 {
                    problems.push((
                        at("tls_wildcard"),
                        "a wildcard certificate needs acme.challenge = \"dns-01\" (CAs prove wildcards only through DNS)".into(),
                    ));
                }
                if self.acme.challenge == AcmeChallenge::Dns01 {
                    for h in site.tls_names() {
                        if h.parse::<std::net::IpAddr>().is_err() && self.dns.zone_of(&h).is_none()
                        {
                            problems.push((
                                at("tls_acme"),
                                format!("acme.challenge = \"dns-01\" needs a [[dns.zone]] that holds {h}"),
                            ));
                        }
                    }
                }
                if self
                    .acme
                    .contact
                    .as_deref()
                    .is_none_or(|c| !c.contains('@'))
                {
                    problems.push((
                        "acme.contact".into(),
                        "set an e-mail address for the ACME account".into(),
                    ));
                }
            }
            if site.hsts_preload
                && (!site.hsts_include_subdomains || self.server.hsts_max_age_s < 31_536_000)
            {
                problems.push((
                    at("hsts_preload"),
                    "preload needs hsts_include_subdomains = true and server.hsts_max_age_s of at least 31536000".into(),
                ));
            }
            for host in &site.hosts {
                match normalize_host(host) {
                    Some(h) if h == *host => {
                        if let Some(other) = seen_hosts.insert(h.clone(), i) {
                            problems.push((
                                at("hosts"),
                                format!("{host} is also a host of site[{other}]"),
                            ));
                        }
                    }
                    Some(h) => problems.push((
                        at("hosts"),
                        format!("write {host:?} as {h:?} (lower case, no port)"),
                    )),
                    None => problems.push((
                        at("hosts"),
                        format!("{host:?} is not a host name or IP address"),
                    )),
                }
            }
            match (&site.tls_cert_file, &site.tls_key_file) {
                (Some(_), None) => problems.push((
                    at("tls_key_file"),
                    "tls_cert_file needs tls_key_file".into(),
                )),
                (None, Some(_)) => problems.push((
                    at("tls_cert_file"),
                    "tls_key_file needs tls_cert_file".into(),
                )),
                (None, None) if self.server.https.is_some() && !site.tls_acme => problems.push((
                    at("tls_cert_file"),
                    "server.https is set, so every site needs tls_cert_file and tls_key_file, or tls_acme = true"
                        .into(),
                )),
                _ => {}
            }
            for (k, f) in [
                ("tls_cert_file", &site.tls_cert_file),
                ("tls_key_file", &site.tls_key_file),
            ] {
                if let Some(f) = f.as_ref().filter(|f| !f.is_file()) {
                    problems.push((
                        at(k),
                        format!("{} does not exist or is not a file", f.display()),
                    ));
                }
            }
        }
        if let DatabaseConfig::MySql {
            reader_url_file,
            recorder_url_file,
            editor_url_file,
            admin_url_file,
        } = &self.database
        {
            let files = [
                ("database.reader_url_file", Some(reader_url_file)),
                ("database.recorder_url_file", Some(recorder_url_file)),
                ("database.editor_url_file", Some(editor_url_file)),
                ("database.admin_url_file", admin_url_file.as_ref()),
            ];
            for (k, f) in files {
                if let Some(f) = f.filter(|f| !f.is_file()) {
                    problems.push((
                        k.into(),
                        format!("{} does not exist or is not a file", f.display()),
                    ));
                }
            }
        }
        problems.extend(self.mail.problems());
        problems.extend(self.guard.problems());
        problems.extend(self.dns.problems());
        problems.extend(
            self.antivirus
                .problems(u64::try_from(self.admin.max_upload_bytes).unwrap_or(u64::MAX)),
        );
        if let Some(f) = self.mail.password_file.as_ref().filter(|f| !f.is_file()) {
            problems.push((
                "mail.password_file".into(),
                format!("{} does not exist or is not a file", f.display()),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                file: file.to_path_buf(),
                problems,
            })
        }
    }
}

/// A TOML syntax error without the multi-line source excerpt, which repeats the file back.
fn syntax_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    match e.span() {
        Some(_) => format!(
            "{} ({})",
            msg,
            e.to_string().lines().next().unwrap_or("").trim()
        ),
        None => msg.to_string(),
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Lower-cases a host, strips a trailing dot and IPv6 brackets; `None` if it is not a DNS name
/// or IP literal. Used for config and for the `Host` of every request.
pub fn normalize_host(host: &str) -> Option<String> {
    let h = host.trim_end_matches('.');
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    if h.parse::<std::net::IpAddr>().is_ok() {
        return Some(h.to_ascii_lowercase());
    }
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    ok.then(|| h.to_ascii_lowercase())
}
