# admin-rules: the shield's rules as the Security and Rules pages show them, by their stable
# id (`rule-1002`), and their classes and severities. The English is the shield's own text.

## Classes

rule-cat-sqli = SQL injection
rule-cat-xss = cross-site scripting
rule-cat-lfi = path traversal and file inclusion
rule-cat-rfi = remote inclusion and SSRF
rule-cat-rce = command injection
rule-cat-php = PHP injection
rule-cat-java = Java injection
rule-cat-generic = other injection
rule-cat-xxe = XML external entities
rule-cat-session-fixation = session fixation
rule-cat-protocol = HTTP protocol
rule-cat-probe = probe
rule-cat-scanner = attack tool

## Severities

rule-sev-notice = notice
rule-sev-warning = warning
rule-sev-error = error
rule-sev-critical = critical

## 1xxx

rule-1001 = SQL injection (libinjection fingerprint)
rule-1002 = UNION SELECT
rule-1003 = time-based blind SQL injection
rule-1004 = database catalogue access
rule-1005 = tautology after a quote
rule-1006 = stacked query
rule-1007 = quote closed by a SQL comment
rule-1008 = SQL file and command functions
rule-1009 = numeric tautology
rule-1010 = SQL environment probing
rule-1011 = SQL string building functions
rule-1012 = ORDER BY / GROUP BY column probing
rule-1013 = SELECT ... FROM
rule-1014 = hex-encoded string or SQL keyword after a quote
rule-1015 = SQL keyword glued to a quote
rule-1016 = SQL function call
rule-1017 = PostgreSQL and JSON operators
rule-1018 = comparison with a subquery
rule-1019 = quote closed, then a statement end or comment
rule-1020 = SQL-only function call
rule-1021 = SQL function call written as code (also Python builtins: alone it does not block)
rule-1022 = destructive statement or CASE/HAVING structure (pasted SELECTs pass)
rule-1023 = PostgreSQL/MySQL JSON operators on quoted literals
rule-1024 = value ending in an SQL function call left open
rule-1025 = SQL statement forms no prose has
rule-1026 = chained condition or subquery fragment, quote then SQL operator
rule-1027 = boolean operator, identifier and comparison left open on a quote; SQL variables
rule-1028 = SQL comment as whitespace, executed MySQL comment, or a quote closed by a comment
rule-1029 = ORDER BY / GROUP BY / HAVING column probing at the start of a value or before a comment
rule-1030 = boolean operator joining a tautology of literals, letters or placeholders, or a bare truth value
rule-1031 = SQL administration and stacked statements: stored procedures, identity functions, DDL, backups, string concatenation with a call

## 2xxx

rule-2001 = Cross-site scripting (libinjection)
rule-2002 = script-capable HTML element
rule-2003 = event handler attribute
rule-2004 = script URL scheme
rule-2005 = HTML element that loads or runs content
rule-2006 = DOM access typical of XSS
rule-2007 = CSS and legacy script vectors
rule-2008 = script function call
rule-2009 = server-side include
rule-2010 = cookie or domain theft, or DOM reached through brackets
rule-2011 = XSS probe call (alert(1), prompt``)
rule-2012 = JSFuck, UTF-7 or namespaced script markup
rule-2013 = script scheme split by whitespace or entities, or a data URL with markup
rule-2014 = tagged-template call, breakout from a JS string into a call, CSS script vectors
rule-2015 = script functions passed by reference or reached through computed names

## 3xxx

rule-3001 = path traversal
rule-3002 = sensitive system file
rule-3003 = stream wrapper
rule-3004 = path traversal in the path
rule-3005 = a value that is an absolute path into system, server or log directories, or to a shell dotfile
rule-3006 = a value that names a configuration or credentials file
rule-3101 = remote include from an IP address
rule-3102 = remote URL ending in a query mark or a script file
rule-3103 = server-side request forgery target
rule-3104 = URL to a local address

## 4xxx

