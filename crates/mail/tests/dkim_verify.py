#!/usr/bin/env python3
"""Verifies every DKIM-Signature of a message with dkimpy (an implementation independent of
Bolwerk's), answering key lookups from a JSON file {"name.": "TXT value"} instead of the DNS.
Prints one line per signature, exits 0 only if there is at least one and all verify."""
import json
import sys

import dkim

message = open(sys.argv[1], "rb").read()
records = json.load(open(sys.argv[2]))


def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    value = records.get(name.rstrip(".").lower())
    return value.encode() if value is not None else None


d = dkim.DKIM(message)
sigs = [h for h in d.headers if h[0].lower() == b"dkim-signature"]
ok = bool(sigs)
for i in range(len(sigs)):
    good = d.verify(idx=i, dnsfunc=dnsfunc)
    tags = dkim.util.parse_tag_value(sigs[i][1])
    print(f"signature {i}: a={tags[b'a'].decode()} s={tags[b's'].decode()} {'pass' if good else 'FAIL'}")
    ok = ok and good
sys.exit(0 if ok else 1)
