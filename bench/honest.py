#!/usr/bin/env python3
"""Generate an honest-traffic set in the replay.py JSONL format: what visitors of a small
organisation's site really send. Contact-form messages, search queries, comments and JSON
with natural text in several languages, names like O'Brien, prices, dates, URLs, e-mail
addresses, the code snippets people paste into a form, and look-alikes (honest text with the
words and signs attacks use). Every line has label "benign".

  bench/honest.py > bench/honest.jsonl     (deterministic: a fixed seed)
"""
import json, random, urllib.parse

random.seed(20261127)

NAMES = ["Anneke de Vries", "Mohamed El Amrani", "Joost Bakker", "Seán O'Brien", "Zoë D'Angelo", "François Müller",
         "Ryan O'Neil", "Mary-Jane Watson", "Åsa Lindqvist", "Łukasz Wójcik", "Nguyễn Văn An", "李伟", "Olga Петрова",
         "Fatima Zahra", "Jan-Willem van 't Hof", "Renée Dubois", "María José García", "Ahmet Yılmaz", "Ève Lefèvre"]
EMAILS = ["anneke@example.nl", "j.bakker+news@example.com", "seán.obrien@example.ie", "info@de-linde.example",
          "mary_jane@example.org", "olga@пример.рф", "test.user@sub.example.co.uk"]
MESSAGES = [
    "Hello, I would like to know when the community centre is open on Saturday.",
    "Can I book the hall for a birthday party on 12 April? We're about 40 people.",
    "Hoi! Is de moestuin ook in de winter open? Groetjes, Anneke",
    "Wij willen graag vrijwilliger worden. Wat moeten we doen?",
    "Bonjour, est-ce que vous organisez des cours de français ? Merci d'avance !",
    "Guten Tag, wo kann ich parken? Die Straße ist am Wochenende voll.",
    "¿Hay clases de yoga los martes? ¡Gracias!",
    "Merhaba, gönüllü olmak istiyorum.",
    "Здравствуйте! Можно ли записаться на курс?",
    "مرحبا، هل يمكنني التسجيل في الدورة؟",
    "你好，请问周末开放吗？",
    "I think the 'repair café' is great -- keep it up!",
    "Your site says 9-17 but the door was closed at 16:30; is that right?",
    "My son's name is O'Connor and the form said it was invalid... please fix :)",
    "Price list: coffee €1,50; tea €1,20; cake (homemade) €2,75.",
    "I'd like to donate 50% of our bake-sale profits (approx. $200 / €185).",
    "Q: Is it OK to bring my dog? A: we'd love to know before Saturday.",
    "The link https://www.example.com/events?month=4&year=2026 does not work on my phone.",
    "See my website http://example.org/blog/2026/03/our-garden.html for pictures.",
    "Call me back at +31 (0)6 12 34 56 78, or mail me at anneke@example.nl",
    "Rock 'n' roll night was fantastic!!! <3 Thanks to everyone.",
    "Tom & Jerry; cats & dogs; salt & pepper -- all welcome at the picnic.",
    "We need 2 tables (180x80 cm) and 20 chairs; is that possible?",
    "Re: your newsletter of 3/4 -- the date of the market is wrong (it's the 12th, not the 13th).",
    "Ik vind het \"buurtfeest\" een goed idee, maar niet op zondag.",
    "If you select a size from the drop-down, the order button disappears.",
    "Please update my address: Lindeplein 4, 1234 AB Voorbeeldstad.",
    "Hi -- my code for the raffle is X7-99-AB; did I win? :-)",
    "I love <3 this place. 5 > 3 stars for sure.",
    "When I paste my password (it has a ' and a \" in it) the form says it's wrong.",
    "Our school group (grade 5/6) wants to visit; what's the best day?",
    "Is the room wheelchair-accessible? My mother uses a wheelchair.",
    "Thank you for the lovely evening! Looking forward to the next one.",
    "Where is the 'sale' page? I can't find it via the menu.",
    "Can you send the annual report (PDF) to my e-mail?",
    "Ps. the photo on /news/new-garden is upside down ;)",
    "Order by phone or e-mail -- which one is faster?",
    "1 + 1 = 2, and 2 x 2 = 4: my daughter loved the maths club!",
    "Het bedrag van € 25,- heb ik overgemaakt onder vermelding van \"lidmaatschap 2026\".",
]
SNIPPETS = [
    "My spreadsheet formula =SUM(A1:A10) gives an error, can the computer club help?",
    "In Excel I use =IF(B2>10;\"ok\";\"no\") -- is that the right syntax?",
    "for i in range(10): print(i)  # my first Python program from the course!",
    "I tried <b>bold</b> in the comment field but it showed the tags.",
    "SELECT name FROM members WHERE city = 'Voorbeeldstad' -- we learned this in the SQL course",
    "The course taught us: if (a < b) { return b; } else { return a; }",
    "My HTML for the newsletter: <p>Hello</p> <a href=\"https://example.com\">link</a>",
    "let total = items.map(x => x.price).reduce((a, b) => a + b, 0);",
    "The error was: TypeError: undefined is not a function (line 42)",
    "git clone https://github.com/example/project.git -- is that how we start?",
    "C:\\Users\\Anneke\\Documents\\verslag.docx won't open, help?",
    "Use the shortcut Ctrl+Alt+Del and then choose 'Task Manager'.",
    "The regex ^[a-z]+@[a-z]+\\.[a-z]{2,}$ is what our teacher showed.",
    "echo \"hello world\" was the first thing we typed in the terminal class.",
    "In the course we wrote console.log('Hello') in the browser.",
    "I used the formula a² + b² = c² for the garden plan (3-4-5 triangle).",
]
QUERIES = ["opening hours", "yoga", "repair café", "moestuin", "annual report 2025", "O'Brien", "bake sale",
           "verhuur zaal", "kinderfeest", "what's on", "spring market", "vrijwilligers", "parkeren", "café & bar",
           "\"community centre\"", "2026-04-12", "contact", "donate", "€ 10", "50% off", "c++ course", "c# beginners",
           "select a size", "who we are", "news", "route to Lindeplein", "wheelchair", "Müller", "Ærøskøbing", "日本",
           "free wifi?", "dog-friendly", "10:00-12:00", "yoga & pilates", "kids (6-12)", "e-mail newsletter",
           "i love <3", "tables & chairs", "rock 'n' roll", "het 'buurtfeest'", "python course", "sql course"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
]

