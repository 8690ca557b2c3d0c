#!/usr/bin/env python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd): takes every message and writes
it to a directory, one file per message (`<n>.eml`, written whole then renamed), with the
envelope in `<n>.json`. Optionally requires STARTTLS and/or AUTH PLAIN/LOGIN, or answers every
RCPT with a permanent 550. Prints "ready" once it listens."""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--dir", required=True)
p.add_argument("--cert")
p.add_argument("--key")
p.add_argument("--user")
p.add_argument("--password")
p.add_argument("--reject", action="store_true", help="550 for every recipient")
p.add_argument("--reject-to", action="append", default=[], help="550 for this recipient")
args = p.parse_args()
os.makedirs(args.dir, exist_ok=True)


class Sink:
    count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if args.reject or address.lower() in [a.lower() for a in args.reject_to]:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        n = Sink.count
        base = os.path.join(args.dir, f"{n:04d}")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "tls": session.ssl is not None,
                    "auth": session.auth_data.login.decode()
                    if session.authenticated and isinstance(session.auth_data, LoginPassword)
                    else None,
                },
                f,
            )
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 queued as %04d" % n


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == args.user
        and auth_data.password.decode() == args.password
    )
    return AuthResult(success=ok, auth_data=auth_data if ok else None)


kwargs = {}
if args.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    kwargs.update(tls_context=ctx, require_starttls=True)
if args.user:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.cert))

controller = Controller(Sink(), hostname="127.0.0.1", port=args.port, server_hostname="localhost", **kwargs)
controller.start()
print("ready", flush=True)
try:
    asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
