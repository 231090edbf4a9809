"""A webhook receiver that never finishes answering: it reads the whole request, then sends
its answer one byte every few seconds, for ever. A per-read timeout never trips on it; only a
deadline on the whole attempt, or the task's time limit, ends the sender's wait. An attacker
with an API key can subscribe such a receiver (issue 12, finding 1). It answers through
``running_socket_receiver`` (tests/support/webhook_receiver.py), and counts whom it holds."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.webhook_receiver import running_socket_receiver

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


@dataclass
class DripReceiver:
    """``interval`` seconds between bytes; ``held()`` is how many senders it holds now."""

    interval: float = 3.0
    url: str = ""
    _open: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def held(self) -> int:
        with self._lock:
            return self._open

    def answer(self, connection: socket.socket) -> None:
        """All but the last byte of a 200, one per ``interval``, then silence until stopped."""
        with self._lock:
            self._open += 1
        try:
            for byte in ANSWER[:-1]:  # the last byte never comes
                if self._stopping.wait(self.interval):
                    return
                connection.sendall(bytes([byte]))
            self._stopping.wait()
        finally:
            with self._lock:
                self._open -= 1

    def stop(self) -> None:
        self._stopping.set()


@contextmanager
def running_drip_receiver(interval: float = 3.0) -> Iterator[DripReceiver]:
    receiver = DripReceiver(interval=interval)
    with running_socket_receiver(receiver.answer) as url:
        receiver.url = url
        try:
            yield receiver
        finally:
            receiver.stop()  # before the server stops: frees the senders it holds
