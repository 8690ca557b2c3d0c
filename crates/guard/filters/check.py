#!/usr/bin/env python3
"""Checks the guard's filter files (python3, standard library only).

    python3 crates/guard/filters/check.py                 # check every *.toml beside this script
    python3 crates/guard/filters/check.py dovecot.toml    # check some
    python3 crates/guard/filters/check.py --scan LOG [FILTER ...]
                                                          # run filters over a log, count matches

What is checked, per file:
  - only the known keys, with the right types; `window` like 30s, 10m, 1h, 1d;
  - pattern names kebab-case and unique; every pattern has at least one example;
  - each regex holds `<HOST>` exactly once and nothing the Rust `regex` crate rejects
    (lookahead/lookbehind, backreferences, atomic groups, possessive quantifiers) and no
    group of its own named `host`;
  - `<HOST>` is replaced by the loader's address pattern (HOST below) and the regex compiles;
  - every example: with `pattern`, that pattern matches and captures `host`, and NO other
    pattern of the file matches the line (patterns are kept mutually exclusive, so a line
    counts once whether the engine stops at the first match or tries them all); without
    `pattern`, no pattern matches;
  - at least 3 examples that must not match.
The last line is "N passed, N failed" (one per example and one per file).
"""
import ipaddress
import pathlib
import re
import sys
import tomllib

# The address capture the Rust loader substitutes for <HOST> (IPv4, or IPv6 with at least one
# colon, which also covers IPv4-mapped forms such as ::ffff:192.0.2.1).
HOST = r"(?P<host>(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)"

FILE_KEYS = {"service", "description", "threshold", "window", "prefix", "pattern", "example"}
PATTERN_KEYS = {"name", "regex", "weight", "spoofable", "tcp_confirms", "threshold", "window"}
EXAMPLE_KEYS = {"line", "pattern", "host"}
KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
DURATION = re.compile(r"^[1-9][0-9]*[smhd]$")
# Constructs the Rust regex crate does not have (it guarantees linear time by leaving them out).
FORBIDDEN = [
    (re.compile(r"\(\?<?[=!]"), "lookahead/lookbehind"),
    (re.compile(r"\\[1-9]"), "backreference"),
    (re.compile(r"\\k<"), "named backreference"),
    (re.compile(r"\(\?P="), "named backreference"),
    (re.compile(r"\(\?>"), "atomic group"),
    (re.compile(r"[*+?}]\+"), "possessive quantifier"),
    (re.compile(r"\(\?(?:P?<host>)"), "a group named host (the loader adds it)"),
]


def compile_pattern(regex, prefix=None):
    body = regex.replace("<HOST>", HOST).replace("<PORT>", r"(?P<port>\d{1,5})")
    if prefix is not None:
        body = f"^(?:{prefix})(?:{body})"
    return re.compile(body)


def load(path):
    """Returns (filter dict, compiled patterns [(name, re, spec)], errors)."""
    errors = []
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        return None, [], [f"cannot load: {e}"]

    def need(cond, msg):
        if not cond:
            errors.append(msg)

    need(set(data) <= FILE_KEYS, f"unknown keys: {sorted(set(data) - FILE_KEYS)}")
    need(isinstance(data.get("service"), str) and data["service"], "service: a non-empty string")
    need(isinstance(data.get("description"), str), "description: a string")
    need(isinstance(data.get("threshold"), int) and data["threshold"] >= 1, "threshold: an integer >= 1")
    need(isinstance(data.get("window"), str) and DURATION.match(data["window"]), "window: like 30s, 10m, 1h, 1d")
    compiled, names = [], set()
    for i, p in enumerate(data.get("pattern", [])):
        where = f"pattern[{i}] {p.get('name', '?')}"
        need(set(p) <= PATTERN_KEYS, f"{where}: unknown keys {sorted(set(p) - PATTERN_KEYS)}")
        name, regex = p.get("name"), p.get("regex")
        need(isinstance(name, str) and KEBAB.match(name or ""), f"{where}: name must be kebab-case")
        need(name not in names, f"{where}: duplicate name")
        names.add(name)
        need("weight" not in p or (isinstance(p["weight"], int) and not isinstance(p["weight"], bool) and p["weight"] >= 0),
             f"{where}: weight must be an integer >= 0")
        need("spoofable" not in p or isinstance(p["spoofable"], bool), f"{where}: spoofable must be true or false")
        need("threshold" not in p or (isinstance(p["threshold"], int) and p["threshold"] >= 1), f"{where}: threshold >= 1")
        need("window" not in p or (isinstance(p["window"], str) and DURATION.match(p["window"])), f"{where}: bad window")
        if not isinstance(regex, str):
            errors.append(f"{where}: regex must be a string")
            continue
        need(regex.count("<HOST>") == 1, f"{where}: <HOST> must appear exactly once")
        for forbidden, what in FORBIDDEN:
            if forbidden.search(regex):
                errors.append(f"{where}: {what} is not supported by the Rust regex crate")
        try:
            compiled.append((name, compile_pattern(regex, data.get("prefix")), p))
        except re.error as e:
            errors.append(f"{where}: does not compile: {e}")
    need(compiled, "no patterns")
    return data, compiled, errors


