"""A webhook receiver for the tests: an HTTP server on 127.0.0.1 that checks each request
the Standard Webhooks way — written here from the specification, not with the app's code —
counts attempts per ``webhook-id``, and answers as a test scripts it."""

from __future__ import annotations

import base64
import hmac
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60  # the specification's suggested window for webhook-timestamp


def standard_webhooks_valid(
    secret: str, headers: dict[str, str], body: bytes, now: float, tolerance: int
) -> bool:
    """The receiver's side of the Standard Webhooks specification: the secret is
    ``whsec_`` + base64 key bytes; the signed content is ``id.timestamp.body``; the header
    holds space-separated ``version,signature`` pairs of which one ``v1`` must match; and
    the timestamp must be recent, so that an old captured request cannot be replayed."""
    try:
        message_id = headers["webhook-id"]
        timestamp = headers["webhook-timestamp"]
        signatures = headers["webhook-signature"]
    except KeyError:
        return False
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret[len("whsec_") :])
    content = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.digest(key, content, "sha256"))
    for pair in signatures.split():
        version, _, signature = pair.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


@dataclass
class ReceivedRequest:
    message_id: str | None
    timestamp: str | None
    body: bytes
    valid_signature: bool
    answered: int
    path: str
    headers: dict[str, str]

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """``fail_first`` attempts of every webhook-id get a 500, then ``status``.
    ``delay`` seconds of silence before answering provoke the sender's timeout."""

    port: int = 0
    secret: str = ""
    fail_first: int = 0
    status: int = 204
    delay: float = 0.0
    extra_headers: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    requests: list[ReceivedRequest] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/homework"

    def answer_for(self, message_id: str | None) -> int:
        with self.lock:
            self.attempts[message_id] += 1
            return 500 if self.attempts[message_id] <= self.fail_first else self.status

    @property
    def accepted(self) -> list[ReceivedRequest]:
        return [r for r in self.requests if 200 <= r.answered < 300]


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            valid = standard_webhooks_valid(
                receiver.secret, headers, body, receiver.clock(), TOLERANCE_SECONDS
            )
            answer = receiver.answer_for(headers.get("webhook-id"))
            if receiver.delay:
                time.sleep(receiver.delay)
            with receiver.lock:
                receiver.requests.append(
                    ReceivedRequest(
                        headers.get("webhook-id"),
                        headers.get("webhook-timestamp"),
                        body,
                        valid,
                        answer,
                        self.path,
                        headers,
                    )
                )
            self.send_response(answer)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            return

    return Handler


@contextmanager
def running_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def running_socket_receiver(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A bare TCP server on 127.0.0.1, for receivers no HTTP server would be: each
    connection's request is read whole, then ``answer`` writes what it likes (an answer
    dripped a byte at a time, a line that is not HTTP). Yields the URL to subscribe."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # so that stopping is noticed: closing does not wake accept()
    stopping = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                _read_request(connection)
                answer(connection)
            except OSError:  # the sender gave up and closed: what the tests provoke
                return

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks/homework"
    finally:
        stopping.set()
        listener.close()
        thread.join(timeout=5)


def _read_request(connection: socket.socket) -> None:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(4096)
        if not chunk:
            return
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = connection.recv(4096)
        if not chunk:
            return
        body += chunk


def dripping(every: float, head: bytes = b"", drip: bytes = b"HTTP/1.1 204 No Content\r\n\r\n"):
    """An answer that writes ``head`` at once, then ``drip`` one byte every ``every``
    seconds: never silent for long enough to trip a timeout per read."""

    def answer(connection: socket.socket) -> None:
        connection.sendall(head)
        for byte in drip:
            time.sleep(every)
            connection.sendall(bytes([byte]))

    return answer


def answering(raw: bytes):
    """An answer that is these bytes, then the connection closed."""

    def answer(connection: socket.socket) -> None:
        connection.sendall(raw)

    return answer
