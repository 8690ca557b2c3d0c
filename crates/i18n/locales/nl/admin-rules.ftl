# admin-rules: de regels van het shield zoals de pagina's Beveiliging en Regels ze tonen, op hun
# vaste nummer (`rule-1002`), en hun soorten en ernst. Namen van aanvallen, functies en
# headers blijven zoals ze zijn.

## Soorten

rule-cat-sqli = SQL-injectie
rule-cat-xss = cross-site scripting
rule-cat-lfi = path traversal en bestandsinclusie
rule-cat-rfi = inclusie op afstand en SSRF
rule-cat-rce = commando-injectie
rule-cat-php = PHP-injectie
rule-cat-java = Java-injectie
rule-cat-generic = overige injectie
rule-cat-xxe = XML external entities
rule-cat-session-fixation = sessiefixatie
rule-cat-protocol = HTTP-protocol
rule-cat-probe = verkenning
rule-cat-scanner = aanvalstool

## Ernst

rule-sev-notice = melding
rule-sev-warning = waarschuwing
rule-sev-error = fout
rule-sev-critical = kritiek

## 1xxx

rule-1001 = SQL-injectie (vingerafdruk van libinjection)
rule-1002 = UNION SELECT
rule-1003 = tijdgebaseerde blinde SQL-injectie
rule-1004 = toegang tot de databasecatalogus
rule-1005 = tautologie na een aanhalingsteken
rule-1006 = gestapelde query
rule-1007 = aanhalingsteken afgesloten met SQL-commentaar
rule-1008 = SQL-functies voor bestanden en commando's
rule-1009 = numerieke tautologie
rule-1010 = aftasten van de SQL-omgeving
rule-1011 = SQL-functies die tekenreeksen opbouwen
rule-1012 = kolommen aftasten met ORDER BY / GROUP BY
rule-1013 = SELECT ... FROM
rule-1014 = hexadecimaal gecodeerde tekenreeks of SQL-sleutelwoord na een aanhalingsteken
rule-1015 = SQL-sleutelwoord direct aan een aanhalingsteken vast
rule-1016 = aanroep van een SQL-functie
rule-1017 = PostgreSQL- en JSON-operatoren
rule-1018 = vergelijking met een subquery
rule-1019 = aanhalingsteken afgesloten, dan het einde van een statement of commentaar
rule-1020 = aanroep van een functie die alleen SQL kent
rule-1021 = SQL-functieaanroep geschreven als code (ook ingebouwde Python-functies; blokkeert niet op zichzelf)
rule-1022 = destructief statement of CASE/HAVING-structuur (geplakte SELECTs komen erdoor)
rule-1023 = JSON-operatoren van PostgreSQL/MySQL op letterlijke tekst tussen aanhalingstekens
rule-1024 = waarde die eindigt op een open gelaten SQL-functieaanroep
rule-1025 = SQL-statementvormen die in gewone tekst niet voorkomen
rule-1026 = aaneengeregen voorwaarde of stuk subquery: aanhalingsteken, dan een SQL-operator
rule-1027 = booleaanse operator, naam en vergelijking open gelaten na een aanhalingsteken; SQL-variabelen
rule-1028 = SQL-commentaar als spatie, uitgevoerd MySQL-commentaar, of een aanhalingsteken afgesloten met commentaar
rule-1029 = kolommen aftasten met ORDER BY / GROUP BY / HAVING aan het begin van een waarde of voor commentaar
rule-1030 = booleaanse operator die een tautologie van letterlijke waarden, letters of plaatshouders verbindt, of een losse waarheidswaarde
rule-1031 = SQL-beheer en gestapelde statements: opgeslagen procedures, identiteitsfuncties, DDL, back-ups, tekst samengevoegd met een aanroep

## 2xxx

rule-2001 = cross-site scripting (libinjection)
rule-2002 = HTML-element dat scripts kan uitvoeren
rule-2003 = attribuut met een event handler
rule-2004 = URL-schema dat een script uitvoert
rule-2005 = HTML-element dat inhoud laadt of uitvoert
rule-2006 = DOM-toegang zoals bij XSS
rule-2007 = CSS en verouderde scriptvectoren
rule-2008 = aanroep van een scriptfunctie
rule-2009 = server-side include
rule-2010 = diefstal van cookie of domein, of de DOM bereikt via haakjes
rule-2011 = aanroep om XSS af te tasten (alert(1), prompt``)
rule-2012 = JSFuck, UTF-7 of scriptopmaak met namespace
rule-2013 = scriptschema gesplitst door witruimte of entiteiten, of een data-URL met opmaak
rule-2014 = aanroep via een tagged template, uitbraak uit een JS-tekenreeks naar een aanroep, CSS-scriptvectoren
rule-2015 = scriptfuncties doorgegeven als verwijzing of bereikt via berekende namen

## 3xxx

rule-3001 = path traversal
rule-3002 = gevoelig systeembestand
rule-3003 = stream wrapper
rule-3004 = path traversal in het pad
rule-3005 = een waarde die een absoluut pad is naar systeem-, server- of logmappen, of naar een dotfile van de shell
rule-3006 = een waarde die een configuratie- of wachtwoordbestand noemt
rule-3101 = include op afstand vanaf een IP-adres
rule-3102 = URL op afstand die eindigt op een vraagteken of een scriptbestand
rule-3103 = doelwit voor server-side request forgery
rule-3104 = URL naar een lokaal adres

