#!/usr/bin/env python3
"""An authoritative DNS server for the tests (Debian's python3-dnslib) on 127.0.0.1: answers
from a JSON file that is read again for every question, so a test can publish or change
records while the server runs: {"name": ["txt value", ...]} for TXT records, or
{"name": {"TXT": [...], "MX": [[10, "mx.example"]], "A": ["127.0.0.1"]}} for any of those.
Unknown names get NXDOMAIN. Prints "ready" once it listens."""
import argparse
import json
import time

from dnslib import AAAA, A, MX, QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--zone", required=True)
args = p.parse_args()


class Zone(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        try:
            with open(args.zone) as f:
                zone = {k.lower(): v for k, v in json.load(f).items()}
        except (OSError, ValueError):
            zone = {}
        if name not in zone:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        records = zone[name] if isinstance(zone[name], dict) else {"TXT": zone[name]}
        q = request.q.qtype
        if q in (QTYPE.TXT, QTYPE.ANY):
            for value in records.get("TXT", []):
                # Long values go out as several strings of at most 255 bytes, as in real zones.
                data = value.encode()
                parts = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, ttl=0, rdata=TXT(parts)))
        if q in (QTYPE.MX, QTYPE.ANY):
            for pref, host in records.get("MX", []):
                reply.add_answer(RR(request.q.qname, QTYPE.MX, ttl=0, rdata=MX(host, pref)))
        if q in (QTYPE.A, QTYPE.ANY):
            for ip in records.get("A", []):
                reply.add_answer(RR(request.q.qname, QTYPE.A, ttl=0, rdata=A(ip)))
        if q in (QTYPE.AAAA, QTYPE.ANY):
            for ip in records.get("AAAA", []):
                reply.add_answer(RR(request.q.qname, QTYPE.AAAA, ttl=0, rdata=AAAA(ip)))
        return reply


class Quiet:
    """dnslib logs every question to stdout, which the test stops reading after "ready"."""

    def __getattr__(self, name):
        return lambda *a, **k: None


servers = [
    DNSServer(Zone(), port=args.port, address="127.0.0.1", tcp=tcp, logger=Quiet())
    for tcp in (False, True)
]
for s in servers:
    s.start_thread()
print("ready", flush=True)
while True:
    time.sleep(3600)
