"""Client addresses: who is trusted to name them, how they are kept, how they are limited."""

import ipaddress

import pytest
from django.test import RequestFactory

from tests.conftest import SIGN_FIELDS
from undersigned.core.net import client_ip, ip_hash
from undersigned.signatures.models import Signature


def _request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_header_is_ignored_from_an_untrusted_peer(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    assert client_ip(_request("198.51.100.9", "203.0.113.1")) == "198.51.100.9"


def test_forwarded_header_is_read_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    assert client_ip(_request("127.0.0.1", "203.0.113.1")) == "203.0.113.1"


def test_spoofed_leftmost_forwarded_entries_are_not_believed(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    request = _request("10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.1")
    assert client_ip(request) == "203.0.113.5"


def test_malformed_forwarded_header_falls_back_to_the_proxy(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    assert client_ip(_request("127.0.0.1", "not-an-ip")) == "127.0.0.1"


@pytest.mark.parametrize(
    "forwarded",
    [
        "203.0.113.1",
        " 203.0.113.1 ",
        "2001:db8::1",
        "[2001:db8::1]",
        "::ffff:203.0.113.1",
        "fe80::1%eth0",
        "2001:DB8:0:0:0:0:0:1",
        "203.0.113.01",
        "203.0.113.256",
        "1.2.3",
        "",
    ],
)
def test_forwarded_addresses_read_as_the_ipaddress_module_reads_them(settings, forwarded):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    try:
        expected = str(ipaddress.ip_address(forwarded.strip().strip("[]")))
    except ValueError:
        expected = "127.0.0.1"  # unreadable: the proxy itself is the client
    assert client_ip(_request("127.0.0.1", forwarded)) == expected


def test_address_is_stored_only_as_a_keyed_hash(client, statement):
    client.post(f"/en/s/{statement.slug}/sign", SIGN_FIELDS, REMOTE_ADDR="203.0.113.77")
    stored = Signature.objects.get().ip_hash
    assert stored == ip_hash("203.0.113.77")
    assert "203.0.113.77" not in stored and len(stored) == 32


def test_hash_depends_on_the_secret_key(settings):
    first = ip_hash("203.0.113.77")
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-django"
    assert ip_hash("203.0.113.77") != first


def test_submissions_are_rate_limited_per_address_and_statement(client, statement, settings):
    settings.RATE_LIMIT_SIGNS = 3
    codes = [
        client.post(
            f"/en/s/{statement.slug}/sign",
            {**SIGN_FIELDS, "email": f"p{index}@example.org"},
            REMOTE_ADDR="203.0.113.8",
        ).status_code
        for index in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    assert Signature.objects.count() == 3
    other = client.post(
        f"/en/s/{statement.slug}/sign",
        {**SIGN_FIELDS, "email": "other@example.org"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302


def test_rate_limit_uses_the_forwarded_address_behind_a_trusted_proxy(client, statement, settings):
    settings.RATE_LIMIT_SIGNS = 1
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    for index, forwarded in enumerate(["203.0.113.1", "203.0.113.2"]):
        response = client.post(
            f"/en/s/{statement.slug}/sign",
            {**SIGN_FIELDS, "email": f"p{index}@example.org"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )
        assert response.status_code == 302
