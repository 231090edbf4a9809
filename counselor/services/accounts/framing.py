"""Which host systems may show the dashboard inside a frame of their own pages: the
practice's ``frame_ancestors``, origins an owner lists under Settings › Access.

An origin is ``https://host[:port]``; plain ``http://`` only for this machine (localhost,
127.0.0.1, [::1]), for development. No path, no wildcard: each host system is named. No
IPv6 address but ``[::1]``: browsers do not reliably match a CSP host-source written as an
IPv6 literal, and a zone id (``%eth0``) could carry any character, ``*`` included. They
are stored normalized (lower case, no default port, no duplicates), space-separated, and
none (the default) means no site may frame the dashboard. ``counselor/http_headers.py``
sends them as the dashboard's ``Content-Security-Policy: frame-ancestors``."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from counselor.services.errors import FieldErrors

FIELD = "frame_ancestors"
STORED_MAX = 1000  # practices.frame_ancestors
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class NotAnOrigin(ValueError):
    """The words say what is wrong with the line, for the counselor."""


def normalized_origin(text: str) -> str:
    """``text`` as the origin a browser compares (``https://pm.example.org:8443``), or
    ``NotAnOrigin`` saying what is wrong with it."""
    text = text.strip()
    if not text.isprintable() or any(c.isspace() or c in ";,'\"" for c in text):
        raise NotAnOrigin(f"“{text}” is not an address: write one origin a line.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise NotAnOrigin(f"“{text}”: the port or host is not valid.") from error
    if port == 0:
        raise NotAnOrigin(f"“{text}”: the port or host is not valid.")
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host:
        raise NotAnOrigin(f"“{text}”: write it as https://host, e.g. https://pm.example.org.")
    if parts.username is not None or parts.password is not None:
        raise NotAnOrigin(f"“{text}”: leave out any user name or password.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise NotAnOrigin(
            f"“{text}”: enter only the start of the address, e.g. https://pm.example.org "
            "(nothing after the domain)."
        )
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise NotAnOrigin(f"“{text}”: use https (plain http only for localhost).")
    host = _checked_host(text, host)
    shown_port = f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown_port}"


def _checked_host(text: str, host: str) -> str:
    if ":" in host:  # only an IPv6 literal has one: [::1] is this machine, others refused
        if not _is_ipv6_loopback(host):
            raise NotAnOrigin(
                f"“{text}”: an IPv6 address can't be matched reliably; name the host "
                "(https://pm.example.org) or use [::1] for this machine."
            )
        return "[::1]"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return str(address)
    if "*" in host:
        raise NotAnOrigin(f"“{text}”: name each host; a wildcard is not allowed.")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise NotAnOrigin(f"“{text}”: the host name is not valid.") from error
    if len(ascii_host) > 253 or not _HOST_NAME.fullmatch(ascii_host):
        raise NotAnOrigin(f"“{text}”: the host name is not valid.")
    return ascii_host


def _is_ipv6_loopback(host: str) -> bool:
    """``::1``, however written, with no zone id."""
    try:
        return "%" not in host and ipaddress.IPv6Address(host) == ipaddress.IPv6Address("::1")
    except ValueError:
        return False


def checked_frame_ancestors(problems: FieldErrors, text: str) -> str | None:
    """The stored value of an owner's list (one origin a line, or space-separated), None
    when empty; a problem naming each line that is no origin."""
    origins: list[str] = []
    for word in text.split():
        try:
            origin = normalized_origin(word)
        except NotAnOrigin as error:
            problems.add(FIELD, str(error))
            continue
        if origin not in origins:
            origins.append(origin)
    stored = " ".join(origins)
    if len(stored) > STORED_MAX:
        problems.add(FIELD, f"List fewer hosts: {STORED_MAX} characters at most in all.")
    return stored or None


def allowed_origins(stored: str | None) -> list[str]:
    """The origins a stored value allows; anything in it that is not one is ignored (a
    value can only get there through ``checked_frame_ancestors``, but a header is no place
    to trust it)."""
    allowed = []
    for word in (stored or "").split():
        try:
            origin = normalized_origin(word)
        except NotAnOrigin:
            continue
        allowed.append(origin)
    return allowed
