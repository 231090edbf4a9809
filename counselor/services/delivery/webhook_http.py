"""Where webhooks may go and how one is posted: URL and address checks, Standard Webhooks
signing, and one HTTP POST to an address we checked ourselves.

The address is checked when an endpoint is created and again before every attempt (a
name can be pointed at an internal address later: DNS rebinding). The connection then
goes to the very address that passed the check, never to a second lookup's answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32
URL_MAX = 2000
RESPONSE_READ_LIMIT = 4096  # we read (and drop) at most this much of a receiver's answer
USER_AGENT = "LadderHomework-Webhooks/1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenTarget(ValueError):
    """The URL is not one we may send to; the message says why, in words for a person."""


class HostNotFound(ForbiddenTarget):
    """The host did not resolve: refused when subscribing, retried when delivering."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts, and the addresses its host resolved to."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256 of
    ``id.timestamp.body`` keyed with the secret's decoded bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def check_url(url: str, require_https: bool, allow_private: bool) -> Target:
    """Parse the URL and resolve its host; ``ForbiddenTarget`` if we must not send there."""
    url = (url or "").strip()
    if not url:
        raise ForbiddenTarget("Enter the URL that should receive the events.")
    if len(url) > URL_MAX:
        raise ForbiddenTarget(f"Keep the URL to {URL_MAX} characters or fewer.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ForbiddenTarget("This is not a valid URL.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ForbiddenTarget("Use an http:// or https:// URL.")
    if require_https and scheme != "https":
        raise ForbiddenTarget("Use an https:// URL: events are only sent encrypted.")
    if not parts.hostname:
        raise ForbiddenTarget("The URL needs a host name.")
    if parts.username is not None or parts.password is not None:
        raise ForbiddenTarget("Leave user names and passwords out of the URL.")
    if parts.fragment:
        raise ForbiddenTarget("Leave the #fragment out of the URL; it is never sent.")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve_allowed(parts.hostname, port, allow_private)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, path, addresses)


def resolve_allowed(host: str, port: int, allow_private: bool) -> tuple[str, ...]:
    """Every address the host resolves to, if all of them are allowed targets."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise HostNotFound(f"The host {host!r} could not be found.") from error
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        reason = why_forbidden(address, allow_private)
        if reason is not None:
            # One bad answer refuses the host: we cannot tell which answer a later lookup gives.
            raise ForbiddenTarget(f"The host {host!r} points at {reason} ({address}).")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise HostNotFound(f"The host {host!r} could not be found.")
    return tuple(addresses)


def why_forbidden(address: IPAddress, allow_private: bool) -> str | None:
    """Why we never send to this address, or None when we may.

    Link-local (cloud metadata services live there), multicast, unspecified and reserved
    addresses are refused whatever the settings: no webhook receiver lives there.
    Loopback and private ranges only when WEBHOOK_ALLOW_PRIVATE_TARGETS is on.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:  # before "reserved": IPv6's ::1 lies in the reserved ::/8
        return None if allow_private else "this machine (loopback)"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return None if allow_private else "a private network address"
    return None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address we checked, while the request names the URL's host."""

    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def _open_socket(self) -> socket.socket:
        last_error: OSError | None = None
        for address in self._addresses:
            try:
                return socket.create_connection((address, self.port), self.timeout)
            except OSError as error:
                last_error = error
        raise last_error or OSError("no address to connect to")

    def connect(self) -> None:
        self.sock = self._open_socket()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float):
        super().__init__(host, port, addresses, timeout)
        self._tls = ssl.create_default_context()  # verifies the certificate for ``host``

    def connect(self) -> None:
        super().connect()
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self.host)


def post(target: Target, body: str, headers: dict[str, str], timeout: float) -> int:
    """POST the body and return the status code. Redirects are never followed (a 3xx is
    an answer like any other non-2xx). Raises OSError or HTTPException when no answer came."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target.host, target.port, target.addresses, timeout)
    try:
        connection.request("POST", target.path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        return response.status
    finally:
        connection.close()
