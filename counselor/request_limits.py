"""Request bodies over ``MAX_CONTENT_LENGTH`` are refused with 413, however they are sent,
on every route, and never read whole.

Flask applies ``MAX_CONTENT_LENGTH`` only when a view reads the body: a route that never
looks at it (a page, ``/launch``, a GET that carries a body) answers as usual, and whether a
chunked body is bounded depends on the server setting ``wsgi.input_terminated``. This
middleware looks at every request before Flask does:

- A declared ``Content-Length`` over the cap is refused without reading a byte.
- A body whose length the server does not know beforehand (``Transfer-Encoding: chunked``:
  the server de-chunks it and sets ``wsgi.input_terminated``) is read up to one byte past
  the cap, into memory. More than the cap is refused; otherwise the app gets it as a body
  of known length. At most ``MAX_CONTENT_LENGTH + 1`` bytes per request are ever held.

A refused request reaches the app with an empty body, and the app's first ``before_request``
answers 413 through the usual error handlers: the API's JSON envelope under ``/api``, the
error page elsewhere. Once the answer is sent, the rest of the body is read and thrown away,
64 KiB at a time, for at most ``DRAIN_SECONDS`` and ``DRAIN_FACTOR`` times the cap: a server
that closes a connection the client is still sending on resets it, and most clients (Python's
http.client, for one) then report a broken pipe instead of the 413. A larger or slower body
is cut off; its client sees the reset. A client that stops sending altogether stalls the read
as it would stall any view reading a body: gunicorn's worker timeout ends it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

TOO_LARGE = "counselor.body_too_large"  # the environ key a refused request carries
READ_SIZE = 64 * 1024
DRAIN_SECONDS = 5.0
DRAIN_FACTOR = 16


class BodyLimit:
    """WSGI middleware: flags a request whose body is over ``limit`` bytes (see above)."""

    def __init__(self, wsgi_app: Any, limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        declared = _declared_length(environ)
        if declared is not None:
            if declared > self.limit:
                _refuse(environ)
                unread = declared
        elif environ.get("wsgi.input_terminated"):
            body = _read_at_most(stream, self.limit + 1)
            if len(body) > self.limit:
                _refuse(environ)
                unread = None  # up to the end of the chunked body
            else:
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                environ.pop("HTTP_TRANSFER_ENCODING", None)
        answer = self.wsgi_app(environ, start_response)
        if not environ.get(TOO_LARGE):
            return answer
        return DrainAfter(answer, stream, unread, self.limit * DRAIN_FACTOR)


class DrainAfter:
    """The app's answer, then (when the server closes it) the client's unsent body read and
    discarded within the drain budget."""

    def __init__(self, answer: Iterable[bytes], stream: Any, unread: int | None, most: int):
        self.answer = answer
        self.stream = stream
        self.unread = unread
        self.most = most

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.answer)

    def close(self) -> None:
        try:
            close = getattr(self.answer, "close", None)
            if close is not None:
                close()
        finally:
            self._drain()

    def _drain(self) -> None:
        budget = self.most if self.unread is None else min(self.unread, self.most)
        deadline = time.monotonic() + DRAIN_SECONDS
        try:
            while budget > 0 and time.monotonic() < deadline:
                part = self.stream.read(min(READ_SIZE, budget))
                if not part:
                    return
                budget -= len(part)
        except OSError:
            return  # the client went away: nothing left to wait for


def install(app: Flask) -> None:
    """Wrap the app's WSGI callable, and answer a refused request with 413 before anything
    else runs for it (CSRF check, rate limit, API key), so every route refuses alike."""
    app.wsgi_app = BodyLimit(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_too_large)


def refuse_too_large() -> None:
    if request.environ.get(TOO_LARGE):
        raise RequestEntityTooLarge()


def _declared_length(environ: dict[str, Any]) -> int | None:
    """The Content-Length the client declared; None for a chunked body (its own framing
    wins, RFC 9112 6.3), or none or a malformed one (the servers refuse those themselves;
    a terminated body is then read within the cap like a chunked one)."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    value = environ.get("CONTENT_LENGTH", "").strip()
    return int(value) if value.isdigit() else None


def _read_at_most(stream: Any, size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        part = stream.read(min(READ_SIZE, remaining))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _refuse(environ: dict[str, Any]) -> None:
    environ[TOO_LARGE] = True
    environ["wsgi.input"] = io.BytesIO()
    environ["CONTENT_LENGTH"] = "0"
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def client_address_limit() -> str:
    """The rate limit on one client address at a page opened by a secret URL (a partner's
    link, a calendar feed): ``CLIENT_RATE_LIMIT``."""
    return current_app.config["CLIENT_RATE_LIMIT"]


def client_token_limit() -> str:
    """The rate limit on one secret URL's token, whoever uses it: ``CLIENT_TOKEN_RATE_LIMIT``."""
    return current_app.config["CLIENT_TOKEN_RATE_LIMIT"]
