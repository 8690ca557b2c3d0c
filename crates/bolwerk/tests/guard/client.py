"""The test clients of the guard's lab, run inside a namespace: IMAP and POP3 logins and
plain TCP connects, each from a chosen source address, with short timeouts. Prints one word
(ok, refused, failed, timeout) per attempt; the exit code is 0 when the run could talk."""

import socket
import sys


def connect(host, port, src, timeout):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, port))
    return s


def lines(s):
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        yield line.decode("utf-8", "replace").rstrip("\r")


def imap(host, port, src, user, password, timeout):
    s = connect(host, port, src, timeout)
    r = lines(s)
    next(r)  # greeting
    s.sendall(f'a LOGIN "{user}" "{password}"\r\n'.encode())
    answer = ""
    for line in r:
        if line.startswith("a "):
            answer = line
            break
    ok = answer.startswith("a OK")
    if ok:
        s.sendall(b"b SELECT INBOX\r\n")
        for line in r:
            if line.startswith("b "):
                ok = line.startswith("b OK")
                break
    s.sendall(b"c LOGOUT\r\n")
    s.close()
    return "ok" if ok else "failed"


def pop3(host, port, src, user, password, timeout):
    s = connect(host, port, src, timeout)
    r = lines(s)
    next(r)
    s.sendall(f"USER {user}\r\n".encode())
    next(r)
    s.sendall(f"PASS {password}\r\n".encode())
    answer = next(r)
    ok = answer.startswith("+OK")
    if ok:
        s.sendall(b"STAT\r\n")
        ok = next(r).startswith("+OK")
    s.sendall(b"QUIT\r\n")
    s.close()
    return "ok" if ok else "failed"


def attempt(fn, *args):
    try:
        return fn(*args)
    except socket.timeout:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return f"error:{e.errno}"


def main():
    kind, host, port, src, timeout, count = sys.argv[1:7]
    port, timeout, count = int(port), float(timeout), int(count)
    user = sys.argv[7] if len(sys.argv) > 7 else ""
    password = sys.argv[8] if len(sys.argv) > 8 else ""
    for _ in range(count):
        if kind == "tcp":
            def tcp(h, p, s, t):
                connect(h, p, s, t).close()
                return "ok"
            print(attempt(tcp, host, port, src, timeout), flush=True)
        elif kind == "imap":
            print(attempt(imap, host, port, src, user, password, timeout), flush=True)
        elif kind == "pop3":
            print(attempt(pop3, host, port, src, user, password, timeout), flush=True)
        else:
            sys.exit(f"unknown kind {kind}")


main()
