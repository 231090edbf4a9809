"""A webhook receiver that never finishes answering: it reads the whole request, then sends
its answer one byte every few seconds, for ever. A per-read timeout never trips on it; only a
deadline on the whole attempt, or the task's time limit, ends the sender's wait. An attacker
with an API key can subscribe such a receiver (issue 12, finding 1)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


@dataclass
class DripReceiver:
    """``interval`` seconds between bytes; ``held()`` is how many senders it holds now."""

    interval: float = 3.0
    port: int = 0
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    _open: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/slow"

    def held(self) -> int:
        with self._lock:
            return self._open

    def serve(self, listener: socket.socket) -> None:
        listener.settimeout(0.2)  # looks up now and then to see whether it should stop
        while not self._stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(None)
            threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        with closing(connection):
            if not _read_request(connection):
                return
            with self._lock:
                self.arrivals.append(time.monotonic())
                self._open += 1
            try:
                for byte in ANSWER[:-1]:  # the last byte never comes
                    if self._stopping.wait(self.interval):
                        return
                    connection.sendall(bytes([byte]))
                self._stopping.wait()
            except OSError:  # the sender gave up and closed
                return
            finally:
                with self._lock:
                    self._open -= 1

    def stop(self) -> None:
        self._stopping.set()


def _read_request(connection: socket.socket) -> bool:
    """The request's head and its Content-Length of body; False if the sender went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


@contextmanager
def running_drip_receiver(interval: float = 3.0) -> Iterator[DripReceiver]:
    receiver = DripReceiver(interval=interval)
    listener = socket.create_server(("127.0.0.1", 0))
    receiver.port = listener.getsockname()[1]
    thread = threading.Thread(target=receiver.serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stop()
        thread.join(timeout=5)
        listener.close()