## 4xxx

rule-4001 = aaneengeregen shellcommando
rule-4002 = aaneengeregen shellcommando met een pad of optie
rule-4003 = shellinterpreter of shelltruc
rule-4004 = Shellshock
rule-4005 = commandosubstitutie
rule-4006 = lus in een Windows-batchbestand
rule-4007 = PowerShell
rule-4008 = besturingsopdrachten van Windows-batch
rule-4009 = reverse shell
rule-4010 = bestandsnaam verstopt achter shell-globbing
rule-4011 = definitie van een shellalias of -functie
rule-4012 = interpreter of wrapper met een commando
rule-4013 = commando na een scheidingsteken, met een optie, pad of variabele
rule-4014 = ongebruikelijk systeemprogramma na een scheidingsteken
rule-4015 = mail- of FTP-protocolcommando's na een regeleinde
rule-4016 = besturingsopdrachten van Windows-batch met switches
rule-4017 = shell-expansietruc
rule-4018 = shellvormen aan het begin van een waarde: processubstitutie, plaatshouders, functiedefinities, paden naar programma's, verpakte commando's, mappen doorlopen
rule-4019 = subshell, editorcommando, variabele uitgevoerd als commando, of een los systeemprogramma
rule-4020 = verkenningscommando van Windows of de shell na een scheidingsteken, of een waarde die een commando met een optie of pad is

## 5xxx

rule-5001 = PHP-openingstag
rule-5002 = gevaarlijke PHP-functie
rule-5003 = PHP-superglobal of variabele variabele
rule-5004 = geserialiseerd PHP-object
rule-5005 = PHP-codeconstructie
rule-5006 = verhulde PHP-aanroep
rule-5007 = variabele-expansie
rule-5008 = aanroep via een variabele of array-element
rule-5009 = aanroep van een PHP-bestandsfunctie
rule-5010 = naam van een PHP-sessiebestand
rule-5011 = variabele functie in PHP of aanroep opgebouwd uit tekst
rule-5012 = PHP-tag met witruimte, of een php.ini-instelling
rule-5013 = PHP-functieaanroep: gevaarlijke namen overal, bibliotheekvoorvoegsels aan het einde van een waarde, aanroepen gesplitst door commentaar
rule-5014 = een waarde die één functieaanroep is, van zijn haakjes gescheiden door commentaar of een stuurteken
rule-5015 = PHP-code in tekstinterpolatie, of PHP-functies die informatie geven
rule-5016 = PHP-functies voor bestanden, processen en decoderen aangeroepen, of een functie bereikt via een array of een opgebouwde naam

## 6xxx

rule-6001 = JNDI-lookup (Log4Shell)
rule-6002 = Java-klassen voor runtime en reflectie
rule-6003 = injectie via OGNL of expression language
rule-6004 = geserialiseerd Java-object
rule-6005 = manipulatie van de Spring-classloader (Spring4Shell)
rule-6006 = klasse die als deserialisatie-gadget dient
rule-6010 = Base64-gecodeerd Java-deserialisatie-gadget

## 7xxx

rule-7001 = code-injectie in Node.js
rule-7002 = server-side template injection
rule-7003 = NoSQL-operator in een veldnaam
rule-7004 = server-side JavaScript in NoSQL
rule-7005 = lus voor denial-of-service
rule-7006 = code-injectie in Perl en Ruby
rule-7007 = LDAP- of XPath-injectie
rule-7008 = XML external entity
rule-7009 = verzoek naar een vermomd intern adres
rule-7010 = JavaScript-payload
rule-7011 = ORM-lookup of prototypepad in een parameternaam
rule-7012 = injectie in een LDAP-filter
rule-7013 = template-expressie die aanroept, indexeert, filtert of bij de binnenkant van de template komt (Jinja2, Twig, FreeMarker, Velocity, Smarty, Razor, Django)
rule-7014 = NoSQL-queryoperatoren of server-side JavaScript in een waarde

## 8xxx

rule-8001 = cookie gezet via een parameter
rule-8002 = sessie-id in een parameter
rule-8101 = verborgen bestand of map (/.env, /.git/)
rule-8102 = server-side script of geheim bestand
rule-8103 = verkenning van bekende applicaties
rule-8201 = user agent van een aanvalstool

## 9xxx

rule-9001 = andere methode dan GET, HEAD, POST, OPTIONS
rule-9002 = dubbelzinnige framing (Content-Length met Transfer-Encoding)
rule-9003 = Host ontbreekt of staat er meer dan eens
rule-9004 = verzoek met een body van een type dat Bolwerk nooit aanneemt
rule-9005 = andere tekenset dan UTF-8, ASCII of Latin-1
rule-9006 = NUL- of stuurtekens in het pad of een argument
rule-9007 = meer bytebereiken dan welke speler ook nodig heeft
rule-9008 = methode-override (_method=, X-HTTP-Method-Override)
rule-9009 = een body bij een GET- of HEAD-verzoek
rule-9010 = te lange UTF-8-codering of %u-gecodeerde tekens van volle breedte
rule-9011 = HTTP-verzoekregel, header of antwoord na een regeleinde
