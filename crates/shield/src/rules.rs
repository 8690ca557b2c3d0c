//! The inspection rules. Each has a stable id, a category, a severity and a pattern over the
//! normalised text (see `normalize`). Patterns are compiled by the `regex` crate, whose
//! matching is linear in the input: no rule can be made to backtrack (no ReDoS).
//!
//! Rules are written for attack classes, never for single requests of a test set.

/// What kind of attack a rule recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// SQL injection.
    Sqli,
    /// Cross-site scripting.
    Xss,
    /// Path traversal and local file inclusion.
    Lfi,
    /// Remote file inclusion and server-side request forgery.
    Rfi,
    /// OS command injection.
    Rce,
    /// PHP code injection.
    Php,
    /// Java code injection, deserialisation, JNDI (Log4Shell), OGNL/EL.
    Java,
    /// Node.js, SSTI, NoSQL and other injections.
    Generic,
    /// XML external entities.
    Xxe,
    /// Session fixation.
    SessionFixation,
    /// HTTP protocol abuse.
    Protocol,
    /// Probes for files and applications no Bolwerk site has.
    Probe,
    /// Known attack tools.
    Scanner,
}

impl Category {
    /// Lower-case name for logs and the dashboard.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sqli => "sqli",
            Category::Xss => "xss",
            Category::Lfi => "lfi",
            Category::Rfi => "rfi",
            Category::Rce => "rce",
            Category::Php => "php",
            Category::Java => "java",
            Category::Generic => "generic",
            Category::Xxe => "xxe",
            Category::SessionFixation => "session-fixation",
            Category::Protocol => "protocol",
            Category::Probe => "probe",
            Category::Scanner => "scanner",
        }
    }
}

/// Points a match adds to the request's anomaly score (CRS's scale: one critical blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// 2 points: only with others.
    Notice = 2,
    /// 3 points.
    Warning = 3,
    /// 4 points.
    Error = 4,
    /// 5 points: blocks on its own at the default threshold.
    Critical = 5,
}

/// Which part of a request a pattern rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Argument values, form and JSON fields, cookies and inspected header values.
    Value,
    /// Argument and field names.
    Name,
    /// The decoded path.
    Path,
    /// The User-Agent header.
    UserAgent,
}

/// A pattern rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Stable id, used in logs, the dashboard and per-rule switches.
    pub id: u32,
    /// Attack class.
    pub category: Category,
    /// Points.
    pub severity: Severity,
    /// What it means, for operators.
    pub description: &'static str,
    /// Where it looks.
    pub target: Target,
    /// Regex over the normalised (lower-case) text.
    pub pattern: &'static str,
}

use Category::*;
use Severity::*;
use Target::*;

/// Ids of the rules implemented in code rather than as a pattern.
pub mod ids {
    /// libinjection's SQL injection detector.
    pub const LIBINJECTION_SQLI: u32 = 1001;
    /// libinjection's XSS detector.
    pub const LIBINJECTION_XSS: u32 = 2001;
    /// Base64-encoded Java deserialisation gadget names.
    pub const JAVA_BASE64_GADGET: u32 = 6010;
    /// Mail or FTP protocol commands after a line break in a value.
    pub const MAIL_SMUGGLING: u32 = 4015;
    /// A path segment starting with a dot (`/.env`, `/.git/`, `/.aws/`); only `/.well-known/` is ours.
    pub const DOTFILE: u32 = 8101;
    /// Method other than GET, HEAD, POST, OPTIONS.
    pub const BAD_METHOD: u32 = 9001;
    /// Both Content-Length and Transfer-Encoding, or repeated framing headers.
    pub const AMBIGUOUS_FRAMING: u32 = 9002;
    /// Missing or repeated Host.
    pub const BAD_HOST: u32 = 9003;
    /// A request body of a type Bolwerk never accepts.
    pub const BAD_CONTENT_TYPE: u32 = 9004;
    /// A charset other than UTF-8, ASCII or Latin-1.
    pub const BAD_CHARSET: u32 = 9005;
    /// NUL or other control bytes in the path or an argument.
    pub const CONTROL_BYTES: u32 = 9006;
    /// More byte ranges than any player needs.
    pub const RANGE_ABUSE: u32 = 9007;
    /// A method override (`_method=DELETE`, `X-HTTP-Method-Override`): Bolwerk has none.
    pub const METHOD_OVERRIDE: u32 = 9008;
    /// A body on a GET or HEAD request.
    pub const BODY_ON_GET: u32 = 9009;
    /// Overlong UTF-8 (`%c0%af`) or `%u`-encoded fullwidth forms in the path or query.
    pub const OVERLONG_ENCODING: u32 = 9010;
    /// HTTP request lines, headers or a response after a line break in a value (response
    /// splitting, request smuggling).
    pub const HEADER_INJECTION: u32 = 9011;
    /// SQL comments used as whitespace or to hide code (`UNION/**/SELECT`, `/*!50000OR*/`,
    /// `admin'/*`): judged before normalisation removes them.
    pub const SQL_COMMENT_EVASION: u32 = 1028;
}

/// A rule as operators see it: in the dashboard, the CLI and the per-rule switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable id.
    pub id: u32,
    /// Attack class.
    pub category: Category,
    /// Points when it matches (the strongest case for rules that vary).
    pub severity: Severity,
    /// What it means.
    pub description: &'static str,
}

/// The rules implemented in code, described.
const CODE_RULE_INFO: &[RuleInfo] = &[
    RuleInfo {
        id: ids::LIBINJECTION_SQLI,
        category: Sqli,
        severity: Critical,
        description: "SQL injection (libinjection fingerprint)",
    },
    RuleInfo {
        id: ids::LIBINJECTION_XSS,
        category: Xss,
        severity: Critical,
        description: "Cross-site scripting (libinjection)",
    },
    RuleInfo {
        id: ids::SQL_COMMENT_EVASION,
        category: Sqli,
        severity: Critical,
        description: "SQL comment as whitespace, executed MySQL comment, or a quote closed by a comment",
    },
    RuleInfo {
        id: ids::JAVA_BASE64_GADGET,
        category: Java,
        severity: Critical,
        description: "Base64-encoded Java deserialisation gadget",
    },
    RuleInfo {
        id: ids::MAIL_SMUGGLING,
        category: Rce,
        severity: Critical,
        description: "Mail or FTP protocol commands after a line break",
    },
    RuleInfo {
        id: ids::DOTFILE,
        category: Probe,
        severity: Critical,
        description: "Hidden file or directory (/.env, /.git/)",
    },
    RuleInfo {
        id: ids::BAD_METHOD,
        category: Protocol,
        severity: Critical,
        description: "Method other than GET, HEAD, POST, OPTIONS",
    },
    RuleInfo {
        id: ids::AMBIGUOUS_FRAMING,
        category: Protocol,
        severity: Critical,
        description: "Ambiguous framing (Content-Length with Transfer-Encoding)",
    },
    RuleInfo {
        id: ids::BAD_HOST,
        category: Protocol,
        severity: Critical,
        description: "Missing or repeated Host",
    },
    RuleInfo {
        id: ids::BAD_CONTENT_TYPE,
        category: Protocol,
        severity: Critical,
        description: "Request body of a type Bolwerk never accepts",
    },
    RuleInfo {
        id: ids::BAD_CHARSET,
        category: Protocol,
        severity: Critical,
        description: "Charset other than UTF-8, ASCII or Latin-1",
    },
    RuleInfo {
        id: ids::CONTROL_BYTES,
        category: Protocol,
        severity: Critical,
        description: "NUL or control bytes in the path or an argument",
    },
    RuleInfo {
        id: ids::RANGE_ABUSE,
        category: Protocol,
        severity: Critical,
        description: "More byte ranges than any player needs",
    },
    RuleInfo {
        id: ids::METHOD_OVERRIDE,
        category: Protocol,
        severity: Critical,
        description: "Method override (_method=, X-HTTP-Method-Override)",
    },
    RuleInfo {
        id: ids::BODY_ON_GET,
        category: Protocol,
        severity: Critical,
        description: "A body on a GET or HEAD request",
    },
    RuleInfo {
        id: ids::OVERLONG_ENCODING,
        category: Protocol,
        severity: Critical,
        description: "Overlong UTF-8 or %u-encoded fullwidth characters",
    },
    RuleInfo {
        id: ids::HEADER_INJECTION,
        category: Protocol,
        severity: Critical,
        description: "HTTP request line, header or response after a line break",
    },
];