def matches(compiled, line):
    return [(name, m) for name, rx, _ in compiled for m in [rx.search(line)] if m]


def check_file(path):
    """Returns (passed, failed, messages)."""
    data, compiled, errors = load(path)
    passed, failed, out = 0, 0, []
    if data is None:
        return 0, 1, [f"FAIL {path.name}: {errors[0]}"]
    examples = data.get("example", [])
    used, negatives = set(), 0
    for i, ex in enumerate(examples):
        where = f"{path.name} example[{i}]"
        problems = []
        if set(ex) - EXAMPLE_KEYS:
            problems.append(f"unknown keys {sorted(set(ex) - EXAMPLE_KEYS)}")
        line = ex.get("line")
        if not isinstance(line, str):
            problems.append("line must be a string")
            line = ""
        if "\n" in line:
            problems.append("line must be one line")
        found = matches(compiled, line)
        want = ex.get("pattern")
        if want is None:
            negatives += 1
            if "host" in ex:
                problems.append("host without pattern")
            if found:
                problems.append("must match nothing, but matches " + ", ".join(n for n, _ in found))
        else:
            used.add(want)
            names = [n for n, _ in found]
            if want not in [n for n, _, _ in compiled]:
                problems.append(f"no pattern named {want}")
            elif want not in names:
                problems.append(f"pattern {want} does not match")
            else:
                got = dict(found)[want].group("host")
                if got != ex.get("host"):
                    problems.append(f"pattern {want} captures host {got!r}, expected {ex.get('host')!r}")
                try:
                    ipaddress.ip_address(got)
                except ValueError:
                    problems.append(f"captured host {got!r} is not an address")
            others = [n for n in names if n != want]
            if others:
                problems.append("also matched by " + ", ".join(others) + " (patterns must be exclusive)")
        if problems:
            failed += 1
            out.append(f"FAIL {where}: " + "; ".join(problems) + f"\n     line: {line}")
        else:
            passed += 1
    for name, _, _ in compiled:
        if name not in used:
            errors.append(f"pattern {name} has no example")
    if negatives < 3:
        errors.append(f"only {negatives} must-not-match examples (at least 3)")
    if errors:
        failed += 1
        out.extend(f"FAIL {path.name}: {e}" for e in errors)
    else:
        passed += 1
        spoof = sum(1 for _, _, p in compiled if p.get("spoofable"))
        out.append(f"ok   {path.name}: {len(compiled)} patterns ({spoof} spoofable), {len(examples)} examples "
                   f"({negatives} must not match), threshold {data['threshold']} in {data['window']}")
    return passed, failed, out


def scan(log, filters):
    """Counts, per pattern, the lines of LOG it matches; shows some lines matched by nothing."""
    loaded = []
    for f in filters:
        data, compiled, errors = load(f)
        if errors:
            sys.exit(f"{f}: " + "; ".join(errors))
        loaded.append((f.stem, compiled))
    counts, unmatched, multi, total = {}, [], 0, 0
    with open(log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            total += 1
            hits = [(stem, n, m.group("host")) for stem, compiled in loaded for n, m in matches(compiled, line)]
            if len(hits) > 1:
                multi += 1
            for stem, n, host in hits:
                counts[f"{stem}/{n}"] = counts.get(f"{stem}/{n}", 0) + 1
            if not hits and len(unmatched) < 20:
                unmatched.append(line)
    print(f"{total} lines, {sum(counts.values())} matches, {multi} lines matched by more than one pattern")
    for k in sorted(counts):
        print(f"  {counts[k]:8d}  {k}")
    if unmatched:
        print("first lines matched by nothing:")
        for line in unmatched:
            print("  " + line[:200])


def main(argv):
    here = pathlib.Path(__file__).resolve().parent
    if argv[:1] == ["--scan"]:
        if len(argv) < 2:
            sys.exit("usage: check.py --scan LOG [FILTER.toml ...]")
        filters = [pathlib.Path(a) if "/" in a else here / a for a in argv[2:]] or sorted(here.glob("*.toml"))
        scan(argv[1], filters)
        return 0
    files = [pathlib.Path(a) if "/" in a else here / a for a in argv] or sorted(here.glob("*.toml"))
    if not files:
        print("no filter files")
        return 1
    passed = failed = 0
    for f in files:
        p, fl, out = check_file(f)
        passed, failed = passed + p, failed + fl
        print("\n".join(out))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
