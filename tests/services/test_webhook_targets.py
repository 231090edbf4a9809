"""Where a webhook may go (issue 12, finding 7): safe by default, every IPv6 form that
carries an IPv4 address judged by that address, and URLs parsed strictly.

The suite's own settings allow loopback and plain http (its receivers listen on
127.0.0.1); these tests check the production defaults themselves. Only literal addresses
are used, so nothing here asks a DNS server."""

from __future__ import annotations

import ipaddress

import pytest

from counselor.config import Defaults
from counselor.services.delivery.webhook_http import ForbiddenTarget, check_url, why_forbidden

PRODUCTION = {
    "require_https": Defaults.WEBHOOK_REQUIRE_HTTPS,
    "allow_private": Defaults.WEBHOOK_ALLOW_PRIVATE_TARGETS,
}
LOCAL_TRIALS = {"require_https": False, "allow_private": True}  # `make run`


def refusal(url: str, settings: dict) -> str | None:
    try:
        check_url(url, **settings)
    except ForbiddenTarget as error:
        return str(error)
    return None


def test_the_defaults_require_https_and_refuse_private_targets():
    assert PRODUCTION == {"require_https": True, "allow_private": False}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "Use an https:// URL"),
        ("https://127.0.0.1/hook", "this machine (loopback)"),
        ("https://127.8.9.10/hook", "this machine (loopback)"),
        ("https://[::1]/hook", "this machine (loopback)"),
        ("https://10.1.2.3/hook", "a private network address"),
        ("https://172.16.0.9/hook", "a private network address"),
        ("https://192.168.1.10/hook", "a private network address"),
        ("https://100.64.0.1/hook", "a private network address"),  # CGNAT, shared
        ("https://[fc00::1]/hook", "a private network address"),  # unique local
        ("https://[fec0::1]/hook", "a private network address"),  # site-local, deprecated
        ("https://198.18.0.1/hook", "a private network address"),  # benchmarking
        ("https://192.0.2.1/hook", "a private network address"),  # documentation
        ("https://169.254.169.254/latest/meta-data", "a link-local address"),
        ("https://[fe80::1]/hook", "a link-local address"),
    ],
)
def test_production_defaults_refuse_plain_http_loopback_private_and_link_local(url, reason):
    assert reason in (refusal(url, PRODUCTION) or "accepted")


def test_production_defaults_accept_a_public_https_address():
    target = check_url("https://93.184.215.14:8443/hooks?practice=7", **PRODUCTION)
    assert (target.host, target.port, target.path) == ("93.184.215.14", 8443, "/hooks?practice=7")
    assert target.addresses == ("93.184.215.14",)


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0",  # noqa: S104 - unspecified: Linux connects it to this machine
        "0.1.2.3",  # the rest of 0.0.0.0/8
        "::",
        "169.254.169.254",  # cloud metadata
        "fe80::1",
        "224.0.0.1",  # multicast
        "ff02::1",
        "240.0.0.1",  # reserved
        "255.255.255.255",
    ],
)
def test_never_a_receiver_whatever_the_settings(address):
    assert why_forbidden(ipaddress.ip_address(address), allow_private=True) is not None
    assert why_forbidden(ipaddress.ip_address(address), allow_private=False) is not None


# 127.0.0.1 and 169.254.169.254 written in every IPv6 form that carries an IPv4 address.
LOOPBACK_IN_IPV6 = {
    "IPv4-mapped": "::ffff:127.0.0.1",
    "IPv4-compatible": "::127.0.0.1",
    "IPv4-translated (SIIT)": "::ffff:0:127.0.0.1",
    "6to4": "2002:7f00:1::",
    "6to4, another host behind it": "2002:7f00:1:5::9",
    "NAT64 well-known prefix": "64:ff9b::127.0.0.1",
    # Teredo: 2001:0:<server>:<flags>:<port>:<client, inverted>.
    "Teredo server": "2001:0:7f00:1:0:0:a3b4:c5d6",
    "Teredo client": "2001:0:5db8:d70e::80ff:fffe",
}
METADATA_IN_IPV6 = {
    "IPv4-mapped": "::ffff:169.254.169.254",
    "IPv4-compatible": "::169.254.169.254",
    "6to4": "2002:a9fe:a9fe::",
    "NAT64 well-known prefix": "64:ff9b::169.254.169.254",
    "Teredo client": "2001:0:5db8:d70e::5601:5601",
}


