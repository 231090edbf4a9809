"""A TCP proxy on 127.0.0.1 that a test owns: the app talks to PostgreSQL or Redis through
it, and the test makes that service unreachable (``cut``) and reachable again
(``restore``) without touching the service itself or the processes using it.

Cut, every open connection is closed at once (reset, as when a network path or a server
dies) and each new one is accepted and reset straight away, so a client fails fast, as it
would against a server that is down; restored, new connections reach the service again.
One thread accepts, one thread per connection pumps bytes both ways."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.support.processes import free_port

CHUNK = 65536


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (linger 0) rather than a polite FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


@dataclass
class TcpProxy:
    upstream_host: str
    upstream_port: int
    port: int = 0
    refused: int = 0  # connections reset while cut
    _up: bool = True
    _listener: socket.socket | None = None
    _pairs: set[tuple[socket.socket, socket.socket]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopping: bool = False

    def start(self) -> TcpProxy:
        self.port = self.port or free_port()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.2)
        self._listener = listener
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stopping = True
        self.cut()
        if self._listener is not None:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def is_up(self) -> bool:
        return self._up

    def cut(self) -> None:
        """Unreachable from now on: open connections reset, new ones reset on arrival."""
        self._up = False
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)

    def restore(self) -> None:
        self._up = True

    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._up:
                self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection((self.upstream_host, self.upstream_port), 5)
            except OSError:
                _reset(client)
                continue
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            self._spawn(self._pump, pair)

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        other = {client: upstream, upstream: client}
        try:
            while self._up and not self._stopping:
                readable, _, _ = select.select([client, upstream], [], [], 0.2)
                for sock in readable:
                    data = sock.recv(CHUNK)
                    if not data:
                        return
                    other[sock].sendall(data)
        except (OSError, ValueError):
            return  # cut: the sockets were closed under us
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()


@contextlib.contextmanager
def running_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(host, port).start()
    try:
        yield proxy
    finally:
        proxy.stop()
