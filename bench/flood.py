#!/usr/bin/env python3
"""Flood test, bounded and on loopback only: one client floods Bolwerk while another browses.

Starts `bolwerk demo` (release build) with the default shield settings, pinned to core 0; the
clients run on core 1. The honest visitor asks for a page every 100 ms from 127.0.100.2 (well
inside the default budget of 20 pages/s); after a quiet phase the flooder opens 50 keep-alive
connections from 127.0.100.3 and sends requests as fast as it can until it is banned (or
30 s pass). Reported: the flooder's requests and seconds until the ban, how its requests were
answered, and the honest visitor's latency (p50/p99) before and during the flood.

Usage: bench/flood.py [--quiet-s 10] [--flood-max-s 30] [--ban-response page|close]
"""
import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HONEST = "127.0.100.2"
FLOODER = "127.0.100.3"
PORT = 18195
REQ = b"GET /about HTTP/1.1\r\nHost: localhost\r\nUser-Agent: flood-test\r\n\r\n"


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    closing = b"connection: close" in head.lower()
    return status, closing


async def honest(stop, samples, phase):
    reader, writer = None, None
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", PORT, local_addr=(HONEST, 0))
            writer.write(REQ.replace(b"flood-test", b"Mozilla/5.0 honest"))
            await writer.drain()
            status, closing = await read_response(reader)
            if closing:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError):
            status, writer = 0, None
        samples.append((phase[0], status, (time.perf_counter() - t0) * 1000))
        await asyncio.sleep(max(0, 0.1 - (time.perf_counter() - t0)))


async def flood_conn(stop, stats, t_start):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", PORT, local_addr=(FLOODER, 0))
        except OSError:
            stats["refused_connections"] += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while not stop.is_set():
                writer.write(REQ)
                await writer.drain()
                stats["sent"] += 1
                status, closing = await read_response(reader)
                stats[status] = stats.get(status, 0) + 1
                if status == 403 and stats["banned_at"] is None:
                    stats["banned_at"] = time.perf_counter() - t_start
                    stats["sent_until_ban"] = stats["sent"]
                if closing:
                    break
        except (OSError, asyncio.IncompleteReadError):
            stats["closed"] += 1
        finally:
            writer.close()


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def main(args, bin_path, data):
    config = os.path.join(data, "flood.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nredirect_http = false\n[log]\nlevel = "warn"\n[shield]\nban_response = "{args.ban_response}"\n')
    server = subprocess.Popen(
        ["taskset", "-c", "0", bin_path, "demo", "--data-dir", os.path.join(data, "d"), "--config", config,
         "--http", f"127.0.0.1:{PORT}", "--https", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                r, w = await asyncio.open_connection("127.0.0.1", PORT)
                w.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        stop_honest, stop_flood = asyncio.Event(), asyncio.Event()
        samples, phase = [], ["before"]
        h = asyncio.create_task(honest(stop_honest, samples, phase))
        await asyncio.sleep(args.quiet_s)
        phase[0] = "during"
        stats = {"sent": 0, "banned_at": None, "sent_until_ban": None, "closed": 0, "refused_connections": 0}
        t_start = time.perf_counter()
        floods = [asyncio.create_task(flood_conn(stop_flood, stats, t_start)) for _ in range(50)]
        while time.perf_counter() - t_start < args.flood_max_s:
            await asyncio.sleep(0.1)
            if stats["banned_at"] is not None and time.perf_counter() - t_start > stats["banned_at"] + 3:
                break
        flood_s = time.perf_counter() - t_start
        stop_flood.set()
        await asyncio.gather(*floods, return_exceptions=True)
        stop_honest.set()
        await h
    finally:
        server.terminate()
        server.wait(timeout=10)
    before = [ms for p, s, ms in samples if p == "before" and s == 200]
    during = [ms for p, s, ms in samples if p == "during" and s == 200]
    failed = [s for p, s, ms in samples if s != 200]
    print(f"ban_response = {args.ban_response}")
    print(f"flooder: {stats['sent']} requests in {flood_s:.1f} s over 50 connections from {FLOODER}")
    print(f"  connections closed by the server: {stats['closed']}, refused: {stats['refused_connections']}")
    print("  answers: " + ", ".join(f"{k}: {v}" for k, v in sorted((k, v) for k, v in stats.items() if isinstance(k, int))))
    if stats["banned_at"] is None:
        print("  NOT banned")
    else:
        print(f"  banned after {stats['banned_at']:.2f} s and {stats['sent_until_ban']} requests")
    print(f"honest visitor ({HONEST}, 10 req/s): {len(before)} answers before, {len(during)} during the flood, {len(failed)} not 200")
    print(f"  latency before: p50 {pct(before, 50):.2f} ms, p99 {pct(before, 99):.2f} ms")
    print(f"  latency during: p50 {pct(during, 50):.2f} ms, p99 {pct(during, 99):.2f} ms")
    return 0 if stats["banned_at"] is not None and not failed else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quiet-s", type=float, default=10)
    ap.add_argument("--flood-max-s", type=float, default=30)
    ap.add_argument("--ban-response", choices=["page", "close"], default="page")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "bolwerk"], cwd=root, check=True)
    os.sched_setaffinity(0, {1})
    data = tempfile.mkdtemp(prefix="bolwerk-flood.")
    try:
        sys.exit(asyncio.run(main(args, os.path.join(root, "target/release/bolwerk"), data)))
    finally:
        shutil.rmtree(data, ignore_errors=True)
