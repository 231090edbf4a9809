"""Where webhooks may go and how one is posted: URL and address checks, Standard Webhooks
signing, and one HTTP POST to an address we checked ourselves, within one deadline.

The address is checked when an endpoint is created and again before every attempt (a
name can be pointed at an internal address later: DNS rebinding). The connection then
goes to the very address that passed the check, never to a second lookup's answer.

One attempt has one deadline for everything — connecting, the TLS handshake, sending and
the whole answer — not a timeout per read: a receiver that answers a byte every few
seconds would otherwise hold a worker for as long as it likes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import io
import ipaddress
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32
URL_MAX = 2000
RESPONSE_READ_LIMIT = 4096  # we read (and drop) at most this much of a receiver's answer
USER_AGENT = "LadderHomework-Webhooks/1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPv6 = ipaddress.IPv6Network

# "This network": Linux connects 0.x.x.x to this machine, so it is never a receiver.
THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
# Tunnels and translators whose addresses carry an IPv4 address inside (checked too);
# Teredo is not globally reachable itself, whatever the Python version says.
TEREDO = IPv6("2001::/32")
NAT64_WELL_KNOWN = IPv6("64:ff9b::/96")
NAT64_LOCAL = IPv6("64:ff9b:1::/48")
IPV4_COMPATIBLE = IPv6("::/96")
IPV4_TRANSLATED = IPv6("::ffff:0:0:0/96")
SITE_LOCAL = IPv6("fec0::/10")  # deprecated, but still not a public address


class ForbiddenTarget(ValueError):
    """The URL is not one we may send to; the message says why, in words for a person."""


class HostNotFound(ForbiddenTarget):
    """The host did not resolve: refused when subscribing, retried when delivering."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts, and the addresses its host resolved to."""

    url: str  # as given, without the spaces around it
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


# Checking a URL.


def check_url(url: str, require_https: bool, allow_private: bool) -> Target:
    """Parse the URL strictly and resolve its host; ``ForbiddenTarget`` if we must not
    send there. Strict, because a URL that parsers read differently (a backslash, a space,
    a control character) could be checked as one address and sent to another, and one
    that can never be delivered is better refused now than failed later."""
    url = (url or "").strip(" ")  # spaces around a pasted URL; nothing else is forgiven
    if not url:
        raise ForbiddenTarget("Enter the URL that should receive the events.")
    if len(url) > URL_MAX:
        raise ForbiddenTarget(f"Keep the URL to {URL_MAX} characters or fewer.")
    _check_characters(url)
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise ForbiddenTarget("This is not a valid URL.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ForbiddenTarget("Use an http:// or https:// URL.")
    if require_https and scheme != "https":
        raise ForbiddenTarget("Use an https:// URL: events are only sent encrypted.")
    if "@" in parts.netloc:
        raise ForbiddenTarget("Leave user names and passwords (user:pass@) out of the URL.")
    if not parts.hostname:
        raise ForbiddenTarget("The URL needs a host name.")
    if parts.fragment or url.endswith("#"):
        raise ForbiddenTarget("Leave the #fragment out of the URL; it is never sent.")
    port = _port(parts.netloc) or (443 if scheme == "https" else 80)
    addresses = resolve_allowed(parts.hostname, port, allow_private)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, scheme, parts.hostname, port, path, addresses)


def _check_characters(url: str) -> None:
    if any(ord(character) <= 0x20 or ord(character) == 0x7F for character in url):
        raise ForbiddenTarget(
            "The URL has a space, a tab or another invisible control character in it: "
            "remove it (a space inside a path is written %20)."
        )
    if not url.isascii():
        raise ForbiddenTarget(
            "Use the URL's plain ASCII form: percent-encode other characters in the path, "
            "and write an international host name in its xn-- form."
        )
    if "\\" in url:
        raise ForbiddenTarget("The URL has a backslash (\\) in it: use forward slashes (/).")


def _port(netloc: str) -> int | None:
    """The port written in the URL, or None for the scheme's own; refused unless it is a
    plain number from 1 to 65535."""
    host_and_port = netloc.rpartition("]")[2] if netloc.startswith("[") else netloc
    if netloc.startswith("[") and host_and_port and not host_and_port.startswith(":"):
        raise ForbiddenTarget("This is not a valid URL.")
    _host, colon, written = host_and_port.rpartition(":")
    if not colon or not written:
        return None
    if not written.isdigit() or not 1 <= int(written) <= 65535:
        raise ForbiddenTarget("The port must be a number from 1 to 65535.")
    return int(written)


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
            # One bad answer refuses the host: we cannot tell which answer a later lookup
            # gives. The address itself is not said: it would tell what a name means inside.
            raise ForbiddenTarget(f"The host {host!r} points at {reason}.")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise HostNotFound(f"The host {host!r} could not be found.")
    return tuple(addresses)


