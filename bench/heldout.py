#!/usr/bin/env python3
"""Builds a held-out attack set from public payload lists, in the JSONL format of
../shared/datasets (for replay.py and the shield's `evaluate` example).

Usage: bench/heldout.py RAW_DIR OUT.jsonl

RAW_DIR holds one payload list per file, named <category>__<short-source-name>.txt
(BENCHMARKS.md lists the files used; they are public lists such as SecLists and
PayloadsAllTheThings and are not part of this repository).  For every category the
distinct payload lines are collected (first occurrence wins, files in sorted order),
obviously non-attack lines are dropped, the list is capped at CAP payloads with
random.Random(7).sample, and each payload becomes two requests:
  (a) GET  /search?q=<urlencoded payload>
  (b) POST /contact  body name=Test&message=<urlencoded payload>
"""
import glob
import json
import os
import random
import re
import sys
import urllib.parse
from collections import OrderedDict

if len(sys.argv) != 3:
    sys.exit("usage: heldout.py RAW_DIR OUT.jsonl")
RAW_DIR, OUT = sys.argv[1], sys.argv[2]
CAP = 400
SEED = 7
CATEGORIES = ["sqli", "xss", "lfi", "rce", "nosql", "ssti", "ssi", "ldap", "xxe"]

BASE_HEADERS = [
    ["User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"],
    ["Host", "localhost"],
    ["Accept", "text/html,*/*;q=0.8"],
]
FORM_CT = ["Content-Type", "application/x-www-form-urlencoded"]

# A line that is a single bare word or number (letters, digits, underscore only,
# optionally surrounded by whitespace), e.g. "admin", "1", "update", "onerror",
# is not an attack by itself.  Multi-word keyword phrases such as
# " UNION ALL SELECT 1", " ORDER BY 3" or "sleep 5" are kept.
PLAIN_RE = re.compile(r"\s*[A-Za-z0-9_]*\s*")


def comment_mode(lines):
    """Decide how a file uses '#' comments, judged from its first line.

    - first line starts with '# ' (or is '#'): the file uses '# ' comment lines
      (header and section comments); skip lines that are '#' or start with '# '.
      Lines such as '#execInfo' or '#{7*7}' stay (they are payloads).
    - first line starts with '#' but not '# ' (e.g. '#Google.com:'): skip every
      line starting with '#'.
    - otherwise the file has no comment header; keep '#' lines as payloads.
    """
    first = lines[0] if lines else ""
    if first == "#" or first.startswith("# "):
        return "hash-space"
    if first.startswith("#"):
        return "hash"
    return None


def is_comment(line, mode):
    if mode == "hash-space":
        return line == "#" or line.startswith("# ")
    if mode == "hash":
        return line.startswith("#")
    return False


def read_lines(path):
    with open(path, "r", encoding="utf-8", errors="surrogateescape", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # strip trailing \r only (the \n is already gone); keep every other character
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def make_request(rid, fname, cat, method, uri, body):
    headers = [list(h) for h in BASE_HEADERS]
    if method == "POST":
        headers.append(list(FORM_CT))
    return OrderedDict([
        ("id", rid),
        ("rule", 0),
        ("file", fname),
        ("category", cat),
        ("paranoia", 1),
        ("label", "attack"),
        ("desc", ""),
        ("method", method),
        ("uri", uri),
        ("version", "HTTP/1.1"),
        ("headers", headers),
        ("body", body),
        ("raw_b64", None),
    ])


def main():
    files = sorted(glob.glob(os.path.join(RAW_DIR, "*__*.txt")))
    per_cat = {c: OrderedDict() for c in CATEGORIES}  # payload -> file name
    stats = {c: {"files": 0, "lines": 0, "comments": 0, "empty": 0, "plain": 0, "dups": 0}
             for c in CATEGORIES}
    for path in files:
        fname = os.path.basename(path)
        cat = fname.split("__", 1)[0]
        if cat not in per_cat:
            print(f"warning: unknown category in {fname}, skipped", file=sys.stderr)
            continue
        lines = read_lines(path)
        mode = comment_mode(lines)
        st = stats[cat]
        st["files"] += 1
        for ln in lines:
            st["lines"] += 1
            if ln.strip() == "":
                st["empty"] += 1
                continue
            if is_comment(ln, mode):
                st["comments"] += 1
                continue
            if PLAIN_RE.fullmatch(ln):
                st["plain"] += 1
                continue
            if ln in per_cat[cat]:
                st["dups"] += 1
                continue
            per_cat[cat][ln] = fname

    n_lines = 0
    with open(OUT, "w", encoding="utf-8") as out:
        print(f"{'category':8} {'files':>5} {'lines':>6} {'distinct':>8} {'kept':>5} {'requests':>8}")
        for cat in CATEGORIES:
            items = list(per_cat[cat].items())
            distinct = len(items)
            if distinct > CAP:
                idx = random.Random(SEED).sample(range(distinct), CAP)
                idx.sort()
                items = [items[i] for i in idx]
            for n, (payload, fname) in enumerate(items, 1):
                enc = urllib.parse.quote(payload, safe="", errors="surrogateescape")
                reqs = [
                    make_request(f"{cat}-{n}-a", fname, cat, "GET", "/search?q=" + enc, None),
                    make_request(f"{cat}-{n}-b", fname, cat, "POST", "/contact",
                                 "name=Test&message=" + enc),
                ]
                for r in reqs:
                    out.write(json.dumps(r) + "\n")
                    n_lines += 1
            st = stats[cat]
            print(f"{cat:8} {st['files']:>5} {st['lines']:>6} {distinct:>8} {len(items):>5} {2*len(items):>8}"
                  f"   (skipped: empty={st['empty']} comment={st['comments']} plain={st['plain']} dup={st['dups']})")
    print(f"wrote {n_lines} requests to {OUT}")


if __name__ == "__main__":
    main()