rule-4001 = chained shell command
rule-4002 = chained shell command with a path or option
rule-4003 = shell interpreter or shell trick
rule-4004 = Shellshock
rule-4005 = command substitution
rule-4006 = Windows batch loop
rule-4007 = PowerShell
rule-4008 = Windows batch control flow
rule-4009 = reverse shell
rule-4010 = file name hidden behind shell globbing
rule-4011 = shell alias or function definition
rule-4012 = interpreter or wrapper with a command
rule-4013 = command after a separator, with an option, path or variable
rule-4014 = unusual system tool after a separator
rule-4015 = Mail or FTP protocol commands after a line break
rule-4016 = Windows batch control flow with switches
rule-4017 = shell expansion trick
rule-4018 = shell forms at the start of a value: process substitution, placeholders, function definitions, binary paths, wrapped commands, directory walks
rule-4019 = subshell, editor command, variable run as a command, or a bare system tool
rule-4020 = Windows or shell reconnaissance command after a separator, or a value that is a command with an option or path

## 5xxx

rule-5001 = PHP opening tag
rule-5002 = dangerous PHP function
rule-5003 = PHP superglobal or variable variable
rule-5004 = PHP serialized object
rule-5005 = PHP code construct
rule-5006 = obfuscated PHP call
rule-5007 = variable expansion
rule-5008 = call through a variable or array element
rule-5009 = PHP file function call
rule-5010 = PHP session file name
rule-5011 = PHP variable function or string-built call
rule-5012 = PHP tag with whitespace, or php.ini directive
rule-5013 = PHP function call: dangerous names anywhere, library prefixes at the end of a value, calls split by comments
rule-5014 = a value that is one function call split from its parentheses by a comment or control character
rule-5015 = PHP code in string interpolation, or PHP information functions
rule-5016 = PHP file, process and decoding functions called, or a function reached through an array or a built-up name

## 6xxx

rule-6001 = JNDI lookup (Log4Shell)
rule-6002 = Java runtime and reflection classes
rule-6003 = OGNL or expression-language injection
rule-6004 = Java serialized object
rule-6005 = Spring class-loader manipulation (Spring4Shell)
rule-6006 = deserialisation gadget class
rule-6010 = Base64-encoded Java deserialisation gadget

## 7xxx

rule-7001 = Node.js code injection
rule-7002 = server-side template injection
rule-7003 = NoSQL operator in a field name
rule-7004 = NoSQL server-side JavaScript
rule-7005 = denial-of-service loop
rule-7006 = Perl and Ruby code injection
rule-7007 = LDAP or XPath injection
rule-7008 = XML external entity
rule-7009 = request to an internal address in disguise
rule-7010 = JavaScript payload
rule-7011 = ORM lookup or prototype path in a parameter name
rule-7012 = LDAP filter injection
rule-7013 = template expression that calls, indexes, filters or reaches template internals (Jinja2, Twig, FreeMarker, Velocity, Smarty, Razor, Django)
rule-7014 = NoSQL query operators or server-side JavaScript in a value

## 8xxx

rule-8001 = cookie set through a parameter
rule-8002 = session id in a parameter
rule-8101 = Hidden file or directory (/.env, /.git/)
rule-8102 = server-side script or secret file
rule-8103 = well-known application probe
rule-8201 = attack tool user agent

## 9xxx

rule-9001 = Method other than GET, HEAD, POST, OPTIONS
rule-9002 = Ambiguous framing (Content-Length with Transfer-Encoding)
rule-9003 = Missing or repeated Host
rule-9004 = Request body of a type Bolwerk never accepts
rule-9005 = Charset other than UTF-8, ASCII or Latin-1
rule-9006 = NUL or control bytes in the path or an argument
rule-9007 = More byte ranges than any player needs
rule-9008 = Method override (_method=, X-HTTP-Method-Override)
rule-9009 = A body on a GET or HEAD request
rule-9010 = Overlong UTF-8 or %u-encoded fullwidth characters
rule-9011 = HTTP request line, header or response after a line break