def base_headers(extra=()):
    h = [["User-Agent", random.choice(AGENTS)], ["Accept", "text/html,application/xhtml+xml,*/*;q=0.8"],
         ["Accept-Language", random.choice(["nl-NL,nl;q=0.9,en;q=0.8", "en-GB,en;q=0.9", "de-DE,de;q=0.9"])],
         ["Referer", random.choice(["https://localhost/", "https://localhost/contact", "https://www.google.com/"])]]
    h.extend(extra)
    return h

def rec(i, kind, method, uri, headers, body=None):
    return {"id": f"honest-{kind}-{i}", "rule": 0, "file": "honest", "category": kind, "paranoia": 1, "label": "benign",
            "desc": "", "method": method, "uri": uri, "version": "HTTP/1.1", "headers": headers, "body": body, "raw_b64": None}

out, i = [], 0
for _ in range(200):
    i += 1
    form = {"name": random.choice(NAMES), "email": random.choice(EMAILS),
            "message": random.choice(MESSAGES + SNIPPETS) + ("\r\n\r\n" + random.choice(MESSAGES) if random.random() < 0.3 else "")}
    body = urllib.parse.urlencode(form)
    out.append(rec(i, "contact-form", "POST", "/contact", base_headers([["Content-Type", "application/x-www-form-urlencoded"]]), body))
for _ in range(150):
    i += 1
    q = random.choice(QUERIES)
    uri = "/search?" + urllib.parse.urlencode({"q": q, "page": random.randint(1, 3)})
    out.append(rec(i, "search", "GET", uri, base_headers()))
for _ in range(100):
    i += 1
    doc = {"author": random.choice(NAMES), "comment": random.choice(MESSAGES + SNIPPETS),
           "rating": random.randint(1, 5), "tags": random.sample(["garden", "café", "kids", "music", "news"], 2)}
    out.append(rec(i, "json-comment", "POST", "/api/comments",
                   base_headers([["Content-Type", "application/json"]]), json.dumps(doc, ensure_ascii=False)))
for _ in range(50):
    i += 1
    page = random.choice(["/", "/about", "/news", "/news/spring-market", "/contact", "/news?page=2", "/about?utm_source=newsletter&utm_medium=email&utm_campaign=spring_2026",
                          "/?fbclid=IwAR3x-abc_DEF123", "/news/new-garden#comments", "/media/0123456789abcdef0123456789abcdef.png"])
    out.append(rec(i, "browse", "GET", page, base_headers([["Cookie", "_ga=GA1.1.123456.789; lang=nl"]]) if random.random() < 0.3 else base_headers()))
