#!/usr/bin/env python3
"""The peer for `cargo bench -p mail --bench sign`: dkimpy (Debian python3-dkim) signing a
message of the same size with RSA-2048 and Ed25519, as Bolwerk does, run in the same session.
Prints microseconds per message (both signatures). Usage: /usr/bin/python3 bench/dkim-peer.py"""
import base64
import subprocess
import time

import dkim
import nacl.signing

rsa = subprocess.run(
    ["openssl", "genrsa", "-traditional", "2048"], capture_output=True, check=True
).stdout
ed = nacl.signing.SigningKey.generate()
ed_seed = base64.b64encode(bytes(ed))
body = "A visitor sent the form \"Contact\".\r\n\r\nYour message:\r\n" + "Kan ik zaterdag helpen bij de plantjesmarkt? " * 40 + "\r\n"
msg = (
    "From: \"Stichting De Linde\" <noreply@delinde.example>\r\n"
    "Reply-To: =?utf-8?b?Wm/DqyBkZSBWcmllcw==?= <zoe@example.org>\r\n"
    "To: info@delinde.example\r\n"
    "Subject: Message from the contact form\r\n"
    "Message-ID: <0123456789abcdef@delinde.example>\r\n"
    "Date: Fri, 27 Nov 2026 23:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 7bit\r\n\r\n" + body
).encode()
headers = [b"From", b"Reply-To", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type", b"Content-Transfer-Encoding"]


def sign_both():
    a = dkim.sign(msg, b"bw202611-rsa", b"delinde.example", rsa, include_headers=headers,
                  canonicalize=(b"relaxed", b"relaxed"))
    b = dkim.sign(msg, b"bw202611-ed25519", b"delinde.example", ed_seed, include_headers=headers,
                  canonicalize=(b"relaxed", b"relaxed"), signature_algorithm=b"ed25519-sha256")
    return a + b


sign_both()
n = 300
t = time.perf_counter()
for _ in range(n):
    sign_both()
print(f"dkimpy: {(time.perf_counter() - t) / n * 1e6:.0f} µs per message (RSA-2048 + Ed25519), {len(msg)} bytes")