@pytest.mark.parametrize("address", LOOPBACK_IN_IPV6.values(), ids=LOOPBACK_IN_IPV6.keys())
def test_loopback_inside_ipv6_is_refused_as_loopback(address):
    reason = why_forbidden(ipaddress.ip_address(address), allow_private=False)
    assert reason == "this machine (loopback), written as IPv6"
    assert "written as IPv6" in (refusal(f"https://[{address}]/hook", PRODUCTION) or "accepted")


@pytest.mark.parametrize("address", METADATA_IN_IPV6.values(), ids=METADATA_IN_IPV6.keys())
def test_link_local_inside_ipv6_is_refused_even_for_local_trials(address):
    reason = why_forbidden(ipaddress.ip_address(address), allow_private=True)
    assert reason == "a link-local address, written as IPv6"


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b:1::7f00:1",  # /96 layout
        "64:ff9b:1:7f00:1::",  # /48 layout
        "64:ff9b:1:5db8:d7:e00::",  # a public address, /56 layout: still refused
    ],
)
def test_a_local_use_nat64_address_is_refused_whole(address):
    for allow_private in (False, True):
        reason = why_forbidden(ipaddress.ip_address(address), allow_private)
        assert reason is not None and "NAT64" in reason


def test_teredo_is_private_even_between_public_ends():
    teredo = ipaddress.ip_address("2001:0:5db8:d70e::a247:28f1")  # both ends public
    assert why_forbidden(teredo, allow_private=False) == "a private network address"
    assert why_forbidden(teredo, allow_private=True) is None


@pytest.mark.parametrize(
    "address",
    ["2002:5db8:d70e::1", "64:ff9b::93.184.215.14", "::ffff:93.184.215.14", "2606:4700::1111"],
)
def test_public_addresses_in_any_form_are_allowed(address):
    assert why_forbidden(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://pm.example.org/hooks /homework", "a space"),
        ("https://pm.example.org/hooks\t/homework", "a space, a tab"),
        ("https://pm.example.org/hooks\n", "control character"),
        ("https://pm.exa\x00mple.org/hook", "control character"),
        ("https://pm.example.org/hook\x7f", "control character"),
        ("\thttps://pm.example.org/hook", "control character"),
        ("https://pm.example.org/caf\u00e9", "plain ASCII form"),
        ("https://pm.example.org/hook\u2028", "plain ASCII form"),
        ("https://pm.example.org\\@127.0.0.1/hook", "backslash"),
        ("https:\\\\pm.example.org/hook", "backslash"),
        ("https://user:pass@pm.example.org/hook", "user:pass@"),
        ("https://user@pm.example.org/hook", "user:pass@"),
        ("https://@pm.example.org/hook", "user:pass@"),
        ("https:///hook", "needs a host name"),
        ("https://:443/hook", "needs a host name"),
        ("https://pm.example.org:0/hook", "from 1 to 65535"),
        ("https://pm.example.org:65536/hook", "from 1 to 65535"),
        ("https://pm.example.org:+443/hook", "from 1 to 65535"),
        ("https://pm.example.org:44x/hook", "from 1 to 65535"),
        ("https://[::1]x/hook", "not a valid URL"),
        ("https://[::1/hook", "not a valid URL"),
        ("ftp://pm.example.org/hook", "http:// or https://"),
        ("gopher://pm.example.org/hook", "http:// or https://"),
        ("pm.example.org/hook", "http:// or https://"),
        ("https://pm.example.org/hook#top", "#fragment"),
    ],
)
def test_urls_are_parsed_strictly(url, message):
    assert message in (refusal(url, LOCAL_TRIALS) or "accepted")


def test_spaces_around_a_pasted_url_are_forgiven():
    target = check_url("  http://127.0.0.1:8080/hook  ", **LOCAL_TRIALS)
    assert target.url == "http://127.0.0.1:8080/hook"
    assert (target.port, target.path) == (8080, "/hook")
