"""Loopback listeners for the alert tests: an HTTP endpoint and an SMTP server on 127.0.0.1,
each in a thread that records what it received and stops by itself after `seconds`."""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def http_listener(seconds: float = 120) -> Iterator[tuple[str, list[bytes]]]:
    """Yields the URL to post to and the list of bodies posted so far."""
    bodies: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with _serving(server, seconds):
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/s3cr3t-token", bodies


@contextmanager
def smtp_listener(seconds: float = 120) -> Iterator[tuple[int, list[bytes]]]:
    """Yields the port and the list of messages (DATA) received so far: a minimal SMTP
    server, enough for smtplib's EHLO, MAIL, RCPT, DATA and QUIT."""
    messages: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        timeout = 10

        def handle(self) -> None:
            self.wfile.write(b"220 loopback ESMTP\r\n")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    self.wfile.write(b"250 loopback\r\n")
                elif verb == b"DATA":
                    self.wfile.write(b"354 go on\r\n")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    messages.append(data)
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with _serving(server, seconds):
        yield server.server_address[1], messages


@contextmanager
def _serving(server: socketserver.BaseServer, seconds: float) -> Iterator[None]:
    deadline = time.monotonic() + seconds
    stop = threading.Event()

    def loop() -> None:
        server.timeout = 0.2
        while not stop.is_set() and time.monotonic() < deadline:
            server.handle_request()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        server.server_close()