# Look-alikes: honest messages and searches that use the words, signs and shapes attacks use
# (select, union, drop, order by, or, quotes, semicolons, paths, tags, braces, error texts).
LOOKALIKES = [
    "Please select the 'Members' option from the drop-down and then click update.",
    "We will drop by on Saturday; union members get a discount.",
    "Can you insert my name into the newsletter list? Thanks!",
    "Order by Friday, 12 pm -- otherwise delivery is next week.",
    "Is it true or false that the market is cancelled?",
    "The script for the school play (Act 1, Scene 2) is attached.",
    "The file is in C:\\Users\\Joost\\Documents\\report.docx on my laptop.",
    "My kid typed <b>hello</b> in the form, sorry!",
    "Our alert system (red light) went off twice; who do I call?",
    "The phone number is 0800-1234; ping me if you need anything.",
    "Please delete my account and all data (GDPR request).",
    "We have 1 or 2 spare tickets = first come, first served.",
    "The 'script' club meets on Mondays & Thursdays.",
    "Can I pay by card, or cash; and is there a discount for kids?",
    "Echo from the choir: thanks for the great concert!",
    "The subject was: Re: Fwd: [Choir] Rehearsal -- updated",
    "Hello; who's in charge of the garden?",
    "Office hours: Mon-Fri 9:00-17:00; Sat 10:00-12:00",
    "He said: \"drop the table in the hall, we'll set up the chairs\"",
    "Join us for 'Union Jack' night -- select your favourite British song!",
    "Version 2.0 of the app doesn't load my profile page; version 1.9 did.",
    "I tried the link http://localhost:8080 from your e-mail, it doesn't work.",
    "Please sleep on it and tell me tomorrow.",
    "The reset mail says: 'Click here to reset' -- but nothing happens.",
    "sum(total) on the invoice was wrong; I paid 45 instead of 54.",
    "if you're free on Sat, then come; else, Sunday is fine too.",
    "Book title: 'Who's Afraid of Virginia Woolf?' -- do you have it?",
    "Recipe: mix 2 eggs & 100 g flour; bake for 20 min at 180°C.",
    "Cost: 3 x 5 = 15 euro, paid by bank (ref. 2026/04/12).",
    "I'm in the admin team of the choir; can you add me as editor?",
    "Teachers' union meeting @ 19:30 in room B.12",
    "JSON export looks like {\"name\": \"Anneke\", \"age\": 42} -- is that right?",
    "The error said: Uncaught TypeError: cannot read property 'length' of undefined",
    "I get 'Error 500 - Internal Server Error' when I submit the form.",
    "Tel: +31 20 123 4567 | Fax: +31 20 765 4321",
    "Dear sir/madam, I'd like to unsubscribe; see ticket #4521.",
    "Our new shop www.example.org/shop?id=12&cat=books is live!",
    "Is the 'sale' still on? 50% off -- or was that last week?",
    "My name is D'Souza; the form keeps saying 'invalid name'.",
    "Use the hashtag #buurtfeest2026 on Instagram!",
    "We expect between 10 and 20 kids; or more if it's sunny.",
    "Where do I find the login page? /admin gives me an error.",
    "Kids (4-12) & parents welcome; bring a cup :)",
    "In my notes: 'select * from the list what you like' haha",
    "The table 'Members 2026' in the shared sheet has a wrong sum.",
    "Run-time error '1004': Application-defined or object-defined error",
    "I pasted <script> by accident, please ignore that line",
    "Net profit = income - costs; we had 1200 - 950 = 250 euro",
    "Who is 'admin'? I got a mail from admin@example.nl",
    "Wat kost het? 2 volwassenen en 1 kind = ? euro",
]
for j, text in enumerate(LOOKALIKES):
    i += 1
    form = {"name": random.choice(NAMES), "email": random.choice(EMAILS), "message": text}
    out.append(rec(i, "look-alike", "POST", "/contact",
                   base_headers([["Content-Type", "application/x-www-form-urlencoded"]]), urllib.parse.urlencode(form)))
    i += 1
    uri = "/search?" + urllib.parse.urlencode({"q": text})
    out.append(rec(i, "look-alike", "GET", uri, base_headers()))
for r in out:
    print(json.dumps(r, ensure_ascii=False))