def why_forbidden(address: IPAddress, allow_private: bool) -> str | None:
    """Why we never send to this address, or None when we may.

    An IPv6 address that carries an IPv4 address (IPv4-mapped or -compatible, SIIT, 6to4,
    NAT64, both ends of Teredo) is judged by every IPv4 address inside it: otherwise
    ``[::ffff:127.0.0.1]`` or ``[2002:7f00:1::]`` would reach this machine. A local-use
    NAT64 prefix may put the IPv4 address at any of four places (RFC 6052), so it is
    refused whole.
    """
    if address in NAT64_LOCAL:
        return "a local-use NAT64 address (64:ff9b:1::/48), which could lead anywhere"
    carried = embedded_ipv4(address)
    if not carried:
        return _why_forbidden_plain(address, allow_private)
    for inner in carried:
        reason = _why_forbidden_plain(inner, allow_private)
        if reason is not None:
            return f"{reason}, written as IPv6"
    if address in TEREDO and not allow_private:
        return "a private network address"
    return None


def _why_forbidden_plain(address: IPAddress, allow_private: bool) -> str | None:
    """The rule for one address.

    ``is_global`` is the base: it is IANA's "globally reachable", so every range that is
    not a public receiver's — private, shared (CGNAT 100.64/10), documentation,
    benchmarking — is refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on, without a list
    of our own to forget a range in. Some ranges are refused whatever the settings, as no
    webhook receiver lives there: link-local (cloud metadata services), multicast,
    unspecified and 0.0.0.0/8 (Linux connects those to this machine), and reserved.
    """
    if address.is_unspecified or address in THIS_NETWORK:
        return "an unspecified address (0.0.0.0/8 or ::)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_loopback:  # before "reserved": IPv6's ::1 lies in the reserved ::/8
        return None if allow_private else "this machine (loopback)"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global or address in SITE_LOCAL:
        return None if allow_private else "a private network address"
    return None


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries, in each form that routes to one."""
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    number = int(address)
    low32 = ipaddress.IPv4Address(number & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address in IPV4_TRANSLATED:
        return (low32,)
    if address in IPV4_COMPATIBLE and number > 1:  # :: and ::1 are not IPv4 addresses
        return (low32,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo  # the server's and the client's
    if address in NAT64_WELL_KNOWN:
        return (low32,)
    return ()


# Posting within one deadline.


class Deadline:
    """The moment one attempt must be over by; every blocking step gets only what is left."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's deadline passed")
        return left


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes, each read allowed only the time left of the attempt."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        super().__init__()
        self._sock, self._deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """A connected socket as http.client uses it (send all, read through a file, close),
    each operation bounded by the attempt's deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self._sock, self._deadline = sock, deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())  # sendall's timeout is its total
        self._sock.sendall(data)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        self._sock.close()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address we checked, while the request names the URL's host."""

    def __init__(self, target: Target, deadline: Deadline):
        super().__init__(target.host, target.port)
        self._addresses = target.addresses
        self._deadline = deadline

    def _open_socket(self) -> socket.socket:
        last_error: OSError | None = None
        for address in self._addresses:
            try:
                sock = socket.create_connection((address, self.port), self._deadline.remaining())
            except OSError as error:  # the next address gets what is left, if anything
                last_error = error
            else:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
        raise last_error or OSError("no address to connect to")

    def _secure(self, sock: socket.socket) -> socket.socket:
        return sock

    def connect(self) -> None:
        sock = self._secure(self._open_socket())
        self.sock = _DeadlineSocket(sock, self._deadline)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def _secure(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(self._deadline.remaining())  # the handshake's total, in CPython
        tls = ssl.create_default_context()  # verifies the certificate for ``host``
        try:
            return tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def post(target: Target, body: str, headers: dict[str, str], timeout: float) -> int:
    """POST the body and return the status code, all within ``timeout`` seconds from now:
    connecting, the TLS handshake, sending and reading the answer. Redirects are never
    followed (a 3xx is an answer like any other non-2xx). Raises TimeoutError once the
    deadline has passed, other OSErrors or HTTPException when no valid answer came."""
    deadline = Deadline(timeout)
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, deadline)
    try:
        connection.request("POST", target.path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        return response.status
    finally:
        connection.close()