/// Every rule, code and pattern, ordered by id.
pub fn catalogue() -> Vec<RuleInfo> {
    let mut all: Vec<RuleInfo> = CODE_RULE_INFO.to_vec();
    all.extend(RULES.iter().map(|r| RuleInfo {
        id: r.id,
        category: r.category,
        severity: r.severity,
        description: r.description,
    }));
    all.sort_by_key(|r| r.id);
    all
}

/// Whether `id` names a rule.
pub fn exists(id: u32) -> bool {
    CODE_RULE_INFO.iter().any(|r| r.id == id) || RULES.iter().any(|r| r.id == id)
}

/// All pattern rules.
pub const RULES: &[Rule] = &[
    // --- SQL injection (libinjection is rule 1001) ---
    Rule {
        id: 1002,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "UNION SELECT",
        pattern: r"\bunion\b[\s(]*(all\s+|distinct\s+)?\(?\s*select\b",
    },
    Rule {
        id: 1003,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "time-based blind SQL injection",
        pattern: r"(^|[^.\w])(sleep|pg_sleep)\s*\(\s*(\d+|@@?\w+)\s*[),]|(^|[^.\w])(sleep|pg_sleep)\(|\bdbms_lock\.sleep\s*\(|\bbenchmark\s*\(\s*\d|\bwaitfor\s+(delay|time)\b",
    },
    Rule {
        id: 1004,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "database catalogue access",
        pattern: r"\b(information_schema|mysql\.(user|db)|sys\.(objects|tables|columns)|sysobjects|syscolumns|pg_(catalog|shadow|user|group|roles|database|authid|stat_activity)|sqlite_master|sqlite_schema|all_tables|user_tables|all_users|dba_users|(all|user)_tab_columns|v\$version|msysobjects|msdb|tempdb|northwind|sysibm|syscat|sysusers|sysservers|sysdatabases|syslogins|sys\.(databases|sql_logins|server_principals))\b",
    },
    Rule {
        id: 1005,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "tautology after a quote",
        pattern: r#"['"`]\s*\)*\s*(or|and|xor|\|\||&&)\s*\(*\s*['"`]?[\w-]*['"`]?\s*(=|<>|!=|<|>|\blike\b|\bis\b|\bin\b|\bbetween\b|\bregexp\b|\brlike\b)"#,
    },
    Rule {
        id: 1006,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "stacked query",
        pattern: r"[;']\s*(drop|delete|insert|update|shutdown|exec(ute)?|declare|create|alter|truncate|grant|revoke)\s+(table|from|into|database|procedure|user|master|@|\w+\s+set\b|\w+\s*\()",
    },
    Rule {
        id: 1007,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "quote closed by a SQL comment",
        pattern: r#"['"`)]\s*(--|#|;\s*--)|['")]\s*;\s*$"#,
    },
    Rule {
        id: 1008,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "SQL file and command functions",
        pattern: r"\b(load_file|into\s+(out|dump)file|xp_cmdshell|sp_executesql|sp_oacreate|exec\s+master|openrowset|opendatasource|extractvalue|updatexml|utl_http|utl_inaddr|dbms_pipe)\b",
    },
    Rule {
        id: 1009,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "numeric tautology",
        pattern: r"(^|[\s'`\x22)=,(])(or|and|xor|\|\||&&)\s+\(?\s*(\d+|'\w*'|true|false|null)\s*(=|<>|!=|<|>|\bis\b|\blike\b)\s*\(?\s*(\d+|'\w*'|true|false|null)\b",
    },
    Rule {
        id: 1010,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "SQL environment probing",
        pattern: r"@@(version|datadir|hostname|basedir)|\b(version|database|schema|user|current_user|system_user|session_user)\s*\(\s*\)",
    },
    Rule {
        id: 1011,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "SQL string building functions",
        pattern: r"\b(concat(_ws)?|group_concat|char|chr|nchar|ascii|substring|substr|mid|hex|unhex|cast|convert|conv|instr)\s*\(.*(select|from|\d+\s*,\s*\d+|0x[0-9a-f]+|@@)",
    },
    Rule {
        id: 1012,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "ORDER BY / GROUP BY column probing",
        pattern: r"\b(order|group)\s+by\s+\d+\s*(--|#|$|,)|\bhaving\s+\d+\s*=\s*\d+",
    },
    Rule {
        id: 1013,
        category: Sqli,
        severity: Notice,
        target: Value,
        description: "SELECT ... FROM",
        pattern: r"\bselect\b.+?\bfrom\b",
    },
    Rule {
        id: 1014,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "hex-encoded string or SQL keyword after a quote",
        pattern: r"\b0x[0-9a-f]{8,}\b|['`]\s*(union|select|insert|update|delete|drop|having|where)\b",
    },
    Rule {
        id: 1015,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "SQL keyword glued to a quote",
        pattern: r#"['"`](and|or|xor|union|select|having|where|order|group|like|rlike|regexp|div)\b|\b(and|or|xor)['"`]"#,
    },
    Rule {
        id: 1016,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "SQL function call",
        pattern: r"\b(make_set|elt|sin|cos|tan|abs|pi|now|sysdate|version|database|schema|char_length|md5|sha1|sha2|rand|floor|ceil|round|ifnull|nullif|coalesce|iif|locate|position|soundex|lpad|rpad|find_in_set|bit_length|oct|ord|encode|decode|aes_encrypt|aes_decrypt|compress|uncompress|exp|ln|pow|power|sqrt|sign|greatest|least|last_insert_id|row_count|found_rows|connection_id|crc32|from_base64|to_base64|json_extract|json_keys|xmltype|ctxsys\.\w+|dbms_\w+|pg_\w+)\(",
    },
    Rule {
        id: 1017,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "PostgreSQL and JSON operators",
        pattern: r"::\s*(jsonb?|text|int\w*|varchar|regclass|bytea)\b|\s@[>?]\s|->>|#>>",
    },
    Rule {
        id: 1018,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "comparison with a subquery",
        pattern: r"\b(and|or|xor|&&|\|\|)\s+[\w'\x22]+\s*(=|<>|!=|<|>)+\s*\(\s*(select|\d|case)\b|\(\s*select\b.+?\bfrom\b",
    },
    // --- XSS (libinjection is rule 2001) ---
    Rule {
        id: 2002,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "script-capable HTML element",
        pattern: r"<\s*/?\s*(script|iframe|object|embed|applet|svg|math|base|frame|frameset|xml|xss|import|portal)\b",
    },
    Rule {
        id: 2003,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "event handler attribute",
        pattern: r#"[\s"'/;`]on[a-z]{3,50}\s*=|^on[a-z]{3,50}\s*="#,
    },
    Rule {
        id: 2004,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "script URL scheme",
        pattern: r"(java|vb|live|ecma)script\s*:|url\s*\(\s*['\x22]?\s*javascript|data\s*:\s*(text/html|image/svg|application/(x-)?javascript)|\bfscommand\b|\bseeksegmenttime\b",
    },
    Rule {
        id: 2005,
        category: Xss,
        severity: Error,
        target: Value,
        description: "HTML element that loads or runs content",
        pattern: r"<\s*(img|image|video|audio|source|body|form|input|button|link|meta|style|marquee|details|template|isindex|textarea|select|keygen|a\s[^>]*href|div\s[^>]*style)\b",
    },
    Rule {
        id: 2006,
        category: Xss,
        severity: Error,
        target: Value,
        description: "DOM access typical of XSS",
        pattern: r"document\s*\.\s*(cookie|domain|write|location)|window\s*\.\s*(location|open|name)|\.innerhtml\b|\blocation\s*\.\s*(href|replace|assign)|\bself\s*\[|\btop\s*\[|\bparent\s*\[|globalthis",
    },
    Rule {
        id: 2007,
        category: Xss,
        severity: Error,
        target: Value,
        description: "CSS and legacy script vectors",
        pattern: r"expression\s*\(|-moz-binding|\bbehavior\s*:|@import\b|url\s*\(\s*['\x22]?\s*javascript",
    },
    Rule {
        id: 2008,
        category: Xss,
        severity: Notice,
        target: Value,
        description: "script function call",
        pattern: r"\b(alert|prompt|confirm|eval|settimeout|setinterval|atob|fromcharcode|constructor)\s*(\(|`)",
    },
    Rule {
        id: 2009,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "server-side include",
        pattern: r"<!--\s*#\s*(exec|include|echo|set|config|printenv|fsize|flastmod)\b",
    },
    // --- Path traversal, LFI ---
    Rule {
        id: 3001,
        category: Lfi,
        severity: Critical,
        target: Value,
        description: "path traversal",
        pattern: r"(\.\.+/){2,}|(^|[=/])\.\.+/|/\.\.+(/|$)|\.\.+;/|(\.\.+%+/+){2,}",
    },
    Rule {
        id: 3002,
        category: Lfi,
        severity: Critical,
        target: Value,
        description: "sensitive system file",
        pattern: r"(^|/|\b)etc/(passwd|shadow|group|hosts|issue|motd|crontab|sudoers|fstab|resolv\.conf|apache2|nginx|httpd|mysql|ssh)|/proc/(self|\d+)/|/dev/(tcp|udp|fd|stdin)|\b(boot|win|system)\.ini\b|/(windows|winnt)/|system32|\.htaccess\b|\.htpasswd\b|\bweb\.config\b|wp-config\.php|/var/(log|www|lib|mail|spool)/|\.ssh/|\bid_(rsa|dsa|ecdsa|ed25519)\b|\.bash_history|/root/|\.aws/credentials|/usr/local/etc|/proc/[a-z]|/sys/(class|kernel|devices|firmware|block|bus|module|power|fs)\b|\.docker/|/@fs/|/etc/[a-z0-9._-]{3,}",
    },
    Rule {
        id: 3003,
        category: Lfi,
        severity: Critical,
        target: Value,
        description: "stream wrapper",
        pattern: r"\b(php|file|zip|phar|expect|glob|ogg|rar|zlib|compress\.zlib|compress\.bzip2|data|jar|netdoc)://|\bjar:(file|https?|ftp):",
    },
    Rule {
        id: 3004,
        category: Lfi,
        severity: Critical,
        target: Path,
        description: "path traversal in the path",
        pattern: r"/\.\.+(/|$)|\.\.+;",
    },
    // --- RFI, SSRF ---
    Rule {
        id: 3101,
        category: Rfi,
        severity: Critical,
        target: Value,
        description: "remote include from an IP address",
        pattern: r"^\s*(https?|ftps?)://(\d{1,3}\.){3}\d{1,3}|^\s*(https?|ftps?)://\[[0-9a-f:]+\]",
    },
    Rule {
        id: 3102,
        category: Rfi,
        severity: Critical,
        target: Value,
        description: "remote URL ending in a query mark or a script file",
        pattern: r"^\s*(https?|ftps?)://\S+(\?+$|\.(php|txt|phtml|inc|jsp|asp)\?*$)",
    },
    Rule {
        id: 3103,
        category: Rfi,
        severity: Critical,
        target: Value,
        description: "server-side request forgery target",
        pattern: r"(gopher|dict|ldap|ldaps|tftp|pop3|imap|smtp|sftp|telnet)://|169\.254\.169\.254|metadata\.google\.internal|host\.docker\.internal|metadata\.azure|100\.100\.100\.200|instance-data|localhost\.localdomain|kubernetes\.default|\.svc\.cluster\.local",
    },
    Rule {
        id: 3104,
        category: Rfi,
        severity: Notice,
        target: Value,
        description: "URL to a local address",
        pattern: r"^\s*(https?|ftps?)://(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\]|0x7f|2130706433)\b",
    },
    // --- OS command injection ---
    Rule {
        id: 4001,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "chained shell command",
        pattern: r"([;|&`\n]|\$\(|\|\||&&)\s*(/[a-z/]*?/)?(whoami|uname|wget|curl|nc|ncat|netcat|socat|bash|zsh|ksh|dash|csh|tcsh|nslookup|dig|ifconfig|ipconfig|chmod|chown|mkfifo|busybox|telnet|tftp|useradd|usermod|crontab|systemctl|passwd|sudo|nohup|xterm|gcc|perl\s+-e|python[23]?\s+-c|ruby\s+-e|php\s+-r|lua\s+-e|node\s+-e|base64\s+-d|openssl\s|powershell|pwsh|certutil|bitsadmin|net\s+user|systeminfo|tasklist|reg\s+query|wmic)\b",
    },
    Rule {
        id: 4002,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "chained shell command with a path or option",
        pattern: r"([;|`\n]|\$\(|\|\||&&)\s*(/?(usr/(local/)?)?s?bin/)?(cat|ls|id|echo|rm|cp|mv|ps|env|printenv|find|head|tail|more|less|tac|nl|od|xxd|strings|grep|awk|sed|sort|uniq|touch|mkdir|kill|sleep|ping|sh|tar|zip|unzip|gzip|dd|who|w|last|sh|which|type|dir|del|copy|more|ex|vi|vim|nano|ed)(\s+(-|/|\$|\.|~|\d|\w+\.\w+)|\s*$|[;|&`)])|(^|[^&])&\s*(/?(usr/(local/)?)?s?bin/)?(cat|ls|id|echo|rm|cp|mv|ps|env|printenv|find|head|tail|tac|nl|od|xxd|strings|grep|awk|sed|touch|mkdir|kill|sleep|ping|sh|tar|dd|which|dir|del|vi|vim)(\s+(-|/|\$|~|\w+\.\w+)|\s*[;|`)])|(^|[;&|\n])\s*sleep\s+\d+\s*$",
    },
    Rule {
        id: 4003,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "shell interpreter or shell trick",
        pattern: r"/bin/(ba|z|k|da|c|tc)?sh\b|/usr/bin/\w+|/dev/(tcp|udp)/|\bcmd(\.exe)?\s*/[ck]\b|cmd\.exe|\bpowershell(\.exe)?\b|\$\{ifs\}|\$ifs\b|\$\{?path:|\{[a-z]+,[^}\s]*\}|\bnc\s+-[a-z]*[elvnp]|\bexec\s+\d*[<>]",
    },
    Rule {
        id: 4004,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "Shellshock",
        pattern: r"\(\s*\)\s*\{.*?;?\s*\}\s*;",
    },
    Rule {
        id: 4005,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "command substitution",
        pattern: r"\$\(\s*[a-z/]+[^)]*\)|`\s*(/[a-z/]*/)?(id|whoami|uname|cat|ls|dir|wget|curl|nc|ncat|bash|sh|zsh|ping|sleep|echo|rm|python[23]?|perl|php|ruby|node|nslookup|dig|env|printenv|ps|pwd|hostname|ifconfig|ipconfig|net|powershell|cmd|certutil|base64|tftp|telnet|busybox|reboot|shutdown|kill|chmod|touch|head|tail|find|grep)([\s<>|;&$'\x22][^`]*)?`",
    },
    Rule {
        id: 4006,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "Windows batch loop",
        pattern: r"\bfor\s+/[a-z]\s+%%?\w+\s+in\s*\(|%comspec%|%systemroot%|%windir%",
    },
    Rule {
        id: 4007,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "PowerShell",
        pattern: r"\b(invoke-(webrequest|expression|command|restmethod|item|wmimethod|shellcode)|iex|iwr|irm|start-process|new-object\s+(system\.)?net\.webclient|downloadstring|downloadfile|-encodedcommand|frombase64string|set-executionpolicy|get-wmiobject)\b",
    },
    Rule {
        id: 4008,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "Windows batch control flow",
        pattern: r"\bfor\s+(/[a-z]\s+)?(\x22[^\x22]*\x22\s+)?(\S+\s+)?%%?\S+\s+in\s*\(|\bif\s+(/i\s+)?(not\s+)?(exist|defined|errorlevel|cmdextversion)\b|\bif\s+.+?\s(geq|leq|gtr|lss|equ|neq)\s|\bif\s+\x22[^\x22]*\x22\s*==|\bif\s+\S+==\S+|@echo\b|\bset\s+/[ap]\b|\bgoto\s+:?[a-z_]\w*|%[a-z_]{2,}%",
    },
    Rule {
        id: 4009,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "reverse shell",
        pattern: r"\s-e\s+(/bin/)?(ba|z|k)?sh\b|\bnc\b.*?\s-[a-z]*e\s|\bsocat\b.*?\bexec:|\bbash\s+-i\b|>\s*&\s*/dev/",
    },
    Rule {
        id: 4010,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "file name hidden behind shell globbing",
        pattern: r"/[a-z]*[?*\[][a-z?*\[\]]*/[a-z?*\[\].]+|/(bin|etc|usr|dev|proc|tmp|var|sbin)/[a-z]*[?*\[][a-z?*\[\]]*",
    },
    Rule {
        id: 4011,
        category: Rce,
        severity: Error,
        target: Value,
        description: "shell alias or function definition",
        pattern: r"\balias\s+['\x22]?[\w-]+['\x22]?\s*=|\b\w+\s*\(\s*\)\s*\{\s*[a-z]",
    },
    Rule {
        id: 4012,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "interpreter or wrapper with a command",
        pattern: r"^\s*(bash|sh|zsh|ksh|dash|python[23]?|perl|ruby|php|node|lua)\s+-[a-z]\b|^\s*(nohup|strace|ltrace|sudo|xargs)\s+[a-z/]|^\s*(ansible(-[a-z]+)?|cscli|kubectl|terraform|chef-[a-z]+)\s",
    },
    // --- PHP ---
    Rule {
        id: 5001,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP opening tag",
        pattern: r"<\?(php|=)|<\?\s*$|\{/?php\}|\[php\]|<script\s+language\s*=\s*['\x22]?php",
    },
    Rule {
        id: 5002,
        category: Php,
        severity: Critical,
        target: Value,
        description: "dangerous PHP function",
        pattern: r"\b(system|exec|assert)\s*\(\s*([\x22'$@`]|[a-z_]\w*\s*\()|\b(shell_exec|passthru|popen|proc_open|pcntl_exec|create_function|call_user_func(_array)?|base64_decode|gzinflate|gzuncompress|str_rot13|file_put_contents|move_uploaded_file|phpinfo|fsockopen|pfsockopen|array_map|preg_replace|highlight_file|show_source|php_uname|posix_\w+|ini_set|putenv|unserialize|var_dump|print_r|chr\(\d+\)\.chr)\s*\(",
    },
    Rule {
        id: 5003,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP superglobal or variable variable",
        pattern: r"\$_(get|post|request|cookie|server|files|env|session|globals)\b|\$globals\b|\$\s*\{\s*\$|\$\w+\s*\(\s*\$",
    },
    Rule {
        id: 5004,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP serialized object",
        pattern: r#"\b[oc]:\d+:"[a-z_\\\d]+":\d+:\{|\ba:\d+:\{[si]:\d+"#,
    },
    Rule {
        id: 5005,
        category: Php,
        severity: Error,
        target: Value,
        description: "PHP code construct",
        pattern: r"\b(eval|include|include_once|require|require_once|file_get_contents|fopen|fwrite|readfile|file|glob|opendir|scandir)\s*\(.*[$'\x22]|\becho\s+['\x22$]|\bsess_[a-z0-9]{20,}",
    },
    Rule {
        id: 5006,
        category: Php,
        severity: Critical,
        target: Value,
        description: "obfuscated PHP call",
        pattern: r"\(\s*['\x22]?(system|exec|shell_exec|passthru|popen|proc_open|assert|eval|phpinfo|create_function)['\x22]?\s*\)\s*\(|\{php\}|\[/?php\]|\$\w+\s*->\s*\$\w+\s*\(|\bget_defined_(vars|functions|constants)\s*\(|\bcurl_(init|exec|setopt)\s*\(|\b(fsockopen|stream_socket_client|pcntl_fork|posix_getpwuid)\s*\(",
    },
    Rule {
        id: 5007,
        category: Php,
        severity: Error,
        target: Value,
        description: "variable expansion",
        pattern: r"\$\{\s*[a-z_]\w*\s*\}",
    },
    Rule {
        id: 5008,
        category: Php,
        severity: Critical,
        target: Value,
        description: "call through a variable or array element",
        pattern: r"\$[a-z_]\w*\s*(\[[^\]]{0,20}\]|\{[^}]*?\})+\s*\(|(^|[^\w$])\$[a-z_]\w*\s*\(\s*['\x22$@\w]",
    },
    Rule {
        id: 5009,
        category: Php,
        severity: Error,
        target: Value,
        description: "PHP file function call",
        pattern: r"\b(fopen|file_exists|file_get_contents|readfile|fwrite|fputs|unlink|rmdir|chmod|tempnam|tmpfile|is_writable|opendir|readdir|scandir|highlight_file|show_source|parse_ini_file|get_cfg_var|ini_get_all)\s*\(",
    },
    Rule {
        id: 5010,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP session file name",
        pattern: r"(^|/)sess_[a-z0-9]{20,}$",
    },
    // --- Java ---
    Rule {
        id: 6001,
        category: Java,
        severity: Critical,
        target: Value,
        description: "JNDI lookup (Log4Shell)",
        pattern: r"\$\{[^}]*?(jndi|ldap|rmi|dns|iiop|corba|nds|nis)[^}]*?:|\$\{\s*(\$\{|lower:|upper:|::-|env:|sys:|java:|date:|main:|base64:|ctx:|bundle:|docker:|k8s:|spring:)",
    },
    Rule {
        id: 6002,
        category: Java,
        severity: Critical,
        target: Value,
        description: "Java runtime and reflection classes",
        pattern: r"\bjava\.(lang|io|util|net|nio|beans|rmi|security|sql|text)\.[a-z]|\b(com\.opensymphony|org\.apache\.(commons|struts|xalan|xerces|log4j|catalina|tomcat)|com\.sun\.|sun\.(misc|reflect)|javax\.)|java\.(lang\.(runtime|processbuilder|system|class|reflect|thread|classloader)|io\.(file|objectinputstream|filteroutputstream|fileoutputstream|fileinputstream|printwriter|bufferedreader|inputstream|outputstream)|net\.(url|socket|urlclassloader)|util\.(scanner|base64)|beans\.(xmldecoder|expression)|rmi\.)|javax\.(script|naming|management)|\.getruntime\s*\(|\bprocessbuilder\b|\bgetclass\s*\(|\bforname\s*\(|\bgetmethod\s*\(|\.invoke\s*\(|\bclassloader\b|\bscriptengine",
    },
    Rule {
        id: 6003,
        category: Java,
        severity: Critical,
        target: Value,
        description: "OGNL or expression-language injection",
        pattern: r"%\{\s*[#(]|#_memberaccess|@ognl|ognl\.|#context\[|@java\.|\$\{\s*#|#\{\s*[\w.]+\s*\(|\bt\s*\(\s*java\.|new\s+java\.|\.newinstance\s*\(|xwork\.|opensymphony",
    },
    Rule {
        id: 6004,
        category: Java,
        severity: Critical,
        target: Value,
        description: "Java serialized object",
        pattern: r"\baced0005|\bro0ab",
    },
    Rule {
        id: 6005,
        category: Java,
        severity: Critical,
        target: Name,
        description: "Spring class-loader manipulation (Spring4Shell)",
        pattern: r"class\.(module|classloader|protectiondomain)|\.classloader\.|^class\[|\bclass\.\w+\.(resources|context)",
    },
    Rule {
        id: 6006,
        category: Java,
        severity: Critical,
        target: Value,
        description: "deserialisation gadget class",
        pattern: r"\b(org\.apache\.commons\.collections|org\.apache\.xalan|com\.sun\.(rowset|org\.apache)|org\.codehaus\.groovy|bsh\.interpreter|com\.mchange\.v2|org\.springframework\.(beans|context)|sun\.misc|org\.hibernate|invokertransformer|chainedtransformer|constanttransformer|instantiatetransformer|templatesimpl|jdbcrowsetimpl|whileclosure|clonetransformer|forclosure|prototypeclonefactory|prototypeserializationfactory|instantiatefactory)\b",
    },
    // --- Node.js, SSTI, NoSQL, other injections ---
    Rule {
        id: 7001,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "Node.js code injection",
        pattern: r"_\$\$nd_func\$\$_|require\s*\(\s*['\x22`](child_process|fs|net|vm|os)['\x22`]|process\s*\.\s*(env|mainmodule|binding|exit|kill)|child_process|\.execsync\s*\(|\.spawnsync\s*\(|__proto__|constructor\s*(\.|\[\s*['\x22])\s*prototype|\bnew\s+function\s*\(|\bfunction\s*\(\s*\)\s*\{\s*return\s+this|\brequire\s*\[|global\.process|\bprocess\.(env|argv|cwd)",
    },
    Rule {
        id: 7002,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "server-side template injection",
        pattern: r"\{\{.*?(__class__|__mro__|__subclasses__|__globals__|__builtins__|__import__|__init__|config\.|self\.|request\.|lipsum|cycler|joiner|namespace|\|attr|\d+\s*\*\s*\d+|range\(|\.constructor).*?\}\}|\$\{\s*\d+\s*[*+]\s*\d+\s*\}|#\{\s*\d+\s*[*+]\s*\d+\s*\}|<%=?\s*\d+\s*[*+]\s*\d+\s*%>|\{%\s*(import|include|extends|macro|set|for|if|print)\b|\$\{\s*[a-z_]+\.(getclass|class|forname|runtime)",
    },
    Rule {
        id: 7003,
        category: Generic,
        severity: Critical,
        target: Name,
        description: "NoSQL operator in a field name",
        pattern: r"\[\s*\$(ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|or|and|not|nor|expr|elemmatch|function)\s*\]|^\$(ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|or|and|not|nor|expr|function)$",
    },
    Rule {
        id: 7004,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "NoSQL server-side JavaScript",
        pattern: r"\$where\b|\bdb\.\w+\.(find|insert|remove|drop)\s*\(|\bthis\.\w+\s*==|\bsleep\s*\(\s*\d{3,}",
    },
    Rule {
        id: 7005,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "denial-of-service loop",
        pattern: r"\bwhile\s*\(\s*(true\b|1\s*\)|!+\s*\w*|!0|\(+\s*true)|\bfor\s*\(\s*;\s*;\s*\)",
    },
    Rule {
        id: 7006,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "Perl and Ruby code injection",
        pattern: r"@\{\s*\[.*\]\s*\}|\bgetpwuid\s*\(|\bsystem\s*\(\s*['\x22]|\bkernel\.(exec|system|open)|\bio\.popen\b|%x\{|\bexec\s*\(\s*['\x22]",
    },
    Rule {
        id: 7007,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "LDAP or XPath injection",
        pattern: r"\*\)\s*\(\s*[|&!]|\)\s*\(\s*\|\s*\(|['\x22]\s*or\s+['\x22]?\w+['\x22]?\s*=\s*['\x22]?\w*\s*\]|\bcount\s*\(\s*/|\bname\s*\(\s*/\s*\*",
    },
    Rule {
        id: 7008,
        category: Xxe,
        severity: Critical,
        target: Value,
        description: "XML external entity",
        pattern: r"<!doctype[^>]*?\[|<!entity|\bsystem\s+['\x22](file|https?|php|expect|ftp|jar|netdoc|gopher)|xinclude|<xi:include",
    },
    // --- Session fixation ---
    Rule {
        id: 8001,
        category: SessionFixation,
        severity: Critical,
        target: Value,
        description: "cookie set through a parameter",
        pattern: r"\.cookie\b.*?;\s*(expires|domain|path)\s*=|http-equiv\W+set-cookie|\bset-cookie\s*:",
    },
    Rule {
        id: 8002,
        category: SessionFixation,
        severity: Critical,
        target: Name,
        description: "session id in a parameter",
        pattern: r"^(jsessionid|phpsessid|aspsessionid\w*|asp\.net_sessionid|cfid|cftoken|sessionid|session_id|sid|laravel_session|ci_session|connect\.sid|symfony|sails\.sid|rack\.session|_session_id|[a-z]+_session)$",
    },
    // --- Probes for software Bolwerk is not ---
    Rule {
        id: 8102,
        category: Probe,
        severity: Critical,
        target: Path,
        description: "server-side script or secret file",
        pattern: r"\.(php\d?|phtml|phar|asp|aspx|ashx|asmx|axd|jsp|jspx|do|action|cgi|pl|py|rb|sh|bash|exe|dll|bat|cmd|bak|backup|old|orig|save|swp|swo|tmp|sql|sqlite|sqlite3|db|mdb|dbf|log|ini|conf|cfg|config|pem|key|crt|p12|pfx|jks|keystore|war|ear|yml|yaml|inc|dist|lock)(~|\.\w+)?$|~$",
    },
    Rule {
        id: 8103,
        category: Probe,
        severity: Critical,
        target: Path,
        description: "well-known application probe",
        pattern: r"^/(wp-admin|wp-login|wp-content|wp-includes|wp-json|xmlrpc|phpmyadmin|pma|myadmin|mysqladmin|adminer|administrator|cgi-bin|cgi|server-status|server-info|actuator|solr|jenkins|manager/html|owa|ecp|autodiscover|vendor|boaform|hnap1|console|jmx-console|web-console|invoker|axis2|cfide|telescope|_ignition|horde|roundcube|webmail|shell|cmd|debug|elmah|trace\.axd|containers|druid|nacos|geoserver)(/|$|\.)",
    },
    // --- Tools ---
    Rule {
        id: 8201,
        category: Scanner,
        severity: Critical,
        target: UserAgent,
        description: "attack tool user agent",
        pattern: r"\b(nikto|sqlmap|nmap|masscan|zgrab|nuclei|acunetix|wpscan|dirbuster|gobuster|dirb|ffuf|feroxbuster|w3af|havij|arachni|openvas|netsparker|jorgee|zmeu|morfeus|whatweb|wfuzz|hydra|paros|webinspect|appscan|commix|xsstrike|jaeles|skipfish|fimap|grabber|nessus|qualys|vega|zap/|owasp zap|nstealth|bsqlbf|sqlninja|pangolin|webshag|brutus|metasploit|medusa|springenwerk|cgichk|blackwidow|sf\b|struts-pwn)\b",
    },
    Rule {
        id: 2010,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "cookie or domain theft, or DOM reached through brackets",
        pattern: r"\bdocument\s*\.\s*(cookie|domain)\b|\bdocument\s*\.\s*write(ln)?\s*\(|\b(self|top|parent|window|document|globalthis|frames)\s*\[\s*['\x22`]|\(\s*document\s*\)\s*\[",
    },
    Rule {
        id: 2011,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "XSS probe call (alert(1), prompt``)",
        pattern: r"(^|[^.\w])(alert|prompt|confirm)\s*(\(\s*([\d'\x22`)\[]|document|window|origin|location|self|top|this)|`)",
    },
    Rule {
        id: 2012,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "JSFuck, UTF-7 or namespaced script markup",
        pattern: r"\(!\[\]\+\[\]\)|\[\]\[\(|\+!!\[\]|!\+\[\]|\+ad[w4]-|<\s*[a-z]+\s*:\s*(script|vmlframe|image|imagedata|handler|include|svg)\b",
    },
    Rule {
        id: 2013,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "script scheme split by whitespace or entities, or a data URL with markup",
        pattern: r"\bj\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|\bv\s*b\s*s\s*c\s*r\s*i\s*p\s*t\s*:|\bdata\s*:\s*[a-z]*/?[a-z.+-]*\s*(;\s*[a-z0-9=-]*\s*)?,\s*<[a-z!/]",
    },
    Rule {
        id: 1023,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "PostgreSQL/MySQL JSON operators on quoted literals",
        pattern: r"::\s*jsonb?\b|'\s*(->>?|#>>?|@>|<@|\?[|&]?|@[?@]|#-)\s*('|\d|array\b)|\b(or|and)\s+'[\[{]",
    },
    Rule {
        id: 1024,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "value ending in an SQL function call left open",
        pattern: r"(^|[^.\w])(abs|acos|asin|atan2?|ascii|avg|bin|bit_and|bit_length|cast|ceil|ceiling|char|char_length|character_length|charindex|chr|coalesce|compress|concat|concat_ws|conv|convert|cos|cot|count|crc32|current_date|current_time|current_timestamp|current_user|curdate|curtime|database|date|date_add|date_format|datediff|dayname|db_name|decode|degrees|elt|encode|exp|export_set|extractvalue|field|find_in_set|floor|from_base64|from_unixtime|greatest|group_concat|hex|if|ifnull|inet_aton|inet_ntoa|insert|instr|isnull|last_insert_id|lcase|least|left|length|ln|load_file|locate|log|log10|log2|lower|lpad|ltrim|make_set|md5|mid|mod|now|nullif|oct|octet_length|ord|pi|position|pow|power|quote|radians|rand|repeat|replace|reverse|right|round|rpad|rtrim|schema|schema_name|sec_to_time|session_user|sha1?|sha2|sign|sin|sleep|soundex|space|sqrt|strcmp|substr|substring|substring_index|sysdate|system_user|tan|to_base64|trim|truncate|ucase|uncompress|unhex|upper|user|utc_date|uuid|version|weight_string|xmltype|xmlagg|dbms_\w+|utl_\w+|pg_\w+|sqlite_\w+|json_\w+|day|default|format|in)\s*[^\w\s(]{0,6}\s*\(\s*$|^\s*\)\s*as\s+['\x22]?\w+['\x22]?\s+from\b|\bas\s*['\x22`]\s*from\b",
    },
    Rule {
        id: 1025,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "SQL statement forms no prose has",
        pattern: r"\bselect\s+(sleep|pg_sleep|benchmark|load_file|@@\w+)\b|\bselect\s*\(?\s*(if|char|concat)\s*\(|union(all|distinct)?select|\bdeclare\s+@\w+|\bprocedure\s+analyse\s*\(|\bexecute\s+immediate\b|;\s*(truncate|shutdown)\b|;\s*drop\s+(table|database|user|index|view|procedure|function|schema)\b|\b(or|and)\s*\{\s*(if|fn)\b|\d\.e[.(]|\bif\s*\(\s*\d+\s*=|'\w*'\s*(!=|<>|<=>)\s*'\w*'|\b(information_schema|msysaccessobjects|msysobjects|msysqueries|sysobjects|syscolumns|pg_catalog|pg_shadow|sqlite_master|sqlite_temp_master|dba_users|mysql\.user|schema_name)\b|\b(4294967296|18446744073709551616|2\.225073858507201\d*e-308)\b",
    },
    Rule {
        id: 5013,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP function call: dangerous names anywhere, library prefixes at the end of a value, calls split by comments",
        pattern: r"(call_user_func\w*|fsockopen|gzinflate|gzdecode|gzuncompress|bzdecompress|zlib_decode|shell_exec|str_rot13|proc_open|pcntl_exec|create_function|file_put_contents|move_uploaded_file|highlight_file|show_source|php_uname|base64_decode)\s*\(|(^|[^.\w])(array_\w+|str\w*_\w+|strrev|preg_\w+|mb_\w+|file_\w+|is_\w+|date_\w+|ldap_\w+|odbc_\w+|sodium_\w+|tidy_\w+|zend_\w+|posix_\w+|curl_\w+|openssl_\w+|gethostbyname\w*|gz\w+|bz\w+)\s*\(\s*\)?\s*$|\b(system|exec|passthru|popen|assert|eval|file|readfile|include|require)\s+(//|#)\S*\s+\(|\bfile\s*\(\s*\)|<\?\s+(echo|print|\$|system|exec|passthru|eval|include|require)\b",
    },
    Rule {
        id: 4018,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "shell forms at the start of a value: process substitution, placeholders, function definitions, binary paths, wrapped commands, directory walks",
        pattern: r"^\s*[<>]\(\s*[a-z/$]|^\s*\$\{[a-z_]\w*\}\s*$|^\s*\(\s*\)\s*\{|^\s*/?(usr/(local/)?)?s?bin/[a-z]|^\s*((time|nice|nohup|sudo|env|exec|timeout|busybox|strace)\s+)+[a-z][\w.+-]*\s+-[a-z]|(^|[;&|]\s*)cd\s+(/|\.\./|~|\$)|;\s*[a-z]+\s+(passwd|shadow)\b",
    },
    Rule {
        id: 1026,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "chained condition or subquery fragment, quote then SQL operator",
        pattern: r"\b(and|or|xor)\s+\w+\s*(=|!=|<>|<|>)\s*\(|\b(and|or)\s+\w+\s*=\s*\d+\s*\)|\b(and|or|xor)\s*\(\s*$|--(alter|drop|select|union|insert|update|delete|exec)\b|\x22\s*;\s*(select|insert|update|delete|drop|union|exec|declare|shutdown)\b|'\s*glob\s+\d|'\d+'\s*=\s*'?\d|=\s*\(\s*select\b|('|\xc2\xb4|\xe2\x80[\x98\x99])\s*(is\s+not|not\s+(like|glob|regexp|between|in)|xor|rlike|regexp|sounds\s+like)\b|\bxor\s+(\d|'|\x22)|\bdrop\s+\w+\s*;\s*--|\bor\s+\d+\s*#\s*$|\]\s*=\s*\(\s*$",
    },
    Rule {
        id: 4019,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "subshell, editor command, variable run as a command, or a bare system tool",
        pattern: r"([;|`\n]|&&|\|\|)\s*\(\s*[a-z]|(^|[;|&\n])\s*(vi|vim|nvim|ex|view)\s+\S+\s+\+|([;|&\n]|&&)\s*\$\{?[a-z_]\w*\}?(\s|$)|\{[^}]{0,20}\$[a-z]\w*[^}]{0,20},|^\s*((time|nice|nohup|sudo|env|exec|timeout|busybox|strace)\s+)*(whoami|ifconfig|ipconfig|netstat)\s*(-\w+)?\s*$|/\[[a-z/]+\][a-z]|\balias\s+['\x22]?[\w-]+['\x22]?\s*=\s*['\x22]?[a-z]+['\x22]?\s*[;&|]|^\s*(uname|hostname|id|env|set|whoami|curl|wget|nc|ncat|socat|telnet)\s+-{1,2}[a-z]|(^|[\s;|&(])(\x22[a-z]{1,3}\x22[a-z]{1,10}\b|'[a-z]{1,3}'([a-z]{3,10}|[abcefghijklnopqruvwxyz])\b)|\s-exec\s+[a-z/]|^;\s*(env|set|id|w|who|ls|ps|pwd)\s*$",
    },
    Rule {
        id: 2014,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "tagged-template call, breakout from a JS string into a call, CSS script vectors",
        pattern: r"\.\s*(call|apply|bind)\s*`|\$\{\s*(alert|prompt|confirm|eval|navigation|location|document)\b|['\x22]\s*;\s*(settimeout|setinterval|alert|eval|location|document|window|fetch|top|self)\b|-moz-binding\s*:|\bbehavior\s*:\s*url\s*\(|:\s*expression\s*\(",
    },
    Rule {
        id: 1027,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "boolean operator, identifier and comparison left open on a quote; SQL variables",
        pattern: r"(^|[\s(=])(and|or|xor|\|\||&&)\s+[\w.]+\s*(==?|!=|<>)\s*(['\x22]|=|$)|\bset\s+@@?\w+\s*(=|$)|;\s*(drop|delete|update|insert|truncate)\s*$",
    },
    Rule {
        id: 5014,
        category: Php,
        severity: Critical,
        target: Value,
        description: "a value that is one function call split from its parentheses by a comment or control character",
        pattern: r"^\s*[a-z_]\w*(//\S*|#\S*)?\s+\(\s*(\$\w+)?\s*\)\s*;?\s*$",
    },
    Rule {
        id: 7012,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "LDAP filter injection",
        pattern: r"\)\s*\(\s*([|&!]\s*\(?|[\w.-]+\s*[~<>]?=)|\*\)\s*\(\s*[|&]|\)\s*\(+\s*[|&!]\s*\(?\s*[\w.-]+\s*=|\*\s*\(\s*\)\s*[|&]|\*\s*\)\s*\)+\s*$",
    },
    // --- Classes added after the second look at what was missed ---
    Rule {
        id: 1019,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "quote closed, then a statement end or comment",
        pattern: r"('|\xc2\xb4|\xe2\x80[\x98\x99])\s*(;|--|/\*|#(\s|$))|\x22\s*(--|/\*|#(\s|$))",
    },
    Rule {
        id: 1020,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "SQL-only function call",
        pattern: r"(^|[^.\w])(group_concat|concat_ws|extractvalue|updatexml|load_file|pg_sleep|find_in_set|current_user|session_user|system_user|db_name|schema_name|sqlite_\w+|json_(extract|valid|keys|object|array)\w*|benchmark|name_const|master_pos_wait|get_lock|row_count|last_insert_id|connection_id|randomblob|xp_\w+|sp_\w+|utl_\w+|dbms_\w+|waitfor|information_schema\.\w+|current_setting|pg_read_file|pg_read_binary_file|pg_ls_dir|lo_import|lo_export|inet_server_addr)\s*\(",
    },
    Rule {
        id: 1021,
        category: Sqli,
        severity: Error,
        target: Value,
        description: "SQL function call written as code (also Python builtins: alone it does not block)",
        pattern: r"(^|[^.\w])(abs|cast|char|chr|concat|coalesce|compress|uncompress|database|schema|version|ascii|substr|substring|mid|hex|unhex|md5|sha1|sha2|sleep|ifnull|isnull|nullif|ord|conv|elt|instr|locate|lpad|rpad|strcmp|soundex|nchar|varchar|nvarchar|convert|user)\(",
    },
    Rule {
        id: 1022,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "destructive statement or CASE/HAVING structure (pasted SELECTs pass)",
        pattern: r"\b(group|order)\s+by\b.{0,40}\bhaving\b|\bcase\s+when\b.{0,80}\bthen\b|\b(drop|truncate|alter)\s+(table|database|schema|user|column)\b",
    },
    Rule {
        id: 4013,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "command after a separator, with an option, path or variable",
        pattern: r"([;|\n]|(^|[;|&(])\s*`|&&|\|\||\$\(|(^|[^\w&])&[a-z])\s*(sudo\s+|time\s+|nohup\s+|env\s+|exec\s+)*\$?[a-z][\w.+-]{0,24}\s+(-{1,2}[a-z]|\.{0,2}/|~/|\$[a-z{(]|(whoami|uname|ifconfig|ipconfig|hostname|passwd|netstat)\b)",
    },
    Rule {
        id: 4014,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "unusual system tool after a separator",
        pattern: r"([;|\n]|(^|[;|&(])\s*`|&&|\|\||\$\(|(^|[^\w&])&)\s*(/[a-z/]*?/)?(aptitude|apt-get|yum|dnf|apk|rpm|dpkg|pip3?|npm|c89|c99|tcc|g\+\+|clang|cmake|bsdtar|cpio|rsync|scp|sftp|ssh|ftp|curl|wget|w3m|aria2c|tftp|nmap|tcpdump|strace|ltrace|gdb|valgrind|tmux|setarch|taskset|ionice|chroot|unshare|nsenter|capsh|setcap|getcap|umount|losetup|insmod|modprobe|rmmod|iptables|nft|ip6tables|netstat|lsof|fuser|pkill|killall|crontab|systemd-run|initctl|shutdown|reboot|poweroff|useradd|userdel|groupadd|adduser|deluser|chpasswd|visudo|doas|pkexec|runuser|newgrp|base32|base64|xxd|hexdump|uuencode|uudecode|openssl|gpg|7z|rar|unrar|xz|bzip2|lz4|zstd|jq|yq|awk|gawk|mawk|nawk|sed|perl|python\d?(\.\d+)?|irb|php\d?|lua\d?(\.\d)?|nodejs|deno|tclsh|sbcl|elixir|rscript|octave|sqlite3|mysql|psql|mongo|redis-cli|ansible\S*|kubectl|docker|podman|vim|nvim|emacs|csplit|xargs|stdbuf|unbuffer|busybox|toybox|mshta|rundll32|regsvr32|wscript|cscript|msiexec|bcdboot|bcdedit|vssadmin|wevtutil|schtasks|netsh|taskkill|icacls|cacls|bootcfg|diskpart)(\s|\b$|[;|&<>/])",
    },
    Rule {
        id: 4017,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "shell expansion trick",
        pattern: r"\$\[[^\]]*\]|\$\(\(|\{,[\w$'\x22/-]|\$\{?(shell|ifs|home|path|pwd|ps1|bash\w*)\}?\s+-[a-z]|~[+-]\d*$|\$\{[a-z_]+\}\s*[;|&]",
    },
    Rule {
        id: 4016,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "Windows batch control flow with switches",
        pattern: r"\bif\s+/i\s+(not\s+)?\S+\s*==|\bfor\s+(/[a-z]\s+)+%|\bif\s+not\s+\S+\s*==|\bif\s+[(\[]\w+[)\]]\s*==\s*[(\[]",
    },
    Rule {
        id: 5011,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP variable function or string-built call",
        pattern: r"\$\$?\w*\s*(\{[^}]*\})?\s*\[[^()\n]{0,40}\]\s*\(|\$\$\w+\s*\(|\$\s*\{[@\w'\x22.\s$]+\}\s*\(|::\s*\$\w+\s*\(|['\x22][a-z_]{3,}['\x22]\(|\)\s*\(\s*['\x22][a-z_]+['\x22]\s*\)\s*;|\(\s*string\s*\)\s*[\x22'{]|\$\s*\{\s*'",
    },
    Rule {
        id: 5012,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP tag with whitespace, or php.ini directive",
        pattern: r"<\?\s+php\b|^\s*(allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions|open_basedir|safe_mode|engine|extension|zend_extension|opcache\.[a-z_.]+|mbstring\.[a-z_]+|error_log|include_path|sendmail_path|sendmail_from|mail\.log|session\.save_path|upload_tmp_dir|precision|smtp|smtp_port|unserialize_max_depth|memory_limit|extension_dir|max_execution_time|post_max_size|upload_max_filesize|display_errors|log_errors|register_globals|expose_php|assert\.active|phar\.readonly|user_ini\.filename|short_open_tag|output_buffering)\s*=",
    },
    Rule {
        id: 7009,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "request to an internal address in disguise",
        pattern: r"\b[a-z][a-z0-9+.-]{1,15}:/{0,2}(\d{8,10}\b|0x[0-9a-f]{1,8}|0[0-7]{3,}|(0x[0-9a-f]{1,2}\.){1,3}|\d{1,3}\.\d{5,}|\[[0-9a-f:.]*(\]|%)|0\.0\.0\.0|169\.254\.|metadata\.|[a-z0-9.-]*\.internal\b)|^\s*[a-z][a-z0-9+.-]{1,15}:/{0,2}(0\.0\.0\.0|localhost\b|127\.\d)|\b[a-z][a-z0-9+.-]{1,15}://[^/?#\s]*@|://[^/?#]{0,80}@\d{1,3}\.\d|:///?([a-z]/){4,}|\b(local_file|acap|rtmp|gopher|dict|netdoc|jar|phar|expect|glob|ogg|rar|compress\.\w+)://|\bunix:[^|\s]*\|\s*https?://|^\s*(ftps?|sftp|smb|nfs|tftp)://|^(https?|ftps?|file)\?$|^(localhost\d*(\.localdomain\d*)?|127\.0\.0\.1|169\.254\.169\.254|ipv6-localhost|ip6-localhost|ip6-loopback|localtest\.me|lvh\.me|[\w.-]+\.(docker|containers)\.internal|[\w.-]+\.localhost)(:\d+)?(/|$)|^data:[a-z]+/[a-z0-9.+-]+(;base64)?,?",
    },
    Rule {
        id: 7010,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "JavaScript payload",
        pattern: r"\bwhile\s*\(\s*([-+]?infinity|true|1|!0|this|string|new\s+date|\[\]|\{\})\s*\)\s*[;{]|@\{\s*\[|<%=?\s*(if|for|while|end|import|system|exec|eval)\b|__js_function|\bthis\.constructor\.constructor|\bprocess\s*\[|\bconsole\s*\[\s*['\x22]|\bconsole\.\w+\.(call|apply|bind)\s*\(|\bconstructor\s*\(\s*['\x22]return|\beval\s*\(\s*string\.fromcharcode|\bprocess\.(spawn|binding|mainmodule)|\bchild_process\b|\brequire\s*\(\s*['\x22](child_process|fs|net|vm)['\x22]\s*\)",
    },
    Rule {
        id: 7011,
        category: Generic,
        severity: Critical,
        target: Name,
        description: "ORM lookup or prototype path in a parameter name",
        pattern: r"\w__\w+__(i?(contains|startswith|endswith|exact|regex)|gte?|lte?|in|isnull)$|\w__(i?(contains|startswith|endswith|regex)|gte?|lte?|isnull|has_keys?|has_any_keys|contained_by|overlap)$|(^|\[)(constructor|__proto__)\]?\[?prototype",
    },
    // --- Classes added after measuring on public payload collections (session 3) ---
    Rule {
        id: 1029,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "ORDER BY / GROUP BY / HAVING column probing at the start of a value or before a comment",
        pattern: r#"^\s*['"`)]*\s*(order|group)\s+by\s+\d|\b(order|group)\s+by\s+\d+\s*(--|#)|\bhaving\s+\d+\s*(=|<|>)\s*\d"#,
    },
    Rule {
        id: 1030,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "boolean operator joining a tautology of literals, letters or placeholders, or a bare truth value",
        pattern: r#"(^|[\s'"`)(])(or|and|xor|\|\||&&)\s+(not\s+)?\(?\s*([a-z]|'[^']{0,20}'?|"[^"]{0,20}"?|\[\w+\])\s*(=|<>|!=|<=>|\blike\b)\s*\(?\s*([a-z]|'[^']{0,20}|"[^"]{0,20}|n'[^']{0,20}|\[\w+\])(\s|$|[)'"`;#-])|\b(or|and)\s+(true|false)\s*(--|#|;)|\b(or|and)\s+\d+\s*(--|#)|^\s*['"`)]*\s*(or|and)\s+(true|false|not\s|exists\b|\(\s*exists\b)|['"`)]\s*(or|and)\s*\(\s*exists\b|\b(or|and)\s+\d+\s+(not\s+)?between\s+\d+\s+and\s+\d+|\b(or|and)\s+'[^']{0,20}'\s*(not\s+)?in\s*\(\s*'"#,
    },
    Rule {
        id: 1031,
        category: Sqli,
        severity: Critical,
        target: Value,
        description: "SQL administration and stacked statements: stored procedures, identity functions, DDL, backups, string concatenation with a call",
        pattern: r#"\bexec(ute)?\s+(master\.\.|master\.dbo\.)?(xp|sp)_\w+|;\s*select\s+(\*|count\s*\(|@|top\s+\d)|;\s*call\s+[\w.]+\s*\(|;\s*begin\s+[\w.]+\s*\(|\bselect\s+@\w+|\bselect\s+(current_user|session_user|system_user|current_database\s*\(|user\s*\(|version\s*\(|@@)|\bcreate\s+table\s+[\w.]+\s*\(|\bbackup\s+(database|log)\s+\w+\s+to\b|'\s*\|\|\s*[\w.]+\s*\(|^\s*['"`)]*\s*;\s*(select|exec|declare|drop|shutdown|insert|update|delete)\b"#,
    },
    Rule {
        id: 2015,
        category: Xss,
        severity: Critical,
        target: Value,
        description: "script functions passed by reference or reached through computed names",
        pattern: r#"\(\s*(alert|prompt|confirm|eval)\s*\)\s*[(`]|[,=]\s*(alert|prompt|confirm|eval)\s*[,;]|\.\s*(find|map|filter|call|apply|foreach|some|every|then)\s*\(\s*(alert|prompt|confirm|eval)\b|\b(top|self|window|parent|frames|globalthis)\s*\[[^\]]{1,60}\]\s*\(|(^|[^.\w])eval\s*\(\s*([a-z_$][\w.$]*\s*\)|eval\b|atob\b|unescape\b|decodeuri|string\.fromcharcode)|/[^/\s]{1,20}/+\s*\.\s*source\b|['"`]\s*on(abort|blur|change|click|dblclick|error|focus|focusin|input|keydown|keypress|keyup|load|mousedown|mousemove|mouseout|mouseover|mouseup|mouseenter|mouseleave|pointerdown|pointerover|pointerenter|resize|scroll|submit|toggle|unload|animationstart|animationend|transitionend|beforeunload|hashchange|pageshow|popstate|wheel|drag|dragstart|drop|copy|cut|paste|play|pause|loadstart|canplay|ended|begin|end|message|readystatechange)\b"#,
    },
    Rule {
        id: 3005,
        category: Lfi,
        severity: Critical,
        target: Value,
        description: "a value that is an absolute path into system, server or log directories, or to a shell dotfile",
        pattern: r"^\s*(file:/*)?/(etc|usr|var|opt|proc|boot|root|srv|sbin|lib64|apache2?|httpd|nginx|xampp|wamp|lampp|inetpub|winnt|cpanel)/|^\s*(file:/*)?/(bin|lib|dev|sys|logs?|php\d?|mysql|tmp|home/[\w.-]+)/\S*\.(conf|cnf|ini|log|passwd|pem|key|sh|php|asp)\s*$|^\s*(file:/*)?/?[a-z]:/+(windows|winnt|inetpub|boot\.ini|program\s*files|xampp|wamp|apache|php|mysql|documents\s+and\s+settings)\b|^\s*~/\.[a-z][\w.-]*\s*$|/[\w.-]*(access|error|security|audit)[_.]?log\b|\bntuser\.dat\b|^\s*(/|~/)\.(bash\w*|\w+_history|cshrc|tcshrc|zshrc|profile|forward|logout|history|ssh|aws|git|env|htaccess|htpasswd|mysql_history|viminfo|netrc|npmrc|docker|kube|rhosts|login)\b",
    },
    Rule {
        id: 4020,
        category: Rce,
        severity: Critical,
        target: Value,
        description: "Windows or shell reconnaissance command after a separator, or a value that is a command with an option or path",
        pattern: r"([;|`\n]|&&|\|\||&)\s*(dir(\s+[a-z]:|\s+/|\s*$)|net\s+(user|view|localgroup|share|use|start|stop|session|config)\b|reg\s+(add|query|delete|save|export)\b|sysinfo\b|systeminfo\b|tasklist\b|taskkill\b|wmic\b|netsh\b|schtasks\b|pwd\s*($|[;|&])|ipconfig\b|whoami\b)|([;|`\n]|&&|\|\|)\s*id\s*($|[;|&`])|^\s*(ls|dir|cat|ipconfig|ifconfig|netstat|ping|curl|wget|nc|ncat|uname|whoami|ps|net|reg|nslookup|traceroute|tracert)\s+(-{1,2}[a-z]|/[a-z]*|[a-z]:/|https?://|\d+\.\d+\.\d+\.\d+)|^\s*(net\s+view\s*($|/|\\)|net\s+(user|localgroup)\s+\S+(\s+\S+)?\s+/(add|delete|active)|net\s+localgroup\s+administrators|netsh\s+(firewall|advfirewall|interface|wlan)\s|reg\s+(add|query|delete|save)\s+['\x22]?hk|sc\s+(query|config|create|stop|delete)\s|wmic\s+\w+|schtasks\s+/|systeminfo\s*$|tasklist\s*($|/))",
    },
    Rule {
        id: 5015,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP code in string interpolation, or PHP information functions",
        pattern: r"\$\{\s*@?\s*(print|echo|system|eval|exec|phpinfo|passthru|shell_exec|assert|popen|include|require)\b|\b(phpinfo|phpversion|phpcredits|php_uname|getcwd|get_current_user|getmypid|posix_getpwuid|php_sapi_name|ini_get_all)\s*\(",
    },
    Rule {
        id: 7013,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "template expression that calls, indexes, filters or reaches template internals (Jinja2, Twig, FreeMarker, Velocity, Smarty, Razor, Django)",
        pattern: r#"\{\{[^}]{0,120}?(\(|\[|\||'|"|\*|\+|\b_\w+|\.class\b|\bself\b|\brequest\b|\bconfig\b|\bdump\b|\bapp\b|\bsettings\b)[^}]{0,120}\}\}|\$\{[^}]{0,120}?(\?new|\(|\[|\*|\+|getclass|\bclass\.|runtime)[^}]{0,120}\}|[<\[]#(assign|list|if|include|import|macro|function|attempt|setting|local|global|visit|recurse)\b|\{\$?smarty\b|\$smarty\.|\{/?php\}|@\(\s*\d+\s*[*+]\s*\d+\s*\)|\{\s*\d+\s*[*+]\s*\d+\s*\}|\b(_self|_context)\s*(\||\.|$)|\b(globals|locals)\s*\(\s*\)|\bsettings\.(secret_key|databases|debug|installed_apps)\b|\bconstant\s*\(\s*['"][\w\\/]+::|\$(context|field|class)\.(keys|in|forname|inspect|type|tools_version)\b|\bself\._\w+__\w+|#set\s*\(\s*\$|#?execinfo\b"#,
    },
    Rule {
        id: 7014,
        category: Generic,
        severity: Critical,
        target: Value,
        description: "NoSQL query operators or server-side JavaScript in a value",
        pattern: r#"[{,]\s*['"]?\$(ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|or|and|not|nor|expr|elemmatch|comment|text|all|size|type|mod|jsonschema|function|accumulator|lookup)['"]?\s*:|\[\s*\$(ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|or|and|not|nor|expr)\s*\]|\bthis\.\w+\.(match|length|indexof|startswith)\b|(\|\||&&)\s*this\.\w+|;\s*return\s*\(?\s*(true|1|!0|this)\s*\)?\s*(;|$|//|\})"#,
    },
    Rule {
        id: 5016,
        category: Php,
        severity: Critical,
        target: Value,
        description: "PHP file, process and decoding functions called, or a function reached through an array or a built-up name",
        pattern: r#"(^|[^.\w$])(fopen|fread|fwrite|fputs|fgets|fpassthru|file_get_contents|file_put_contents|readfile|filegroup|fileowner|fileperms|fileinode|unlink|symlink|popen|proc_open|passthru|shell_exec|unserialize|create_function|hex2bin|str_rot13|gzinflate|gzuncompress|pcntl_exec|posix_kill|posix_setuid|ini_set|set_include_path|stream_get_contents|curl_exec|dl)\s*\(|\[\s*['"]?[a-z_]\w*['"]?\s*\]\s*\)?\s*\[\s*\d+\s*\]\s*\)?\s*(\{[^}]*\}\s*)?\(|\(\s*['"]?\w+['"]?\s*(\.\s*\(?\s*['"]?\w+['"]?\s*\)?\s*)+\)\s*\(\s*['"@$]"#,
    },
    Rule {
        id: 3006,
        category: Lfi,
        severity: Critical,
        target: Value,
        description: "a value that names a configuration or credentials file",
        pattern: r"^\s*[\w./-]*\b(config|configuration|database|db|dbase|settings|local_settings|wp-config|credentials|secrets?|connection|conn)([._-][a-z0-9]+)*\.(php\d?|asp|aspx|jsp|js|inc|ini|ya?ml|json|xml|conf|cfg|env|properties|py|rb)\s*$",
    },
];
